// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q]; conv_transpose2d x [N,Cin,H,W] -> y [N,Cout,Ho,Wo]
// The entry points: geometry checks, pointer checks, then the ordered lists pick the kernel.
// conv_transpose2d runs the conv2d lists with the roles of input and output exchanged.
#include <cinttypes>
#include <cstdio>

#include "core/dispatch.h"
#include "core/log.h"
#include "cpu/conv/conv.h"
#include "cpu/eltwise/eltwise.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;
using nn::core::throw_error;

const Implementation<Conv2dForward> forward_implementations[] = {
    {"conv2d_forward_avx512", Isa::Avx512, conv2d_forward_avx512_declines, conv2d_forward_avx512},
    {"conv2d_forward_gemm", Isa::Avx2, nullptr, conv2d_forward_gemm},
    {"conv2d_forward_reference", Isa::Reference, nullptr, conv2d_forward_reference},
};

const Implementation<Conv2dBackwardData> backward_data_implementations[] = {
    {"conv2d_backward_data_avx512", Isa::Avx512, conv2d_backward_data_avx512_declines, conv2d_backward_data_avx512},
    {"conv2d_backward_data_gemm", Isa::Avx2, nullptr, conv2d_backward_data_gemm},
    {"conv2d_backward_data_reference", Isa::Reference, nullptr, conv2d_backward_data_reference},
};

const Implementation<Conv2dBackwardWeight> backward_weight_implementations[] = {
    {"conv2d_backward_weight_avx512", Isa::Avx512, conv2d_backward_weight_avx512_declines,
     conv2d_backward_weight_avx512},
    {"conv2d_backward_weight_gemm", Isa::Avx2, nullptr, conv2d_backward_weight_gemm},
    {"conv2d_backward_weight_reference", Isa::Reference, nullptr, conv2d_backward_weight_reference},
};

void require_at_least(const char* op, const char* name, int64_t value, int64_t least) {
    if (value < least) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is %" PRId64 "; it must be %" PRId64 " or more", op, name, value,
                    least);
    }
}

void require_groups(const char* op, int64_t groups, int64_t in_channels, int64_t out_channels) {
    require_at_least(op, "groups", groups, 1);
    if (in_channels % groups != 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: groups is %" PRId64 ", which does not divide the %" PRId64
                    " input channels", op, groups, in_channels);
    }
    if (out_channels % groups != 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: groups is %" PRId64 ", which does not divide the %" PRId64
                    " output channels", op, groups, out_channels);
    }
}

// a * b * c * d, or an error when it does not fit int64.
int64_t checked_product(const char* op, const char* what, int64_t a, int64_t b, int64_t c, int64_t d) {
    int64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product) || __builtin_mul_overflow(product, c, &product) ||
        __builtin_mul_overflow(product, d, &product)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s of %" PRId64 " x %" PRId64 " x %" PRId64 " x %" PRId64
                    " elements overflows int64", op, what, a, b, c, d);
    }
    return product;
}

// One spatial dimension of a conv2d: "height" or "width".
void check_dimension(const char* op, const char* dimension, int64_t input, int64_t kernel, int64_t stride,
                     int64_t padding, int64_t dilation) {
    char name[32];
    std::snprintf(name, sizeof name, "in_%s", dimension);
    require_at_least(op, name, input, 1);
    std::snprintf(name, sizeof name, "kernel_%s", dimension);
    require_at_least(op, name, kernel, 1);
    std::snprintf(name, sizeof name, "stride_%s", dimension);
    require_at_least(op, name, stride, 1);
    std::snprintf(name, sizeof name, "dilation_%s", dimension);
    require_at_least(op, name, dilation, 1);
    std::snprintf(name, sizeof name, "padding_%s", dimension);
    require_at_least(op, name, padding, 0);
    // Keeps the arithmetic below far from overflow; no real tensor comes near.
    constexpr int64_t largest = int64_t{1} << 40;
    if (input > largest || kernel > largest || stride > largest || padding > largest || dilation > largest) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: a %s parameter exceeds 2^40", op, dimension);
    }
    const int64_t span = dilation * (kernel - 1) + 1;
    if (span > input + 2 * padding) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: kernel_%s %" PRId64 " with dilation %" PRId64 " spans %" PRId64
                    ", more than the padded input %s %" PRId64 " (%" PRId64 " + 2 x %" PRId64 ")",
                    op, dimension, kernel, dilation, span, dimension, input + 2 * padding, input, padding);
    }
    if (conv2d_output_size(input, kernel, stride, padding, dilation) < 1) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: the output %s would be %" PRId64, op, dimension,
                    conv2d_output_size(input, kernel, stride, padding, dilation));
    }
}

