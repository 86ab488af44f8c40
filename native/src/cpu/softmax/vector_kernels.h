// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The vector kernels, written once over a vector kit S; avx2.cpp and avx512.cpp instantiate them.
// With inner = 1 a row of channels is contiguous and the vectors run along it; otherwise channels
// are inner apart and the vectors run across inner, one lane per (outer, inner) position.
#pragma once

#include <cmath>
#include <limits>

#include "cpu/eltwise/vector_kernels.h"
#include "cpu/softmax/softmax.h"

namespace nn::cpu {

// Positions (rows when inner = 1, else vectors of inner) per thread: enough that a thread has at
// least compute_grain elements.
static inline int64_t softmax_grain(int64_t elements_per_item) {
    return elements_per_item > 0 ? (compute_grain + elements_per_item - 1) / elements_per_item : 1;
}

// One contiguous row of n channels; y may be x.
template <class S>
void softmax_row(SoftmaxKind kind, int64_t n, const float* x, float* y) {
    const float negative_infinity = -std::numeric_limits<float>::infinity();
    auto max_vector = S::broadcast(negative_infinity);
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) { max_vector = S::max(max_vector, S::load(x + c, lanes, negative_infinity)); });
    const auto max = S::broadcast(S::maximum(max_vector));
    auto sum_vector = S::zero();
    if (kind == SoftmaxKind::Softmax) {
        vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
            const auto e = vector_exp<S>(S::sub(S::load(x + c, lanes, negative_infinity), max));
            sum_vector = S::add(sum_vector, e);
            S::store(y + c, e, lanes);
        });
        const auto reciprocal = S::broadcast(1.0f / S::sum(sum_vector));
        vector_loop<S>(0, n, [&](int64_t c, auto lanes) { S::store(y + c, S::mul(S::load(y + c, lanes, 0.0f), reciprocal), lanes); });
        return;
    }
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
        sum_vector = S::add(sum_vector, vector_exp<S>(S::sub(S::load(x + c, lanes, negative_infinity), max)));
    });
    const auto log_sum = S::broadcast(std::log(S::sum(sum_vector)));
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
        S::store(y + c, S::sub(S::sub(S::load(x + c, lanes, 0.0f), max), log_sum), lanes);
    });
}

// The lanes of one vector of inner positions, channels inner apart; y may be x.
template <class S, class Lanes>
void softmax_strided(SoftmaxKind kind, int64_t channels, int64_t inner, const float* x, float* y, Lanes lanes) {
    const float negative_infinity = -std::numeric_limits<float>::infinity();
    auto max = S::broadcast(negative_infinity);
    for (int64_t c = 0; c < channels; ++c) max = S::max(max, S::load(x + c * inner, lanes, negative_infinity));
    auto sum = S::zero();
    for (int64_t c = 0; c < channels; ++c) {
        const auto e = vector_exp<S>(S::sub(S::load(x + c * inner, lanes, negative_infinity), max));
        sum = S::add(sum, e);
        if (kind == SoftmaxKind::Softmax) S::store(y + c * inner, e, lanes);
    }
    if (kind == SoftmaxKind::Softmax) {
        const auto reciprocal = S::div(S::broadcast(1.0f), sum);
        for (int64_t c = 0; c < channels; ++c) {
            S::store(y + c * inner, S::mul(S::load(y + c * inner, lanes, 0.0f), reciprocal), lanes);
        }
        return;
    }
    // One log per lane: the vector kits have no log, and this runs once per channels elements.
    float sums[S::width];
    S::store(sums, sum);
    for (float& value : sums) value = std::log(value);
    const auto log_sum = S::load(sums);
    for (int64_t c = 0; c < channels; ++c) {
        S::store(y + c * inner, S::sub(S::sub(S::load(x + c * inner, lanes, 0.0f), max), log_sum), lanes);
    }
}

