// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The pooling kernels, written once over a kit K of vector operations (the kits live in avx2.cpp
// and avx512.cpp). A vector holds consecutive outputs of one row, at horizontal stride 1 or 2,
// where one window column is one load or one even-lane load of two. Loads are masked to the
// input row, so padding reads as the fill (-inf for max, 0 for sums) and border outputs need no
// scalar code; each lane's first index and divisor follow PyTorch's clipping. Rows of other
// strides run PyTorch's scalar loops. Planes are split among threads, each plane whole, so no
// result depends on the thread count.
//
// Files built with AVX flags include this, so everything here is static or a template.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/parallel.h"
#include "cpu/pool/pool.h"

namespace nn::cpu {

// Below this many input elements one thread pools alone: an OpenMP team costs microseconds.
static constexpr int64_t pool_parallel_elements = int64_t{1} << 16;

// Planes a thread takes at a time: small enough that a thread the system delays leaves its share to
// the others, large enough that taking them costs nothing.
static constexpr int pool_planes_per_chunk = 8;

static inline int pool_threads(const Pool2dProblem& p) {
    return p.x_count() >= pool_parallel_elements && p.planes() > 1 ? nn::core::num_threads() : 1;
}

static inline int64_t pool_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t pool_max(int64_t a, int64_t b) { return a > b ? a : b; }

// PyTorch's max over one window, with its index.
static inline void max_window(const Pool2dProblem& p, const float* x, int64_t oh, int64_t ow, float* y,
                              int64_t* index_out) {
    const int64_t ih_start = oh * p.stride_height - p.padding_height;
    const int64_t iw_start = ow * p.stride_width - p.padding_width;
    const int64_t ih1 = pool_min(ih_start + p.kernel_height, p.in_height);
    const int64_t iw1 = pool_min(iw_start + p.kernel_width, p.in_width);
    const int64_t ih0 = pool_max(ih_start, 0);
    const int64_t iw0 = pool_max(iw_start, 0);
    float max = -std::numeric_limits<float>::infinity();
    int64_t index = ih0 * p.in_width + iw0;
    for (int64_t ih = ih0; ih < ih1; ++ih) {
        for (int64_t iw = iw0; iw < iw1; ++iw) {
            const float value = x[ih * p.in_width + iw];
            if (value > max || std::isnan(value)) {
                max = value;
                index = ih * p.in_width + iw;
            }
        }
    }
    *y = max;
    if (index_out != nullptr) *index_out = index;
}

// PyTorch's average window: rows and columns inside the input and the divisor (0: no element).
struct PoolAverage {
    int64_t ih0, ih1, iw0, iw1;
    int64_t divisor;
};

static inline PoolAverage average_of(const Pool2dProblem& p, int64_t oh, int64_t ow) {
    int64_t ih0 = oh * p.stride_height - p.padding_height;
    int64_t iw0 = ow * p.stride_width - p.padding_width;
    int64_t ih1 = pool_min(ih0 + p.kernel_height, p.in_height + p.padding_height);
    int64_t iw1 = pool_min(iw0 + p.kernel_width, p.in_width + p.padding_width);
    const int64_t pool_size = (ih1 - ih0) * (iw1 - iw0);
    ih0 = pool_max(ih0, 0);
    iw0 = pool_max(iw0, 0);
    ih1 = pool_min(ih1, p.in_height);
    iw1 = pool_min(iw1, p.in_width);
    if (ih0 >= ih1 || iw0 >= iw1) return {ih0, ih0, iw0, iw0, 0};
    return {ih0, ih1, iw0, iw1, p.count_include_pad ? pool_size : (ih1 - ih0) * (iw1 - iw0)};
}

static inline float average_window(const Pool2dProblem& p, const float* x, int64_t oh, int64_t ow) {
    const PoolAverage a = average_of(p, oh, ow);
    if (a.divisor == 0) return 0.0f;
    float sum = 0.0f;
    for (int64_t ih = a.ih0; ih < a.ih1; ++ih) {
        for (int64_t iw = a.iw0; iw < a.iw1; ++iw) sum += x[ih * p.in_width + iw];
    }
    return sum / static_cast<float>(a.divisor);
}

static inline void average_window_backward(const Pool2dProblem& p, float gradient, int64_t oh, int64_t ow, float* dx) {
    const PoolAverage a = average_of(p, oh, ow);
    if (a.divisor == 0) return;
    const float share = gradient / static_cast<float>(a.divisor);
    for (int64_t ih = a.ih0; ih < a.ih1; ++ih) {
        for (int64_t iw = a.iw0; iw < a.iw1; ++iw) dx[ih * p.in_width + iw] += share;
    }
}

// The in-row lanes of every (vector of outputs, window column) of a row, the same for every row
// and plane, so they are made once per call; problems with more pairs than fit make them as they go.
template <class K>
class ColumnRanges {
public:
    static constexpr int64_t most_kept = 128;

