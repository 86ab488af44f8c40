// logits [outer, classes, inner], targets [outer, inner] -> loss; x [n], target [n] -> loss; and backwards
// The entry points: check sizes, pointers, targets and probabilities, then the ordered lists pick
// the implementation.
#include "cpu/loss/loss.h"

#include <string>

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;
using nn::core::throw_error;

template <class Problem>
const char* declines_inner(const Problem& problem) {
    return problem.inner != 1 ? "inner > 1: per-position classes have no vector version" : nullptr;
}

const Implementation<CrossEntropyForward> cross_entropy_forward_implementations[] = {
    {"cross_entropy_forward_avx512", Isa::Avx512, declines_inner<CrossEntropyForward>, cross_entropy_forward_avx512},
    {"cross_entropy_forward_avx2", Isa::Avx2, declines_inner<CrossEntropyForward>, cross_entropy_forward_avx2},
    {"cross_entropy_forward_reference", Isa::Reference, nullptr, cross_entropy_forward_reference},
};

const Implementation<CrossEntropyBackward> cross_entropy_backward_implementations[] = {
    {"cross_entropy_backward_avx512", Isa::Avx512, declines_inner<CrossEntropyBackward>, cross_entropy_backward_avx512},
    {"cross_entropy_backward_avx2", Isa::Avx2, declines_inner<CrossEntropyBackward>, cross_entropy_backward_avx2},
    {"cross_entropy_backward_reference", Isa::Reference, nullptr, cross_entropy_backward_reference},
};

const Implementation<NllForward> nll_forward_implementations[] = {
    {"nll_forward_reference", Isa::Reference, nullptr, nll_forward_reference},
};
const Implementation<NllBackward> nll_backward_implementations[] = {
    {"nll_backward_reference", Isa::Reference, nullptr, nll_backward_reference},
};
const Implementation<PointwiseLossForward> mse_forward_implementations[] = {
    {"mse_forward_reference", Isa::Reference, nullptr, mse_forward_reference},
};
const Implementation<PointwiseLossBackward> mse_backward_implementations[] = {
    {"mse_backward_reference", Isa::Reference, nullptr, mse_backward_reference},
};
const Implementation<PointwiseLossForward> bce_forward_implementations[] = {
    {"bce_forward_reference", Isa::Reference, nullptr, bce_forward_reference},
};
const Implementation<PointwiseLossBackward> bce_backward_implementations[] = {
    {"bce_backward_reference", Isa::Reference, nullptr, bce_backward_reference},
};

void check_reduction(const char* op, Reduction reduction) {
    if (reduction != Reduction::None && reduction != Reduction::Mean && reduction != Reduction::Sum) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: reduction %d is not none, mean or sum", op,
                    static_cast<int>(reduction));
    }
}

// The sizes and pointers of a classification loss; returns the number of samples.
int64_t check_classification(const char* op, Reduction reduction, int64_t outer, int64_t classes, int64_t inner,
                             const int64_t* targets, const float* dloss, bool backward) {
    check_reduction(op, reduction);
    checked_volume(op, outer, classes, inner);
    const int64_t samples = outer * inner;
    check_data(op, "targets", targets, samples);
    if (backward) check_data(op, "dloss", dloss, reduction == Reduction::None ? samples : 1);
    check_targets((std::string(op) + ": targets").c_str(), targets, samples, classes);
    return samples;
}

void check_pointwise(const char* op, Reduction reduction, int64_t count, const float* x, const float* target,
                     const float* dloss, bool backward) {
    check_reduction(op, reduction);
    check_size(op, "count", count);
    check_data(op, "x", x, count);
    check_data(op, "target", target, count);
    if (backward) check_data(op, "dloss", dloss, reduction == Reduction::None ? count : 1);
}

}  // namespace

