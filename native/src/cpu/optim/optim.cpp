// param [n], grad [n], state [n]... -> param and state updated in place
// The entry points: check hyper-parameters, step and buffers, then the ordered lists pick the
// implementation. Also the per-step scalars every implementation shares.
#include "cpu/optim/optim.h"

#include <cmath>

#include "core/dispatch.h"
#include "cpu/eltwise/checks.h"

namespace nn::cpu {
namespace {

using nn::core::Implementation;
using nn::core::Isa;
using nn::core::throw_error;

const Implementation<SgdStep> sgd_implementations[] = {
    {"sgd_step_avx512", Isa::Avx512, nullptr, sgd_step_avx512},
    {"sgd_step_avx2", Isa::Avx2, nullptr, sgd_step_avx2},
    {"sgd_step_reference", Isa::Reference, nullptr, sgd_step_reference},
};

const Implementation<AdagradStep> adagrad_implementations[] = {
    {"adagrad_step_avx512", Isa::Avx512, nullptr, adagrad_step_avx512},
    {"adagrad_step_avx2", Isa::Avx2, nullptr, adagrad_step_avx2},
    {"adagrad_step_reference", Isa::Reference, nullptr, adagrad_step_reference},
};

const Implementation<RmspropStep> rmsprop_implementations[] = {
    {"rmsprop_step_avx512", Isa::Avx512, nullptr, rmsprop_step_avx512},
    {"rmsprop_step_avx2", Isa::Avx2, nullptr, rmsprop_step_avx2},
    {"rmsprop_step_reference", Isa::Reference, nullptr, rmsprop_step_reference},
};

const Implementation<AdamStep> adam_implementations[] = {
    {"adam_step_avx512", Isa::Avx512, nullptr, adam_step_avx512},
    {"adam_step_avx2", Isa::Avx2, nullptr, adam_step_avx2},
    {"adam_step_reference", Isa::Reference, nullptr, adam_step_reference},
};

// Written so that NaN fails too; infinity fails as well, since no step survives it.
void check_at_least_zero(const char* prefix, const char* name, double value) {
    if (!(value >= 0.0 && std::isfinite(value))) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s%s is %g but must be finite and >= 0", prefix, name, value);
    }
}

void check_beta(const char* prefix, const char* name, double value) {
    if (!(value >= 0.0 && value < 1.0)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s%s is %g but must be in [0, 1)", prefix, name, value);
    }
}

void check_common(const char* op, int64_t step, int64_t count, const float* param, const float* grad) {
    if (step < 1) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: step is %lld but counts from 1", op, static_cast<long long>(step));
    }
    check_size(op, "count", count);
    check_data(op, "param", param, count);
    check_data(op, "grad", grad, count);
}

}  // namespace

SgdScalars sgd_scalars(const SgdOptions& options) {
    SgdScalars scalars;
    scalars.lr = static_cast<float>(options.lr);
    scalars.momentum = static_cast<float>(options.momentum);
    scalars.keep = static_cast<float>(1.0 - options.dampening);
    scalars.weight_decay = static_cast<float>(options.weight_decay);
    return scalars;
}

AdagradScalars adagrad_scalars(const AdagradOptions& options, int64_t step) {
    AdagradScalars scalars;
    scalars.clr = static_cast<float>(options.lr / (1.0 + static_cast<double>(step - 1) * options.lr_decay));
    scalars.weight_decay = static_cast<float>(options.weight_decay);
    scalars.initial_accumulator_value = static_cast<float>(options.initial_accumulator_value);
    scalars.eps = static_cast<float>(options.eps);
    return scalars;
}

RmspropScalars rmsprop_scalars(const RmspropOptions& options) {
    RmspropScalars scalars;
    scalars.lr = static_cast<float>(options.lr);
    scalars.alpha = static_cast<float>(options.alpha);
    scalars.average_weight = static_cast<float>(1.0 - options.alpha);
    scalars.eps = static_cast<float>(options.eps);
    scalars.weight_decay = static_cast<float>(options.weight_decay);
    scalars.momentum = static_cast<float>(options.momentum);
    return scalars;
}

