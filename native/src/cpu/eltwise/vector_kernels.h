// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]
// The vector kernels of the family, written once over a vector kit S; avx2.cpp and avx512.cpp
// instantiate them. Also the generic loop that the other element-wise families use.
#pragma once

#include <cstdint>

#include "cpu/eltwise/eltwise.h"
#include "cpu/eltwise/parallel_range.h"
#include "cpu/eltwise/vector_math.h"

namespace nn::cpu {

// Elements per thread below which a streaming op stays on one thread: 256 KiB of floats takes
// about 10 us to stream, a few times what waking a second thread costs.
constexpr int64_t streaming_grain = int64_t{1} << 16;
// The same for ops that spend tens of instructions per element (exp, tanh).
constexpr int64_t compute_grain = int64_t{1} << 14;

// Calls step(i, lanes) for i = begin, begin + width, ... below end; lanes is S::All for whole
// vectors and a mask for the last, partial one, so a generic step compiles to both.
template <class S, class Step>
void vector_loop(int64_t begin, int64_t end, const Step& step) {
    int64_t i = begin;
    for (; i + S::width <= end; i += S::width) step(i, typename S::All{});
    if (i < end) step(i, S::first(end - i));
}

// Runs step over [0, count) split among threads (see parallel_range.h), vector by vector.
template <class S, class Step>
void parallel_vector_loop(int64_t count, int64_t grain, const Step& step) {
    parallel_range(count, grain, 16, [&](int64_t begin, int64_t end) { vector_loop<S>(begin, end, step); });
}

template <class S>
void binary_vector(const BinaryProblem& p) {
    const BinaryOp op = p.op;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto a = S::load(p.a + i, lanes, 0.0f);
        const auto b = S::load(p.b + i, lanes, 0.0f);
        const auto out = op == BinaryOp::Add ? S::add(a, b) : (op == BinaryOp::Sub ? S::sub(a, b) : S::mul(a, b));
        S::store(p.out + i, out, lanes);
    });
}

template <class S>
void scalar_vector(const ScalarProblem& p) {
    const auto scalar = S::broadcast(p.scalar);
    const bool scale = p.op == ScalarOp::Scale;
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto x = S::load(p.x + i, lanes, 0.0f);
        S::store(p.y + i, scale ? S::mul(x, scalar) : S::add(x, scalar), lanes);
    });
}

// y + alpha * x rounded once (fused), where the reference rounds the product first.
template <class S>
void axpy_vector(const AxpyProblem& p) {
    const auto alpha = S::broadcast(p.alpha);
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto x = S::load(p.x + i, lanes, 0.0f);
        const auto y = S::load(p.y + i, lanes, 0.0f);
        S::store(p.y + i, S::fmadd(alpha, x, y), lanes);
    });
}

// The dispatch list keeps log away from here (it has no vector version); a direct caller still
// gets the reference's answer.
template <class S>
void unary_vector(const UnaryProblem& p) {
    if (p.op == UnaryOp::Log) {
        unary_reference(p);
        return;
    }
    if (p.op == UnaryOp::Exp) {
        parallel_vector_loop<S>(p.count, compute_grain, [&](int64_t i, auto lanes) {
            S::store(p.y + i, vector_exp<S>(S::load(p.x + i, lanes, 0.0f)), lanes);
        });
        return;
    }
    parallel_vector_loop<S>(p.count, streaming_grain, [&](int64_t i, auto lanes) {
        const auto x = S::load(p.x + i, lanes, 0.0f);
        S::store(p.y + i, S::mul(x, x), lanes);
    });
}