    explicit ColumnRanges(const Pool2dProblem& p)
        : stride_(p.stride_width * K::width), kernel_width_(p.kernel_width), padding_(p.padding_width),
          row_width_(p.in_width), kept_((p.out_width + K::width - 1) / K::width * p.kernel_width <= most_kept) {
        if (!kept_) return;
        for (int64_t vector = 0; vector * K::width < p.out_width; ++vector) {
            for (int64_t s = 0; s < kernel_width_; ++s) {
                ranges_[vector * kernel_width_ + s] = K::range(vector * stride_ - padding_ + s, row_width_);
            }
        }
    }

    // Window column s of the vector of outputs from column ow.
    typename K::Range of(int64_t ow, int64_t s) const {
        const int64_t vector = ow / K::width;
        return kept_ ? ranges_[vector * kernel_width_ + s] : K::range(vector * stride_ - padding_ + s, row_width_);
    }

private:
    int64_t stride_;  // input columns between the first windows of two vectors
    int64_t kernel_width_;
    int64_t padding_;
    int64_t row_width_;
    bool kept_;
    typename K::Range ranges_[most_kept];
};

// One window column: lane i reads row[start + s + i stride] when that column lies in [0, W), else
// fill. Inside: the vector is whole and every element its loads touch lies in the row, so the
// loads need no masks.
template <class K, bool Inside>
typename K::Vector pool_load(const float* row, const ColumnRanges<K>& ranges, int64_t ow, int64_t start, int64_t s,
                             int64_t stride, float fill) {
    if constexpr (Inside) {
        return stride == 1 ? K::load(row + start + s) : K::load_even(row + start + s);
    } else {
        return stride == 1 ? K::load_in(row, start + s, ranges.of(ow, s), fill)
                           : K::load_even_in(row, start + s, ranges.of(ow, s), fill);
    }
}

// Whether the whole vector of outputs from column `start` reads only inside the row: plain loads
// of one window column cover 16 elements (stride 1) or 32 (stride 2) from its start.
template <class K>
bool pool_vector_inside(const Pool2dProblem& p, int64_t start, int64_t count) {
    return count == K::width && start >= 0 && start + p.kernel_width - 1 + K::width * p.stride_width <= p.in_width;
}

// One vector of max outputs of row oh: values and their indices.
template <class K, bool Inside>
void max_vector(const Pool2dProblem& p, const ColumnRanges<K>& ranges, const float* x, int64_t ih0, int64_t ih1,
                int64_t ow, int64_t start, int64_t count, float* y, int64_t* indices) {
    const float negative_infinity = -std::numeric_limits<float>::infinity();
    const auto columns = K::ramp(static_cast<float>(start), K::broadcast(static_cast<float>(p.stride_width)));
    auto max = K::broadcast(negative_infinity);
    // PyTorch starts each window at its first element inside the input.
    auto index = K::add(K::broadcast(static_cast<float>(ih0 * p.in_width)), K::max(columns, K::zero()));
    for (int64_t ih = ih0; ih < ih1; ++ih) {
        const float* row = x + ih * p.in_width;
        for (int64_t s = 0; s < p.kernel_width; ++s) {
            const auto value = pool_load<K, Inside>(row, ranges, ow, start, s, p.stride_width, negative_infinity);
            const auto takes = K::takes(value, max);
            max = K::select(takes, value, max);
            if (indices != nullptr) {
                index = K::select(takes, K::add(columns, K::broadcast(static_cast<float>(ih * p.in_width + s))), index);
            }
        }
    }
    K::store(y, max, count);
    if (indices != nullptr) K::store_indices(indices, index, count);
}

// One vector of window sums of row oh.
template <class K, bool Inside>
typename K::Vector sum_vector(const Pool2dProblem& p, const ColumnRanges<K>& ranges, const float* x, int64_t ih0,
                              int64_t ih1, int64_t ow, int64_t start) {
    auto sum = K::zero();
    for (int64_t ih = ih0; ih < ih1; ++ih) {
        const float* row = x + ih * p.in_width;
        for (int64_t s = 0; s < p.kernel_width; ++s) {
            sum = K::add(sum, pool_load<K, Inside>(row, ranges, ow, start, s, p.stride_width, 0.0f));
        }
    }
    return sum;
}

template <class K>
void max_pool2d_forward_vector(const MaxPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
    const bool vectors = p.stride_width <= 2;
    const ColumnRanges<K> ranges(p);
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(dynamic, pool_planes_per_chunk) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        float* y = op.y + plane * p.out_plane();
        int64_t* indices = op.indices != nullptr ? op.indices + plane * p.out_plane() : nullptr;
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            float* y_row = y + oh * p.out_width;
            int64_t* index_row = indices != nullptr ? indices + oh * p.out_width : nullptr;
            if (!vectors) {
                for (int64_t ow = 0; ow < p.out_width; ++ow) {
                    max_window(p, x, oh, ow, y_row + ow, index_row != nullptr ? index_row + ow : nullptr);
                }
                continue;
            }
            const int64_t ih0 = pool_max(oh * p.stride_height - p.padding_height, 0);
            const int64_t ih1 = pool_min(oh * p.stride_height - p.padding_height + p.kernel_height, p.in_height);
            for (int64_t ow = 0; ow < p.out_width; ow += K::width) {
                const int64_t count = pool_min(K::width, p.out_width - ow);
                const int64_t start = ow * p.stride_width - p.padding_width;
                int64_t* index_out = index_row != nullptr ? index_row + ow : nullptr;
                if (pool_vector_inside<K>(p, start, count)) {
                    max_vector<K, true>(p, ranges, x, ih0, ih1, ow, start, count, y_row + ow, index_out);
                } else {
                    max_vector<K, false>(p, ranges, x, ih0, ih1, ow, start, count, y_row + ow, index_out);
                }
            }
        }
    }
}

