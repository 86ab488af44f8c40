// extern "C" shims for the losses of nativenn.h: check tensors, reduction and targets (every target
// before any kernel reads with it), then hand raw pointers to the loss family.
#include <algorithm>
#include <cstdint>

#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/loss/loss.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_same_shape;
using nn::core::describe;
using nn::core::throw_error;
using nn::cpu::Reduction;

namespace {

// [N, C, d1, ...] scores and int64 targets [N, d1, ...]; returns the scores' [outer, classes, inner].
struct ClassLayout {
    int64_t outer, classes, inner;
};

ClassLayout check_classes(const nn_tensor& scores, const char* scores_name, const nn_tensor& targets) {
    nn::api::require_float32_with_dimensions(scores, 2, scores_name, "[N, C, ...] with classes in dim 1");
    require_dtype(targets, NN_DTYPE_INT64, "targets");
    bool fits = targets.ndim == scores.ndim - 1 && targets.shape[0] == scores.shape[0];
    for (int32_t dimension = 1; fits && dimension < targets.ndim; ++dimension) {
        fits = targets.shape[dimension] == scores.shape[dimension + 1];
    }
    if (!fits) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but targets is %s; targets must be %s without dim 1",
                    scores_name, describe(scores).c_str(), describe(targets).c_str(), scores_name);
    }
    nn::cpu::check_targets("targets", targets.data<int64_t>(), targets.numel, scores.shape[1]);
    return {scores.shape[0], scores.shape[1], nn::api::trailing_volume(scores, 2)};
}

// The loss (or its gradient) of a reduction: the shape of `samples` for none, one value otherwise.
void check_reduced(const nn_tensor& tensor, const char* name, Reduction reduction, const nn_tensor& samples,
                   const char* samples_name) {
    if (reduction == Reduction::None) {
        require_dtype(tensor, NN_DTYPE_FLOAT32, name);
        if (tensor.ndim != samples.ndim || tensor.numel != samples.numel ||
            !std::equal(tensor.shape, tensor.shape + tensor.ndim, samples.shape)) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but %s is %s; with reduction none they have one shape", name,
                        describe(tensor).c_str(), samples_name, describe(samples).c_str());
        }
    } else {
        nn::api::require_one_float(tensor, name);
    }
}

nn_status pointwise_forward(const char* function, bool binary_cross_entropy, const nn_tensor* x, const nn_tensor* target,
                            nn_reduction reduction, nn_tensor* loss) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        const auto& expected = require(target, "target");
        auto& output = require(loss, "loss");
        const Reduction mode = nn::api::reduction_from(reduction);
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_same_shape(input, "x", expected, "target");
        require_dtype(expected, NN_DTYPE_FLOAT32, "target");
        check_reduced(output, "loss", mode, input, "x");
        nn::api::require_separate(output, "loss", input, "x");
        nn::api::require_separate(output, "loss", expected, "target");
        const nn::cpu::PointwiseLossForward problem{mode, input.numel, input.data<float>(), expected.data<float>(),
                                                    output.data<float>()};
        if (binary_cross_entropy) {
            nn::cpu::check_probabilities("x", problem.x, problem.count);
            nn::cpu::bce_forward(problem);
        } else {
            nn::cpu::mse_forward(problem);
        }
    });
}

nn_status pointwise_backward(const char* function, bool binary_cross_entropy, const nn_tensor* x,
                             const nn_tensor* target, const nn_tensor* dloss, nn_reduction reduction, nn_tensor* dx) {
    return guard(function, [&] {
        const auto& input = require(x, "x");
        const auto& expected = require(target, "target");
        const auto& gradient = require(dloss, "dloss");
        auto& output = require(dx, "dx");
        const Reduction mode = nn::api::reduction_from(reduction);
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_same_shape(input, "x", expected, "target");
        require_same_shape(input, "x", output, "dx");
        require_dtype(expected, NN_DTYPE_FLOAT32, "target");
        require_dtype(output, NN_DTYPE_FLOAT32, "dx");
        check_reduced(gradient, "dloss", mode, input, "x");
        nn::api::require_separate(output, "dx", input, "x");
        nn::api::require_separate(output, "dx", expected, "target");
        nn::api::require_separate(output, "dx", gradient, "dloss");
        const nn::cpu::PointwiseLossBackward problem{mode, input.numel, input.data<float>(), expected.data<float>(),
                                                     gradient.data<float>(), output.data<float>()};
        if (binary_cross_entropy) {
            nn::cpu::bce_backward(problem);
        } else {
            nn::cpu::mse_backward(problem);
        }
    });
}

}  // namespace

