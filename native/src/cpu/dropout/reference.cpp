// x [n] -> y [n], mask [n]
// The oracle: one element at a time through nn::core::mix, no threads.
#include <cmath>

#include "core/random.h"
#include "cpu/dropout/dropout.h"

namespace nn::cpu {

uint64_t dropout_keep_threshold(float p) {
    // p * 2^24 is exact in double, so the ceiling is too.
    return static_cast<uint64_t>(std::ceil(static_cast<double>(p) * 0x1.0p24));
}

float dropout_scale(float p) {
    // PyTorch divides the float mask by the float (1 - p).
    return p < 1.0f ? 1.0f / static_cast<float>(1.0 - static_cast<double>(p)) : 0.0f;
}

void dropout_forward_reference(const DropoutForward& problem) {
    const DropoutForward& p = problem;
    const uint64_t threshold = dropout_keep_threshold(p.p);
    const float scale = dropout_scale(p.p);
    for (int64_t i = 0; i < p.count; ++i) {
        const bool keep = (nn::core::mix(p.seed, static_cast<uint64_t>(i)) >> 40) >= threshold;
        p.mask[i] = keep ? scale : 0.0f;
        p.y[i] = p.x[i] * p.mask[i];
    }
}

}  // namespace nn::cpu