// Scatters every output's gradient to its index; memory-bound, one plane per thread at a time.
template <class K>
void max_pool2d_backward_vector(const MaxPool2dBackward& op) {
    const Pool2dProblem& p = op.problem;
    const int threads = pool_threads(p);
    int64_t out_of_range = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, pool_planes_per_chunk) if (threads > 1) reduction(+ : out_of_range)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        float* dx = op.dx + plane * p.in_plane();
        K::fill_zero(dx, p.in_plane());
        const float* dy = op.dy + plane * p.out_plane();
        const int64_t* indices = op.indices + plane * p.out_plane();
        const auto plane_size = static_cast<uint64_t>(p.in_plane());
        for (int64_t j = 0; j < p.out_plane(); ++j) {
            // One unsigned comparison catches negative indices too.
            const auto index = static_cast<uint64_t>(indices[j]);
            if (index >= plane_size) {
                ++out_of_range;
                continue;
            }
            dx[index] += dy[j];
        }
    }
    if (op.out_of_range != nullptr) *op.out_of_range = out_of_range;
}

// PyTorch's divisors of one vector of outputs in a row: the window's columns clipped to the
// padded input (count_include_pad) or to the input, times the row's count of the same kind.
template <class K>
typename K::Vector average_divisors(const Pool2dProblem& p, int64_t oh, int64_t start) {
    const int64_t top = oh * p.stride_height - p.padding_height;
    const int64_t bottom = top + p.kernel_height;
    const auto left = K::ramp(static_cast<float>(start), K::broadcast(static_cast<float>(p.stride_width)));
    const auto right = K::add(left, K::broadcast(static_cast<float>(p.kernel_width)));
    if (p.count_include_pad) {
        const int64_t rows = pool_min(bottom, p.in_height + p.padding_height) - top;
        const auto columns =
            K::sub(K::min(right, K::broadcast(static_cast<float>(p.in_width + p.padding_width))), left);
        return K::mul(K::broadcast(static_cast<float>(rows)), columns);
    }
    const int64_t rows = pool_min(bottom, p.in_height) - pool_max(top, 0);
    const auto columns = K::sub(K::min(right, K::broadcast(static_cast<float>(p.in_width))), K::max(left, K::zero()));
    return K::mul(K::broadcast(static_cast<float>(rows)), columns);
}

