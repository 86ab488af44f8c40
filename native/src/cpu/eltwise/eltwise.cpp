// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]; x [n] -> sum
// The entry points: check the problem, then the ordered lists pick the implementation.
#include "cpu/eltwise/eltwise.h"

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;

const char* unary_declines(const UnaryProblem& problem) {
    return problem.op == UnaryOp::Log ? "log has no vector version" : nullptr;
}

const Implementation<BinaryProblem> binary_implementations[] = {
    {"binary_avx512", Isa::Avx512, nullptr, binary_avx512},
    {"binary_avx2", Isa::Avx2, nullptr, binary_avx2},
    {"binary_reference", Isa::Reference, nullptr, binary_reference},
};

const Implementation<ScalarProblem> scalar_implementations[] = {
    {"scalar_avx512", Isa::Avx512, nullptr, scalar_avx512},
    {"scalar_avx2", Isa::Avx2, nullptr, scalar_avx2},
    {"scalar_reference", Isa::Reference, nullptr, scalar_reference},
};

const Implementation<AxpyProblem> axpy_implementations[] = {
    {"axpy_avx512", Isa::Avx512, nullptr, axpy_avx512},
    {"axpy_avx2", Isa::Avx2, nullptr, axpy_avx2},
    {"axpy_reference", Isa::Reference, nullptr, axpy_reference},
};

const Implementation<UnaryProblem> unary_implementations[] = {
    {"unary_avx512", Isa::Avx512, unary_declines, unary_avx512},
    {"unary_avx2", Isa::Avx2, unary_declines, unary_avx2},
    {"unary_reference", Isa::Reference, nullptr, unary_reference},
};

const Implementation<BiasAddProblem> bias_add_implementations[] = {
    {"bias_add_avx512", Isa::Avx512, nullptr, bias_add_avx512},
    {"bias_add_avx2", Isa::Avx2, nullptr, bias_add_avx2},
    {"bias_add_reference", Isa::Reference, nullptr, bias_add_reference},
};

const Implementation<BiasBackwardProblem> bias_backward_implementations[] = {
    {"bias_backward_avx512", Isa::Avx512, nullptr, bias_backward_avx512},
    {"bias_backward_avx2", Isa::Avx2, nullptr, bias_backward_avx2},
    {"bias_backward_reference", Isa::Reference, nullptr, bias_backward_reference},
};

const Implementation<TransposeProblem> transpose_implementations[] = {
    {"transpose_avx512", Isa::Avx512, nullptr, transpose_avx512},
    {"transpose_avx2", Isa::Avx2, nullptr, transpose_avx2},
    {"transpose_reference", Isa::Reference, nullptr, transpose_reference},
};

const Implementation<ReduceProblem> reduce_implementations[] = {
    {"reduce_reference", Isa::Reference, nullptr, reduce_reference},
};

}  // namespace

void binary(const BinaryProblem& problem) {
    check_size("binary", "count", problem.count);
    check_data("binary", "a", problem.a, problem.count);
    check_data("binary", "b", problem.b, problem.count);
    check_data("binary", "out", problem.out, problem.count);
    nn::core::dispatch("binary", binary_implementations, problem);
}

void scalar(const ScalarProblem& problem) {
    check_size("scalar", "count", problem.count);
    check_data("scalar", "x", problem.x, problem.count);
    check_data("scalar", "y", problem.y, problem.count);
    nn::core::dispatch("scalar", scalar_implementations, problem);
}

void axpy(const AxpyProblem& problem) {
    check_size("axpy", "count", problem.count);
    check_data("axpy", "x", problem.x, problem.count);
    check_data("axpy", "y", problem.y, problem.count);
    nn::core::dispatch("axpy", axpy_implementations, problem);
}

void unary(const UnaryProblem& problem) {
    check_size("unary", "count", problem.count);
    check_data("unary", "x", problem.x, problem.count);
    check_data("unary", "y", problem.y, problem.count);
    nn::core::dispatch("unary", unary_implementations, problem);
}

void bias_add(const BiasAddProblem& problem) {
    const int64_t count = checked_volume("bias_add", problem.outer, problem.channels, problem.inner);
    check_data("bias_add", "x", problem.x, count);
    check_data("bias_add", "bias", problem.bias, count > 0 ? problem.channels : 0);
    check_data("bias_add", "y", problem.y, count);
    nn::core::dispatch("bias_add", bias_add_implementations, problem);
}

void bias_backward(const BiasBackwardProblem& problem) {
    const int64_t count = checked_volume("bias_backward", problem.outer, problem.channels, problem.inner);
    check_data("bias_backward", "dy", problem.dy, count);
    check_data("bias_backward", "dbias", problem.dbias, problem.channels);
    nn::core::dispatch("bias_backward", bias_backward_implementations, problem);
}

void sum_rows(int64_t rows, int64_t columns, const float* x, float* sums) {
    BiasBackwardProblem problem;
    problem.outer = rows;
    problem.channels = columns;
    problem.inner = 1;
    problem.dy = x;
    problem.dbias = sums;
    bias_backward(problem);
}

void transpose(const TransposeProblem& problem) {
    const int64_t count = checked_volume("transpose", problem.rows, problem.columns, 1);
    check_data("transpose", "x", problem.x, count);
    check_data("transpose", "y", problem.y, count);
    if (count > 0 && problem.x == problem.y) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "transpose: x and y are the same buffer");
    }
    nn::core::dispatch("transpose", transpose_implementations, problem);
}

void reduce(const ReduceProblem& problem) {
    check_size("reduce", "count", problem.count);
    check_data("reduce", "x", problem.x, problem.count);
    check_data("reduce", "result", problem.result, 1);
    nn::core::dispatch("reduce", reduce_implementations, problem);
}

}  // namespace nn::cpu