AdamScalars adam_scalars(const AdamOptions& options, int64_t step) {
    const auto steps = static_cast<double>(step);
    AdamScalars scalars;
    scalars.step_size = static_cast<float>(options.lr / (1.0 - std::pow(options.beta1, steps)));
    scalars.bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(options.beta2, steps)));
    scalars.decay = static_cast<float>(1.0 - options.lr * options.weight_decay);
    scalars.average_weight = static_cast<float>(1.0 - options.beta1);
    scalars.beta2 = static_cast<float>(options.beta2);
    scalars.square_weight = static_cast<float>(1.0 - options.beta2);
    scalars.eps = static_cast<float>(options.eps);
    scalars.weight_decay = static_cast<float>(options.weight_decay);
    return scalars;
}

void check_options(const char* prefix, const SgdOptions& options) {
    check_at_least_zero(prefix, "lr", options.lr);
    check_at_least_zero(prefix, "momentum", options.momentum);
    check_at_least_zero(prefix, "weight_decay", options.weight_decay);
    if (!std::isfinite(options.dampening)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%sdampening is %g but must be finite", prefix, options.dampening);
    }
    if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%snesterov needs momentum > 0 and dampening 0 (momentum %g, dampening %g)",
                    prefix, options.momentum, options.dampening);
    }
}

void check_options(const char* prefix, const AdagradOptions& options) {
    check_at_least_zero(prefix, "lr", options.lr);
    check_at_least_zero(prefix, "lr_decay", options.lr_decay);
    check_at_least_zero(prefix, "weight_decay", options.weight_decay);
    check_at_least_zero(prefix, "initial_accumulator_value", options.initial_accumulator_value);
    check_at_least_zero(prefix, "eps", options.eps);
}

void check_options(const char* prefix, const RmspropOptions& options) {
    check_at_least_zero(prefix, "lr", options.lr);
    check_at_least_zero(prefix, "alpha", options.alpha);
    check_at_least_zero(prefix, "eps", options.eps);
    check_at_least_zero(prefix, "weight_decay", options.weight_decay);
    check_at_least_zero(prefix, "momentum", options.momentum);
}

void check_options(const char* prefix, const AdamOptions& options) {
    check_at_least_zero(prefix, "lr", options.lr);
    check_at_least_zero(prefix, "eps", options.eps);
    check_beta(prefix, "beta1", options.beta1);
    check_beta(prefix, "beta2", options.beta2);
    check_at_least_zero(prefix, "weight_decay", options.weight_decay);
}

void sgd_step(const SgdStep& problem) {
    const char* op = "sgd_step";
    check_options("sgd_step: ", problem.options);
    check_common(op, problem.step, problem.count, problem.param, problem.grad);
    if (problem.options.momentum != 0.0) check_data(op, "momentum_buffer", problem.momentum_buffer, problem.count);
    nn::core::dispatch(op, sgd_implementations, problem);
}

void adagrad_step(const AdagradStep& problem) {
    const char* op = "adagrad_step";
    check_options("adagrad_step: ", problem.options);
    check_common(op, problem.step, problem.count, problem.param, problem.grad);
    check_data(op, "sum", problem.sum, problem.count);
    nn::core::dispatch(op, adagrad_implementations, problem);
}

void rmsprop_step(const RmspropStep& problem) {
    const char* op = "rmsprop_step";
    const RmspropOptions& o = problem.options;
    check_options("rmsprop_step: ", o);
    check_common(op, problem.step, problem.count, problem.param, problem.grad);
    check_data(op, "square_avg", problem.square_avg, problem.count);
    if (o.momentum > 0.0) check_data(op, "momentum_buffer", problem.momentum_buffer, problem.count);
    if (o.centered) check_data(op, "grad_avg", problem.grad_avg, problem.count);
    nn::core::dispatch(op, rmsprop_implementations, problem);
}

void adam_step(const AdamStep& problem) {
    const bool adamw = problem.options.decoupled_weight_decay;
    const char* op = adamw ? "adamw_step" : "adam_step";
    check_options(adamw ? "adamw_step: " : "adam_step: ", problem.options);
    check_common(op, problem.step, problem.count, problem.param, problem.grad);
    check_data(op, "exp_avg", problem.exp_avg, problem.count);
    check_data(op, "exp_avg_sq", problem.exp_avg_sq, problem.count);
    if (problem.options.amsgrad) check_data(op, "max_exp_avg_sq", problem.max_exp_avg_sq, problem.count);
    nn::core::dispatch(op, adam_implementations, problem);
}

}  // namespace nn::cpu
