// C[rows x cols] = alpha * A_panel[MR x k] * B_panel[k x NR] + beta * C, MR = 12, NR = 32, zmm.
// Only the register micro-kernel lives here; blocking.cpp packs the panels and walks the loops.
#include <immintrin.h>

#include "cpu/gemm/blocking.h"

namespace nn::cpu {
namespace {

constexpr int64_t mr = gemm_blocking_avx512.mr;
constexpr int64_t nr = gemm_blocking_avx512.nr;
static_assert(nr == 32, "the kernel holds a row of the tile in two zmm registers");

// Lanes [0, count) of a 16-lane vector, count clamped to [0, 16].
__mmask16 first_lanes(int64_t count) {
    if (count <= 0) return 0;
    if (count >= 16) return 0xFFFF;
    return static_cast<__mmask16>((1u << count) - 1u);
}

void micro_kernel(int64_t k, const float* a_panel, const float* b_panel, float alpha, float beta, float* c,
                  int64_t ldc, int64_t rows, int64_t cols) {
    __m512 sum[mr][2];
#pragma GCC unroll 16
    for (int64_t i = 0; i < mr; ++i) {
        sum[i][0] = _mm512_setzero_ps();
        sum[i][1] = _mm512_setzero_ps();
    }
    // Touch C now so its lines arrive while the k loop runs.
    for (int64_t i = 0; i < rows; ++i) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t l = 0; l < k; ++l) {
        const __m512 b0 = _mm512_load_ps(b_panel);
        const __m512 b1 = _mm512_load_ps(b_panel + 16);
#pragma GCC unroll 16
        for (int64_t i = 0; i < mr; ++i) {
            const __m512 a = _mm512_set1_ps(a_panel[i]);
            sum[i][0] = _mm512_fmadd_ps(a, b0, sum[i][0]);
            sum[i][1] = _mm512_fmadd_ps(a, b1, sum[i][1]);
        }
        a_panel += mr;
        b_panel += nr;
    }

    const __m512 alpha_vector = _mm512_set1_ps(alpha);
    const __m512 beta_vector = _mm512_set1_ps(beta);
    const __mmask16 mask0 = first_lanes(cols);
    const __mmask16 mask1 = first_lanes(cols - 16);
#pragma GCC unroll 16
    for (int64_t i = 0; i < mr; ++i) {
        if (i >= rows) break;
        float* row = c + i * ldc;
        __m512 out0 = _mm512_mul_ps(alpha_vector, sum[i][0]);
        __m512 out1 = _mm512_mul_ps(alpha_vector, sum[i][1]);
        // beta == 0 must not read C: NaN in C would survive 0 * NaN.
        if (beta != 0.0f) {
            out0 = _mm512_fmadd_ps(beta_vector, _mm512_maskz_loadu_ps(mask0, row), out0);
            out1 = _mm512_fmadd_ps(beta_vector, _mm512_maskz_loadu_ps(mask1, row + 16), out1);
        }
        _mm512_mask_storeu_ps(row, mask0, out0);
        _mm512_mask_storeu_ps(row + 16, mask1, out1);
    }
}

}  // namespace

void gemm_avx512(const GemmProblem& problem) { gemm_blocked(problem, gemm_blocking_avx512, micro_kernel); }

}  // namespace nn::cpu
