// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The pooling kernels of vector_kernels.h on a kit of 8-lane ymm operations; maskload and
// maskstore keep every partial vector inside its row.
#include <immintrin.h>

#include <cstdint>

#include "cpu/pool/pool.h"
#include "cpu/pool/vector_kernels.h"

namespace nn::cpu {
namespace {

struct Avx2Pool {
    using Vector = __m256;
    using Mask = __m256;
    static constexpr int64_t width = 8;

    // All bits set in lanes [0, count), count clamped to [0, 8].
    static __m256i first(int64_t count) {
        const int clamped = count <= 0 ? 0 : (count >= width ? static_cast<int>(width) : static_cast<int>(count));
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(clamped), _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
    }

    static Vector zero() { return _mm256_setzero_ps(); }
    static Vector broadcast(float value) { return _mm256_set1_ps(value); }
    static Vector add(Vector a, Vector b) { return _mm256_add_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm256_div_ps(a, b); }

    static Vector load(const float* p, int64_t count) { return _mm256_maskload_ps(p, first(count)); }

    // p[2 i] for i < count: reads p[0 .. 2 count - 2] only.
    static Vector load_even(const float* p, int64_t count) {
        const int64_t needed = 2 * count - 1;
        const __m256 low = _mm256_maskload_ps(p, first(needed));
        const __m256 high = _mm256_maskload_ps(p + width, first(needed - width));
        // [l0 l2 h0 h2 | l4 l6 h4 h6], then the middle quarters swap.
        const __m256 mixed = _mm256_shuffle_ps(low, high, 0x88);
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
    }

    static void store(float* p, Vector value, int64_t count) { _mm256_maskstore_ps(p, first(count), value); }

    static Mask takes(Vector value, Vector max) {
        return _mm256_or_ps(_mm256_cmp_ps(value, max, _CMP_GT_OQ), _mm256_cmp_ps(value, value, _CMP_UNORD_Q));
    }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm256_blendv_ps(if_false, if_true, lanes);
    }

    static Vector ramp(float base, float step) {
        const __m256 lane = _mm256_set_ps(7, 6, 5, 4, 3, 2, 1, 0);
        return _mm256_fmadd_ps(lane, _mm256_set1_ps(step), _mm256_set1_ps(base));
    }

    static void store_indices(int64_t* p, Vector index, int64_t count) {
        const __m256i whole = _mm256_cvttps_epi32(index);
        const auto quarter = [](int64_t lanes) {
            const long long clamped = lanes <= 0 ? 0 : (lanes >= 4 ? 4 : lanes);
            return _mm256_cmpgt_epi64(_mm256_set1_epi64x(clamped), _mm256_set_epi64x(3, 2, 1, 0));
        };
        _mm256_maskstore_epi64(reinterpret_cast<long long*>(p), quarter(count),
                               _mm256_cvtepi32_epi64(_mm256_castsi256_si128(whole)));
        _mm256_maskstore_epi64(reinterpret_cast<long long*>(p + 4), quarter(count - 4),
                               _mm256_cvtepi32_epi64(_mm256_extracti128_si256(whole, 1)));
    }

    static void add_to(float* p, Vector value, int64_t count) {
        const __m256i lanes = first(count);
        _mm256_maskstore_ps(p, lanes, _mm256_add_ps(_mm256_maskload_ps(p, lanes), value));
    }

    // p[2 i] += value[i] for i < count; the odd elements are neither read nor written.
    static void add_to_even(float* p, Vector value, int64_t count) {
        const auto even_lanes = [](int64_t pairs) {
            const int clamped = pairs <= 0 ? 0 : (pairs >= 4 ? 4 : static_cast<int>(pairs));
            // Lane 2 i is set when i < pairs; odd lanes compare against a value no count reaches.
            return _mm256_cmpgt_epi32(_mm256_set1_epi32(clamped), _mm256_set_epi32(9, 3, 9, 2, 9, 1, 9, 0));
        };
        const __m256i low = even_lanes(count);
        _mm256_maskstore_ps(p, low,
                            _mm256_add_ps(_mm256_maskload_ps(p, low),
                                          _mm256_permutevar8x32_ps(value, _mm256_set_epi32(3, 3, 2, 2, 1, 1, 0, 0))));
        if (count > 4) {
            const __m256i high = even_lanes(count - 4);
            _mm256_maskstore_ps(p + width, high,
                                _mm256_add_ps(_mm256_maskload_ps(p + width, high),
                                              _mm256_permutevar8x32_ps(value, _mm256_set_epi32(7, 7, 6, 6, 5, 5, 4, 4))));
        }
    }

    static void fill_zero(float* p, int64_t count) {
        int64_t i = 0;
        for (; i + width <= count; i += width) _mm256_storeu_ps(p + i, _mm256_setzero_ps());
        _mm256_maskstore_ps(p + i, first(count - i), _mm256_setzero_ps());
    }
};

}  // namespace

void max_pool2d_forward_avx2(const MaxPool2dForward& op) { max_pool2d_forward_vector<Avx2Pool>(op); }
void max_pool2d_backward_avx2(const MaxPool2dBackward& op) { max_pool2d_backward_vector<Avx2Pool>(op); }
void avg_pool2d_forward_avx2(const AvgPool2dForward& op) { avg_pool2d_forward_vector<Avx2Pool>(op); }
void avg_pool2d_backward_avx2(const AvgPool2dBackward& op) { avg_pool2d_backward_vector<Avx2Pool>(op); }

}  // namespace nn::cpu
