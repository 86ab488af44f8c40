// param [n], grad [n], state [n]... -> param and state updated in place
// The oracles: PyTorch's single-tensor formulas one element at a time, no threads.
#include <cmath>

#include "cpu/optim/optim.h"

namespace nn::cpu {
namespace {

// torch.lerp: start + weight (end - start), from the other end when weight >= 0.5.
float lerp(float start, float end, float weight) {
    return weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1.0f - weight);
}

}  // namespace

void sgd_step_reference(const SgdStep& problem) {
    const SgdStep& p = problem;
    const SgdScalars k = sgd_scalars(p.options);
    const bool decay = p.options.weight_decay != 0.0;
    const bool with_momentum = p.options.momentum != 0.0;
    for (int64_t i = 0; i < p.count; ++i) {
        float g = p.grad[i];
        if (decay) g = g + k.weight_decay * p.param[i];
        if (with_momentum) {
            const float buffer = p.step == 1 ? g : p.momentum_buffer[i] * k.momentum + k.keep * g;
            p.momentum_buffer[i] = buffer;
            g = p.options.nesterov ? g + k.momentum * buffer : buffer;
        }
        p.param[i] = p.param[i] - k.lr * g;
    }
}

void adagrad_step_reference(const AdagradStep& problem) {
    const AdagradStep& p = problem;
    const AdagradScalars k = adagrad_scalars(p.options, p.step);
    const bool decay = p.options.weight_decay != 0.0;
    for (int64_t i = 0; i < p.count; ++i) {
        float g = p.grad[i];
        if (decay) g = g + k.weight_decay * p.param[i];
        const float sum = (p.step == 1 ? k.initial_accumulator_value : p.sum[i]) + g * g;
        p.sum[i] = sum;
        p.param[i] = p.param[i] - k.clr * (g / (std::sqrt(sum) + k.eps));
    }
}

void rmsprop_step_reference(const RmspropStep& problem) {
    const RmspropStep& p = problem;
    const RmspropScalars k = rmsprop_scalars(p.options);
    const bool decay = p.options.weight_decay != 0.0;
    const bool with_momentum = p.options.momentum > 0.0;
    const bool fresh = p.step == 1;
    for (int64_t i = 0; i < p.count; ++i) {
        float g = p.grad[i];
        if (decay) g = g + k.weight_decay * p.param[i];
        const float square_avg = (fresh ? 0.0f : p.square_avg[i]) * k.alpha + k.average_weight * (g * g);
        p.square_avg[i] = square_avg;
        float denominator;
        if (p.options.centered) {
            const float grad_avg = lerp(fresh ? 0.0f : p.grad_avg[i], g, k.average_weight);
            p.grad_avg[i] = grad_avg;
            denominator = std::sqrt(square_avg - grad_avg * grad_avg) + k.eps;
        } else {
            denominator = std::sqrt(square_avg) + k.eps;
        }
        if (with_momentum) {
            const float buffer = (fresh ? 0.0f : p.momentum_buffer[i]) * k.momentum + g / denominator;
            p.momentum_buffer[i] = buffer;
            p.param[i] = p.param[i] - k.lr * buffer;
        } else {
            p.param[i] = p.param[i] - k.lr * (g / denominator);
        }
    }
}

void adam_step_reference(const AdamStep& problem) {
    const AdamStep& p = problem;
    const AdamScalars k = adam_scalars(p.options, p.step);
    const bool decoupled = p.options.decoupled_weight_decay;
    const bool coupled_decay = !decoupled && p.options.weight_decay != 0.0;
    const bool fresh = p.step == 1;
    for (int64_t i = 0; i < p.count; ++i) {
        float g = p.grad[i];
        if (decoupled) {
            p.param[i] = p.param[i] * k.decay;
        } else if (coupled_decay) {
            g = g + k.weight_decay * p.param[i];
        }
        const float exp_avg = lerp(fresh ? 0.0f : p.exp_avg[i], g, k.average_weight);
        const float exp_avg_sq = (fresh ? 0.0f : p.exp_avg_sq[i]) * k.beta2 + k.square_weight * (g * g);
        p.exp_avg[i] = exp_avg;
        p.exp_avg_sq[i] = exp_avg_sq;
        float second = exp_avg_sq;
        if (p.options.amsgrad) {
            const float previous = fresh ? 0.0f : p.max_exp_avg_sq[i];
            second = previous < exp_avg_sq ? exp_avg_sq : previous;
            p.max_exp_avg_sq[i] = second;
        }
        const float denominator = std::sqrt(second) / k.bias_correction2_sqrt + k.eps;
        p.param[i] = p.param[i] - k.step_size * (exp_avg / denominator);
    }
}

}  // namespace nn::cpu
