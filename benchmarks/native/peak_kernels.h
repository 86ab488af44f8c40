// The loops that measure the machine's limits: independent FMA chains on vector registers and a
// STREAM-like triad, one definition per instruction set (avx2/peak_kernels.cpp and
// avx512/peak_kernels.cpp, built with that set's flags). Only declarations here: a file built with
// AVX flags must not define an inline function that a baseline file could also use.
#pragma once

#include <cstdint>

namespace nn::benchmarks {

// Accumulators per thread in the FMA loops. An FMA has a latency of 4 cycles on Zen 4/5 and on
// Intel cores since Skylake, and two pipes issue one each cycle, so at least 8 independent chains
// are needed to keep both busy; 12 leaves margin for the loop's own instructions and fits in the 16
// ymm registers that AVX2 has.
constexpr int fma_accumulators = 12;

// Runs repetitions rounds of fma_accumulators independent acc = acc * multiplier + addend on full
// vectors (16 floats for AVX-512, 8 for AVX2) and returns the sum of the accumulators, so the work
// cannot be dropped. Floating-point operations: repetitions * fma_accumulators * lanes * 2.
float fma_chains_avx512(int64_t repetitions, float multiplier, float addend);
float fma_chains_avx2(int64_t repetitions, float multiplier, float addend);

// a [n], b [n], c [n] -> a[i] = b[i] + scalar * c[i], with ordinary (not streaming) stores, as the
// kernels under test use. Pointers 64-byte aligned; any count.
void triad_avx512(float* a, const float* b, const float* c, float scalar, int64_t count);
void triad_avx2(float* a, const float* b, const float* c, float scalar, int64_t count);

}  // namespace nn::benchmarks
