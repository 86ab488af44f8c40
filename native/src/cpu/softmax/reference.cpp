// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The oracles: one (outer, inner) position at a time, channels strided by inner, sums in double,
// no threads.
#include <cmath>
#include <limits>

#include "cpu/softmax/softmax.h"

namespace nn::cpu {

void softmax_forward_reference(const SoftmaxForward& problem) {
    const SoftmaxForward& p = problem;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const float* x = p.x + o * p.channels * p.inner + i;
            float* y = p.y + o * p.channels * p.inner + i;
            float max = -std::numeric_limits<float>::infinity();
            for (int64_t c = 0; c < p.channels; ++c) max = x[c * p.inner] > max ? x[c * p.inner] : max;
            double sum = 0.0;
            // The max skips a NaN, but its exp makes the sum, and so the whole row, NaN.
            for (int64_t c = 0; c < p.channels; ++c) sum += std::exp(x[c * p.inner] - max);
            const double log_sum = std::log(sum);
            for (int64_t c = 0; c < p.channels; ++c) {
                const float shifted = x[c * p.inner] - max;
                y[c * p.inner] = p.kind == SoftmaxKind::Softmax
                                     ? static_cast<float>(std::exp(shifted) / sum)
                                     : shifted - static_cast<float>(log_sum);
            }
        }
    }
}

void softmax_backward_reference(const SoftmaxBackward& problem) {
    const SoftmaxBackward& p = problem;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const int64_t offset = o * p.channels * p.inner + i;
            const float* y = p.y + offset;
            const float* dy = p.dy + offset;
            float* dx = p.dx + offset;
            double sum = 0.0;
            for (int64_t c = 0; c < p.channels; ++c) {
                sum += p.kind == SoftmaxKind::Softmax ? static_cast<double>(dy[c * p.inner]) * y[c * p.inner]
                                                      : dy[c * p.inner];
            }
            const auto total = static_cast<float>(sum);
            for (int64_t c = 0; c < p.channels; ++c) {
                const float yc = y[c * p.inner];
                const float dyc = dy[c * p.inner];
                dx[c * p.inner] = p.kind == SoftmaxKind::Softmax ? yc * (dyc - total) : dyc - std::exp(yc) * total;
            }
        }
    }
}

}  // namespace nn::cpu
