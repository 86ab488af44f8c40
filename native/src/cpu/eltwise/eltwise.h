// Element-wise arithmetic on contiguous float32 buffers, a bias over the channel dimension and its
// gradient, sums, and a blocked 2-D transpose, with PyTorch's semantics.
//
// An output may be the very buffer of an input (in place); partial overlaps are not allowed, and
// transpose never allows aliasing. Every entry point dispatches through nn::core::dispatch
// (avx512, avx2, reference); the whole-tensor sum and mean have only the reference, because a
// whole-tensor reduction runs once per step, not once per element of a layer.
#pragma once

#include <cstdint>

namespace nn::cpu {

enum class BinaryOp { Add, Sub, Mul };

// a [n], b [n] -> out [n]: a + b, a - b or a * b
struct BinaryProblem {
    BinaryOp op = BinaryOp::Add;
    int64_t count = 0;
    const float* a = nullptr;
    const float* b = nullptr;
    float* out = nullptr;
};

enum class ScalarOp { Scale, Add };

// x [n] -> y [n]: x * scalar or x + scalar
struct ScalarProblem {
    ScalarOp op = ScalarOp::Scale;
    int64_t count = 0;
    float scalar = 0.0f;
    const float* x = nullptr;
    float* y = nullptr;
};

// x [n], y [n] -> y [n]: y += alpha * x
struct AxpyProblem {
    int64_t count = 0;
    float alpha = 0.0f;
    const float* x = nullptr;
    float* y = nullptr;
};

enum class UnaryOp { Exp, Log, Square };

// x [n] -> y [n]: exp(x), log(x) or x * x. The vector kernels decline log; the reference runs it.
struct UnaryProblem {
    UnaryOp op = UnaryOp::Exp;
    int64_t count = 0;
    const float* x = nullptr;
    float* y = nullptr;
};

// x [outer, channels, inner], bias [channels] -> y [outer, channels, inner]: y = x + bias[c].
// [N, C] with inner = 1 is Linear's bias; [N, C, H, W] with inner = H * W is Conv2d's.
struct BiasAddProblem {
    int64_t outer = 0;
    int64_t channels = 0;
    int64_t inner = 0;
    const float* x = nullptr;
    const float* bias = nullptr;
    float* y = nullptr;
};

// dy [outer, channels, inner] -> dbias [channels]: dy summed over outer and inner (written, not
// accumulated). With inner = 1 this is the sum over dim 0 of a [rows, columns] tensor. Each
// channel's sum is one thread's, in a fixed order, so the result never depends on the thread count.
struct BiasBackwardProblem {
    int64_t outer = 0;
    int64_t channels = 0;
    int64_t inner = 0;
    const float* dy = nullptr;
    float* dbias = nullptr;
};

// x [rows, columns] -> y [columns, rows]
struct TransposeProblem {
    int64_t rows = 0;
    int64_t columns = 0;
    const float* x = nullptr;
    float* y = nullptr;
};

// x [n] -> one value: the sum, or the mean (NaN for n = 0, as PyTorch gives), accumulated in double.
struct ReduceProblem {
    bool mean = false;
    int64_t count = 0;
    const float* x = nullptr;
    float* result = nullptr;
};

// The entry points: validate sizes and pointers (nn::core::Error with NN_ERROR_INVALID_ARGUMENT),
// then run the best implementation the active instruction-set level allows.
void binary(const BinaryProblem& problem);
void scalar(const ScalarProblem& problem);
void axpy(const AxpyProblem& problem);
void unary(const UnaryProblem& problem);
void bias_add(const BiasAddProblem& problem);
void bias_backward(const BiasBackwardProblem& problem);
// x [rows, columns] -> sums [columns]: the sum over dim 0 (Linear's bias gradient).
void sum_rows(int64_t rows, int64_t columns, const float* x, float* sums);
void transpose(const TransposeProblem& problem);
void reduce(const ReduceProblem& problem);

// The implementations, same signature per op; callers that bypass the entry points must pass
// valid problems and must not call a level the CPU lacks.
void binary_reference(const BinaryProblem& problem);
void binary_avx2(const BinaryProblem& problem);
void binary_avx512(const BinaryProblem& problem);

void scalar_reference(const ScalarProblem& problem);
void scalar_avx2(const ScalarProblem& problem);
void scalar_avx512(const ScalarProblem& problem);

void axpy_reference(const AxpyProblem& problem);
void axpy_avx2(const AxpyProblem& problem);
void axpy_avx512(const AxpyProblem& problem);

void unary_reference(const UnaryProblem& problem);
void unary_avx2(const UnaryProblem& problem);
void unary_avx512(const UnaryProblem& problem);

void bias_add_reference(const BiasAddProblem& problem);
void bias_add_avx2(const BiasAddProblem& problem);
void bias_add_avx512(const BiasAddProblem& problem);

void bias_backward_reference(const BiasBackwardProblem& problem);
void bias_backward_avx2(const BiasBackwardProblem& problem);
void bias_backward_avx512(const BiasBackwardProblem& problem);

void transpose_reference(const TransposeProblem& problem);
void transpose_avx2(const TransposeProblem& problem);
void transpose_avx512(const TransposeProblem& problem);

void reduce_reference(const ReduceProblem& problem);

}  // namespace nn::cpu
