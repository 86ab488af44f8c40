// The AVX-512 FMA peak loop and triad (see peak_kernels.h).
#include <immintrin.h>

#include "../peak_kernels.h"

namespace nn::benchmarks {

float fma_chains_avx512(int64_t repetitions, float multiplier, float addend) {
    const __m512 scale = _mm512_set1_ps(multiplier);
    const __m512 shift = _mm512_set1_ps(addend);
    // Distinct starting values, so no two chains are the same expression.
    __m512 acc0 = _mm512_set1_ps(0.10f), acc1 = _mm512_set1_ps(0.11f), acc2 = _mm512_set1_ps(0.12f);
    __m512 acc3 = _mm512_set1_ps(0.13f), acc4 = _mm512_set1_ps(0.14f), acc5 = _mm512_set1_ps(0.15f);
    __m512 acc6 = _mm512_set1_ps(0.16f), acc7 = _mm512_set1_ps(0.17f), acc8 = _mm512_set1_ps(0.18f);
    __m512 acc9 = _mm512_set1_ps(0.19f), acc10 = _mm512_set1_ps(0.20f), acc11 = _mm512_set1_ps(0.21f);
    static_assert(fma_accumulators == 12, "the loop below spells out twelve chains");
    for (int64_t r = 0; r < repetitions; ++r) {
        acc0 = _mm512_fmadd_ps(acc0, scale, shift);
        acc1 = _mm512_fmadd_ps(acc1, scale, shift);
        acc2 = _mm512_fmadd_ps(acc2, scale, shift);
        acc3 = _mm512_fmadd_ps(acc3, scale, shift);
        acc4 = _mm512_fmadd_ps(acc4, scale, shift);
        acc5 = _mm512_fmadd_ps(acc5, scale, shift);
        acc6 = _mm512_fmadd_ps(acc6, scale, shift);
        acc7 = _mm512_fmadd_ps(acc7, scale, shift);
        acc8 = _mm512_fmadd_ps(acc8, scale, shift);
        acc9 = _mm512_fmadd_ps(acc9, scale, shift);
        acc10 = _mm512_fmadd_ps(acc10, scale, shift);
        acc11 = _mm512_fmadd_ps(acc11, scale, shift);
    }
    const __m512 sum = _mm512_add_ps(
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)),
                      _mm512_add_ps(_mm512_add_ps(acc4, acc5), _mm512_add_ps(acc6, acc7))),
        _mm512_add_ps(_mm512_add_ps(acc8, acc9), _mm512_add_ps(acc10, acc11)));
    return _mm512_reduce_add_ps(sum);
}

void triad_avx512(float* a, const float* b, const float* c, float scalar, int64_t count) {
    const __m512 s = _mm512_set1_ps(scalar);
    int64_t i = 0;
    for (; i + 16 <= count; i += 16) {
        _mm512_store_ps(a + i, _mm512_fmadd_ps(s, _mm512_load_ps(c + i), _mm512_load_ps(b + i)));
    }
    if (i < count) {
        const __mmask16 lanes = static_cast<__mmask16>((1u << (count - i)) - 1u);
        const __m512 sum = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(lanes, c + i), _mm512_maskz_loadu_ps(lanes, b + i));
        _mm512_mask_storeu_ps(a + i, lanes, sum);
    }
}

}  // namespace nn::benchmarks
