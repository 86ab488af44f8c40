// extern "C" shims for conv2d and conv_transpose2d: turn tensors and nn_conv2d_params into the conv
// family's problems, check every tensor's shape against the geometry, then hand over raw pointers.
#include <cinttypes>
#include <string>

#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/conv/conv.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_separate;
using nn::core::describe;
using nn::core::throw_error;

namespace {

std::string shape_text(const int64_t* shape) {
    return "[" + std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "," + std::to_string(shape[2]) + "," +
           std::to_string(shape[3]) + "]";
}

void require_four_dimensional(const nn_tensor& tensor, const char* argument, const char* layout) {
    require_dtype(tensor, NN_DTYPE_FLOAT32, argument);
    if (tensor.ndim != 4) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must be 4-D %s", argument, describe(tensor).c_str(), layout);
    }
}

void require_shape(const nn_tensor& tensor, const char* argument, const int64_t* expected, const char* because) {
    for (int dimension = 0; dimension < 4; ++dimension) {
        if (tensor.shape[dimension] != expected[dimension]) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but %s gives %s", argument, describe(tensor).c_str(), because,
                        shape_text(expected).c_str());
        }
    }
}

// x [N,C,H,W] and weight [K,C/g,R,S] under params -> a complete problem (out_height/out_width set).
nn::cpu::Conv2dProblem conv2d_problem(const int64_t* x, const int64_t* weight, const nn_conv2d_params& params,
                                      const char* x_name) {
    if (params.output_padding_h != 0 || params.output_padding_w != 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "output_padding is (%d, %d) but conv2d takes none (only conv_transpose2d does)",
                    params.output_padding_h, params.output_padding_w);
    }
    if (params.groups < 1) throw_error(NN_ERROR_INVALID_ARGUMENT, "groups is %d; it must be 1 or more", params.groups);
    if (weight[1] * params.groups != x[1]) {
        throw_error(NN_ERROR_SHAPE_MISMATCH,
                    "%s has %" PRId64 " channels but weight %s expects %" PRId64 " input channels per group (groups=%d)",
                    x_name, x[1], shape_text(weight).c_str(), weight[1], params.groups);
    }
    nn::cpu::Conv2dProblem problem;
    problem.batch = x[0];
    problem.in_channels = x[1];
    problem.in_height = x[2];
    problem.in_width = x[3];
    problem.out_channels = weight[0];
    problem.kernel_height = weight[2];
    problem.kernel_width = weight[3];
    problem.stride_height = params.stride_h;
    problem.stride_width = params.stride_w;
    problem.padding_height = params.padding_h;
    problem.padding_width = params.padding_w;
    problem.dilation_height = params.dilation_h;
    problem.dilation_width = params.dilation_w;
    problem.groups = params.groups;
    nn::cpu::complete_conv2d_problem("params", problem);
    return problem;
}

// x [N,Cin,H,W] and weight [Cin,Cout/g,R,S] under params -> a complete transposed problem.
nn::cpu::ConvTranspose2dProblem transpose_problem(const int64_t* x, const int64_t* weight, const nn_conv2d_params& params,
                                                  const char* x_name) {
    if (params.groups < 1) throw_error(NN_ERROR_INVALID_ARGUMENT, "groups is %d; it must be 1 or more", params.groups);
    if (weight[0] != x[1]) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s has %" PRId64 " channels but weight %s expects %" PRId64
                    " (conv_transpose2d's weight is [in, out/groups, kh, kw])",
                    x_name, x[1], shape_text(weight).c_str(), weight[0]);
    }
    nn::cpu::ConvTranspose2dProblem problem;
    problem.batch = x[0];
    problem.in_channels = x[1];
    problem.in_height = x[2];
    problem.in_width = x[3];
    problem.out_channels = weight[1] * params.groups;
    problem.kernel_height = weight[2];
    problem.kernel_width = weight[3];
    problem.stride_height = params.stride_h;
    problem.stride_width = params.stride_w;
    problem.padding_height = params.padding_h;
    problem.padding_width = params.padding_w;
    problem.output_padding_height = params.output_padding_h;
    problem.output_padding_width = params.output_padding_w;
    problem.dilation_height = params.dilation_h;
    problem.dilation_width = params.dilation_w;
    problem.groups = params.groups;
    nn::cpu::complete_conv_transpose2d_problem("params", problem);
    return problem;
}

