// The AVX-512 vector kit: 16 floats per zmm register. The element-wise families write their vector
// kernels once, as templates over a kit (see vector_math.h); simd_avx2.h offers the same members
// on ymm registers. Include only from files compiled with AVX-512 flags (avx512.cpp).
#pragma once

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_ps() through as an unused source and, once
// inlined, warn that it is uninitialized (GCC bug 105593, fixed in GCC 13). The AVX-512 files of the
// element-wise families are the only ones that include this header.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

namespace nn::cpu {

struct Avx512 {
    using Vector = __m512;
    using Mask = __mmask16;
    static constexpr int64_t width = 16;

    static Vector zero() { return _mm512_setzero_ps(); }
    static Vector broadcast(float value) { return _mm512_set1_ps(value); }
    static Vector load(const float* data) { return _mm512_loadu_ps(data); }
    static void store(float* data, Vector value) { _mm512_storeu_ps(data, value); }

    // Tag for a whole vector: the overloads below taking All compile to plain loads and stores, so
    // one generic loop body serves whole vectors and the masked tail.
    struct All {};
    static Vector load(const float* data, All, float) { return load(data); }
    static void store(float* data, Vector value, All) { store(data, value); }

    // The first count lanes (count clamped to [0, width]).
    static Mask first(int64_t count) {
        if (count <= 0) return 0;
        if (count >= width) return 0xFFFF;
        return static_cast<Mask>((1u << count) - 1u);
    }
    // Lanes outside the mask read as fill; their memory is never touched, so a tail may end at the
    // last byte of a page.
    static Vector load(const float* data, Mask lanes, float fill) {
        return _mm512_mask_loadu_ps(broadcast(fill), lanes, data);
    }
    static void store(float* data, Vector value, Mask lanes) { _mm512_mask_storeu_ps(data, lanes, value); }

    static Vector add(Vector a, Vector b) { return _mm512_add_ps(a, b); }
    static Vector sub(Vector a, Vector b) { return _mm512_sub_ps(a, b); }
    static Vector mul(Vector a, Vector b) { return _mm512_mul_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm512_div_ps(a, b); }
    // a * b + c and c - a * b, rounded once.
    static Vector fmadd(Vector a, Vector b, Vector c) { return _mm512_fmadd_ps(a, b, c); }
    static Vector fnmadd(Vector a, Vector b, Vector c) { return _mm512_fnmadd_ps(a, b, c); }
    static Vector sqrt(Vector a) { return _mm512_sqrt_ps(a); }
    static Vector abs(Vector a) { return _mm512_abs_ps(a); }
    // x86 semantics: b when either is NaN, so max(bound, x) and min(bound, x) keep a NaN x.
    static Vector max(Vector a, Vector b) { return _mm512_max_ps(a, b); }
    static Vector min(Vector a, Vector b) { return _mm512_min_ps(a, b); }
    static Vector round_nearest(Vector a) {
        return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    // p * 2^n for integral n; scalef rounds once and overflows to infinity or underflows through
    // the subnormals like the exact product would.
    static Vector scale_by_power_of_two(Vector p, Vector n) { return _mm512_scalef_ps(p, n); }
    static Vector copy_sign(Vector magnitude, Vector sign) {
        // 0xCA is the bitwise select "first ? second : third": the sign bit from sign, the rest from magnitude.
        const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
        return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(sign_bit, _mm512_castps_si512(sign),
                                                             _mm512_castps_si512(magnitude), 0xCA));
    }

    // Comparisons are ordered: false when either side is NaN.
    static Mask greater(Vector a, Vector b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static Mask less(Vector a, Vector b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static Mask less_equal(Vector a, Vector b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm512_mask_blend_ps(lanes, if_false, if_true);
    }

    // y[c * ldy + r] = x[r * ldx + c] for a 16 x 16 block: within each 128-bit lane as on AVX2
    // (pairs of rows, then pairs of pairs), then the lanes regroup with two rounds of shuffle_f32x4.
    static void transpose_block(const float* x, int64_t ldx, float* y, int64_t ldy) {
        __m512 row[16];
        for (int r = 0; r < 16; ++r) row[r] = _mm512_loadu_ps(x + r * ldx);
        __m512 pair[16];
        for (int r = 0; r < 16; r += 2) {
            pair[r] = _mm512_unpacklo_ps(row[r], row[r + 1]);
            pair[r + 1] = _mm512_unpackhi_ps(row[r], row[r + 1]);
        }
        // quad[4g + j], lane L: rows 4g..4g+3 of column 4L + j.
        __m512 quad[16];
        for (int g = 0; g < 4; ++g) {
            quad[4 * g + 0] = _mm512_shuffle_ps(pair[4 * g], pair[4 * g + 2], 0x44);
            quad[4 * g + 1] = _mm512_shuffle_ps(pair[4 * g], pair[4 * g + 2], 0xEE);
            quad[4 * g + 2] = _mm512_shuffle_ps(pair[4 * g + 1], pair[4 * g + 3], 0x44);
            quad[4 * g + 3] = _mm512_shuffle_ps(pair[4 * g + 1], pair[4 * g + 3], 0xEE);
        }
        for (int j = 0; j < 4; ++j) {
            // Lanes 0, 1 of groups 0 and 1, lanes 2, 3 of groups 0 and 1, and the same for groups 2, 3.
            const __m512 low01 = _mm512_shuffle_f32x4(quad[j], quad[4 + j], 0x44);
            const __m512 high01 = _mm512_shuffle_f32x4(quad[j], quad[4 + j], 0xEE);
            const __m512 low23 = _mm512_shuffle_f32x4(quad[8 + j], quad[12 + j], 0x44);
            const __m512 high23 = _mm512_shuffle_f32x4(quad[8 + j], quad[12 + j], 0xEE);
            _mm512_storeu_ps(y + j * ldy, _mm512_shuffle_f32x4(low01, low23, 0x88));
            _mm512_storeu_ps(y + (4 + j) * ldy, _mm512_shuffle_f32x4(low01, low23, 0xDD));
            _mm512_storeu_ps(y + (8 + j) * ldy, _mm512_shuffle_f32x4(high01, high23, 0x88));
            _mm512_storeu_ps(y + (12 + j) * ldy, _mm512_shuffle_f32x4(high01, high23, 0xDD));
        }
    }

    // Horizontal sum and maximum, in a fixed order (halving the vector), so results are repeatable.
    static float sum(Vector a) {
        const __m256 half = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
        __m128 quarter = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
        quarter = _mm_add_ps(quarter, _mm_movehl_ps(quarter, quarter));
        quarter = _mm_add_ss(quarter, _mm_movehdup_ps(quarter));
        return _mm_cvtss_f32(quarter);
    }
    static float maximum(Vector a) {
        const __m256 half = _mm256_max_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
        __m128 quarter = _mm_max_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
        quarter = _mm_max_ps(quarter, _mm_movehl_ps(quarter, quarter));
        quarter = _mm_max_ss(quarter, _mm_movehdup_ps(quarter));
        return _mm_cvtss_f32(quarter);
    }
};

}  // namespace nn::cpu
