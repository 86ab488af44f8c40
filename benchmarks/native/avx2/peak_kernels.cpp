// The AVX2 FMA peak loop and triad (see peak_kernels.h).
#include <immintrin.h>

#include "../peak_kernels.h"

namespace nn::benchmarks {

float fma_chains_avx2(int64_t repetitions, float multiplier, float addend) {
    const __m256 scale = _mm256_set1_ps(multiplier);
    const __m256 shift = _mm256_set1_ps(addend);
    // Distinct starting values, so no two chains are the same expression.
    __m256 acc0 = _mm256_set1_ps(0.10f), acc1 = _mm256_set1_ps(0.11f), acc2 = _mm256_set1_ps(0.12f);
    __m256 acc3 = _mm256_set1_ps(0.13f), acc4 = _mm256_set1_ps(0.14f), acc5 = _mm256_set1_ps(0.15f);
    __m256 acc6 = _mm256_set1_ps(0.16f), acc7 = _mm256_set1_ps(0.17f), acc8 = _mm256_set1_ps(0.18f);
    __m256 acc9 = _mm256_set1_ps(0.19f), acc10 = _mm256_set1_ps(0.20f), acc11 = _mm256_set1_ps(0.21f);
    static_assert(fma_accumulators == 12, "the loop below spells out twelve chains");
    for (int64_t r = 0; r < repetitions; ++r) {
        acc0 = _mm256_fmadd_ps(acc0, scale, shift);
        acc1 = _mm256_fmadd_ps(acc1, scale, shift);
        acc2 = _mm256_fmadd_ps(acc2, scale, shift);
        acc3 = _mm256_fmadd_ps(acc3, scale, shift);
        acc4 = _mm256_fmadd_ps(acc4, scale, shift);
        acc5 = _mm256_fmadd_ps(acc5, scale, shift);
        acc6 = _mm256_fmadd_ps(acc6, scale, shift);
        acc7 = _mm256_fmadd_ps(acc7, scale, shift);
        acc8 = _mm256_fmadd_ps(acc8, scale, shift);
        acc9 = _mm256_fmadd_ps(acc9, scale, shift);
        acc10 = _mm256_fmadd_ps(acc10, scale, shift);
        acc11 = _mm256_fmadd_ps(acc11, scale, shift);
    }
    const __m256 sum = _mm256_add_ps(
        _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)),
                      _mm256_add_ps(_mm256_add_ps(acc4, acc5), _mm256_add_ps(acc6, acc7))),
        _mm256_add_ps(_mm256_add_ps(acc8, acc9), _mm256_add_ps(acc10, acc11)));
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    const __m128 pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehdup_ps(pairs)));
}

void triad_avx2(float* a, const float* b, const float* c, float scalar, int64_t count) {
    const __m256 s = _mm256_set1_ps(scalar);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        _mm256_store_ps(a + i, _mm256_fmadd_ps(s, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
    }
    for (; i < count; ++i) a[i] = b[i] + scalar * c[i];
}

}  // namespace nn::benchmarks