const float* optional_bias(const nn_tensor* bias, int64_t channels) {
    if (bias == nullptr) return nullptr;
    require_dtype(*bias, NN_DTYPE_FLOAT32, "bias");
    if (bias->ndim != 1 || bias->shape[0] != channels) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "bias is %s but must be [%" PRId64 "], one value per output channel",
                    describe(*bias).c_str(), channels);
    }
    return bias->data<float>();
}

}  // namespace

extern "C" {

nn_status nn_conv2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape, const nn_conv2d_params* params,
                                 int64_t* y_shape) {
    return guard("nn_conv2d_output_shape", [&] {
        require(x_shape, "x_shape");
        require(weight_shape, "weight_shape");
        auto& output = require(y_shape, "y_shape");
        const auto problem = conv2d_problem(x_shape, weight_shape, require(params, "params"), "x");
        const int64_t shape[4] = {problem.batch, problem.out_channels, problem.out_height, problem.out_width};
        std::copy(shape, shape + 4, &output);
    });
}

nn_status nn_conv2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                            const nn_conv2d_params* params, nn_tensor* y) {
    return guard("nn_conv2d_forward", [&] {
        const auto& input = require(x, "x");
        const auto& filters = require(weight, "weight");
        auto& output = require(y, "y");
        require_four_dimensional(input, "x", "[N, C, H, W]");
        require_four_dimensional(filters, "weight", "[K, C/groups, R, S]");
        require_four_dimensional(output, "y", "[N, K, P, Q]");
        nn::cpu::Conv2dForward op;
        op.problem = conv2d_problem(input.shape, filters.shape, require(params, "params"), "x");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(output, "y", expected, "conv2d of x and weight");
        require_separate(output, "y", input, "x");
        require_separate(output, "y", filters, "weight");
        op.x = input.data<float>();
        op.weight = filters.data<float>();
        op.bias = optional_bias(bias, op.problem.out_channels);
        op.y = output.data<float>();
        nn::cpu::conv2d_forward(op);
    });
}

nn_status nn_conv2d_backward_data(const nn_tensor* dy, const nn_tensor* weight, const nn_conv2d_params* params,
                                  nn_tensor* dx) {
    return guard("nn_conv2d_backward_data", [&] {
        const auto& gradient = require(dy, "dy");
        const auto& filters = require(weight, "weight");
        auto& output = require(dx, "dx");
        require_four_dimensional(gradient, "dy", "[N, K, P, Q]");
        require_four_dimensional(filters, "weight", "[K, C/groups, R, S]");
        require_four_dimensional(output, "dx", "[N, C, H, W]");
        nn::cpu::Conv2dBackwardData op;
        op.problem = conv2d_problem(output.shape, filters.shape, require(params, "params"), "dx");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(gradient, "dy", expected, "conv2d of dx's shape and weight");
        require_separate(output, "dx", gradient, "dy");
        require_separate(output, "dx", filters, "weight");
        op.dy = gradient.data<float>();
        op.weight = filters.data<float>();
        op.dx = output.data<float>();
        nn::cpu::conv2d_backward_data(op);
    });
}

nn_status nn_conv2d_backward_weight(const nn_tensor* x, const nn_tensor* dy, const nn_conv2d_params* params,
                                    nn_tensor* dweight) {
    return guard("nn_conv2d_backward_weight", [&] {
        const auto& input = require(x, "x");
        const auto& gradient = require(dy, "dy");
        auto& output = require(dweight, "dweight");
        require_four_dimensional(input, "x", "[N, C, H, W]");
        require_four_dimensional(gradient, "dy", "[N, K, P, Q]");
        require_four_dimensional(output, "dweight", "[K, C/groups, R, S]");
        nn::cpu::Conv2dBackwardWeight op;
        op.problem = conv2d_problem(input.shape, output.shape, require(params, "params"), "x");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(gradient, "dy", expected, "conv2d of x and dweight's shape");
        require_separate(output, "dweight", input, "x");
        require_separate(output, "dweight", gradient, "dy");
        op.x = input.data<float>();
        op.dy = gradient.data<float>();
        op.dweight = output.data<float>();
        nn::cpu::conv2d_backward_weight(op);
    });
}

