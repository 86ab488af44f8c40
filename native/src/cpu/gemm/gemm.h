// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N], row-major float32.
// C = alpha * op(A) * op(B) + beta * C, with BLAS semantics: beta == 0 means C is only written
// (NaN or garbage in C does not propagate), alpha == 0 or K == 0 means A and B are not read.
#pragma once

#include <cstdint>

namespace nn::cpu {

struct GemmProblem {
    bool transpose_a = false;  // A is stored [K,M] and used transposed
    bool transpose_b = false;  // B is stored [N,K] and used transposed
    int64_t m = 0;
    int64_t n = 0;
    int64_t k = 0;
    float alpha = 1.0f;
    const float* a = nullptr;
    int64_t lda = 0;  // distance between rows of A as stored: >= K, or >= M when transposed
    const float* b = nullptr;
    int64_t ldb = 0;  // distance between rows of B as stored: >= N, or >= K when transposed
    float beta = 0.0f;
    float* c = nullptr;
    int64_t ldc = 0;  // >= N
};

// Validates the problem (throws nn::core::Error with NN_ERROR_INVALID_ARGUMENT on a leading
// dimension that is too small or a null pointer that would be read) and runs the best
// implementation the active instruction-set level allows: avx512, avx2, reference.
void gemm(const GemmProblem& problem);

// The implementations; same signature, same result up to rounding. Callers that bypass gemm()
// must pass a valid problem and must not call a level the CPU lacks.
void gemm_reference(const GemmProblem& problem);
void gemm_avx2(const GemmProblem& problem);
void gemm_avx512(const GemmProblem& problem);

}  // namespace nn::cpu
