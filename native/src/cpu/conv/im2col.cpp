// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q]; dy -> dx; x, dy -> dw
// The GEMM formulation. im2col lays one image's windows out as a matrix col [C R S, P Q] (row
// (c, r, s) holds tap (r, s) of channel c for every output position), and then, per group g,
//   forward          y_g [K/g, PQ]    = w_g [K/g, C/g RS] col_g [C/g RS, PQ]
//   backward-data    col_g            = w_g^T dy_g, then col2im adds each column back to its window
//   backward-weight  dw_g [K/g, C/g RS] += dy_g [K/g, PQ] col_g^T
// A 1x1 kernel at stride 1 without padding needs no im2col: col is the image itself.
//
// The images run one after another and nn::cpu::gemm spreads each product over the threads
// itself (it must not be called from inside a parallel region); im2col and col2im split their
// rows among the threads. col covers a chunk of output positions at a time so that it stays in
// cache and its scratch stays bounded.
#include <algorithm>
#include <cstdint>

#include "core/parallel.h"
#include "cpu/conv/conv.h"
#include "cpu/conv/scratch.h"
#include "cpu/gemm/gemm.h"

namespace nn::cpu {
namespace {

// Floats of one im2col chunk: 1 MiB, the L2 of one core, which the GEMM then packs from.
constexpr int64_t column_budget = int64_t{1} << 18;
// Fewest output positions per chunk, so that the GEMM's N stays wide enough for its 32-wide tiles.
constexpr int64_t fewest_columns = 128;
// Below this many floats of copying one thread does it alone: an OpenMP team costs microseconds.
constexpr int64_t parallel_floats = int64_t{1} << 15;

struct Range {
    int64_t begin;
    int64_t end;
};

// The output positions o in [0, out) whose tap lands inside [0, in): o stride + offset in [0, in).
Range valid_outputs(int64_t out, int64_t in, int64_t stride, int64_t offset) {
    const int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const int64_t end = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
    const int64_t clamped_begin = std::min(begin, out);
    return {clamped_begin, std::max(clamped_begin, std::min(end, out))};
}

bool is_pointwise(const Conv2dProblem& p) {
    return p.kernel_height == 1 && p.kernel_width == 1 && p.stride_height == 1 && p.stride_width == 1 &&
           p.padding_height == 0 && p.padding_width == 0;
}

// Output positions per chunk: all of them when col fits the budget.
int64_t chunk_columns(const Conv2dProblem& p) {
    const int64_t rows = p.in_channels * p.kernel_area();
    return std::min(p.out_plane(), std::max(fewest_columns, column_budget / rows));
}

int threads_for(int64_t floats) { return floats >= parallel_floats ? nn::core::num_threads() : 1; }

// col [C R S, end - begin] <- the windows of image x [C,H,W] at output positions [begin, end).
void im2col(const Conv2dProblem& p, const float* x, int64_t begin, int64_t end, float* col) {
    const int64_t width = end - begin;
    const int64_t rows = p.in_channels * p.kernel_area();
    const int threads = threads_for(rows * width);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t row = 0; row < rows; ++row) {
        const int64_t c = row / p.kernel_area();
        const int64_t r = row / p.kernel_width % p.kernel_height;
        const int64_t s = row % p.kernel_width;
        const float* plane = x + c * p.in_plane();
        const int64_t column_offset = s * p.dilation_width - p.padding_width;
        const Range valid = valid_outputs(p.out_width, p.in_width, p.stride_width, column_offset);
        float* out = col + row * width;
        for (int64_t j = begin; j < end;) {
            const int64_t oh = j / p.out_width;
            const int64_t first = j % p.out_width;
            const int64_t last = std::min(p.out_width, first + (end - j));
            // out[line + ow] for ow in [first, last); line may be negative, so it stays an index.
            const int64_t line = j - begin - first;
            const int64_t ih = oh * p.stride_height - p.padding_height + r * p.dilation_height;
            if (ih < 0 || ih >= p.in_height) {
                std::fill(out + (line + first), out + (line + last), 0.0f);
            } else {
                const int64_t low = std::clamp(valid.begin, first, last);
                const int64_t high = std::clamp(valid.end, low, last);
                std::fill(out + (line + first), out + (line + low), 0.0f);
                const int64_t source = ih * p.in_width + column_offset;  // plane[source + ow stride]
                if (p.stride_width == 1) {
                    std::copy(plane + (source + low), plane + (source + high), out + (line + low));
                } else {
                    for (int64_t ow = low; ow < high; ++ow) out[line + ow] = plane[source + ow * p.stride_width];
                }
                std::fill(out + (line + high), out + (line + last), 0.0f);
            }
            j += last - first;
        }
    }
}

// dx [C,H,W] += every column of col [C R S, end - begin] added back to its window.
void col2im(const Conv2dProblem& p, const float* col, int64_t begin, int64_t end, float* dx) {
    const int64_t width = end - begin;
    const int threads = threads_for(p.in_channels * p.kernel_area() * width);
    // Channels are split among threads, so no two threads add to the same dx element.
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t c = 0; c < p.in_channels; ++c) {
        float* plane = dx + c * p.in_plane();
        for (int64_t r = 0; r < p.kernel_height; ++r) {
            for (int64_t s = 0; s < p.kernel_width; ++s) {
                const int64_t row = (c * p.kernel_height + r) * p.kernel_width + s;
                const int64_t column_offset = s * p.dilation_width - p.padding_width;
                const Range valid = valid_outputs(p.out_width, p.in_width, p.stride_width, column_offset);
                const float* in = col + row * width;
                for (int64_t j = begin; j < end;) {
                    const int64_t oh = j / p.out_width;
                    const int64_t first = j % p.out_width;
                    const int64_t last = std::min(p.out_width, first + (end - j));
                    const int64_t ih = oh * p.stride_height - p.padding_height + r * p.dilation_height;
                    if (ih >= 0 && ih < p.in_height) {
                        const int64_t line = j - begin - first;
                        const int64_t low = std::clamp(valid.begin, first, last);
                        const int64_t high = std::clamp(valid.end, low, last);
                        const int64_t target = ih * p.in_width + column_offset;
                        if (p.stride_width == 1) {
                            for (int64_t ow = low; ow < high; ++ow) plane[target + ow] += in[line + ow];
                        } else {
                            for (int64_t ow = low; ow < high; ++ow) plane[target + ow * p.stride_width] += in[line + ow];
                        }
                    }
                    j += last - first;
                }
            }
        }
    }
}

}  // namespace

