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

// What differs between conv2d and conv_transpose2d at the ABI: the problem and op types, how a
// problem is made from x's and the weight's shapes, the layouts named in messages, the kernels.
struct Conv2dKind {
    using Problem = nn::cpu::Conv2dProblem;
    using Forward = nn::cpu::Conv2dForward;
    using BackwardData = nn::cpu::Conv2dBackwardData;
    using BackwardWeight = nn::cpu::Conv2dBackwardWeight;
    static constexpr const char* name = "conv2d";
    static constexpr const char* x_layout = "[N, C, H, W]";
    static constexpr const char* weight_layout = "[K, C/groups, R, S]";
    static constexpr const char* y_layout = "[N, K, P, Q]";
    static Problem problem(const int64_t* x, const int64_t* weight, const nn_conv2d_params& params, const char* x_name) {
        return conv2d_problem(x, weight, params, x_name);
    }
    static void forward(const Forward& op) { nn::cpu::conv2d_forward(op); }
    static void backward_data(const BackwardData& op) { nn::cpu::conv2d_backward_data(op); }
    static void backward_weight(const BackwardWeight& op) { nn::cpu::conv2d_backward_weight(op); }
};

struct ConvTranspose2dKind {
    using Problem = nn::cpu::ConvTranspose2dProblem;
    using Forward = nn::cpu::ConvTranspose2dForward;
    using BackwardData = nn::cpu::ConvTranspose2dBackwardData;
    using BackwardWeight = nn::cpu::ConvTranspose2dBackwardWeight;
    static constexpr const char* name = "conv_transpose2d";
    static constexpr const char* x_layout = "[N, Cin, H, W]";
    static constexpr const char* weight_layout = "[Cin, Cout/groups, R, S]";
    static constexpr const char* y_layout = "[N, Cout, Ho, Wo]";
    static Problem problem(const int64_t* x, const int64_t* weight, const nn_conv2d_params& params, const char* x_name) {
        return transpose_problem(x, weight, params, x_name);
    }
    static void forward(const Forward& op) { nn::cpu::conv_transpose2d_forward(op); }
    static void backward_data(const BackwardData& op) { nn::cpu::conv_transpose2d_backward_data(op); }
    static void backward_weight(const BackwardWeight& op) { nn::cpu::conv_transpose2d_backward_weight(op); }
};

// The output shape [N, out channels, out height, out width] of a complete problem.
template <class Problem>
void output_shape_of(const Problem& problem, int64_t* shape) {
    shape[0] = problem.batch;
    shape[1] = problem.out_channels;
    shape[2] = problem.out_height;
    shape[3] = problem.out_width;
}

template <class Kind>
nn_status output_shape(const char* function, const int64_t* x_shape, const int64_t* weight_shape,
                       const nn_conv2d_params* params, int64_t* y_shape) {
    return guard(function, [&] {
        require(x_shape, "x_shape");
        require(weight_shape, "weight_shape");
        auto& output = require(y_shape, "y_shape");
        output_shape_of(Kind::problem(x_shape, weight_shape, require(params, "params"), "x"), &output);
    });
}

template <class Kind>
nn_status forward(const char* function, const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                  const nn_conv2d_params* params, nn_tensor* y) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        const auto& filters = require(weight, "weight");
        auto& output = require(y, "y");
        require_four_dimensional(input, "x", Kind::x_layout);
        require_four_dimensional(filters, "weight", Kind::weight_layout);
        require_four_dimensional(output, "y", Kind::y_layout);
        typename Kind::Forward op;
        op.problem = Kind::problem(input.shape, filters.shape, require(params, "params"), "x");
        int64_t expected[4];
        output_shape_of(op.problem, expected);
        const std::string because = std::string(Kind::name) + " of x and weight";
        require_shape(output, "y", expected, because.c_str());
        require_separate(output, "y", input, "x");
        require_separate(output, "y", filters, "weight");
        op.x = input.data<float>();
        op.weight = filters.data<float>();
        op.bias = optional_bias(bias, op.problem.out_channels);
        op.y = output.data<float>();
        Kind::forward(op);
    });
}

