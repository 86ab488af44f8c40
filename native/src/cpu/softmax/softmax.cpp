// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The entry points: check the problem, then the ordered lists pick the implementation.
#include "cpu/softmax/softmax.h"

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;

const Implementation<SoftmaxForward> forward_implementations[] = {
    {"softmax_forward_avx512", Isa::Avx512, nullptr, softmax_forward_avx512},
    {"softmax_forward_avx2", Isa::Avx2, nullptr, softmax_forward_avx2},
    {"softmax_forward_reference", Isa::Reference, nullptr, softmax_forward_reference},
};

const Implementation<SoftmaxBackward> backward_implementations[] = {
    {"softmax_backward_avx512", Isa::Avx512, nullptr, softmax_backward_avx512},
    {"softmax_backward_avx2", Isa::Avx2, nullptr, softmax_backward_avx2},
    {"softmax_backward_reference", Isa::Reference, nullptr, softmax_backward_reference},
};

}  // namespace

void softmax_forward(const SoftmaxForward& problem) {
    const int64_t count = checked_volume("softmax_forward", problem.outer, problem.channels, problem.inner);
    check_data("softmax_forward", "x", problem.x, count);
    check_data("softmax_forward", "y", problem.y, count);
    nn::core::dispatch("softmax_forward", forward_implementations, problem);
}

void softmax_backward(const SoftmaxBackward& problem) {
    const int64_t count = checked_volume("softmax_backward", problem.outer, problem.channels, problem.inner);
    check_data("softmax_backward", "y", problem.y, count);
    check_data("softmax_backward", "dy", problem.dy, count);
    check_data("softmax_backward", "dx", problem.dx, count);
    nn::core::dispatch("softmax_backward", backward_implementations, problem);
}

}  // namespace nn::cpu
