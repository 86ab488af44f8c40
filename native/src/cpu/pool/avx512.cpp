// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The pooling kernels of vector_kernels.h on a kit of 16-lane zmm operations; masks keep every
// partial vector inside its row.

// GCC 12's AVX-512 intrinsics pass an undefined vector through and, once inlined, warn that it is
// uninitialized (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

#include "cpu/pool/pool.h"
#include "cpu/pool/vector_kernels.h"

namespace nn::cpu {
namespace {

// row + offset as an address, without forming an out-of-bounds pointer in the language's sense:
// the masked accesses below never touch the lanes that lie outside the row.
template <class T>
T* shifted(T* row, int64_t offset) {
    return reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(row) + static_cast<std::uintptr_t>(offset) * sizeof(T));
}

struct Avx512Pool {
    using Vector = __m512;
    using Mask = __mmask16;
    static constexpr int64_t width = 16;

    // Lanes [begin, end), both clamped to [0, 16].
    static __mmask16 between(int64_t begin, int64_t end) {
        const int64_t low = begin < 0 ? 0 : (begin > width ? width : begin);
        const int64_t high = end < low ? low : (end > width ? width : end);
        return static_cast<__mmask16>(((1u << high) - 1u) & ~((1u << low) - 1u));
    }
    static __mmask16 first(int64_t count) { return between(0, count); }

    static Vector zero() { return _mm512_setzero_ps(); }
    static Vector broadcast(float value) { return _mm512_set1_ps(value); }
    static Vector add(Vector a, Vector b) { return _mm512_add_ps(a, b); }
    static Vector sub(Vector a, Vector b) { return _mm512_sub_ps(a, b); }
    static Vector mul(Vector a, Vector b) { return _mm512_mul_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm512_div_ps(a, b); }
    static Vector min(Vector a, Vector b) { return _mm512_min_ps(a, b); }
    static Vector max(Vector a, Vector b) { return _mm512_max_ps(a, b); }
    static Mask greater(Vector a, Vector b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm512_mask_blend_ps(lanes, if_false, if_true);
    }

    // value > max, or value is NaN: the lanes where PyTorch's loop takes the new element.
    static Mask takes(Vector value, Vector max) {
        return static_cast<Mask>(_mm512_cmp_ps_mask(value, max, _CMP_GT_OQ) |
                                 _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q));
    }

    // base + i step in lane i, exact below 2^24.
    static Vector ramp(float base, Vector step) {
        const __m512 lane = _mm512_set_ps(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        return _mm512_fmadd_ps(lane, step, _mm512_set1_ps(base));
    }

    // p[i] and p[2 i] for a whole vector: the caller knows the 16 or 32 elements read lie in the row.
    static Vector load(const float* p) { return _mm512_loadu_ps(p); }
    static Vector load_even(const float* p) {
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + width));
    }

    // The lanes of a window column that lie inside its row: for loads of 16 elements from
    // row + start (low) and row + start + 16 (high).
    struct Range {
        __mmask16 low;
        __mmask16 high;
    };
    static Range range(int64_t start, int64_t row_width) {
        return {between(-start, row_width - start), between(-start - width, row_width - start - width)};
    }

    // Lane i: row[start + i] inside the range, else fill.
    static Vector load_in(const float* row, int64_t start, const Range& lanes, float fill) {
        return _mm512_mask_blend_ps(lanes.low, _mm512_set1_ps(fill), _mm512_maskz_loadu_ps(lanes.low, shifted(row, start)));
    }

    // Lane i: row[start + 2 i] inside the range, else fill.
    static Vector load_even_in(const float* row, int64_t start, const Range& lanes, float fill) {
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        const __m512 fills = _mm512_set1_ps(fill);
        const __m512 low = _mm512_mask_blend_ps(lanes.low, fills, _mm512_maskz_loadu_ps(lanes.low, shifted(row, start)));
        const __m512 high = _mm512_mask_blend_ps(lanes.high, fills,
                                                 _mm512_maskz_loadu_ps(lanes.high, shifted(row, start + width)));
        return _mm512_permutex2var_ps(low, even, high);
    }

    static void store(float* p, Vector value, int64_t count) { _mm512_mask_storeu_ps(p, first(count), value); }

    static void store_indices(int64_t* p, Vector index, int64_t count) {
        const __m512i whole = _mm512_cvttps_epi32(index);
        const __mmask16 lanes = first(count);
        _mm512_mask_storeu_epi64(p, static_cast<__mmask8>(lanes & 0xFF),
                                 _mm512_cvtepi32_epi64(_mm512_castsi512_si256(whole)));
        _mm512_mask_storeu_epi64(p + 8, static_cast<__mmask8>(lanes >> 8),
                                 _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(whole, 1)));
    }

    // row[start + i] += value[i] inside the range.
    static void add_in(float* row, int64_t start, const Range& lanes, Vector value) {
        float* p = shifted(row, start);
        _mm512_mask_storeu_ps(p, lanes.low, _mm512_add_ps(_mm512_maskz_loadu_ps(lanes.low, p), value));
    }

    // row[start + 2 i] += value[i] inside the range; odd elements are untouched.
    static void add_even_in(float* row, int64_t start, const Range& lanes, Vector value) {
        const __m512i spread_low = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
        const __m512i spread_high = _mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8);
        const auto low = static_cast<__mmask16>(0x5555u & lanes.low);
        const auto high = static_cast<__mmask16>(0x5555u & lanes.high);
        float* p = shifted(row, start);
        float* q = shifted(row, start + width);
        _mm512_mask_storeu_ps(p, low,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(low, p), _mm512_permutexvar_ps(spread_low, value)));
        _mm512_mask_storeu_ps(q, high,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(high, q), _mm512_permutexvar_ps(spread_high, value)));
    }

    static void fill_zero(float* p, int64_t count) {
        int64_t i = 0;
        for (; i + width <= count; i += width) _mm512_storeu_ps(p + i, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(p + i, first(count - i), _mm512_setzero_ps());
    }
};

}  // namespace

void max_pool2d_forward_avx512(const MaxPool2dForward& op) { max_pool2d_forward_vector<Avx512Pool>(op); }
void max_pool2d_backward_avx512(const MaxPool2dBackward& op) { max_pool2d_backward_vector<Avx512Pool>(op); }
void avg_pool2d_forward_avx512(const AvgPool2dForward& op) { avg_pool2d_forward_vector<Avx512Pool>(op); }
void avg_pool2d_backward_avx512(const AvgPool2dBackward& op) { avg_pool2d_backward_vector<Avx512Pool>(op); }

}  // namespace nn::cpu