nn_status nn_conv_transpose2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape,
                                           const nn_conv2d_params* params, int64_t* y_shape) {
    return guard("nn_conv_transpose2d_output_shape", [&] {
        require(x_shape, "x_shape");
        require(weight_shape, "weight_shape");
        auto& output = require(y_shape, "y_shape");
        const auto problem = transpose_problem(x_shape, weight_shape, require(params, "params"), "x");
        const int64_t shape[4] = {problem.batch, problem.out_channels, problem.out_height, problem.out_width};
        std::copy(shape, shape + 4, &output);
    });
}

nn_status nn_conv_transpose2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                                      const nn_conv2d_params* params, nn_tensor* y) {
    return guard("nn_conv_transpose2d_forward", [&] {
        const auto& input = require(x, "x");
        const auto& filters = require(weight, "weight");
        auto& output = require(y, "y");
        require_four_dimensional(input, "x", "[N, Cin, H, W]");
        require_four_dimensional(filters, "weight", "[Cin, Cout/groups, R, S]");
        require_four_dimensional(output, "y", "[N, Cout, Ho, Wo]");
        nn::cpu::ConvTranspose2dForward op;
        op.problem = transpose_problem(input.shape, filters.shape, require(params, "params"), "x");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(output, "y", expected, "conv_transpose2d of x and weight");
        require_separate(output, "y", input, "x");
        require_separate(output, "y", filters, "weight");
        op.x = input.data<float>();
        op.weight = filters.data<float>();
        op.bias = optional_bias(bias, op.problem.out_channels);
        op.y = output.data<float>();
        nn::cpu::conv_transpose2d_forward(op);
    });
}

nn_status nn_conv_transpose2d_backward_data(const nn_tensor* dy, const nn_tensor* weight,
                                            const nn_conv2d_params* params, nn_tensor* dx) {
    return guard("nn_conv_transpose2d_backward_data", [&] {
        const auto& gradient = require(dy, "dy");
        const auto& filters = require(weight, "weight");
        auto& output = require(dx, "dx");
        require_four_dimensional(gradient, "dy", "[N, Cout, Ho, Wo]");
        require_four_dimensional(filters, "weight", "[Cin, Cout/groups, R, S]");
        require_four_dimensional(output, "dx", "[N, Cin, H, W]");
        nn::cpu::ConvTranspose2dBackwardData op;
        op.problem = transpose_problem(output.shape, filters.shape, require(params, "params"), "dx");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(gradient, "dy", expected, "conv_transpose2d of dx's shape and weight");
        require_separate(output, "dx", gradient, "dy");
        require_separate(output, "dx", filters, "weight");
        op.dy = gradient.data<float>();
        op.weight = filters.data<float>();
        op.dx = output.data<float>();
        nn::cpu::conv_transpose2d_backward_data(op);
    });
}

nn_status nn_conv_transpose2d_backward_weight(const nn_tensor* x, const nn_tensor* dy, const nn_conv2d_params* params,
                                              nn_tensor* dweight) {
    return guard("nn_conv_transpose2d_backward_weight", [&] {
        const auto& input = require(x, "x");
        const auto& gradient = require(dy, "dy");
        auto& output = require(dweight, "dweight");
        require_four_dimensional(input, "x", "[N, Cin, H, W]");
        require_four_dimensional(gradient, "dy", "[N, Cout, Ho, Wo]");
        require_four_dimensional(output, "dweight", "[Cin, Cout/groups, R, S]");
        nn::cpu::ConvTranspose2dBackwardWeight op;
        op.problem = transpose_problem(input.shape, output.shape, require(params, "params"), "x");
        const int64_t expected[4] = {op.problem.batch, op.problem.out_channels, op.problem.out_height, op.problem.out_width};
        require_shape(gradient, "dy", expected, "conv_transpose2d of x and dweight's shape");
        require_separate(output, "dweight", input, "x");
        require_separate(output, "dweight", gradient, "dy");
        op.x = input.data<float>();
        op.dy = gradient.data<float>();
        op.dweight = output.data<float>();
        nn::cpu::conv_transpose2d_backward_weight(op);
    });
}

}  // extern "C"
