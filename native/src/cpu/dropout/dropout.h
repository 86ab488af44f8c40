// x [n] -> y [n], mask [n] and dy [n], mask [n] -> dx [n]: dropout as PyTorch's CPU kernel computes
// it, y = x * mask with mask = bernoulli(1 - p) / (1 - p), and dx = dy * mask.
//
// The mask is counter-based like the tensor fills of core/random.h: element i is kept when
// uniform_sample(seed, i, 0, 1) >= p, that is when the top 24 bits of mix(seed, i) reach
// ceil(p * 2^24), so it depends only on (seed, i), never on the thread count or the instruction set.
// A kept element's mask is 1 / (1 - p) (rounded to float), a dropped one's 0. p = 0 keeps everything
// with mask 1 (y = x); p = 1 drops everything (y = x * 0, so NaN and infinities give NaN, as in
// PyTorch). p outside [0, 1] throws nn::core::Error(NN_ERROR_INVALID_ARGUMENT).
//
// The forward dispatches through nn::core::dispatch (avx512, avx2, reference); the backward is the
// element-wise product of cpu/eltwise and dispatches there.
#pragma once

#include <cstdint>

namespace nn::cpu {

// x [n] -> y [n], mask [n]; y may be x
struct DropoutForward {
    float p = 0.5f;
    uint64_t seed = 0;
    int64_t count = 0;
    const float* x = nullptr;
    float* y = nullptr;
    float* mask = nullptr;
};

// dy [n], mask [n] -> dx [n]; dx may be dy
struct DropoutBackward {
    int64_t count = 0;
    const float* dy = nullptr;
    const float* mask = nullptr;
    float* dx = nullptr;
};

// Throws nn::core::Error(NN_ERROR_INVALID_ARGUMENT) "<prefix>p is ... but must be in [0, 1]" unless
// 0 <= p <= 1; the entry point and the C ABI shim share it.
void check_dropout_probability(const char* prefix, float p);

void dropout_forward(const DropoutForward& problem);
void dropout_backward(const DropoutBackward& problem);

// The implementations of the forward give identical bits.
void dropout_forward_reference(const DropoutForward& problem);
void dropout_forward_avx2(const DropoutForward& problem);
void dropout_forward_avx512(const DropoutForward& problem);

// The smallest top-24-bit value of mix(seed, i) that keeps element i: ceil(p * 2^24).
uint64_t dropout_keep_threshold(float p);

// The value of a kept element's mask: 1 / (1 - p), or 0 for p = 1 where nothing is kept.
float dropout_scale(float p);

}  // namespace nn::cpu
