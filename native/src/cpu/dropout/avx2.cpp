// x [n] -> y [n], mask [n]
// SplitMix64 at four counters per ymm of 64-bit lanes, two of them per 8 floats. AVX2 has no 64-bit
// low multiply, so it is put together from three 32 x 32 -> 64-bit products.
#include <immintrin.h>

#include "core/random.h"
#include "cpu/dropout/dropout.h"
#include "cpu/eltwise/parallel_range.h"

namespace nn::cpu {
namespace {

constexpr uint64_t golden_gamma = 0x9E3779B97F4A7C15ull;

// a * b modulo 2^64 per lane: lo(a) lo(b) + (hi(a) lo(b) + lo(a) hi(b)) * 2^32.
__m256i multiply_low(__m256i a, __m256i b) {
    const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), b),
                                           _mm256_mul_epu32(a, _mm256_srli_epi64(b, 32)));
    return _mm256_add_epi64(_mm256_mul_epu32(a, b), _mm256_slli_epi64(cross, 32));
}

// mix(seed, counter) from z = seed + (counter + 1) * gamma, as core/random.cpp; then the top 24 bits.
__m256i top_bits(__m256i z) {
    z = multiply_low(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), _mm256_set1_epi64x(static_cast<long long>(0xBF58476D1CE4E5B9ull)));
    z = multiply_low(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), _mm256_set1_epi64x(static_cast<long long>(0x94D049BB133111EBull)));
    z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
    return _mm256_srli_epi64(z, 40);
}

void dropout_range(const DropoutForward& p, int64_t begin, int64_t end) {
    const uint64_t threshold = dropout_keep_threshold(p.p);
    const float scale = dropout_scale(p.p);
    // Top bits are below 2^24, so a signed compare with threshold - 1 (-1 for p = 0) is exact.
    const __m256i below = _mm256_set1_epi64x(static_cast<long long>(threshold) - 1);
    const __m256 scale_vector = _mm256_set1_ps(scale);
    const __m256i step = _mm256_set1_epi64x(static_cast<long long>(8 * golden_gamma));
    const __m256i lane = _mm256_setr_epi64x(1, 2, 3, 4);
    const __m256i base = _mm256_add_epi64(
        _mm256_set1_epi64x(static_cast<long long>(p.seed)),
        multiply_low(_mm256_add_epi64(_mm256_set1_epi64x(begin), lane), _mm256_set1_epi64x(static_cast<long long>(golden_gamma))));
    __m256i low = base;
    __m256i high = _mm256_add_epi64(base, _mm256_set1_epi64x(static_cast<long long>(4 * golden_gamma)));
    // The low 32 bits of each 64-bit compare result, lanes 0..3 into the low half.
    const __m256i gather = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    int64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256i keep_low = _mm256_permutevar8x32_epi32(_mm256_cmpgt_epi64(top_bits(low), below), gather);
        const __m256i keep_high = _mm256_permutevar8x32_epi32(_mm256_cmpgt_epi64(top_bits(high), below), gather);
        const __m256 keep = _mm256_castsi256_ps(_mm256_permute2x128_si256(keep_low, keep_high, 0x20));
        const __m256 mask = _mm256_and_ps(keep, scale_vector);
        _mm256_storeu_ps(p.mask + i, mask);
        _mm256_storeu_ps(p.y + i, _mm256_mul_ps(_mm256_loadu_ps(p.x + i), mask));
        low = _mm256_add_epi64(low, step);
        high = _mm256_add_epi64(high, step);
    }
    for (; i < end; ++i) {
        const bool keep = (nn::core::mix(p.seed, static_cast<uint64_t>(i)) >> 40) >= threshold;
        p.mask[i] = keep ? scale : 0.0f;
        p.y[i] = p.x[i] * p.mask[i];
    }
}

}  // namespace

void dropout_forward_avx2(const DropoutForward& problem) {
    // About 30 instructions per element: the compute grain of the element-wise families.
    parallel_range(problem.count, int64_t{1} << 14, 16,
                   [&](int64_t begin, int64_t end) { dropout_range(problem, begin, end); });
}

}  // namespace nn::cpu