template <class K>
void avg_pool2d_forward_vector(const AvgPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
    const bool vectors = p.stride_width <= 2;
    const ColumnRanges<K> ranges(p);
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(dynamic, pool_planes_per_chunk) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        float* y = op.y + plane * p.out_plane();
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            float* y_row = y + oh * p.out_width;
            if (!vectors) {
                for (int64_t ow = 0; ow < p.out_width; ++ow) y_row[ow] = average_window(p, x, oh, ow);
                continue;
            }
            const int64_t ih0 = pool_max(oh * p.stride_height - p.padding_height, 0);
            const int64_t ih1 = pool_min(oh * p.stride_height - p.padding_height + p.kernel_height, p.in_height);
            for (int64_t ow = 0; ow < p.out_width; ow += K::width) {
                const int64_t count = pool_min(K::width, p.out_width - ow);
                const int64_t start = ow * p.stride_width - p.padding_width;
                const auto sum = pool_vector_inside<K>(p, start, count)
                                     ? sum_vector<K, true>(p, ranges, x, ih0, ih1, ow, start)
                                     : sum_vector<K, false>(p, ranges, x, ih0, ih1, ow, start);
                const auto divisor = average_divisors<K>(p, oh, start);
                // A window with no element inside the input averages to 0, as in PyTorch.
                const auto result = ih0 < ih1 ? K::select(K::greater(divisor, K::zero()), K::div(sum, divisor), K::zero())
                                              : K::zero();
                K::store(y_row + ow, result, count);
            }
        }
    }
}

template <class K>
void avg_pool2d_backward_vector(const AvgPool2dBackward& op) {
    const Pool2dProblem& p = op.problem;
    const bool vectors = p.stride_width <= 2;
    const ColumnRanges<K> ranges(p);
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(dynamic, pool_planes_per_chunk) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* dy = op.dy + plane * p.out_plane();
        float* dx = op.dx + plane * p.in_plane();
        K::fill_zero(dx, p.in_plane());
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            const float* dy_row = dy + oh * p.out_width;
            if (!vectors) {
                for (int64_t ow = 0; ow < p.out_width; ++ow) average_window_backward(p, dy_row[ow], oh, ow, dx);
                continue;
            }
            const int64_t ih0 = pool_max(oh * p.stride_height - p.padding_height, 0);
            const int64_t ih1 = pool_min(oh * p.stride_height - p.padding_height + p.kernel_height, p.in_height);
            for (int64_t ow = 0; ow < p.out_width; ow += K::width) {
                const int64_t count = pool_min(K::width, p.out_width - ow);
                const int64_t start = ow * p.stride_width - p.padding_width;
                const auto divisor = average_divisors<K>(p, oh, start);
                // Lanes past the row, or of windows without divisor, give nothing.
                const auto share = K::select(K::greater(divisor, K::zero()),
                                             K::div(K::load_in(dy_row + ow, 0, K::range(0, count), 0.0f), divisor),
                                             K::zero());
                for (int64_t ih = ih0; ih < ih1; ++ih) {
                    float* row = dx + ih * p.in_width;
                    for (int64_t s = 0; s < p.kernel_width; ++s) {
                        if (p.stride_width == 1) {
                            K::add_in(row, start + s, ranges.of(ow, s), share);
                        } else {
                            K::add_even_in(row, start + s, ranges.of(ow, s), share);
                        }
                    }
                }
            }
        }
    }
}

}  // namespace nn::cpu
