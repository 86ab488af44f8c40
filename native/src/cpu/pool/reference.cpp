// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The oracles: PyTorch's CPU loops, one output at a time, windows in row-major order, sums in
// float as PyTorch's kernels keep them for float tensors. Planes of large problems are split among
// threads only so that benchmarks finish; each plane is one thread's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/parallel.h"
#include "cpu/pool/pool.h"

namespace nn::cpu {
namespace {

// Threads for a reference call: one below a million input elements, where waking a team would
// cost more than the loop (tests call the references on small maps thousands of times).
int reference_threads(const Pool2dProblem& p) {
    return p.x_count() * p.kernel_height * p.kernel_width >= (int64_t{1} << 20) ? nn::core::num_threads() : 1;
}

}  // namespace

void max_pool2d_forward_reference(const MaxPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            for (int64_t ow = 0; ow < p.out_width; ++ow) {
                int64_t ih0 = oh * p.stride_height - p.padding_height;
                int64_t iw0 = ow * p.stride_width - p.padding_width;
                const int64_t ih1 = std::min(ih0 + p.kernel_height, p.in_height);
                const int64_t iw1 = std::min(iw0 + p.kernel_width, p.in_width);
                ih0 = std::max<int64_t>(ih0, 0);
                iw0 = std::max<int64_t>(iw0, 0);
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
                const int64_t out = plane * p.out_plane() + oh * p.out_width + ow;
                op.y[out] = max;
                if (op.indices != nullptr) op.indices[out] = index;
            }
        }
    }
}

void max_pool2d_backward_reference(const MaxPool2dBackward& op) {
    const Pool2dProblem& p = op.problem;
    int64_t out_of_range = 0;
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static) reduction(+ : out_of_range)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        float* dx = op.dx + plane * p.in_plane();
        for (int64_t i = 0; i < p.in_plane(); ++i) dx[i] = 0.0f;
        for (int64_t j = plane * p.out_plane(); j < (plane + 1) * p.out_plane(); ++j) {
            const int64_t index = op.indices[j];
            if (index < 0 || index >= p.in_plane()) {
                ++out_of_range;
                continue;
            }
            dx[index] += op.dy[j];
        }
    }
    if (op.out_of_range != nullptr) *op.out_of_range = out_of_range;
}

namespace {

// PyTorch's window of an average: [ih0, ih1) x [iw0, iw1) inside the input and its divisor; a
// divisor of 0 marks a window with no input element (its output is 0).
struct AverageWindow {
    int64_t ih0, ih1, iw0, iw1;
    int64_t divisor;
};

AverageWindow average_window(const Pool2dProblem& p, int64_t oh, int64_t ow) {
    int64_t ih0 = oh * p.stride_height - p.padding_height;
    int64_t iw0 = ow * p.stride_width - p.padding_width;
    int64_t ih1 = std::min(ih0 + p.kernel_height, p.in_height + p.padding_height);
    int64_t iw1 = std::min(iw0 + p.kernel_width, p.in_width + p.padding_width);
    const int64_t pool_size = (ih1 - ih0) * (iw1 - iw0);
    ih0 = std::max<int64_t>(ih0, 0);
    iw0 = std::max<int64_t>(iw0, 0);
    ih1 = std::min(ih1, p.in_height);
    iw1 = std::min(iw1, p.in_width);
    if (ih0 >= ih1 || iw0 >= iw1) return {ih0, ih0, iw0, iw0, 0};
    return {ih0, ih1, iw0, iw1, p.count_include_pad ? pool_size : (ih1 - ih0) * (iw1 - iw0)};
}

}  // namespace

void avg_pool2d_forward_reference(const AvgPool2dForward& op) {
    const Pool2dProblem& p = op.problem;
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* x = op.x + plane * p.in_plane();
        float* y = op.y + plane * p.out_plane();
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            for (int64_t ow = 0; ow < p.out_width; ++ow) {
                const AverageWindow window = average_window(p, oh, ow);
                float sum = 0.0f;
                for (int64_t ih = window.ih0; ih < window.ih1; ++ih) {
                    for (int64_t iw = window.iw0; iw < window.iw1; ++iw) sum += x[ih * p.in_width + iw];
                }
                y[oh * p.out_width + ow] = window.divisor == 0 ? 0.0f : sum / static_cast<float>(window.divisor);
            }
        }
    }
}

void avg_pool2d_backward_reference(const AvgPool2dBackward& op) {
    const Pool2dProblem& p = op.problem;
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t plane = 0; plane < p.planes(); ++plane) {
        const float* dy = op.dy + plane * p.out_plane();
        float* dx = op.dx + plane * p.in_plane();
        for (int64_t i = 0; i < p.in_plane(); ++i) dx[i] = 0.0f;
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            for (int64_t ow = 0; ow < p.out_width; ++ow) {
                const AverageWindow window = average_window(p, oh, ow);
                if (window.divisor == 0) continue;
                const float share = dy[oh * p.out_width + ow] / static_cast<float>(window.divisor);
                for (int64_t ih = window.ih0; ih < window.ih1; ++ih) {
                    for (int64_t iw = window.iw0; iw < window.iw1; ++iw) dx[ih * p.in_width + iw] += share;
                }
            }
        }
    }
}

}  // namespace nn::cpu
