// The AVX2 vector kit: 8 floats per ymm register, the same members as simd_avx512.h. Masks are
// vectors whose lanes are all ones or all zeros. Include only from files compiled with AVX2 flags
// (avx2.cpp).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace nn::cpu {

struct Avx2 {
    using Vector = __m256;
    using Mask = __m256;
    static constexpr int64_t width = 8;

    static Vector zero() { return _mm256_setzero_ps(); }
    static Vector broadcast(float value) { return _mm256_set1_ps(value); }
    static Vector load(const float* data) { return _mm256_loadu_ps(data); }
    static void store(float* data, Vector value) { _mm256_storeu_ps(data, value); }

    // Tag for a whole vector: the overloads below taking All compile to plain loads and stores, so
    // one generic loop body serves whole vectors and the masked tail.
    struct All {};
    static Vector load(const float* data, All, float) { return load(data); }
    static void store(float* data, Vector value, All) { store(data, value); }

    // The first count lanes (count clamped to [0, width]).
    static Mask first(int64_t count) {
        const int clamped = count <= 0 ? 0 : (count >= width ? static_cast<int>(width) : static_cast<int>(count));
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(clamped), lane));
    }
    // Lanes outside the mask read as fill; masked loads and stores never touch their memory.
    static Vector load(const float* data, Mask lanes, float fill) {
        return _mm256_blendv_ps(broadcast(fill), _mm256_maskload_ps(data, _mm256_castps_si256(lanes)), lanes);
    }
    static void store(float* data, Vector value, Mask lanes) {
        _mm256_maskstore_ps(data, _mm256_castps_si256(lanes), value);
    }

    static Vector add(Vector a, Vector b) { return _mm256_add_ps(a, b); }
    static Vector sub(Vector a, Vector b) { return _mm256_sub_ps(a, b); }
    static Vector mul(Vector a, Vector b) { return _mm256_mul_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm256_div_ps(a, b); }
    // a * b + c and c - a * b, rounded once.
    static Vector fmadd(Vector a, Vector b, Vector c) { return _mm256_fmadd_ps(a, b, c); }
    static Vector fnmadd(Vector a, Vector b, Vector c) { return _mm256_fnmadd_ps(a, b, c); }
    static Vector sqrt(Vector a) { return _mm256_sqrt_ps(a); }
    static Vector abs(Vector a) {
        return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)));
    }
    // x86 semantics: b when either is NaN, so max(bound, x) and min(bound, x) keep a NaN x.
    static Vector max(Vector a, Vector b) { return _mm256_max_ps(a, b); }
    static Vector min(Vector a, Vector b) { return _mm256_min_ps(a, b); }
    static Vector round_nearest(Vector a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    // p * 2^n for integral n in [-150, 128]. 2^n is built in the exponent field in two halves,
    // each a normal float, so results that are subnormal or infinite still come out right.
    static Vector scale_by_power_of_two(Vector p, Vector n) {
        const __m256i exponent = _mm256_cvtps_epi32(n);
        const __m256i low = _mm256_srai_epi32(exponent, 1);
        const __m256i high = _mm256_sub_epi32(exponent, low);
        const __m256i bias = _mm256_set1_epi32(127);
        const __m256 low_scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(low, bias), 23));
        const __m256 high_scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(high, bias), 23));
        return _mm256_mul_ps(_mm256_mul_ps(p, low_scale), high_scale);
    }
    static Vector copy_sign(Vector magnitude, Vector sign) {
        const __m256 sign_bit = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
        return _mm256_or_ps(_mm256_andnot_ps(sign_bit, magnitude), _mm256_and_ps(sign_bit, sign));
    }

    // Comparisons are ordered: false when either side is NaN.
    static Mask greater(Vector a, Vector b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static Mask less(Vector a, Vector b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static Mask less_equal(Vector a, Vector b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm256_blendv_ps(if_false, if_true, lanes);
    }

    // y[c * ldy + r] = x[r * ldx + c] for an 8 x 8 block: pairs of rows interleave, then pairs of
    // pairs, then the 128-bit halves swap.
    static void transpose_block(const float* x, int64_t ldx, float* y, int64_t ldy) {
        __m256 row[8];
        for (int r = 0; r < 8; ++r) row[r] = _mm256_loadu_ps(x + r * ldx);
        __m256 pair[8];
        for (int r = 0; r < 8; r += 2) {
            pair[r] = _mm256_unpacklo_ps(row[r], row[r + 1]);
            pair[r + 1] = _mm256_unpackhi_ps(row[r], row[r + 1]);
        }
        // quad[4g + j] holds rows 4g..4g+3 of column j (low half) and of column j + 4 (high half).
        __m256 quad[8];
        for (int g = 0; g < 2; ++g) {
            quad[4 * g + 0] = _mm256_shuffle_ps(pair[4 * g], pair[4 * g + 2], 0x44);
            quad[4 * g + 1] = _mm256_shuffle_ps(pair[4 * g], pair[4 * g + 2], 0xEE);
            quad[4 * g + 2] = _mm256_shuffle_ps(pair[4 * g + 1], pair[4 * g + 3], 0x44);
            quad[4 * g + 3] = _mm256_shuffle_ps(pair[4 * g + 1], pair[4 * g + 3], 0xEE);
        }
        for (int j = 0; j < 4; ++j) {
            _mm256_storeu_ps(y + j * ldy, _mm256_permute2f128_ps(quad[j], quad[4 + j], 0x20));
            _mm256_storeu_ps(y + (j + 4) * ldy, _mm256_permute2f128_ps(quad[j], quad[4 + j], 0x31));
        }
    }

    // Horizontal sum and maximum, in a fixed order (halving the vector), so results are repeatable.
    static float sum(Vector a) {
        __m128 half = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        half = _mm_add_ps(half, _mm_movehl_ps(half, half));
        half = _mm_add_ss(half, _mm_movehdup_ps(half));
        return _mm_cvtss_f32(half);
    }
    static float maximum(Vector a) {
        __m128 half = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        half = _mm_max_ps(half, _mm_movehl_ps(half, half));
        half = _mm_max_ss(half, _mm_movehdup_ps(half));
        return _mm_cvtss_f32(half);
    }
};

}  // namespace nn::cpu
