// extern "C" shims for the element-wise functions of nativenn.h: check the tensors, then hand raw
// pointers to the eltwise family.
#include <cstdint>

#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/eltwise/eltwise.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_same_shape;
using nn::core::describe;
using nn::core::throw_error;

namespace {

nn_status binary(const char* function, nn::cpu::BinaryOp op, const nn_tensor* a, const nn_tensor* b, nn_tensor* out) {
    return guard(function, [&] {
        const auto& left = require(a, "a");
        const auto& right = require(b, "b");
        auto& result = require(out, "out");
        require_dtype(left, NN_DTYPE_FLOAT32, "a");
        require_same_shape(left, "a", right, "b");
        require_same_shape(left, "a", result, "out");
        require_dtype(right, NN_DTYPE_FLOAT32, "b");
        require_dtype(result, NN_DTYPE_FLOAT32, "out");
        nn::cpu::binary({op, left.numel, left.data<float>(), right.data<float>(), result.data<float>()});
    });
}

// x and y float32 of one shape.
void check_unary(const nn_tensor& x, const nn_tensor& y) {
    require_dtype(x, NN_DTYPE_FLOAT32, "x");
    require_same_shape(x, "x", y, "y");
    require_dtype(y, NN_DTYPE_FLOAT32, "y");
}

nn_status scalar(const char* function, nn::cpu::ScalarOp op, const nn_tensor* x, float value, nn_tensor* y) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        check_unary(input, output);
        nn::cpu::scalar({op, input.numel, value, input.data<float>(), output.data<float>()});
    });
}

nn_status unary(const char* function, nn::cpu::UnaryOp op, const nn_tensor* x, nn_tensor* y) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        check_unary(input, output);
        nn::cpu::unary({op, input.numel, input.data<float>(), output.data<float>()});
    });
}

nn_status reduce(const char* function, bool mean, const nn_tensor* x, nn_tensor* result) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        auto& output = require(result, "result");
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        nn::api::require_one_float(output, "result");
        nn::api::require_separate(output, "result", input, "x");
        nn::cpu::reduce({mean, input.numel, input.data<float>(), output.data<float>()});
    });
}

}  // namespace

extern "C" {

nn_status nn_add(const nn_tensor* a, const nn_tensor* b, nn_tensor* out) {
    return binary("nn_add", nn::cpu::BinaryOp::Add, a, b, out);
}

nn_status nn_sub(const nn_tensor* a, const nn_tensor* b, nn_tensor* out) {
    return binary("nn_sub", nn::cpu::BinaryOp::Sub, a, b, out);
}

nn_status nn_mul(const nn_tensor* a, const nn_tensor* b, nn_tensor* out) {
    return binary("nn_mul", nn::cpu::BinaryOp::Mul, a, b, out);
}

nn_status nn_scale(const nn_tensor* x, float scale, nn_tensor* y) {
    return scalar("nn_scale", nn::cpu::ScalarOp::Scale, x, scale, y);
}

nn_status nn_add_scalar(const nn_tensor* x, float value, nn_tensor* y) {
    return scalar("nn_add_scalar", nn::cpu::ScalarOp::Add, x, value, y);
}

nn_status nn_axpy(float alpha, const nn_tensor* x, nn_tensor* y) {
    return guard("nn_axpy", [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        check_unary(input, output);
        nn::cpu::axpy({input.numel, alpha, input.data<float>(), output.data<float>()});
    });
}

nn_status nn_exp(const nn_tensor* x, nn_tensor* y) { return unary("nn_exp", nn::cpu::UnaryOp::Exp, x, y); }

nn_status nn_log(const nn_tensor* x, nn_tensor* y) { return unary("nn_log", nn::cpu::UnaryOp::Log, x, y); }

nn_status nn_square(const nn_tensor* x, nn_tensor* y) { return unary("nn_square", nn::cpu::UnaryOp::Square, x, y); }

nn_status nn_bias_add(const nn_tensor* x, const nn_tensor* bias, nn_tensor* y) {
    return guard("nn_bias_add", [&] {
        const auto& input = require(x, "x");
        const auto& channel_bias = require(bias, "bias");
        auto& output = require(y, "y");
        nn::api::require_float32_with_dimensions(input, 2, "x", "[N, C, ...]");
        require_dtype(channel_bias, NN_DTYPE_FLOAT32, "bias");
        if (channel_bias.ndim != 1 || channel_bias.shape[0] != input.shape[1]) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "x is %s but bias is %s; bias must be [%lld], one value per channel",
                        describe(input).c_str(), describe(channel_bias).c_str(),
                        static_cast<long long>(input.shape[1]));
        }
        require_same_shape(input, "x", output, "y");
        require_dtype(output, NN_DTYPE_FLOAT32, "y");
        nn::api::require_separate(output, "y", channel_bias, "bias");
        nn::cpu::bias_add({input.shape[0], input.shape[1], nn::api::trailing_volume(input, 2), input.data<float>(),
                           channel_bias.data<float>(), output.data<float>()});
    });
}

nn_status nn_bias_backward(const nn_tensor* dy, nn_tensor* dbias) {
    return guard("nn_bias_backward", [&] {
        const auto& gradient = require(dy, "dy");
        auto& output = require(dbias, "dbias");
        nn::api::require_float32_with_dimensions(gradient, 2, "dy", "[N, C, ...]");
        require_dtype(output, NN_DTYPE_FLOAT32, "dbias");
        if (output.ndim != 1 || output.shape[0] != gradient.shape[1]) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "dy is %s but dbias is %s; dbias must be [%lld]",
                        describe(gradient).c_str(), describe(output).c_str(), static_cast<long long>(gradient.shape[1]));
        }
        nn::api::require_separate(output, "dbias", gradient, "dy");
        nn::cpu::bias_backward({gradient.shape[0], gradient.shape[1], nn::api::trailing_volume(gradient, 2),
                                gradient.data<float>(), output.data<float>()});
    });
}

nn_status nn_sum(const nn_tensor* x, nn_tensor* result) { return reduce("nn_sum", false, x, result); }

nn_status nn_mean(const nn_tensor* x, nn_tensor* result) { return reduce("nn_mean", true, x, result); }

nn_status nn_sum_dim0(const nn_tensor* x, nn_tensor* result) {
    return guard("nn_sum_dim0", [&] {
        const auto& input = require(x, "x");
        auto& output = require(result, "result");
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_dtype(output, NN_DTYPE_FLOAT32, "result");
        if (input.ndim != 2 || output.ndim != 1 || output.shape[0] != input.shape[1]) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "x is %s and result is %s; x must be [R, C] and result [C]",
                        describe(input).c_str(), describe(output).c_str());
        }
        nn::api::require_separate(output, "result", input, "x");
        nn::cpu::sum_rows(input.shape[0], input.shape[1], input.data<float>(), output.data<float>());
    });
}

nn_status nn_transpose(const nn_tensor* x, nn_tensor* y) {
    return guard("nn_transpose", [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_dtype(output, NN_DTYPE_FLOAT32, "y");
        if (input.ndim != 2 || output.ndim != 2 || output.shape[0] != input.shape[1] ||
            output.shape[1] != input.shape[0]) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "x is %s and y is %s; x must be [R, C] and y [C, R]",
                        describe(input).c_str(), describe(output).c_str());
        }
        nn::api::require_separate(output, "y", input, "x");
        nn::cpu::transpose({input.shape[0], input.shape[1], input.data<float>(), output.data<float>()});
    });
}

}  // extern "C"