void check_data(const char* op, const char* name, const void* data, int64_t count) {
    if (data == nullptr && count > 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is null but holds %" PRId64 " elements", op, name, count);
    }
}

// The caller's problem, completed again: its output sizes must be the ones the geometry gives.
Conv2dProblem checked(const char* op, const Conv2dProblem& given) {
    Conv2dProblem problem = given;
    complete_conv2d_problem(op, problem);
    if (problem.out_height != given.out_height || problem.out_width != given.out_width) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: out_height x out_width is %" PRId64 " x %" PRId64
                    " but the geometry gives %" PRId64 " x %" PRId64, op, given.out_height, given.out_width,
                    problem.out_height, problem.out_width);
    }
    return problem;
}

ConvTranspose2dProblem checked(const char* op, const ConvTranspose2dProblem& given) {
    ConvTranspose2dProblem problem = given;
    complete_conv_transpose2d_problem(op, problem);
    if (problem.out_height != given.out_height || problem.out_width != given.out_width) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: out_height x out_width is %" PRId64 " x %" PRId64
                    " but the geometry gives %" PRId64 " x %" PRId64, op, given.out_height, given.out_width,
                    problem.out_height, problem.out_width);
    }
    return problem;
}

void fill_zero(float* data, int64_t count) {
    for (int64_t i = 0; i < count; ++i) data[i] = 0.0f;
}

// The dispatching halves of the entry points, for problems already checked. conv_transpose2d
// comes here with a conv2d whose output sizes the transposed geometry fixed: with an
// output_padding of stride or more (allowed when below the dilation) the conv2d formula would
// give one more row than the transposed input has, and the kernels follow the problem's sizes.
void run_forward(const Conv2dForward& op) {
    if (op.problem.y_count() == 0) return;
    nn::core::dispatch("conv2d_forward", forward_implementations, op);
}

void run_backward_data(const Conv2dBackwardData& op) {
    if (op.problem.x_count() == 0) return;
    nn::core::dispatch("conv2d_backward_data", backward_data_implementations, op);
}

void run_backward_weight(const Conv2dBackwardWeight& op) {
    if (op.problem.batch == 0) {
        fill_zero(op.dweight, op.problem.weight_count());
        return;
    }
    nn::core::dispatch("conv2d_backward_weight", backward_weight_implementations, op);
}

void run_channel_sums(int64_t batch, int64_t channels, int64_t plane, const float* dy, float* dbias) {
    if (batch == 0 || plane == 0) {
        fill_zero(dbias, channels);
        return;
    }
    bias_backward({batch, channels, plane, dy, dbias});
}

}  // namespace

int64_t conv2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation) {
    const int64_t numerator = input + 2 * padding - dilation * (kernel - 1) - 1;
    // Floor division, so a kernel longer than the padded input gives 0 or less.
    const int64_t quotient = numerator >= 0 ? numerator / stride : -((-numerator + stride - 1) / stride);
    return quotient + 1;
}

void complete_conv2d_problem(const char* op, Conv2dProblem& p) {
    require_at_least(op, "batch", p.batch, 0);
    require_at_least(op, "in_channels", p.in_channels, 1);
    require_at_least(op, "out_channels", p.out_channels, 1);
    require_groups(op, p.groups, p.in_channels, p.out_channels);
    check_dimension(op, "height", p.in_height, p.kernel_height, p.stride_height, p.padding_height, p.dilation_height);
    check_dimension(op, "width", p.in_width, p.kernel_width, p.stride_width, p.padding_width, p.dilation_width);
    p.out_height = conv2d_output_size(p.in_height, p.kernel_height, p.stride_height, p.padding_height,
                                      p.dilation_height);
    p.out_width = conv2d_output_size(p.in_width, p.kernel_width, p.stride_width, p.padding_width, p.dilation_width);
    checked_product(op, "x", p.batch, p.in_channels, p.in_height, p.in_width);
    checked_product(op, "y", p.batch, p.out_channels, p.out_height, p.out_width);
    checked_product(op, "weight", p.out_channels, p.group_in_channels(), p.kernel_height, p.kernel_width);
}

