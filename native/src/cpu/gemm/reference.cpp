// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// The oracle: one dot product per element of C in the plainest order, no blocking, no threads.
#include "cpu/gemm/gemm.h"

namespace nn::cpu {

void gemm_reference(const GemmProblem& problem) {
    const GemmProblem& p = problem;
    const bool reads_inputs = p.k > 0 && p.alpha != 0.0f;
    for (int64_t i = 0; i < p.m; ++i) {
        for (int64_t j = 0; j < p.n; ++j) {
            float sum = 0.0f;
            if (reads_inputs) {
                for (int64_t l = 0; l < p.k; ++l) {
                    const float a = p.transpose_a ? p.a[l * p.lda + i] : p.a[i * p.lda + l];
                    const float b = p.transpose_b ? p.b[j * p.ldb + l] : p.b[l * p.ldb + j];
                    sum += a * b;
                }
            }
            float& c = p.c[i * p.ldc + j];
            // beta == 0 must not read C, so that NaN left in an output buffer does not survive.
            c = p.beta == 0.0f ? p.alpha * sum : p.alpha * sum + p.beta * c;
        }
    }
}

}  // namespace nn::cpu