void check_targets(const char* name, const int64_t* targets, int64_t samples, int64_t classes) {
    for (int64_t sample = 0; sample < samples; ++sample) {
        if (targets[sample] < 0 || targets[sample] >= classes) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s[%lld] is %lld, outside [0, %lld) for %lld classes", name,
                        static_cast<long long>(sample), static_cast<long long>(targets[sample]),
                        static_cast<long long>(classes), static_cast<long long>(classes));
        }
    }
}

void check_probabilities(const char* name, const float* probabilities, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
        // Written so that NaN fails too, as in PyTorch.
        if (!(probabilities[i] >= 0.0f && probabilities[i] <= 1.0f)) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s[%lld] is %g, outside [0, 1]", name, static_cast<long long>(i),
                        static_cast<double>(probabilities[i]));
        }
    }
}

void cross_entropy_forward(const CrossEntropyForward& problem) {
    const char* op = "cross_entropy_forward";
    const int64_t samples = check_classification(op, problem.reduction, problem.outer, problem.classes, problem.inner,
                                                 problem.targets, nullptr, false);
    check_data(op, "logits", problem.logits, samples * problem.classes);
    check_data(op, "loss", problem.loss, problem.reduction == Reduction::None ? samples : 1);
    nn::core::dispatch(op, cross_entropy_forward_implementations, problem);
}

void cross_entropy_backward(const CrossEntropyBackward& problem) {
    const char* op = "cross_entropy_backward";
    const int64_t samples = check_classification(op, problem.reduction, problem.outer, problem.classes, problem.inner,
                                                 problem.targets, problem.dloss, true);
    check_data(op, "logits", problem.logits, samples * problem.classes);
    check_data(op, "dlogits", problem.dlogits, samples * problem.classes);
    nn::core::dispatch(op, cross_entropy_backward_implementations, problem);
}

void nll_forward(const NllForward& problem) {
    const char* op = "nll_forward";
    const int64_t samples = check_classification(op, problem.reduction, problem.outer, problem.classes, problem.inner,
                                                 problem.targets, nullptr, false);
    check_data(op, "input", problem.input, samples * problem.classes);
    check_data(op, "loss", problem.loss, problem.reduction == Reduction::None ? samples : 1);
    nn::core::dispatch(op, nll_forward_implementations, problem);
}

void nll_backward(const NllBackward& problem) {
    const char* op = "nll_backward";
    const int64_t samples = check_classification(op, problem.reduction, problem.outer, problem.classes, problem.inner,
                                                 problem.targets, problem.dloss, true);
    check_data(op, "dinput", problem.dinput, samples * problem.classes);
    nn::core::dispatch(op, nll_backward_implementations, problem);
}

void mse_forward(const PointwiseLossForward& problem) {
    const char* op = "mse_forward";
    check_pointwise(op, problem.reduction, problem.count, problem.x, problem.target, nullptr, false);
    check_data(op, "loss", problem.loss, problem.reduction == Reduction::None ? problem.count : 1);
    nn::core::dispatch(op, mse_forward_implementations, problem);
}

void mse_backward(const PointwiseLossBackward& problem) {
    const char* op = "mse_backward";
    check_pointwise(op, problem.reduction, problem.count, problem.x, problem.target, problem.dloss, true);
    check_data(op, "dx", problem.dx, problem.count);
    nn::core::dispatch(op, mse_backward_implementations, problem);
}

void bce_forward(const PointwiseLossForward& problem) {
    const char* op = "bce_forward";
    check_pointwise(op, problem.reduction, problem.count, problem.x, problem.target, nullptr, false);
    check_data(op, "loss", problem.loss, problem.reduction == Reduction::None ? problem.count : 1);
    check_probabilities("bce_forward: x", problem.x, problem.count);
    nn::core::dispatch(op, bce_forward_implementations, problem);
}

void bce_backward(const PointwiseLossBackward& problem) {
    const char* op = "bce_backward";
    check_pointwise(op, problem.reduction, problem.count, problem.x, problem.target, problem.dloss, true);
    check_data(op, "dx", problem.dx, problem.count);
    nn::core::dispatch(op, bce_backward_implementations, problem);
}

}  // namespace nn::cpu
