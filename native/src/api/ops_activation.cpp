// extern "C" shims for the activation functions of nativenn.h: check the tensors, then hand raw
// pointers to the activation family.
#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/activation/activation.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_same_shape;
using nn::cpu::Activation;

namespace {

nn_status forward(const char* function, Activation kind, float parameter, const nn_tensor* x, nn_tensor* y) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_same_shape(input, "x", output, "y");
        require_dtype(output, NN_DTYPE_FLOAT32, "y");
        nn::cpu::activation_forward({kind, parameter, input.numel, input.data<float>(), output.data<float>()});
    });
}

// saved_name is "x" or "y": what the backward of this activation takes.
nn_status backward(const char* function, Activation kind, float parameter, const nn_tensor* saved,
                   const char* saved_name, const nn_tensor* dy, nn_tensor* dx) {
    return guard(function, [&] {
        const auto& kept = require(saved, saved_name);
        const auto& gradient = require(dy, "dy");
        auto& output = require(dx, "dx");
        require_dtype(kept, NN_DTYPE_FLOAT32, saved_name);
        require_same_shape(kept, saved_name, gradient, "dy");
        require_same_shape(kept, saved_name, output, "dx");
        require_dtype(gradient, NN_DTYPE_FLOAT32, "dy");
        require_dtype(output, NN_DTYPE_FLOAT32, "dx");
        nn::cpu::activation_backward(
            {kind, parameter, kept.numel, kept.data<float>(), gradient.data<float>(), output.data<float>()});
    });
}

}  // namespace

extern "C" {

nn_status nn_relu_forward(const nn_tensor* x, nn_tensor* y) {
    return forward("nn_relu_forward", Activation::Relu, 0.0f, x, y);
}

nn_status nn_relu_backward(const nn_tensor* x, const nn_tensor* dy, nn_tensor* dx) {
    return backward("nn_relu_backward", Activation::Relu, 0.0f, x, "x", dy, dx);
}

nn_status nn_leaky_relu_forward(const nn_tensor* x, float negative_slope, nn_tensor* y) {
    return forward("nn_leaky_relu_forward", Activation::LeakyRelu, negative_slope, x, y);
}

nn_status nn_leaky_relu_backward(const nn_tensor* x, const nn_tensor* dy, float negative_slope, nn_tensor* dx) {
    return backward("nn_leaky_relu_backward", Activation::LeakyRelu, negative_slope, x, "x", dy, dx);
}

nn_status nn_elu_forward(const nn_tensor* x, float alpha, nn_tensor* y) {
    return forward("nn_elu_forward", Activation::Elu, alpha, x, y);
}

nn_status nn_elu_backward(const nn_tensor* x, const nn_tensor* dy, float alpha, nn_tensor* dx) {
    return backward("nn_elu_backward", Activation::Elu, alpha, x, "x", dy, dx);
}

nn_status nn_sigmoid_forward(const nn_tensor* x, nn_tensor* y) {
    return forward("nn_sigmoid_forward", Activation::Sigmoid, 0.0f, x, y);
}

nn_status nn_sigmoid_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx) {
    return backward("nn_sigmoid_backward", Activation::Sigmoid, 0.0f, y, "y", dy, dx);
}

nn_status nn_tanh_forward(const nn_tensor* x, nn_tensor* y) {
    return forward("nn_tanh_forward", Activation::Tanh, 0.0f, x, y);
}

nn_status nn_tanh_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx) {
    return backward("nn_tanh_backward", Activation::Tanh, 0.0f, y, "y", dy, dx);
}

}  // extern "C"
