// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The oracles: PyTorch's scalar formulas with std:: functions, one element at a time, no threads.
#include <cmath>

#include "cpu/activation/activation.h"

namespace nn::cpu {

void activation_forward_reference(const ActivationForward& problem) {
    const ActivationForward& p = problem;
    for (int64_t i = 0; i < p.count; ++i) {
        const float x = p.x[i];
        switch (p.kind) {
            case Activation::Relu: p.y[i] = x <= 0.0f ? 0.0f : x; break;
            case Activation::LeakyRelu: p.y[i] = x > 0.0f ? x : x * p.parameter; break;
            case Activation::Elu: p.y[i] = x <= 0.0f ? p.parameter * std::expm1(x) : x; break;
            case Activation::Sigmoid: p.y[i] = 1.0f / (1.0f + std::exp(-x)); break;
            case Activation::Tanh: p.y[i] = std::tanh(x); break;
        }
    }
}

void activation_backward_reference(const ActivationBackward& problem) {
    const ActivationBackward& p = problem;
    for (int64_t i = 0; i < p.count; ++i) {
        const float saved = p.saved[i];
        const float dy = p.dy[i];
        switch (p.kind) {
            case Activation::Relu: p.dx[i] = saved <= 0.0f ? 0.0f : dy; break;
            case Activation::LeakyRelu: p.dx[i] = saved > 0.0f ? dy : dy * p.parameter; break;
            case Activation::Elu: p.dx[i] = saved <= 0.0f ? dy * p.parameter * std::exp(saved) : dy; break;
            case Activation::Sigmoid: p.dx[i] = dy * (1.0f - saved) * saved; break;
            case Activation::Tanh: p.dx[i] = dy * (1.0f - saved * saved); break;
        }
    }
}

}  // namespace nn::cpu
