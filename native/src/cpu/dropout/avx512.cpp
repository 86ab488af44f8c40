// x [n] -> y [n], mask [n]
// SplitMix64 at eight counters per zmm of 64-bit lanes (vpmullq from AVX-512DQ), two of them per
// 16 floats. Counters advance by adding 16 golden gammas, so only the setup multiplies by the index.
// GCC 12's AVX-512 shift intrinsics pass _mm512_undefined_epi32() through and warn about it once
// inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "cpu/dropout/dropout.h"
#include "cpu/eltwise/parallel_range.h"

namespace nn::cpu {
namespace {

constexpr uint64_t golden_gamma = 0x9E3779B97F4A7C15ull;

// mix(seed, counter) from z = seed + (counter + 1) * gamma, as core/random.cpp; then the top 24 bits.
__m512i top_bits(__m512i z) {
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull)));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull)));
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
    return _mm512_srli_epi64(z, 40);
}

void dropout_range(const DropoutForward& p, int64_t begin, int64_t end) {
    const __m512i threshold = _mm512_set1_epi64(static_cast<long long>(dropout_keep_threshold(p.p)));
    const __m512 scale = _mm512_set1_ps(dropout_scale(p.p));
    const __m512i step = _mm512_set1_epi64(static_cast<long long>(16 * golden_gamma));
    const __m512i lane = _mm512_setr_epi64(1, 2, 3, 4, 5, 6, 7, 8);
    const __m512i gamma = _mm512_set1_epi64(static_cast<long long>(golden_gamma));
    const __m512i base = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(p.seed)),
                                          _mm512_mullo_epi64(_mm512_add_epi64(_mm512_set1_epi64(begin), lane), gamma));
    __m512i low = base;
    __m512i high = _mm512_add_epi64(base, _mm512_set1_epi64(static_cast<long long>(8 * golden_gamma)));
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask8 keep_low = _mm512_cmpge_epu64_mask(top_bits(low), threshold);
        const __mmask8 keep_high = _mm512_cmpge_epu64_mask(top_bits(high), threshold);
        const auto keep = static_cast<__mmask16>(keep_low | (static_cast<unsigned>(keep_high) << 8));
        const int64_t remaining = end - i;
        const auto lanes = static_cast<__mmask16>(remaining >= 16 ? 0xFFFFu : (1u << remaining) - 1u);
        const __m512 mask = _mm512_maskz_mov_ps(keep, scale);
        _mm512_mask_storeu_ps(p.mask + i, lanes, mask);
        _mm512_mask_storeu_ps(p.y + i, lanes, _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, p.x + i), mask));
        low = _mm512_add_epi64(low, step);
        high = _mm512_add_epi64(high, step);
    }
}

}  // namespace

void dropout_forward_avx512(const DropoutForward& problem) {
    // About 20 instructions per element: the compute grain of the element-wise families.
    parallel_range(problem.count, int64_t{1} << 14, 16,
                   [&](int64_t begin, int64_t end) { dropout_range(problem, begin, end); });
}

}  // namespace nn::cpu
