// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The entry points: PyTorch's geometry checks, pointer checks, then the ordered lists pick the
// kernel.
#include <cinttypes>
#include <cstdio>

#include "core/dispatch.h"
#include "core/log.h"
#include "cpu/pool/pool.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;
using nn::core::throw_error;

const Implementation<MaxPool2dForward> max_forward_implementations[] = {
    {"max_pool2d_forward_avx512", Isa::Avx512, max_pool2d_vector_declines, max_pool2d_forward_avx512},
    {"max_pool2d_forward_avx2", Isa::Avx2, max_pool2d_vector_declines, max_pool2d_forward_avx2},
    {"max_pool2d_forward_reference", Isa::Reference, nullptr, max_pool2d_forward_reference},
};

const Implementation<MaxPool2dBackward> max_backward_implementations[] = {
    {"max_pool2d_backward_avx512", Isa::Avx512, nullptr, max_pool2d_backward_avx512},
    {"max_pool2d_backward_avx2", Isa::Avx2, nullptr, max_pool2d_backward_avx2},
    {"max_pool2d_backward_reference", Isa::Reference, nullptr, max_pool2d_backward_reference},
};

const Implementation<AvgPool2dForward> avg_forward_implementations[] = {
    {"avg_pool2d_forward_avx512", Isa::Avx512, nullptr, avg_pool2d_forward_avx512},
    {"avg_pool2d_forward_avx2", Isa::Avx2, nullptr, avg_pool2d_forward_avx2},
    {"avg_pool2d_forward_reference", Isa::Reference, nullptr, avg_pool2d_forward_reference},
};

const Implementation<AvgPool2dBackward> avg_backward_implementations[] = {
    {"avg_pool2d_backward_avx512", Isa::Avx512, nullptr, avg_pool2d_backward_avx512},
    {"avg_pool2d_backward_avx2", Isa::Avx2, nullptr, avg_pool2d_backward_avx2},
    {"avg_pool2d_backward_reference", Isa::Reference, nullptr, avg_pool2d_backward_reference},
};

void require_at_least(const char* op, const char* name, int64_t value, int64_t least) {
    if (value < least) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is %" PRId64 "; it must be %" PRId64 " or more", op, name, value,
                    least);
    }
}

void check_dimension(const char* op, const char* dimension, int64_t input, int64_t kernel, int64_t stride,
                     int64_t padding, bool ceil_mode) {
    char name[32];
    std::snprintf(name, sizeof name, "in_%s", dimension);
    require_at_least(op, name, input, 1);
    std::snprintf(name, sizeof name, "kernel_%s", dimension);
    require_at_least(op, name, kernel, 1);
    std::snprintf(name, sizeof name, "stride_%s", dimension);
    require_at_least(op, name, stride, 1);
    std::snprintf(name, sizeof name, "padding_%s", dimension);
    require_at_least(op, name, padding, 0);
    constexpr int64_t largest = int64_t{1} << 40;
    if (input > largest || kernel > largest || stride > largest || padding > largest) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: a %s parameter exceeds 2^40", op, dimension);
    }
    if (2 * padding > kernel) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: padding_%s is %" PRId64 "; it must be at most half of kernel_%s (%"
                    PRId64 ")", op, dimension, padding, dimension, kernel);
    }
    const int64_t output = pool2d_output_size(input, kernel, stride, padding, ceil_mode);
    if (output < 1) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: the output %s would be %" PRId64 " (kernel_%s %" PRId64
                    " exceeds the padded input %s %" PRId64 ")", op, dimension, output, dimension, kernel, dimension,
                    input + 2 * padding);
    }
}

void check_data(const char* op, const char* name, const void* data, int64_t count) {
    if (data == nullptr && count > 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is null but holds %" PRId64 " elements", op, name, count);
    }
}

Pool2dProblem checked(const char* op, const Pool2dProblem& given) {
    Pool2dProblem problem = given;
    complete_pool2d_problem(op, problem);
    if (problem.out_height != given.out_height || problem.out_width != given.out_width) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: out_height x out_width is %" PRId64 " x %" PRId64
                    " but the geometry gives %" PRId64 " x %" PRId64, op, given.out_height, given.out_width,
                    problem.out_height, problem.out_width);
    }
    return problem;
}

}  // namespace

