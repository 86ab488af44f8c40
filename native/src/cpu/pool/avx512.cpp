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

struct Avx512Pool {
    using Vector = __m512;
    using Mask = __mmask16;
    static constexpr int64_t width = 16;

    // Lanes [0, count), count clamped to [0, 16].
    static __mmask16 first(int64_t count) {
        if (count <= 0) return 0;
        if (count >= width) return 0xFFFF;
        return static_cast<__mmask16>((1u << count) - 1u);
    }

    static Vector zero() { return _mm512_setzero_ps(); }
    static Vector broadcast(float value) { return _mm512_set1_ps(value); }
    static Vector add(Vector a, Vector b) { return _mm512_add_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm512_div_ps(a, b); }

    // p[i] for i < count, zero beyond; lanes past count are never read.
    static Vector load(const float* p, int64_t count) { return _mm512_maskz_loadu_ps(first(count), p); }

    // p[2 i] for i < count: reads p[0 .. 2 count - 2] only.
    static Vector load_even(const float* p, int64_t count) {
        const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        const int64_t needed = 2 * count - 1;
        const __m512 low = _mm512_maskz_loadu_ps(first(needed), p);
        const __m512 high = _mm512_maskz_loadu_ps(first(needed - width), p + width);
        return _mm512_permutex2var_ps(low, even, high);
    }

    static void store(float* p, Vector value, int64_t count) { _mm512_mask_storeu_ps(p, first(count), value); }

    // value > max, or value is NaN: the lanes where PyTorch's loop takes the new element.
    static Mask takes(Vector value, Vector max) {
        return static_cast<Mask>(_mm512_cmp_ps_mask(value, max, _CMP_GT_OQ) |
                                 _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q));
    }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm512_mask_blend_ps(lanes, if_false, if_true);
    }

    // base + i step in lane i, exact below 2^24.
    static Vector ramp(float base, float step) {
        const __m512 lane = _mm512_set_ps(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        return _mm512_fmadd_ps(lane, _mm512_set1_ps(step), _mm512_set1_ps(base));
    }

    static void store_indices(int64_t* p, Vector index, int64_t count) {
        const __m512i whole = _mm512_cvttps_epi32(index);
        const __mmask16 lanes = first(count);
        _mm512_mask_storeu_epi64(p, static_cast<__mmask8>(lanes & 0xFF),
                                 _mm512_cvtepi32_epi64(_mm512_castsi512_si256(whole)));
        _mm512_mask_storeu_epi64(p + 8, static_cast<__mmask8>(lanes >> 8),
                                 _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(whole, 1)));
    }

    // p[i] += value[i] for i < count.
    static void add_to(float* p, Vector value, int64_t count) {
        const __mmask16 lanes = first(count);
        _mm512_mask_storeu_ps(p, lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, p), value));
    }

    // p[2 i] += value[i] for i < count; the odd elements are neither read nor written.
    static void add_to_even(float* p, Vector value, int64_t count) {
        const __m512i spread_low = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
        const __m512i spread_high = _mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8);
        const auto even_lanes = [](int64_t pairs) {
            return static_cast<__mmask16>(0x5555u & first(2 * pairs));
        };
        const __mmask16 low = even_lanes(count);
        _mm512_mask_storeu_ps(p, low,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(low, p), _mm512_permutexvar_ps(spread_low, value)));
        const __mmask16 high = even_lanes(count - 8);
        if (high != 0) {
            _mm512_mask_storeu_ps(p + width, high,
                                  _mm512_add_ps(_mm512_maskz_loadu_ps(high, p + width),
                                                _mm512_permutexvar_ps(spread_high, value)));
        }
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
