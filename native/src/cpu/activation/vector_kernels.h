// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The vector kernels, written once over a vector kit S; avx2.cpp and avx512.cpp instantiate them.
// A NaN input fails every ordered comparison, so each select below lets it through to the output.
#pragma once

#include "cpu/activation/activation.h"
#include "cpu/eltwise/vector_kernels.h"

namespace nn::cpu {

template <class S>
void activation_forward_vector(const ActivationForward& p) {
    const auto zero = S::zero();
    const auto parameter = S::broadcast(p.parameter);
    switch (p.kind) {
        case Activation::Relu:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.x + i, lanes, 0.0f);
                S::store(p.y + i, S::select(S::less_equal(x, zero), zero, x), lanes);
            });
            break;
        case Activation::LeakyRelu:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.x + i, lanes, 0.0f);
                S::store(p.y + i, S::select(S::greater(x, zero), x, S::mul(x, parameter)), lanes);
            });
            break;
        case Activation::Elu:
            parallel_vector_loop<S>(p.count, compute_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.x + i, lanes, 0.0f);
                const auto negative = S::mul(parameter, vector_expm1<S>(x));
                S::store(p.y + i, S::select(S::less_equal(x, zero), negative, x), lanes);
            });
            break;
        case Activation::Sigmoid:
            parallel_vector_loop<S>(p.count, compute_grain, [&](int64_t i, auto lanes) {
                S::store(p.y + i, vector_sigmoid<S>(S::load(p.x + i, lanes, 0.0f)), lanes);
            });
            break;
        case Activation::Tanh:
            parallel_vector_loop<S>(p.count, compute_grain, [&](int64_t i, auto lanes) {
                S::store(p.y + i, vector_tanh<S>(S::load(p.x + i, lanes, 0.0f)), lanes);
            });
            break;
    }
}

template <class S>
void activation_backward_vector(const ActivationBackward& p) {
    const auto zero = S::zero();
    const auto one = S::broadcast(1.0f);
    const auto parameter = S::broadcast(p.parameter);
    switch (p.kind) {
        case Activation::Relu:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.saved + i, lanes, 0.0f);
                const auto dy = S::load(p.dy + i, lanes, 0.0f);
                S::store(p.dx + i, S::select(S::less_equal(x, zero), zero, dy), lanes);
            });
            break;
        case Activation::LeakyRelu:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.saved + i, lanes, 0.0f);
                const auto dy = S::load(p.dy + i, lanes, 0.0f);
                S::store(p.dx + i, S::select(S::greater(x, zero), dy, S::mul(dy, parameter)), lanes);
            });
            break;
        case Activation::Elu:
            parallel_vector_loop<S>(p.count, compute_grain, [&](int64_t i, auto lanes) {
                const auto x = S::load(p.saved + i, lanes, 0.0f);
                const auto dy = S::load(p.dy + i, lanes, 0.0f);
                const auto negative = S::mul(S::mul(dy, parameter), vector_exp<S>(x));
                S::store(p.dx + i, S::select(S::less_equal(x, zero), negative, dy), lanes);
            });
            break;
        case Activation::Sigmoid:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto y = S::load(p.saved + i, lanes, 0.0f);
                const auto dy = S::load(p.dy + i, lanes, 0.0f);
                S::store(p.dx + i, S::mul(S::mul(dy, S::sub(one, y)), y), lanes);
            });
            break;
        case Activation::Tanh:
            parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
                const auto y = S::load(p.saved + i, lanes, 0.0f);
                const auto dy = S::load(p.dy + i, lanes, 0.0f);
                S::store(p.dx + i, S::mul(dy, S::fnmadd(y, y, one)), lanes);
            });
            break;
    }
}

}  // namespace nn::cpu
