// logits [outer, classes, 1], targets [outer] -> loss [outer] or one value; and the backward
// The vector cross-entropy, written once over a vector kit S; avx2.cpp and avx512.cpp instantiate
// it. Rows of classes are contiguous (inner = 1); each row is one thread's.
#pragma once

#include <cmath>
#include <limits>

#include "cpu/eltwise/vector_kernels.h"
#include "cpu/loss/loss.h"

namespace nn::cpu {

// Rows per thread: enough that a thread has at least compute_grain logits.
static inline int64_t loss_row_grain(int64_t classes) {
    return classes > 0 ? (compute_grain + classes - 1) / classes : 1;
}

// The max of a row of n logits and the float sum of exp(x - max); with store, exp(x - max) also
// goes to out.
template <class S, bool store>
float row_exp_sum(const float* x, int64_t n, float& max, float* out) {
    const float negative_infinity = -std::numeric_limits<float>::infinity();
    auto max_vector = S::broadcast(negative_infinity);
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) { max_vector = S::max(max_vector, S::load(x + c, lanes, negative_infinity)); });
    max = S::maximum(max_vector);
    const auto max_broadcast = S::broadcast(max);
    auto sum = S::zero();
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
        const auto e = vector_exp<S>(S::sub(S::load(x + c, lanes, negative_infinity), max_broadcast));
        sum = S::add(sum, e);
        if constexpr (store) S::store(out + c, e, lanes);
    });
    return S::sum(sum);
}

template <class S>
void cross_entropy_forward_vector(const CrossEntropyForward& p) {
    if (p.inner != 1) {
        cross_entropy_forward_reference(p);
        return;
    }
    const int64_t classes = p.classes;
    auto row_loss = [&](int64_t o) {
        const float* x = p.logits + o * classes;
        float max;
        const float sum = row_exp_sum<S, false>(x, classes, max, nullptr);
        return std::log(sum) - (x[p.targets[o]] - max);
    };
    const int64_t grain = loss_row_grain(classes);
    if (p.reduction == Reduction::None) {
        parallel_range(p.outer, grain, 1, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) p.loss[o] = row_loss(o);
        });
        return;
    }
    const double total = parallel_sum(p.outer, grain, [&](int64_t begin, int64_t end) {
        double sum = 0.0;
        for (int64_t o = begin; o < end; ++o) sum += row_loss(o);
        return sum;
    });
    if (p.reduction == Reduction::Sum) {
        *p.loss = static_cast<float>(total);
    } else {
        *p.loss = p.outer == 0 ? std::numeric_limits<float>::quiet_NaN()
                               : static_cast<float>(total / static_cast<double>(p.outer));
    }
}

// dlogits = softmax * gradient, then gradient less at the target: (softmax - onehot) * gradient.
template <class S>
void cross_entropy_backward_vector(const CrossEntropyBackward& p) {
    if (p.inner != 1) {
        cross_entropy_backward_reference(p);
        return;
    }
    const int64_t classes = p.classes;
    parallel_range(p.outer, loss_row_grain(classes), 1, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
            float gradient = p.reduction == Reduction::None ? p.dloss[o] : p.dloss[0];
            if (p.reduction == Reduction::Mean) gradient /= static_cast<float>(p.outer);
            float* out = p.dlogits + o * classes;
            float max;
            const float sum = row_exp_sum<S, true>(p.logits + o * classes, classes, max, out);
            const auto scale = S::broadcast(gradient / sum);
            vector_loop<S>(0, classes, [&](int64_t c, auto lanes) {
                S::store(out + c, S::mul(S::load(out + c, lanes, 0.0f), scale), lanes);
            });
            out[p.targets[o]] -= gradient;
        }
    });
}

}  // namespace nn::cpu
