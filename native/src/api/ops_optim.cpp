// extern "C" shims for the fused optimizer steps: check the hyper-parameters (as torch.optim's
// constructors do), the step and the tensors, then hand raw pointers to the optim family.
#include <cstdint>
#include <utility>

#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/optim/optim.h"

using nn::api::flag_from;
using nn::api::guard;
using nn::api::require;
using nn::core::throw_error;

namespace {

// A tensor the step reads or writes, with its argument name; null where the options do not use it.
struct Operand {
    const nn_tensor* tensor;
    const char* name;
};

// param, grad and every used buffer: float32 of one shape, each in its own storage.
template <std::size_t Count>
void check_tensors(int64_t step, const Operand (&operands)[Count]) {
    if (step < 1) throw_error(NN_ERROR_INVALID_ARGUMENT, "step is %lld but counts from 1", static_cast<long long>(step));
    const nn_tensor& param = *operands[0].tensor;
    for (const Operand& operand : operands) {
        if (operand.tensor == nullptr) continue;
        nn::api::require_dtype(*operand.tensor, NN_DTYPE_FLOAT32, operand.name);
        nn::api::require_same_shape(param, "param", *operand.tensor, operand.name);
    }
    for (std::size_t first = 0; first < Count; ++first) {
        for (std::size_t second = first + 1; second < Count; ++second) {
            if (operands[first].tensor != nullptr && operands[second].tensor != nullptr) {
                nn::api::require_separate(*operands[second].tensor, operands[second].name, *operands[first].tensor,
                                          operands[first].name);
            }
        }
    }
}

// The buffer when the options use it (then it must be there), else null.
nn_tensor* used_buffer(nn_tensor* buffer, bool used, const char* name, const char* why) {
    if (!used) return nullptr;
    if (buffer == nullptr) throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is null but %s", name, why);
    return buffer;
}

float* data_or_null(const nn_tensor* tensor) { return tensor == nullptr ? nullptr : tensor->data<float>(); }

nn_status adam(const char* function, bool decoupled, const nn_adam_params* params, int64_t step, nn_tensor* param,
               const nn_tensor* grad, nn_tensor* exp_avg, nn_tensor* exp_avg_sq, nn_tensor* max_exp_avg_sq) {
    return guard(function, [&] {
        const auto& settings = require(params, "params");
        nn::cpu::AdamOptions options;
        options.lr = settings.lr;
        options.beta1 = settings.beta1;
        options.beta2 = settings.beta2;
        options.eps = settings.eps;
        options.weight_decay = settings.weight_decay;
        options.amsgrad = flag_from(settings.amsgrad, "params->amsgrad");
        options.decoupled_weight_decay = decoupled;
        nn::cpu::check_options("params->", options);
        auto& parameter = require(param, "param");
        require(grad, "grad");
        require(exp_avg, "exp_avg");
        require(exp_avg_sq, "exp_avg_sq");
        nn_tensor* maximum = used_buffer(max_exp_avg_sq, options.amsgrad, "max_exp_avg_sq", "params->amsgrad is 1");
        check_tensors(step, {Operand{param, "param"}, Operand{grad, "grad"}, Operand{exp_avg, "exp_avg"},
                             Operand{exp_avg_sq, "exp_avg_sq"}, Operand{maximum, "max_exp_avg_sq"}});
        nn::cpu::adam_step({options, step, parameter.numel, parameter.data<float>(), grad->data<float>(),
                            exp_avg->data<float>(), exp_avg_sq->data<float>(), data_or_null(maximum)});
    });
}

}  // namespace

extern "C" {

nn_status nn_sgd_step(const nn_sgd_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                      nn_tensor* momentum_buffer) {
    return guard("nn_sgd_step", [&] {
        const auto& settings = require(params, "params");
        nn::cpu::SgdOptions options;
        options.lr = settings.lr;
        options.momentum = settings.momentum;
        options.dampening = settings.dampening;
        options.weight_decay = settings.weight_decay;
        options.nesterov = flag_from(settings.nesterov, "params->nesterov");
        nn::cpu::check_options("params->", options);
        auto& parameter = require(param, "param");
        require(grad, "grad");
        nn_tensor* buffer = used_buffer(momentum_buffer, options.momentum != 0.0, "momentum_buffer",
                                        "params->momentum is not 0");
        check_tensors(step, {Operand{param, "param"}, Operand{grad, "grad"}, Operand{buffer, "momentum_buffer"}});
        nn::cpu::sgd_step({options, step, parameter.numel, parameter.data<float>(), grad->data<float>(), data_or_null(buffer)});
    });
}

nn_status nn_adagrad_step(const nn_adagrad_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                          nn_tensor* sum) {
    return guard("nn_adagrad_step", [&] {
        const auto& settings = require(params, "params");
        nn::cpu::AdagradOptions options;
        options.lr = settings.lr;
        options.lr_decay = settings.lr_decay;
        options.weight_decay = settings.weight_decay;
        options.initial_accumulator_value = settings.initial_accumulator_value;
        options.eps = settings.eps;
        nn::cpu::check_options("params->", options);
        auto& parameter = require(param, "param");
        require(grad, "grad");
        require(sum, "sum");
        check_tensors(step, {Operand{param, "param"}, Operand{grad, "grad"}, Operand{sum, "sum"}});
        nn::cpu::adagrad_step({options, step, parameter.numel, parameter.data<float>(), grad->data<float>(), sum->data<float>()});
    });
}

nn_status nn_rmsprop_step(const nn_rmsprop_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                          nn_tensor* square_avg, nn_tensor* momentum_buffer, nn_tensor* grad_avg) {
    return guard("nn_rmsprop_step", [&] {
        const auto& settings = require(params, "params");
        nn::cpu::RmspropOptions options;
        options.lr = settings.lr;
        options.alpha = settings.alpha;
        options.eps = settings.eps;
        options.weight_decay = settings.weight_decay;
        options.momentum = settings.momentum;
        options.centered = flag_from(settings.centered, "params->centered");
        nn::cpu::check_options("params->", options);
        auto& parameter = require(param, "param");
        require(grad, "grad");
        require(square_avg, "square_avg");
        nn_tensor* buffer = used_buffer(momentum_buffer, options.momentum > 0.0, "momentum_buffer",
                                        "params->momentum is above 0");
        nn_tensor* average = used_buffer(grad_avg, options.centered, "grad_avg", "params->centered is 1");
        check_tensors(step, {Operand{param, "param"}, Operand{grad, "grad"}, Operand{square_avg, "square_avg"},
                             Operand{buffer, "momentum_buffer"}, Operand{average, "grad_avg"}});
        nn::cpu::rmsprop_step({options, step, parameter.numel, parameter.data<float>(), grad->data<float>(),
                               square_avg->data<float>(), data_or_null(buffer), data_or_null(average)});
    });
}

nn_status nn_adam_step(const nn_adam_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                       nn_tensor* exp_avg, nn_tensor* exp_avg_sq, nn_tensor* max_exp_avg_sq) {
    return adam("nn_adam_step", false, params, step, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
}

nn_status nn_adamw_step(const nn_adam_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                        nn_tensor* exp_avg, nn_tensor* exp_avg_sq, nn_tensor* max_exp_avg_sq) {
    return adam("nn_adamw_step", true, params, step, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
}

}  // extern "C"