int64_t conv_transpose2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding,
                                     int64_t output_padding, int64_t dilation) {
    return (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1;
}

void complete_conv_transpose2d_problem(const char* op, ConvTranspose2dProblem& p) {
    require_at_least(op, "batch", p.batch, 0);
    require_at_least(op, "in_channels", p.in_channels, 1);
    require_at_least(op, "out_channels", p.out_channels, 1);
    require_groups(op, p.groups, p.in_channels, p.out_channels);
    struct Dimension {
        const char* name;
        int64_t input, kernel, stride, padding, output_padding, dilation;
        int64_t* output;
    };
    const Dimension dimensions[] = {
        {"height", p.in_height, p.kernel_height, p.stride_height, p.padding_height, p.output_padding_height,
         p.dilation_height, &p.out_height},
        {"width", p.in_width, p.kernel_width, p.stride_width, p.padding_width, p.output_padding_width,
         p.dilation_width, &p.out_width},
    };
    for (const Dimension& d : dimensions) {
        char name[40];
        std::snprintf(name, sizeof name, "in_%s", d.name);
        require_at_least(op, name, d.input, 1);
        std::snprintf(name, sizeof name, "kernel_%s", d.name);
        require_at_least(op, name, d.kernel, 1);
        std::snprintf(name, sizeof name, "stride_%s", d.name);
        require_at_least(op, name, d.stride, 1);
        std::snprintf(name, sizeof name, "dilation_%s", d.name);
        require_at_least(op, name, d.dilation, 1);
        std::snprintf(name, sizeof name, "padding_%s", d.name);
        require_at_least(op, name, d.padding, 0);
        std::snprintf(name, sizeof name, "output_padding_%s", d.name);
        require_at_least(op, name, d.output_padding, 0);
        constexpr int64_t largest = int64_t{1} << 40;
        if (d.input > largest || d.kernel > largest || d.stride > largest || d.padding > largest ||
            d.dilation > largest || d.output_padding > largest) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: a %s parameter exceeds 2^40", op, d.name);
        }
        if (d.output_padding >= d.stride && d.output_padding >= d.dilation) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: output_padding_%s is %" PRId64 "; it must be smaller than "
                        "stride_%s (%" PRId64 ") or dilation_%s (%" PRId64 ")", op, d.name, d.output_padding,
                        d.name, d.stride, d.name, d.dilation);
        }
        const int64_t output =
            conv_transpose2d_output_size(d.input, d.kernel, d.stride, d.padding, d.output_padding, d.dilation);
        if (output < 1) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: the output %s would be %" PRId64 " (padding_%s %" PRId64
                        " removes more than the kernel adds)", op, d.name, output, d.name, d.padding);
        }
        *d.output = output;
    }
    checked_product(op, "x", p.batch, p.in_channels, p.in_height, p.in_width);
    checked_product(op, "y", p.batch, p.out_channels, p.out_height, p.out_width);
    checked_product(op, "weight", p.in_channels, p.out_channels / p.groups, p.kernel_height, p.kernel_width);
}

Conv2dProblem as_conv2d(const ConvTranspose2dProblem& t) {
    Conv2dProblem p;
    p.batch = t.batch;
    p.in_channels = t.out_channels;
    p.in_height = t.out_height;
    p.in_width = t.out_width;
    p.out_channels = t.in_channels;
    p.kernel_height = t.kernel_height;
    p.kernel_width = t.kernel_width;
    p.stride_height = t.stride_height;
    p.stride_width = t.stride_width;
    p.padding_height = t.padding_height;
    p.padding_width = t.padding_width;
    p.dilation_height = t.dilation_height;
    p.dilation_width = t.dilation_width;
    p.groups = t.groups;
    p.out_height = t.in_height;
    p.out_width = t.in_width;
    return p;
}

