// x [n] -> y [n], mask [n]; dy [n], mask [n] -> dx [n]
// The entry points: check p, sizes and pointers, then the ordered list picks the forward's
// implementation; the backward is the element-wise product.
#include "cpu/dropout/dropout.h"

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"
#include "cpu/eltwise/eltwise.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;

const Implementation<DropoutForward> forward_implementations[] = {
    {"dropout_forward_avx512", Isa::Avx512, nullptr, dropout_forward_avx512},
    {"dropout_forward_avx2", Isa::Avx2, nullptr, dropout_forward_avx2},
    {"dropout_forward_reference", Isa::Reference, nullptr, dropout_forward_reference},
};

}  // namespace

void check_dropout_probability(const char* prefix, float p) {
    // Written so that NaN fails too.
    if (!(p >= 0.0f && p <= 1.0f)) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%sp is %g but must be in [0, 1]", prefix, static_cast<double>(p));
    }
}

void dropout_forward(const DropoutForward& problem) {
    check_dropout_probability("dropout_forward: ", problem.p);
    check_size("dropout_forward", "count", problem.count);
    check_data("dropout_forward", "x", problem.x, problem.count);
    check_data("dropout_forward", "y", problem.y, problem.count);
    check_data("dropout_forward", "mask", problem.mask, problem.count);
    nn::core::dispatch("dropout_forward", forward_implementations, problem);
}

void dropout_backward(const DropoutBackward& problem) {
    BinaryProblem product;
    product.op = BinaryOp::Mul;
    product.count = problem.count;
    product.a = problem.dy;
    product.b = problem.mask;
    product.out = problem.dx;
    binary(product);
}

}  // namespace nn::cpu
