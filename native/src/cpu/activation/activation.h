// x [n] -> y [n] and saved [n], dy [n] -> dx [n]: ReLU, LeakyReLU, ELU, sigmoid and tanh, element by
// element, with PyTorch's formulas:
//   relu        y = x <= 0 ? 0 : x                          dx = x <= 0 ? 0 : dy
//   leaky_relu  y = x > 0 ? x : slope * x                   dx = x > 0 ? dy : slope * dy
//   elu         y = x <= 0 ? alpha * expm1(x) : x           dx = x <= 0 ? alpha * exp(x) * dy : dy
//   sigmoid     y = 1 / (1 + exp(-x))                       dx = dy * (1 - y) * y
//   tanh        y = tanh(x)                                 dx = dy * (1 - y * y)
// The backward takes what PyTorch saves: the input x for ReLU, LeakyReLU and ELU, the output y for
// sigmoid and tanh. A NaN input gives NaN. Outputs may be the very buffer of an input (in place).
// Both entry points dispatch through nn::core::dispatch: avx512, avx2, reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

enum class Activation { Relu, LeakyRelu, Elu, Sigmoid, Tanh };

// x [n] -> y [n]
struct ActivationForward {
    Activation kind = Activation::Relu;
    float parameter = 0.0f;  // negative_slope for LeakyRelu, alpha for Elu; unused otherwise
    int64_t count = 0;
    const float* x = nullptr;
    float* y = nullptr;
};

// saved [n], dy [n] -> dx [n]; saved is x for Relu, LeakyRelu and Elu, y for Sigmoid and Tanh
struct ActivationBackward {
    Activation kind = Activation::Relu;
    float parameter = 0.0f;
    int64_t count = 0;
    const float* saved = nullptr;
    const float* dy = nullptr;
    float* dx = nullptr;
};

// Check sizes and pointers (nn::core::Error with NN_ERROR_INVALID_ARGUMENT), then run the best
// implementation the active instruction-set level allows.
void activation_forward(const ActivationForward& problem);
void activation_backward(const ActivationBackward& problem);

// The implementations, same signature and the same results up to a few ulps (the vector kernels
// use their own exp, expm1 and tanh; see cpu/eltwise/vector_math.h).
void activation_forward_reference(const ActivationForward& problem);
void activation_forward_avx2(const ActivationForward& problem);
void activation_forward_avx512(const ActivationForward& problem);

void activation_backward_reference(const ActivationBackward& problem);
void activation_backward_avx2(const ActivationBackward& problem);
void activation_backward_avx512(const ActivationBackward& problem);

}  // namespace nn::cpu