template <class Kind>
nn_status backward_data(const char* function, const nn_tensor* dy, const nn_tensor* weight,
                        const nn_conv2d_params* params, nn_tensor* dx) {
    return guard(function, [&] {
        const auto& gradient = require(dy, "dy");
        const auto& filters = require(weight, "weight");
        auto& output = require(dx, "dx");
        require_four_dimensional(gradient, "dy", Kind::y_layout);
        require_four_dimensional(filters, "weight", Kind::weight_layout);
        require_four_dimensional(output, "dx", Kind::x_layout);
        typename Kind::BackwardData op;
        op.problem = Kind::problem(output.shape, filters.shape, require(params, "params"), "dx");
        int64_t expected[4];
        output_shape_of(op.problem, expected);
        const std::string because = std::string(Kind::name) + " of dx's shape and weight";
        require_shape(gradient, "dy", expected, because.c_str());
        require_separate(output, "dx", gradient, "dy");
        require_separate(output, "dx", filters, "weight");
        op.dy = gradient.data<float>();
        op.weight = filters.data<float>();
        op.dx = output.data<float>();
        Kind::backward_data(op);
    });
}

template <class Kind>
nn_status backward_weight(const char* function, const nn_tensor* x, const nn_tensor* dy,
                          const nn_conv2d_params* params, nn_tensor* dweight) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        const auto& gradient = require(dy, "dy");
        auto& output = require(dweight, "dweight");
        require_four_dimensional(input, "x", Kind::x_layout);
        require_four_dimensional(gradient, "dy", Kind::y_layout);
        require_four_dimensional(output, "dweight", Kind::weight_layout);
        typename Kind::BackwardWeight op;
        op.problem = Kind::problem(input.shape, output.shape, require(params, "params"), "x");
        int64_t expected[4];
        output_shape_of(op.problem, expected);
        const std::string because = std::string(Kind::name) + " of x and dweight's shape";
        require_shape(gradient, "dy", expected, because.c_str());
        require_separate(output, "dweight", input, "x");
        require_separate(output, "dweight", gradient, "dy");
        op.x = input.data<float>();
        op.dy = gradient.data<float>();
        op.dweight = output.data<float>();
        Kind::backward_weight(op);
    });
}

}  // namespace

extern "C" {

nn_status nn_conv2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape, const nn_conv2d_params* params,
                                 int64_t* y_shape) {
    return output_shape<Conv2dKind>("nn_conv2d_output_shape", x_shape, weight_shape, params, y_shape);
}

nn_status nn_conv2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                            const nn_conv2d_params* params, nn_tensor* y) {
    return forward<Conv2dKind>("nn_conv2d_forward", x, weight, bias, params, y);
}

nn_status nn_conv2d_backward_data(const nn_tensor* dy, const nn_tensor* weight, const nn_conv2d_params* params,
                                  nn_tensor* dx) {
    return backward_data<Conv2dKind>("nn_conv2d_backward_data", dy, weight, params, dx);
}

nn_status nn_conv2d_backward_weight(const nn_tensor* x, const nn_tensor* dy, const nn_conv2d_params* params,
                                    nn_tensor* dweight) {
    return backward_weight<Conv2dKind>("nn_conv2d_backward_weight", x, dy, params, dweight);
}

nn_status nn_conv_transpose2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape,
                                           const nn_conv2d_params* params, int64_t* y_shape) {
    return output_shape<ConvTranspose2dKind>("nn_conv_transpose2d_output_shape", x_shape, weight_shape, params, y_shape);
}

nn_status nn_conv_transpose2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                                      const nn_conv2d_params* params, nn_tensor* y) {
    return forward<ConvTranspose2dKind>("nn_conv_transpose2d_forward", x, weight, bias, params, y);
}

nn_status nn_conv_transpose2d_backward_data(const nn_tensor* dy, const nn_tensor* weight,
                                            const nn_conv2d_params* params, nn_tensor* dx) {
    return backward_data<ConvTranspose2dKind>("nn_conv_transpose2d_backward_data", dy, weight, params, dx);
}

nn_status nn_conv_transpose2d_backward_weight(const nn_tensor* x, const nn_tensor* dy, const nn_conv2d_params* params,
                                              nn_tensor* dweight) {
    return backward_weight<ConvTranspose2dKind>("nn_conv_transpose2d_backward_weight", x, dy, params, dweight);
}

}  // extern "C"
