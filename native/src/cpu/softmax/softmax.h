// x [outer, channels, inner] -> y [outer, channels, inner], normalised over channels (dim 1 of
// [N, C, d1, ...]; inner = 1 for [N, C]), and the backward from y:
//   softmax      y = exp(x - max) / sum(exp(x - max))     dx = y * (dy - sum(dy * y))
//   log_softmax  y = x - max - log(sum(exp(x - max)))     dx = dy - exp(y) * sum(dy)
// with the max and the sums over channels. Subtracting the max keeps large logits finite; a row
// holding NaN, or nothing but -inf, gives NaN, as in PyTorch. Outputs may be the very buffer of an
// input (in place). Both entry points dispatch through nn::core::dispatch: avx512, avx2, reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

enum class SoftmaxKind { Softmax, LogSoftmax };

// x [outer, channels, inner] -> y [outer, channels, inner]
struct SoftmaxForward {
    SoftmaxKind kind = SoftmaxKind::Softmax;
    int64_t outer = 0;
    int64_t channels = 0;
    int64_t inner = 0;
    const float* x = nullptr;
    float* y = nullptr;
};

// y [outer, channels, inner], dy [outer, channels, inner] -> dx [outer, channels, inner]
struct SoftmaxBackward {
    SoftmaxKind kind = SoftmaxKind::Softmax;
    int64_t outer = 0;
    int64_t channels = 0;
    int64_t inner = 0;
    const float* y = nullptr;
    const float* dy = nullptr;
    float* dx = nullptr;
};

// Check sizes and pointers (nn::core::Error with NN_ERROR_INVALID_ARGUMENT), then run the best
// implementation the active instruction-set level allows.
void softmax_forward(const SoftmaxForward& problem);
void softmax_backward(const SoftmaxBackward& problem);

// The implementations, same signature. The reference sums in double; the vector kernels sum in
// float and use the vector exp, so they agree to a few ulps on short rows and to about 1e-6 of the
// row sum on long ones. Every row is computed whole by one thread, so no result depends on the
// thread count.
void softmax_forward_reference(const SoftmaxForward& problem);
void softmax_forward_avx2(const SoftmaxForward& problem);
void softmax_forward_avx512(const SoftmaxForward& problem);

void softmax_backward_reference(const SoftmaxBackward& problem);
void softmax_backward_avx2(const SoftmaxBackward& problem);
void softmax_backward_avx512(const SoftmaxBackward& problem);

}  // namespace nn::cpu