const char* max_pool2d_vector_declines(const MaxPool2dForward& op) {
    // Floats hold every integer up to 2^24 exactly.
    if (op.problem.in_plane() >= (int64_t{1} << 24)) return "planes of 2^24 elements or more: float indices round";
    return nullptr;
}

int64_t pool2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode) {
    const int64_t numerator = input + 2 * padding - kernel + (ceil_mode ? stride - 1 : 0);
    // Rounded toward negative infinity, as PyTorch's div_rtn.
    const int64_t quotient = numerator >= 0 ? numerator / stride : -((-numerator + stride - 1) / stride);
    int64_t output = quotient + 1;
    // The last window must start inside the input or the top padding.
    if (ceil_mode && (output - 1) * stride >= input + padding) --output;
    return output;
}

void complete_pool2d_problem(const char* op, Pool2dProblem& p) {
    require_at_least(op, "batch", p.batch, 0);
    require_at_least(op, "channels", p.channels, 1);
    check_dimension(op, "height", p.in_height, p.kernel_height, p.stride_height, p.padding_height, p.ceil_mode);
    check_dimension(op, "width", p.in_width, p.kernel_width, p.stride_width, p.padding_width, p.ceil_mode);
    p.out_height = pool2d_output_size(p.in_height, p.kernel_height, p.stride_height, p.padding_height, p.ceil_mode);
    p.out_width = pool2d_output_size(p.in_width, p.kernel_width, p.stride_width, p.padding_width, p.ceil_mode);
    int64_t count = 0;
    if (__builtin_mul_overflow(p.batch, p.channels, &count) || __builtin_mul_overflow(count, p.in_height, &count) ||
        __builtin_mul_overflow(count, p.in_width, &count)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: x of %" PRId64 " x %" PRId64 " x %" PRId64 " x %" PRId64
                    " elements overflows int64", op, p.batch, p.channels, p.in_height, p.in_width);
    }
}

void max_pool2d_forward(const MaxPool2dForward& op) {
    const char* name = "max_pool2d_forward";
    MaxPool2dForward checked_op = op;
    checked_op.problem = checked(name, op.problem);
    check_data(name, "x", op.x, checked_op.problem.x_count());
    check_data(name, "y", op.y, checked_op.problem.y_count());
    if (checked_op.problem.y_count() == 0) return;
    nn::core::dispatch(name, max_forward_implementations, checked_op);
}

void max_pool2d_backward(const MaxPool2dBackward& op) {
    const char* name = "max_pool2d_backward";
    MaxPool2dBackward checked_op = op;
    checked_op.problem = checked(name, op.problem);
    const Pool2dProblem& p = checked_op.problem;
    check_data(name, "dy", op.dy, p.y_count());
    check_data(name, "indices", op.indices, p.y_count());
    check_data(name, "dx", op.dx, p.x_count());
    if (p.x_count() == 0) return;
    int64_t out_of_range = 0;
    checked_op.out_of_range = &out_of_range;
    nn::core::dispatch(name, max_backward_implementations, checked_op);
    if (op.out_of_range != nullptr) *op.out_of_range = out_of_range;
    if (out_of_range > 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %" PRId64 " indices lie outside their %" PRId64 "x%" PRId64
                    " plane; they must come from max_pool2d_forward of the same shape", name, out_of_range,
                    p.in_height, p.in_width);
    }
}

void avg_pool2d_forward(const AvgPool2dForward& op) {
    const char* name = "avg_pool2d_forward";
    AvgPool2dForward checked_op = op;
    checked_op.problem = checked(name, op.problem);
    check_data(name, "x", op.x, checked_op.problem.x_count());
    check_data(name, "y", op.y, checked_op.problem.y_count());
    if (checked_op.problem.y_count() == 0) return;
    nn::core::dispatch(name, avg_forward_implementations, checked_op);
}

void avg_pool2d_backward(const AvgPool2dBackward& op) {
    const char* name = "avg_pool2d_backward";
    AvgPool2dBackward checked_op = op;
    checked_op.problem = checked(name, op.problem);
    check_data(name, "dy", op.dy, checked_op.problem.y_count());
    check_data(name, "dx", op.dx, checked_op.problem.x_count());
    if (checked_op.problem.x_count() == 0) return;
    nn::core::dispatch(name, avg_backward_implementations, checked_op);
}

}  // namespace nn::cpu
