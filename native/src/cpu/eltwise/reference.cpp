// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]; x [n] -> sum
// The oracles: one element at a time in the plainest order, no threads; sums in double.
#include <cmath>
#include <limits>

#include "cpu/eltwise/eltwise.h"

namespace nn::cpu {

void binary_reference(const BinaryProblem& problem) {
    const BinaryProblem& p = problem;
    for (int64_t i = 0; i < p.count; ++i) {
        switch (p.op) {
            case BinaryOp::Add: p.out[i] = p.a[i] + p.b[i]; break;
            case BinaryOp::Sub: p.out[i] = p.a[i] - p.b[i]; break;
            case BinaryOp::Mul: p.out[i] = p.a[i] * p.b[i]; break;
        }
    }
}

void scalar_reference(const ScalarProblem& problem) {
    const ScalarProblem& p = problem;
    for (int64_t i = 0; i < p.count; ++i) p.y[i] = p.op == ScalarOp::Scale ? p.x[i] * p.scalar : p.x[i] + p.scalar;
}

void axpy_reference(const AxpyProblem& problem) {
    const AxpyProblem& p = problem;
    for (int64_t i = 0; i < p.count; ++i) p.y[i] += p.alpha * p.x[i];
}

void unary_reference(const UnaryProblem& problem) {
    const UnaryProblem& p = problem;
    for (int64_t i = 0; i < p.count; ++i) {
        switch (p.op) {
            case UnaryOp::Exp: p.y[i] = std::exp(p.x[i]); break;
            case UnaryOp::Log: p.y[i] = std::log(p.x[i]); break;
            case UnaryOp::Square: p.y[i] = p.x[i] * p.x[i]; break;
        }
    }
}

void bias_add_reference(const BiasAddProblem& problem) {
    const BiasAddProblem& p = problem;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t c = 0; c < p.channels; ++c) {
            const int64_t offset = (o * p.channels + c) * p.inner;
            for (int64_t i = 0; i < p.inner; ++i) p.y[offset + i] = p.x[offset + i] + p.bias[c];
        }
    }
}

void bias_backward_reference(const BiasBackwardProblem& problem) {
    const BiasBackwardProblem& p = problem;
    for (int64_t c = 0; c < p.channels; ++c) {
        double sum = 0.0;
        for (int64_t o = 0; o < p.outer; ++o) {
            const float* row = p.dy + (o * p.channels + c) * p.inner;
            for (int64_t i = 0; i < p.inner; ++i) sum += row[i];
        }
        p.dbias[c] = static_cast<float>(sum);
    }
}

void transpose_reference(const TransposeProblem& problem) {
    const TransposeProblem& p = problem;
    for (int64_t r = 0; r < p.rows; ++r) {
        for (int64_t c = 0; c < p.columns; ++c) p.y[c * p.rows + r] = p.x[r * p.columns + c];
    }
}

void reduce_reference(const ReduceProblem& problem) {
    const ReduceProblem& p = problem;
    double sum = 0.0;
    for (int64_t i = 0; i < p.count; ++i) sum += p.x[i];
    if (p.mean) {
        *p.result = p.count == 0 ? std::numeric_limits<float>::quiet_NaN()
                                 : static_cast<float>(sum / static_cast<double>(p.count));
    } else {
        *p.result = static_cast<float>(sum);
    }
}

}  // namespace nn::cpu
