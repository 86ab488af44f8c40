// extern "C" shims for softmax and log_softmax over dim 1: check the tensors, then hand raw
// pointers to the softmax family as [outer, C, inner].
#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/softmax/softmax.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_same_shape;
using nn::cpu::SoftmaxKind;

namespace {

nn_status forward(const char* function, SoftmaxKind kind, const nn_tensor* x, nn_tensor* y) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        nn::api::require_float32_with_dimensions(input, 2, "x", "[N, C, ...], normalised over dim 1");
        require_same_shape(input, "x", output, "y");
        require_dtype(output, NN_DTYPE_FLOAT32, "y");
        nn::cpu::softmax_forward({kind, input.shape[0], input.shape[1], nn::api::trailing_volume(input, 2),
                                  input.data<float>(), output.data<float>()});
    });
}

nn_status backward(const char* function, SoftmaxKind kind, const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx) {
    return guard(function, [&] {
        const auto& output = require(y, "y");
        const auto& gradient = require(dy, "dy");
        auto& result = require(dx, "dx");
        nn::api::require_float32_with_dimensions(output, 2, "y", "[N, C, ...], normalised over dim 1");
        require_same_shape(output, "y", gradient, "dy");
        require_same_shape(output, "y", result, "dx");
        require_dtype(gradient, NN_DTYPE_FLOAT32, "dy");
        require_dtype(result, NN_DTYPE_FLOAT32, "dx");
        nn::cpu::softmax_backward({kind, output.shape[0], output.shape[1], nn::api::trailing_volume(output, 2),
                                   output.data<float>(), gradient.data<float>(), result.data<float>()});
    });
}

}  // namespace

extern "C" {

nn_status nn_softmax_forward(const nn_tensor* x, nn_tensor* y) {
    return forward("nn_softmax_forward", SoftmaxKind::Softmax, x, y);
}

nn_status nn_softmax_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx) {
    return backward("nn_softmax_backward", SoftmaxKind::Softmax, y, dy, dx);
}

nn_status nn_log_softmax_forward(const nn_tensor* x, nn_tensor* y) {
    return forward("nn_log_softmax_forward", SoftmaxKind::LogSoftmax, x, y);
}

nn_status nn_log_softmax_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx) {
    return backward("nn_log_softmax_backward", SoftmaxKind::LogSoftmax, y, dy, dx);
}

}  // extern "C"