void conv2d_forward(const Conv2dForward& op) {
    const char* name = "conv2d_forward";
    Conv2dForward checked_op = op;
    checked_op.problem = checked(name, op.problem);
    const Conv2dProblem& p = checked_op.problem;
    check_data(name, "x", op.x, p.x_count());
    check_data(name, "weight", op.weight, p.y_count() > 0 ? p.weight_count() : 0);
    check_data(name, "y", op.y, p.y_count());
    run_forward(checked_op);
}

void conv2d_backward_data(const Conv2dBackwardData& op) {
    const char* name = "conv2d_backward_data";
    Conv2dBackwardData checked_op = op;
    checked_op.problem = checked(name, op.problem);
    const Conv2dProblem& p = checked_op.problem;
    check_data(name, "dy", op.dy, p.y_count());
    check_data(name, "weight", op.weight, p.x_count() > 0 ? p.weight_count() : 0);
    check_data(name, "dx", op.dx, p.x_count());
    run_backward_data(checked_op);
}

void conv2d_backward_weight(const Conv2dBackwardWeight& op) {
    const char* name = "conv2d_backward_weight";
    Conv2dBackwardWeight checked_op = op;
    checked_op.problem = checked(name, op.problem);
    const Conv2dProblem& p = checked_op.problem;
    check_data(name, "x", op.x, p.x_count());
    check_data(name, "dy", op.dy, p.y_count());
    check_data(name, "dweight", op.dweight, p.weight_count());
    run_backward_weight(checked_op);
}

void conv2d_backward_bias(const Conv2dBackwardBias& op) {
    const char* name = "conv2d_backward_bias";
    const Conv2dProblem p = checked(name, op.problem);
    check_data(name, "dy", op.dy, p.y_count());
    check_data(name, "dbias", op.dbias, p.out_channels);
    run_channel_sums(p.batch, p.out_channels, p.out_plane(), op.dy, op.dbias);
}

void conv_transpose2d_forward(const ConvTranspose2dForward& op) {
    const char* name = "conv_transpose2d_forward";
    const ConvTranspose2dProblem t = checked(name, op.problem);
    const Conv2dProblem p = as_conv2d(t);
    check_data(name, "x", op.x, p.y_count());
    check_data(name, "weight", op.weight, p.weight_count());
    check_data(name, "y", op.y, p.x_count());
    run_backward_data({p, op.x, op.weight, op.y});
    if (op.bias != nullptr && p.x_count() > 0) bias_add({t.batch, t.out_channels, p.in_plane(), op.y, op.bias, op.y});
}

void conv_transpose2d_backward_data(const ConvTranspose2dBackwardData& op) {
    const char* name = "conv_transpose2d_backward_data";
    const Conv2dProblem p = as_conv2d(checked(name, op.problem));
    check_data(name, "dy", op.dy, p.x_count());
    check_data(name, "weight", op.weight, p.weight_count());
    check_data(name, "dx", op.dx, p.y_count());
    run_forward({p, op.dy, op.weight, nullptr, op.dx});
}

void conv_transpose2d_backward_weight(const ConvTranspose2dBackwardWeight& op) {
    const char* name = "conv_transpose2d_backward_weight";
    const Conv2dProblem p = as_conv2d(checked(name, op.problem));
    check_data(name, "x", op.x, p.y_count());
    check_data(name, "dy", op.dy, p.x_count());
    check_data(name, "dweight", op.dweight, p.weight_count());
    run_backward_weight({p, op.dy, op.x, op.dweight});
}

void conv_transpose2d_backward_bias(const ConvTranspose2dBackwardBias& op) {
    const char* name = "conv_transpose2d_backward_bias";
    const ConvTranspose2dProblem t = checked(name, op.problem);
    check_data(name, "dy", op.dy, t.batch * t.out_channels * t.out_height * t.out_width);
    check_data(name, "dbias", op.dbias, t.out_channels);
    run_channel_sums(t.batch, t.out_channels, t.out_height * t.out_width, op.dy, op.dbias);
}

}  // namespace nn::cpu