template <class S>
void softmax_forward_vector(const SoftmaxForward& p) {
    const int64_t row = p.channels * p.inner;
    if (p.inner == 1) {
        parallel_range(p.outer, softmax_grain(p.channels), 1, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) softmax_row<S>(p.kind, p.channels, p.x + o * row, p.y + o * row);
        });
        return;
    }
    const int64_t blocks = (p.inner + S::width - 1) / S::width;
    parallel_range(p.outer * blocks, softmax_grain(p.channels * S::width), 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t o = item / blocks;
            const int64_t i = item % blocks * S::width;
            const float* x = p.x + o * row + i;
            float* y = p.y + o * row + i;
            if (i + S::width <= p.inner) {
                softmax_strided<S>(p.kind, p.channels, p.inner, x, y, typename S::All{});
            } else {
                softmax_strided<S>(p.kind, p.channels, p.inner, x, y, S::first(p.inner - i));
            }
        }
    });
}

// One contiguous row; dx may be dy.
template <class S>
void softmax_backward_row(SoftmaxKind kind, int64_t n, const float* y, const float* dy, float* dx) {
    auto sum_vector = S::zero();
    if (kind == SoftmaxKind::Softmax) {
        vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
            sum_vector = S::fmadd(S::load(dy + c, lanes, 0.0f), S::load(y + c, lanes, 0.0f), sum_vector);
        });
        const auto total = S::broadcast(S::sum(sum_vector));
        vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
            const auto yc = S::load(y + c, lanes, 0.0f);
            S::store(dx + c, S::mul(yc, S::sub(S::load(dy + c, lanes, 0.0f), total)), lanes);
        });
        return;
    }
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) { sum_vector = S::add(sum_vector, S::load(dy + c, lanes, 0.0f)); });
    const auto total = S::broadcast(S::sum(sum_vector));
    vector_loop<S>(0, n, [&](int64_t c, auto lanes) {
        const auto probability = vector_exp<S>(S::load(y + c, lanes, 0.0f));
        S::store(dx + c, S::fnmadd(probability, total, S::load(dy + c, lanes, 0.0f)), lanes);
    });
}

template <class S, class Lanes>
void softmax_backward_strided(SoftmaxKind kind, int64_t channels, int64_t inner, const float* y, const float* dy,
                              float* dx, Lanes lanes) {
    auto total = S::zero();
    for (int64_t c = 0; c < channels; ++c) {
        const auto dyc = S::load(dy + c * inner, lanes, 0.0f);
        total = kind == SoftmaxKind::Softmax ? S::fmadd(dyc, S::load(y + c * inner, lanes, 0.0f), total) : S::add(total, dyc);
    }
    for (int64_t c = 0; c < channels; ++c) {
        const auto yc = S::load(y + c * inner, lanes, 0.0f);
        const auto dyc = S::load(dy + c * inner, lanes, 0.0f);
        const auto dxc = kind == SoftmaxKind::Softmax ? S::mul(yc, S::sub(dyc, total))
                                                      : S::fnmadd(vector_exp<S>(yc), total, dyc);
        S::store(dx + c * inner, dxc, lanes);
    }
}

template <class S>
void softmax_backward_vector(const SoftmaxBackward& p) {
    const int64_t row = p.channels * p.inner;
    if (p.inner == 1) {
        parallel_range(p.outer, softmax_grain(p.channels), 1, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) {
                softmax_backward_row<S>(p.kind, p.channels, p.y + o * row, p.dy + o * row, p.dx + o * row);
            }
        });
        return;
    }
    const int64_t blocks = (p.inner + S::width - 1) / S::width;
    parallel_range(p.outer * blocks, softmax_grain(p.channels * S::width), 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t o = item / blocks;
            const int64_t i = item % blocks * S::width;
            const int64_t offset = o * row + i;
            if (i + S::width <= p.inner) {
                softmax_backward_strided<S>(p.kind, p.channels, p.inner, p.y + offset, p.dy + offset, p.dx + offset,
                                            typename S::All{});
            } else {
                softmax_backward_strided<S>(p.kind, p.channels, p.inner, p.y + offset, p.dy + offset, p.dx + offset,
                                            S::first(p.inner - i));
            }
        }
    });
}

}  // namespace nn::cpu
