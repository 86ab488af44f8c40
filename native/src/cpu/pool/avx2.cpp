// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// The pooling kernels of vector_kernels.h on a kit of 8-lane ymm operations; maskload and
// maskstore keep every partial vector inside its row.
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

struct Avx2Pool {
    using Vector = __m256;
    using Mask = __m256;
    static constexpr int64_t width = 8;

    // All bits set in lanes [begin, end), both clamped to [0, 8].
    static __m256i between(int64_t begin, int64_t end) {
        const int low = begin < 0 ? 0 : (begin > width ? static_cast<int>(width) : static_cast<int>(begin));
        const int high = end < low ? low : (end > width ? static_cast<int>(width) : static_cast<int>(end));
        const __m256i lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
        return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(high), lane),
                                _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(low - 1)));
    }
    static __m256i first(int64_t count) { return between(0, count); }

    static Vector zero() { return _mm256_setzero_ps(); }
    static Vector broadcast(float value) { return _mm256_set1_ps(value); }
    static Vector add(Vector a, Vector b) { return _mm256_add_ps(a, b); }
    static Vector sub(Vector a, Vector b) { return _mm256_sub_ps(a, b); }
    static Vector mul(Vector a, Vector b) { return _mm256_mul_ps(a, b); }
    static Vector div(Vector a, Vector b) { return _mm256_div_ps(a, b); }
    static Vector min(Vector a, Vector b) { return _mm256_min_ps(a, b); }
    static Vector max(Vector a, Vector b) { return _mm256_max_ps(a, b); }
    static Mask greater(Vector a, Vector b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static Vector select(Mask lanes, Vector if_true, Vector if_false) {
        return _mm256_blendv_ps(if_false, if_true, lanes);
    }

    static Mask takes(Vector value, Vector max) {
        return _mm256_or_ps(_mm256_cmp_ps(value, max, _CMP_GT_OQ), _mm256_cmp_ps(value, value, _CMP_UNORD_Q));
    }

    static Vector ramp(float base, Vector step) {
        const __m256 lane = _mm256_set_ps(7, 6, 5, 4, 3, 2, 1, 0);
        return _mm256_fmadd_ps(lane, step, _mm256_set1_ps(base));
    }

    // maskload reads masked-off lanes as 0; the fill goes in by blend.
    static Vector masked_load(const float* p, __m256i lanes, float fill) {
        return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, lanes), _mm256_castsi256_ps(lanes));
    }

    // p[i] and p[2 i] for a whole vector: the caller knows the 8 or 16 elements read lie in the row.
    static Vector load(const float* p) { return _mm256_loadu_ps(p); }
    static Vector load_even(const float* p) {
        const __m256 mixed = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + width), 0x88);
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
    }

    // The lanes of a window column that lie inside its row: for loads of 8 elements from
    // row + start (low) and row + start + 8 (high).
    struct Range {
        __m256i low;
        __m256i high;
    };
    static Range range(int64_t start, int64_t row_width) {
        return {between(-start, row_width - start), between(-start - width, row_width - start - width)};
    }

    static Vector load_in(const float* row, int64_t start, const Range& lanes, float fill) {
        return masked_load(shifted(row, start), lanes.low, fill);
    }

    static Vector load_even_in(const float* row, int64_t start, const Range& lanes, float fill) {
        const __m256 low = masked_load(shifted(row, start), lanes.low, fill);
        const __m256 high = masked_load(shifted(row, start + width), lanes.high, fill);
        // [l0 l2 h0 h2 | l4 l6 h4 h6], then the middle quarters swap.
        const __m256 mixed = _mm256_shuffle_ps(low, high, 0x88);
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), 0xD8));
    }

    static void store(float* p, Vector value, int64_t count) { _mm256_maskstore_ps(p, first(count), value); }

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

    static void add_in(float* row, int64_t start, const Range& lanes, Vector value) {
        float* p = shifted(row, start);
        _mm256_maskstore_ps(p, lanes.low, _mm256_add_ps(_mm256_maskload_ps(p, lanes.low), value));
    }

    // row[start + 2 i] += value[i] inside the range; odd elements are untouched.
    static void add_even_in(float* row, int64_t start, const Range& lanes, Vector value) {
        const __m256i even = _mm256_set_epi32(0, -1, 0, -1, 0, -1, 0, -1);
        const __m256i low = _mm256_and_si256(even, lanes.low);
        const __m256i high = _mm256_and_si256(even, lanes.high);
        float* p = shifted(row, start);
        float* q = shifted(row, start + width);
        _mm256_maskstore_ps(p, low,
                            _mm256_add_ps(_mm256_maskload_ps(p, low),
                                          _mm256_permutevar8x32_ps(value, _mm256_set_epi32(3, 3, 2, 2, 1, 1, 0, 0))));
        _mm256_maskstore_ps(q, high,
                            _mm256_add_ps(_mm256_maskload_ps(q, high),
                                          _mm256_permutevar8x32_ps(value, _mm256_set_epi32(7, 7, 6, 6, 5, 5, 4, 4))));
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