extern "C" {

nn_status nn_cross_entropy_forward(const nn_tensor* logits, const nn_tensor* targets, nn_reduction reduction,
                                   nn_tensor* loss) {
    return guard("nn_cross_entropy_forward", [&] {
        const auto& scores = require(logits, "logits");
        const auto& classes = require(targets, "targets");
        auto& output = require(loss, "loss");
        const Reduction mode = nn::api::reduction_from(reduction);
        const ClassLayout layout = check_classes(scores, "logits", classes);
        check_reduced(output, "loss", mode, classes, "targets");
        nn::api::require_separate(output, "loss", scores, "logits");
        nn::cpu::cross_entropy_forward({mode, layout.outer, layout.classes, layout.inner, scores.data<float>(),
                                        classes.data<int64_t>(), output.data<float>()});
    });
}

nn_status nn_cross_entropy_backward(const nn_tensor* logits, const nn_tensor* targets, const nn_tensor* dloss,
                                    nn_reduction reduction, nn_tensor* dlogits) {
    return guard("nn_cross_entropy_backward", [&] {
        const auto& scores = require(logits, "logits");
        const auto& classes = require(targets, "targets");
        const auto& gradient = require(dloss, "dloss");
        auto& output = require(dlogits, "dlogits");
        const Reduction mode = nn::api::reduction_from(reduction);
        const ClassLayout layout = check_classes(scores, "logits", classes);
        check_reduced(gradient, "dloss", mode, classes, "targets");
        require_same_shape(scores, "logits", output, "dlogits");
        nn::api::require_separate(output, "dlogits", scores, "logits");
        nn::api::require_separate(output, "dlogits", gradient, "dloss");
        nn::cpu::cross_entropy_backward({mode, layout.outer, layout.classes, layout.inner, scores.data<float>(),
                                         classes.data<int64_t>(), gradient.data<float>(), output.data<float>()});
    });
}

nn_status nn_nll_forward(const nn_tensor* input, const nn_tensor* targets, nn_reduction reduction, nn_tensor* loss) {
    return guard("nn_nll_forward", [&] {
        const auto& log_probabilities = require(input, "input");
        const auto& classes = require(targets, "targets");
        auto& output = require(loss, "loss");
        const Reduction mode = nn::api::reduction_from(reduction);
        const ClassLayout layout = check_classes(log_probabilities, "input", classes);
        check_reduced(output, "loss", mode, classes, "targets");
        nn::api::require_separate(output, "loss", log_probabilities, "input");
        nn::cpu::nll_forward({mode, layout.outer, layout.classes, layout.inner, log_probabilities.data<float>(),
                              classes.data<int64_t>(), output.data<float>()});
    });
}

nn_status nn_nll_backward(const nn_tensor* targets, const nn_tensor* dloss, nn_reduction reduction, nn_tensor* dinput) {
    return guard("nn_nll_backward", [&] {
        const auto& classes = require(targets, "targets");
        const auto& gradient = require(dloss, "dloss");
        auto& output = require(dinput, "dinput");
        const Reduction mode = nn::api::reduction_from(reduction);
        const ClassLayout layout = check_classes(output, "dinput", classes);
        check_reduced(gradient, "dloss", mode, classes, "targets");
        nn::api::require_separate(output, "dinput", gradient, "dloss");
        nn::cpu::nll_backward({mode, layout.outer, layout.classes, layout.inner, classes.data<int64_t>(),
                               gradient.data<float>(), output.data<float>()});
    });
}

nn_status nn_mse_forward(const nn_tensor* x, const nn_tensor* target, nn_reduction reduction, nn_tensor* loss) {
    return pointwise_forward("nn_mse_forward", false, x, target, reduction, loss);
}

nn_status nn_mse_backward(const nn_tensor* x, const nn_tensor* target, const nn_tensor* dloss, nn_reduction reduction,
                          nn_tensor* dx) {
    return pointwise_backward("nn_mse_backward", false, x, target, dloss, reduction, dx);
}

nn_status nn_binary_cross_entropy_forward(const nn_tensor* x, const nn_tensor* target, nn_reduction reduction,
                                          nn_tensor* loss) {
    return pointwise_forward("nn_binary_cross_entropy_forward", true, x, target, reduction, loss);
}

nn_status nn_binary_cross_entropy_backward(const nn_tensor* x, const nn_tensor* target, const nn_tensor* dloss,
                                           nn_reduction reduction, nn_tensor* dx) {
    return pointwise_backward("nn_binary_cross_entropy_backward", true, x, target, dloss, reduction, dx);
}

}  // extern "C"
