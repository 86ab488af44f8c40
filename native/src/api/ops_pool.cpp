// extern "C" shims for max_pool2d and avg_pool2d: turn tensors and nn_pool2d_params into the pool
// family's problem, check every tensor's shape against it, then hand over raw pointers.
#include <algorithm>
#include <cinttypes>

#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/pool/pool.h"

using nn::api::flag_from;
using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_separate;
using nn::core::describe;
using nn::core::throw_error;

namespace {

void require_four_dimensional(const nn_tensor& tensor, nn_dtype dtype, const char* argument) {
    require_dtype(tensor, dtype, argument);
    if (tensor.ndim != 4) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must be 4-D [N, C, H, W]", argument, describe(tensor).c_str());
    }
}

// x_shape [N,C,H,W] under params -> a complete problem (out_height/out_width set).
nn::cpu::Pool2dProblem pool_problem(const int64_t* x, const nn_pool2d_params& params) {
    nn::cpu::Pool2dProblem problem;
    problem.batch = x[0];
    problem.channels = x[1];
    problem.in_height = x[2];
    problem.in_width = x[3];
    problem.kernel_height = params.kernel_h;
    problem.kernel_width = params.kernel_w;
    problem.stride_height = params.stride_h;
    problem.stride_width = params.stride_w;
    problem.padding_height = params.padding_h;
    problem.padding_width = params.padding_w;
    problem.ceil_mode = flag_from(params.ceil_mode, "ceil_mode");
    problem.count_include_pad = flag_from(params.count_include_pad, "count_include_pad");
    nn::cpu::complete_pool2d_problem("params", problem);
    return problem;
}

// The pooled tensor (y, dy or indices) must be [N, C, P, Q] of the problem.
void require_pooled_shape(const nn_tensor& tensor, const char* argument, const nn::cpu::Pool2dProblem& problem,
                          const char* source) {
    const int64_t expected[4] = {problem.batch, problem.channels, problem.out_height, problem.out_width};
    if (!std::equal(expected, expected + 4, tensor.shape)) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but pooling %s gives [%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]",
                    argument, describe(tensor).c_str(), source, expected[0], expected[1], expected[2], expected[3]);
    }
}

}  // namespace

extern "C" {

nn_status nn_pool2d_output_shape(const int64_t* x_shape, const nn_pool2d_params* params, int64_t* y_shape) {
    return guard("nn_pool2d_output_shape", [&] {
        require(x_shape, "x_shape");
        auto& output = require(y_shape, "y_shape");
        const auto problem = pool_problem(x_shape, require(params, "params"));
        const int64_t shape[4] = {problem.batch, problem.channels, problem.out_height, problem.out_width};
        std::copy(shape, shape + 4, &output);
    });
}

nn_status nn_max_pool2d_forward(const nn_tensor* x, const nn_pool2d_params* params, nn_tensor* y, nn_tensor* indices) {
    return guard("nn_max_pool2d_forward", [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        auto& positions = require(indices, "indices");
        require_four_dimensional(input, NN_DTYPE_FLOAT32, "x");
        require_four_dimensional(output, NN_DTYPE_FLOAT32, "y");
        require_four_dimensional(positions, NN_DTYPE_INT64, "indices");
        nn::cpu::MaxPool2dForward op;
        op.problem = pool_problem(input.shape, require(params, "params"));
        require_pooled_shape(output, "y", op.problem, "x");
        require_pooled_shape(positions, "indices", op.problem, "x");
        require_separate(output, "y", input, "x");
        op.x = input.data<float>();
        op.y = output.data<float>();
        op.indices = positions.data<int64_t>();
        nn::cpu::max_pool2d_forward(op);
    });
}

nn_status nn_max_pool2d_backward(const nn_tensor* dy, const nn_tensor* indices, const nn_pool2d_params* params,
                                 nn_tensor* dx) {
    return guard("nn_max_pool2d_backward", [&] {
        const auto& gradient = require(dy, "dy");
        const auto& positions = require(indices, "indices");
        auto& output = require(dx, "dx");
        require_four_dimensional(gradient, NN_DTYPE_FLOAT32, "dy");
        require_four_dimensional(positions, NN_DTYPE_INT64, "indices");
        require_four_dimensional(output, NN_DTYPE_FLOAT32, "dx");
        nn::cpu::MaxPool2dBackward op;
        op.problem = pool_problem(output.shape, require(params, "params"));
        require_pooled_shape(gradient, "dy", op.problem, "dx's shape");
        require_pooled_shape(positions, "indices", op.problem, "dx's shape");
        require_separate(output, "dx", gradient, "dy");
        op.dy = gradient.data<float>();
        op.indices = positions.data<int64_t>();
        op.dx = output.data<float>();
        nn::cpu::max_pool2d_backward(op);
    });
}

nn_status nn_avg_pool2d_forward(const nn_tensor* x, const nn_pool2d_params* params, nn_tensor* y) {
    return guard("nn_avg_pool2d_forward", [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        require_four_dimensional(input, NN_DTYPE_FLOAT32, "x");
        require_four_dimensional(output, NN_DTYPE_FLOAT32, "y");
        nn::cpu::AvgPool2dForward op;
        op.problem = pool_problem(input.shape, require(params, "params"));
        require_pooled_shape(output, "y", op.problem, "x");
        require_separate(output, "y", input, "x");
        op.x = input.data<float>();
        op.y = output.data<float>();
        nn::cpu::avg_pool2d_forward(op);
    });
}

nn_status nn_avg_pool2d_backward(const nn_tensor* dy, const nn_pool2d_params* params, nn_tensor* dx) {
    return guard("nn_avg_pool2d_backward", [&] {
        const auto& gradient = require(dy, "dy");
        auto& output = require(dx, "dx");
        require_four_dimensional(gradient, NN_DTYPE_FLOAT32, "dy");
        require_four_dimensional(output, NN_DTYPE_FLOAT32, "dx");
        nn::cpu::AvgPool2dBackward op;
        op.problem = pool_problem(output.shape, require(params, "params"));
        require_pooled_shape(gradient, "dy", op.problem, "dx's shape");
        require_separate(output, "dx", gradient, "dy");
        op.dy = gradient.data<float>();
        op.dx = output.data<float>();
        nn::cpu::avg_pool2d_backward(op);
    });
}

}  // extern "C"
