// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The pooling kernels, written once over a kit K of vector operations (the kits live in avx2.cpp
// and avx512.cpp). A vector holds consecutive outputs of one row; the columns whose window lies
// wholly inside the input run in vectors (the last one masked), at horizontal stride 1 or 2,
// where a window column is one load or one even-lane load of two. The border columns, and rows
// of other strides, run PyTorch's scalar loops. Planes are split among threads, each plane
// whole, so no result depends on the thread count.
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

static inline int pool_threads(const Pool2dProblem& p) {
    return p.x_count() >= pool_parallel_elements && p.planes() > 1 ? nn::core::num_threads() : 1;
}

// Output columns [begin, end) whose window lies inside [0, W): q sw - pw >= 0 and
// q sw - pw + kw <= W.
struct PoolColumns {
    int64_t begin;
    int64_t end;
};

static inline PoolColumns pool_inner_columns(const Pool2dProblem& p) {
    const int64_t begin = (p.padding_width + p.stride_width - 1) / p.stride_width;
    const int64_t last = p.in_width - p.kernel_width + p.padding_width;  // largest q sw allowed
    int64_t end = last < 0 ? 0 : last / p.stride_width + 1;
    if (end > p.out_width) end = p.out_width;
    return {begin < end ? begin : end, end};
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

// One window column of `count` outputs starting at x column `column`: x[column + q sw] for the
// vector's outputs q.
template <class K>
typename K::Vector pool_load(const float* row, int64_t column, int64_t stride, int64_t count) {
    return stride == 1 ? K::load(row + column, count) : K::load_even(row + column, count);
}

template <class K>
void max_pool2d_forward_vector(const MaxPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
    const PoolColumns inner = pool_inner_columns(p);
    const bool vectors = p.stride_width <= 2;
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        float* y = op.y + plane * p.out_plane();
        int64_t* indices = op.indices != nullptr ? op.indices + plane * p.out_plane() : nullptr;
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            float* y_row = y + oh * p.out_width;
            int64_t* index_row = indices != nullptr ? indices + oh * p.out_width : nullptr;
            const int64_t begin = vectors ? inner.begin : p.out_width;
            const int64_t end = vectors ? inner.end : p.out_width;
            for (int64_t ow = 0; ow < begin; ++ow) {
                max_window(p, x, oh, ow, y_row + ow, index_row != nullptr ? index_row + ow : nullptr);
            }
            const int64_t ih0 = pool_max(oh * p.stride_height - p.padding_height, 0);
            const int64_t ih1 = pool_min(oh * p.stride_height - p.padding_height + p.kernel_height, p.in_height);
            for (int64_t ow = begin; ow < end; ow += K::width) {
                const int64_t count = pool_min(K::width, end - ow);
                const int64_t first_column = ow * p.stride_width - p.padding_width;
                auto max = K::broadcast(-std::numeric_limits<float>::infinity());
                auto index = K::ramp(static_cast<float>(ih0 * p.in_width + first_column),
                                     static_cast<float>(p.stride_width));
                for (int64_t ih = ih0; ih < ih1; ++ih) {
                    const float* row = x + ih * p.in_width;
                    for (int64_t s = 0; s < p.kernel_width; ++s) {
                        const auto value = pool_load<K>(row, first_column + s, p.stride_width, count);
                        const auto takes = K::takes(value, max);
                        max = K::select(takes, value, max);
                        index = K::select(takes,
                                          K::ramp(static_cast<float>(ih * p.in_width + first_column + s),
                                                  static_cast<float>(p.stride_width)),
                                          index);
                    }
                }
                K::store(y_row + ow, max, count);
                if (index_row != nullptr) K::store_indices(index_row + ow, index, count);
            }
            for (int64_t ow = end; ow < p.out_width; ++ow) {
                max_window(p, x, oh, ow, y_row + ow, index_row != nullptr ? index_row + ow : nullptr);
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
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1) reduction(+ : out_of_range)
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

template <class K>
void avg_pool2d_forward_vector(const AvgPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
    const PoolColumns inner = pool_inner_columns(p);
    const bool vectors = p.stride_width <= 2;
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        float* y = op.y + plane * p.out_plane();
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            float* y_row = y + oh * p.out_width;
            const int64_t begin = vectors ? inner.begin : p.out_width;
            const int64_t end = vectors ? inner.end : p.out_width;
            for (int64_t ow = 0; ow < begin; ++ow) y_row[ow] = average_window(p, x, oh, ow);
            if (begin < end) {
                // Inner columns span the kernel's full width, so the divisor depends on the row only.
                const PoolAverage rows = average_of(p, oh, begin);
                for (int64_t ow = begin; ow < end; ow += K::width) {
                    const int64_t count = pool_min(K::width, end - ow);
                    const int64_t first_column = ow * p.stride_width - p.padding_width;
                    auto sum = K::zero();
                    for (int64_t ih = rows.ih0; ih < rows.ih1; ++ih) {
                        const float* row = x + ih * p.in_width;
                        for (int64_t s = 0; s < p.kernel_width; ++s) {
                            sum = K::add(sum, pool_load<K>(row, first_column + s, p.stride_width, count));
                        }
                    }
                    const auto result =
                        rows.divisor == 0 ? K::zero() : K::div(sum, K::broadcast(static_cast<float>(rows.divisor)));
                    K::store(y_row + ow, result, count);
                }
            }
            for (int64_t ow = end; ow < p.out_width; ++ow) y_row[ow] = average_window(p, x, oh, ow);
        }
    }
}

template <class K>
void avg_pool2d_backward_vector(const AvgPool2dBackward& op) {
    const Pool2dProblem& p = op.problem;
    const PoolColumns inner = pool_inner_columns(p);
    const bool vectors = p.stride_width <= 2;
    const int threads = pool_threads(p);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* dy = op.dy + plane * p.out_plane();
        float* dx = op.dx + plane * p.in_plane();
        K::fill_zero(dx, p.in_plane());
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            const float* dy_row = dy + oh * p.out_width;
            const int64_t begin = vectors ? inner.begin : p.out_width;
            const int64_t end = vectors ? inner.end : p.out_width;
            for (int64_t ow = 0; ow < begin; ++ow) average_window_backward(p, dy_row[ow], oh, ow, dx);
            if (begin < end) {
                const PoolAverage rows = average_of(p, oh, begin);
                const auto divisor = K::broadcast(static_cast<float>(rows.divisor));
                for (int64_t ow = begin; ow < end && rows.divisor > 0; ow += K::width) {
                    const int64_t count = pool_min(K::width, end - ow);
                    const int64_t first_column = ow * p.stride_width - p.padding_width;
                    const auto share = K::div(K::load(dy_row + ow, count), divisor);
                    for (int64_t ih = rows.ih0; ih < rows.ih1; ++ih) {
                        float* row = dx + ih * p.in_width;
                        for (int64_t s = 0; s < p.kernel_width; ++s) {
                            if (p.stride_width == 1) {
                                K::add_to(row + first_column + s, share, count);
                            } else {
                                K::add_to_even(row + first_column + s, share, count);
                            }
                        }
                    }
                }
            }
            for (int64_t ow = end; ow < p.out_width; ++ow) average_window_backward(p, dy_row[ow], oh, ow, dx);
        }
    }
}

}  // namespace nn::cpu
