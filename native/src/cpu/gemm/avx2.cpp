// C[rows x cols] = alpha * A_panel[MR x k] * B_panel[k x NR] + beta * C, MR = 6, NR = 16, ymm.
// Only the register micro-kernel lives here; blocking.cpp packs the panels and walks the loops.
#include <immintrin.h>

#include "cpu/gemm/blocking.h"

namespace nn::cpu {
namespace {

constexpr int64_t mr = gemm_blocking_avx2.mr;
constexpr int64_t nr = gemm_blocking_avx2.nr;
static_assert(nr == 16, "the kernel holds a row of the tile in two ymm registers");

// An integer mask selecting lanes [0, count) of an 8-lane vector, for maskload and maskstore.
__m256i first_lanes(int64_t count) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int32_t limit = static_cast<int32_t>(count < 0 ? 0 : (count > 8 ? 8 : count));
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(limit), lane);
}

void micro_kernel(int64_t k, const float* a_panel, const float* b_panel, float alpha, float beta, float* c,
                  int64_t ldc, int64_t rows, int64_t cols) {
    __m256 sum[mr][2];
#pragma GCC unroll 8
    for (int64_t i = 0; i < mr; ++i) {
        sum[i][0] = _mm256_setzero_ps();
        sum[i][1] = _mm256_setzero_ps();
    }
    for (int64_t i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int64_t l = 0; l < k; ++l) {
        const __m256 b0 = _mm256_load_ps(b_panel);
        const __m256 b1 = _mm256_load_ps(b_panel + 8);
#pragma GCC unroll 8
        for (int64_t i = 0; i < mr; ++i) {
            const __m256 a = _mm256_broadcast_ss(a_panel + i);
            sum[i][0] = _mm256_fmadd_ps(a, b0, sum[i][0]);
            sum[i][1] = _mm256_fmadd_ps(a, b1, sum[i][1]);
        }
        a_panel += mr;
        b_panel += nr;
    }

    const __m256 alpha_vector = _mm256_set1_ps(alpha);
    const __m256 beta_vector = _mm256_set1_ps(beta);
    const bool full_width = cols == nr;
    const __m256i mask0 = first_lanes(cols);
    const __m256i mask1 = first_lanes(cols - 8);
#pragma GCC unroll 8
    for (int64_t i = 0; i < mr; ++i) {
        if (i >= rows) break;
        float* row = c + i * ldc;
        __m256 out0 = _mm256_mul_ps(alpha_vector, sum[i][0]);
        __m256 out1 = _mm256_mul_ps(alpha_vector, sum[i][1]);
        if (full_width) {
            // beta == 0 must not read C: NaN in C would survive 0 * NaN.
            if (beta != 0.0f) {
                out0 = _mm256_fmadd_ps(beta_vector, _mm256_loadu_ps(row), out0);
                out1 = _mm256_fmadd_ps(beta_vector, _mm256_loadu_ps(row + 8), out1);
            }
            _mm256_storeu_ps(row, out0);
            _mm256_storeu_ps(row + 8, out1);
        } else {
            // maskload reads nothing from masked-off lanes, so no fault past the end of C.
            if (beta != 0.0f) {
                out0 = _mm256_fmadd_ps(beta_vector, _mm256_maskload_ps(row, mask0), out0);
                out1 = _mm256_fmadd_ps(beta_vector, _mm256_maskload_ps(row + 8, mask1), out1);
            }
            _mm256_maskstore_ps(row, mask0, out0);
            _mm256_maskstore_ps(row + 8, mask1, out1);
        }
    }
}

}  // namespace

void gemm_avx2(const GemmProblem& problem) { gemm_blocked(problem, gemm_blocking_avx2, micro_kernel); }

}  // namespace nn::cpu