// Rows of the output (outer * channels rows of inner, or outer rows of channels when inner = 1)
// are split among threads.
template <class S>
void bias_add_vector(const BiasAddProblem& p) {
    if (p.inner == 1) {
        const int64_t channels = p.channels;
        const int64_t grain = channels > 0 ? (streaming_grain + channels - 1) / channels : 1;
        parallel_range(p.outer, grain, 1, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) {
                const float* x = p.x + o * channels;
                float* y = p.y + o * channels;
                vector_loop<S>(0, channels, [&](int64_t c, auto lanes) {
                    S::store(y + c, S::add(S::load(x + c, lanes, 0.0f), S::load(p.bias + c, lanes, 0.0f)), lanes);
                });
            }
        });
        return;
    }
    const int64_t inner = p.inner;
    const int64_t grain = inner > 0 ? (streaming_grain + inner - 1) / inner : 1;
    parallel_range(p.outer * p.channels, grain, 1, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            const auto bias = S::broadcast(p.bias[row % p.channels]);
            const float* x = p.x + row * inner;
            float* y = p.y + row * inner;
            vector_loop<S>(0, inner, [&](int64_t i, auto lanes) {
                S::store(y + i, S::add(S::load(x + i, lanes, 0.0f), bias), lanes);
            });
        }
    });
}

// Each channel's sum belongs to one thread and runs in a fixed order. With inner = 1 the rows are
// added one after another into dbias (reading dy front to back); otherwise one vector accumulator
// per channel runs over all of its outer * inner values.
template <class S>
void bias_backward_vector(const BiasBackwardProblem& p) {
    const int64_t per_channel = p.outer * p.inner;
    const int64_t grain = per_channel > 0 ? (streaming_grain + per_channel - 1) / per_channel : p.channels + 1;
    if (p.inner == 1) {
        parallel_range(p.channels, grain, 16, [&](int64_t begin, int64_t end) {
            for (int64_t c = begin; c < end; ++c) p.dbias[c] = 0.0f;
            for (int64_t o = 0; o < p.outer; ++o) {
                const float* row = p.dy + o * p.channels;
                vector_loop<S>(begin, end, [&](int64_t c, auto lanes) {
                    S::store(p.dbias + c, S::add(S::load(p.dbias + c, lanes, 0.0f), S::load(row + c, lanes, 0.0f)),
                             lanes);
                });
            }
        });
        return;
    }
    parallel_range(p.channels, grain, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
            auto sum0 = S::zero();
            auto sum1 = S::zero();
            for (int64_t o = 0; o < p.outer; ++o) {
                const float* row = p.dy + (o * p.channels + c) * p.inner;
                int64_t i = 0;
                for (; i + 2 * S::width <= p.inner; i += 2 * S::width) {
                    sum0 = S::add(sum0, S::load(row + i));
                    sum1 = S::add(sum1, S::load(row + i + S::width));
                }
                vector_loop<S>(i, p.inner, [&](int64_t j, auto lanes) { sum0 = S::add(sum0, S::load(row + j, lanes, 0.0f)); });
            }
            p.dbias[c] = S::sum(S::add(sum0, sum1));
        }
    });
}

// 64 x 64 tiles (16 KiB in, 16 KiB out: both stay in L1) of width x width register blocks; the
// ragged right and bottom edges go one element at a time. Row ranges are split among threads.
template <class S>
void transpose_vector(const TransposeProblem& p) {
    constexpr int64_t tile = 64;
    constexpr int64_t width = S::width;
    const int64_t rows = p.rows;
    const int64_t columns = p.columns;
    const int64_t grain = columns > 0 ? (streaming_grain + columns - 1) / columns : rows + 1;
    parallel_range(rows, grain, tile, [&](int64_t begin, int64_t end) {
        for (int64_t r0 = begin; r0 < end; r0 += tile) {
            const int64_t r1 = r0 + tile < end ? r0 + tile : end;
            for (int64_t c0 = 0; c0 < columns; c0 += tile) {
                const int64_t c1 = c0 + tile < columns ? c0 + tile : columns;
                int64_t r = r0;
                for (; r + width <= r1; r += width) {
                    int64_t c = c0;
                    for (; c + width <= c1; c += width) {
                        S::transpose_block(p.x + r * columns + c, columns, p.y + c * rows + r, rows);
                    }
                    for (; c < c1; ++c) {
                        for (int64_t k = r; k < r + width; ++k) p.y[c * rows + k] = p.x[k * columns + c];
                    }
                }
                for (; r < r1; ++r) {
                    for (int64_t c = c0; c < c1; ++c) p.y[c * rows + r] = p.x[r * columns + c];
                }
            }
        }
    });
}

}  // namespace nn::cpu
