// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The entry points: check the problem, then the ordered lists pick the implementation.
#include "cpu/activation/activation.h"

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;

const Implementation<ActivationForward> forward_implementations[] = {
    {"activation_forward_avx512", Isa::Avx512, nullptr, activation_forward_avx512},
    {"activation_forward_avx2", Isa::Avx2, nullptr, activation_forward_avx2},
    {"activation_forward_reference", Isa::Reference, nullptr, activation_forward_reference},
};

const Implementation<ActivationBackward> backward_implementations[] = {
    {"activation_backward_avx512", Isa::Avx512, nullptr, activation_backward_avx512},
    {"activation_backward_avx2", Isa::Avx2, nullptr, activation_backward_avx2},
    {"activation_backward_reference", Isa::Reference, nullptr, activation_backward_reference},
};

}  // namespace

void activation_forward(const ActivationForward& problem) {
    check_size("activation_forward", "count", problem.count);
    check_data("activation_forward", "x", problem.x, problem.count);
    check_data("activation_forward", "y", problem.y, problem.count);
    nn::core::dispatch("activation_forward", forward_implementations, problem);
}

void activation_backward(const ActivationBackward& problem) {
    check_size("activation_backward", "count", problem.count);
    check_data("activation_backward", "saved", problem.saved, problem.count);
    check_data("activation_backward", "dy", problem.dy, problem.count);
    check_data("activation_backward", "dx", problem.dx, problem.count);
    nn::core::dispatch("activation_backward", backward_implementations, problem);
}

}  // namespace nn::cpu