void conv2d_forward_gemm(const Conv2dForward& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    const int64_t depth = group_in * p.kernel_area();
    const bool pointwise = is_pointwise(p);
    const int64_t chunk = pointwise ? p.out_plane() : chunk_columns(p);
    float* col = pointwise ? nullptr
                           : conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(p.in_channels * p.kernel_area() * chunk));
    for (int64_t n = 0; n < p.batch; ++n) {
        const float* x = op.x + n * p.in_channels * p.in_plane();
        float* y = op.y + n * p.out_channels * p.out_plane();
        for (int64_t begin = 0; begin < p.out_plane(); begin += chunk) {
            const int64_t end = std::min(p.out_plane(), begin + chunk);
            if (!pointwise) im2col(p, x, begin, end, col);
            for (int64_t g = 0; g < p.groups; ++g) {
                GemmProblem product;
                product.m = group_out;
                product.n = end - begin;
                product.k = depth;
                product.a = op.weight + g * group_out * depth;
                product.lda = depth;
                product.b = pointwise ? x + g * group_in * p.in_plane() + begin : col + g * depth * (end - begin);
                product.ldb = pointwise ? p.in_plane() : end - begin;
                product.c = y + g * group_out * p.out_plane() + begin;
                product.ldc = p.out_plane();
                gemm(product);
            }
        }
        if (op.bias != nullptr) {
            for (int64_t k = 0; k < p.out_channels; ++k) {
                float* plane = y + k * p.out_plane();
                const float bias = op.bias[k];
                for (int64_t i = 0; i < p.out_plane(); ++i) plane[i] += bias;
            }
        }
    }
}

void conv2d_backward_data_gemm(const Conv2dBackwardData& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    const int64_t depth = group_in * p.kernel_area();
    const bool pointwise = is_pointwise(p);
    const int64_t chunk = pointwise ? p.out_plane() : chunk_columns(p);
    float* col = pointwise ? nullptr
                           : conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(p.in_channels * p.kernel_area() * chunk));
    for (int64_t n = 0; n < p.batch; ++n) {
        const float* dy = op.dy + n * p.out_channels * p.out_plane();
        float* dx = op.dx + n * p.in_channels * p.in_plane();
        if (!pointwise) std::fill(dx, dx + p.in_channels * p.in_plane(), 0.0f);
        for (int64_t begin = 0; begin < p.out_plane(); begin += chunk) {
            const int64_t end = std::min(p.out_plane(), begin + chunk);
            for (int64_t g = 0; g < p.groups; ++g) {
                GemmProblem product;
                product.transpose_a = true;
                product.m = depth;
                product.n = end - begin;
                product.k = group_out;
                product.a = op.weight + g * group_out * depth;
                product.lda = depth;
                product.b = dy + g * group_out * p.out_plane() + begin;
                product.ldb = p.out_plane();
                product.c = pointwise ? dx + g * group_in * p.in_plane() : col + g * depth * (end - begin);
                product.ldc = pointwise ? p.in_plane() : end - begin;
                gemm(product);
            }
            if (!pointwise) col2im(p, col, begin, end, dx);
        }
    }
}

void conv2d_backward_weight_gemm(const Conv2dBackwardWeight& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    const int64_t depth = group_in * p.kernel_area();
    const bool pointwise = is_pointwise(p);
    const int64_t chunk = pointwise ? p.out_plane() : chunk_columns(p);
    float* col = pointwise ? nullptr
                           : conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(p.in_channels * p.kernel_area() * chunk));
    for (int64_t n = 0; n < p.batch; ++n) {
        const float* x = op.x + n * p.in_channels * p.in_plane();
        const float* dy = op.dy + n * p.out_channels * p.out_plane();
        for (int64_t begin = 0; begin < p.out_plane(); begin += chunk) {
            const int64_t end = std::min(p.out_plane(), begin + chunk);
            if (!pointwise) im2col(p, x, begin, end, col);
            for (int64_t g = 0; g < p.groups; ++g) {
                GemmProblem product;
                product.transpose_b = true;
                product.m = group_out;
                product.n = depth;
                product.k = end - begin;
                product.a = dy + g * group_out * p.out_plane() + begin;
                product.lda = p.out_plane();
                product.b = pointwise ? x + g * group_in * p.in_plane() + begin : col + g * depth * (end - begin);
                product.ldb = pointwise ? p.in_plane() : end - begin;
                // The first product writes dw; the others add to it.
                product.beta = n == 0 && begin == 0 ? 0.0f : 1.0f;
                product.c = op.dweight + g * group_out * depth;
                product.ldc = depth;
                gemm(product);
            }
        }
    }
}

}  // namespace nn::cpu
