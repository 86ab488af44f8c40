// param [n], grad [n], state [n]... -> param and state updated in place
// The vector optimizer steps, written once over a vector kit S; avx2.cpp and avx512.cpp
// instantiate them. Each keeps the reference's order of operations, fusing a multiply into the
// following add where the reference rounds twice.
#pragma once

#include "cpu/eltwise/vector_kernels.h"
#include "cpu/optim/optim.h"

namespace nn::cpu {

// torch.lerp for a scalar weight, as the reference's lerp.
template <class S>
typename S::Vector vector_lerp(typename S::Vector start, typename S::Vector end, float weight) {
    const auto difference = S::sub(end, start);
    if (weight < 0.5f) return S::fmadd(S::broadcast(weight), difference, start);
    return S::fnmadd(difference, S::broadcast(1.0f - weight), end);
}

template <class S>
void sgd_step_vector(const SgdStep& p) {
    const SgdScalars k = sgd_scalars(p.options);
    const auto weight_decay = S::broadcast(k.weight_decay);
    const auto momentum = S::broadcast(k.momentum);
    const auto keep = S::broadcast(k.keep);
    const auto lr = S::broadcast(k.lr);
    const bool decay = p.options.weight_decay != 0.0;
    const bool with_momentum = p.options.momentum != 0.0;
    const bool nesterov = p.options.nesterov;
    const bool fresh = p.step == 1;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto param = S::load(p.param + i, lanes, 0.0f);
        auto g = S::load(p.grad + i, lanes, 0.0f);
        if (decay) g = S::fmadd(weight_decay, param, g);
        if (with_momentum) {
            const auto buffer = fresh ? g : S::fmadd(keep, g, S::mul(S::load(p.momentum_buffer + i, lanes, 0.0f), momentum));
            S::store(p.momentum_buffer + i, buffer, lanes);
            g = nesterov ? S::fmadd(momentum, buffer, g) : buffer;
        }
        S::store(p.param + i, S::fnmadd(lr, g, param), lanes);
    });
}

template <class S>
void adagrad_step_vector(const AdagradStep& p) {
    const AdagradScalars k = adagrad_scalars(p.options, p.step);
    const auto clr = S::broadcast(k.clr);
    const auto weight_decay = S::broadcast(k.weight_decay);
    const auto eps = S::broadcast(k.eps);
    const auto initial = S::broadcast(k.initial_accumulator_value);
    const bool decay = p.options.weight_decay != 0.0;
    const bool fresh = p.step == 1;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto param = S::load(p.param + i, lanes, 0.0f);
        auto g = S::load(p.grad + i, lanes, 0.0f);
        if (decay) g = S::fmadd(weight_decay, param, g);
        const auto sum = S::fmadd(g, g, fresh ? initial : S::load(p.sum + i, lanes, 0.0f));
        S::store(p.sum + i, sum, lanes);
        S::store(p.param + i, S::fnmadd(clr, S::div(g, S::add(S::sqrt(sum), eps)), param), lanes);
    });
}

template <class S>
void rmsprop_step_vector(const RmspropStep& p) {
    const RmspropScalars k = rmsprop_scalars(p.options);
    const auto average_weight = S::broadcast(k.average_weight);
    const auto alpha = S::broadcast(k.alpha);
    const auto weight_decay = S::broadcast(k.weight_decay);
    const auto eps = S::broadcast(k.eps);
    const auto momentum = S::broadcast(k.momentum);
    const auto lr = S::broadcast(k.lr);
    const bool decay = p.options.weight_decay != 0.0;
    const bool with_momentum = p.options.momentum > 0.0;
    const bool centered = p.options.centered;
    const bool fresh = p.step == 1;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto param = S::load(p.param + i, lanes, 0.0f);
        auto g = S::load(p.grad + i, lanes, 0.0f);
        if (decay) g = S::fmadd(weight_decay, param, g);
        const auto previous = fresh ? S::zero() : S::load(p.square_avg + i, lanes, 0.0f);
        const auto square_avg = S::fmadd(average_weight, S::mul(g, g), S::mul(previous, alpha));
        S::store(p.square_avg + i, square_avg, lanes);
        typename S::Vector denominator;
        if (centered) {
            const auto grad_avg =
                vector_lerp<S>(fresh ? S::zero() : S::load(p.grad_avg + i, lanes, 0.0f), g, k.average_weight);
            S::store(p.grad_avg + i, grad_avg, lanes);
            denominator = S::add(S::sqrt(S::fnmadd(grad_avg, grad_avg, square_avg)), eps);
        } else {
            denominator = S::add(S::sqrt(square_avg), eps);
        }
        if (with_momentum) {
            const auto buffer_previous = fresh ? S::zero() : S::load(p.momentum_buffer + i, lanes, 0.0f);
            const auto buffer = S::fmadd(buffer_previous, momentum, S::div(g, denominator));
            S::store(p.momentum_buffer + i, buffer, lanes);
            S::store(p.param + i, S::fnmadd(lr, buffer, param), lanes);
        } else {
            S::store(p.param + i, S::fnmadd(lr, S::div(g, denominator), param), lanes);
        }
    });
}

template <class S>
void adam_step_vector(const AdamStep& p) {
    const AdamScalars k = adam_scalars(p.options, p.step);
    const auto square_weight = S::broadcast(k.square_weight);
    const auto beta2 = S::broadcast(k.beta2);
    const auto weight_decay = S::broadcast(k.weight_decay);
    const auto decay_factor = S::broadcast(k.decay);
    const auto correction = S::broadcast(k.bias_correction2_sqrt);
    const auto step_size = S::broadcast(k.step_size);
    const auto eps = S::broadcast(k.eps);
    const bool decoupled = p.options.decoupled_weight_decay;
    const bool coupled_decay = !decoupled && p.options.weight_decay != 0.0;
    const bool amsgrad = p.options.amsgrad;
    const bool fresh = p.step == 1;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        auto param = S::load(p.param + i, lanes, 0.0f);
        auto g = S::load(p.grad + i, lanes, 0.0f);
        if (decoupled) {
            param = S::mul(param, decay_factor);
        } else if (coupled_decay) {
            g = S::fmadd(weight_decay, param, g);
        }
        const auto exp_avg = vector_lerp<S>(fresh ? S::zero() : S::load(p.exp_avg + i, lanes, 0.0f), g, k.average_weight);
        const auto previous = fresh ? S::zero() : S::load(p.exp_avg_sq + i, lanes, 0.0f);
        const auto exp_avg_sq = S::fmadd(square_weight, S::mul(g, g), S::mul(previous, beta2));
        S::store(p.exp_avg + i, exp_avg, lanes);
        S::store(p.exp_avg_sq + i, exp_avg_sq, lanes);
        auto second = exp_avg_sq;
        if (amsgrad) {
            const auto maximum = fresh ? S::zero() : S::load(p.max_exp_avg_sq + i, lanes, 0.0f);
            second = S::select(S::less(maximum, exp_avg_sq), exp_avg_sq, maximum);
            S::store(p.max_exp_avg_sq + i, second, lanes);
        }
        const auto denominator = S::add(S::div(S::sqrt(second), correction), eps);
        S::store(p.param + i, S::fnmadd(step_size, S::div(exp_avg, denominator), param), lanes);
    });
}

}  // namespace nn::cpu
