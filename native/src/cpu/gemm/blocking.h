// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// The portable half of the BLIS split: block sizes per instruction set, the micro-kernel
// contract, and the driver (five loops, packing, threads) that every instruction set shares.
#pragma once

#include <cstdint>

#include "cpu/gemm/gemm.h"

namespace nn::cpu {

// Block sizes of the five loops around the micro-kernel. Zen 5 per core: L1d 48 KiB, L2 1 MiB,
// L3 32 MiB per CCD.
struct GemmBlocking {
    int64_t mr;  // rows of the micro-tile (broadcasts of A per step of k)
    int64_t nr;  // columns of the micro-tile (vector loads of B per step of k)
    int64_t mc;  // rows of the packed A block that stays in L2
    int64_t kc;  // depth of one pass over K: C is read and written once per pass
    int64_t nc;  // columns of the packed B panel that stays in L3
};

// The one table of block sizes, one entry per instruction set.
inline constexpr GemmBlocking gemm_blocking_avx512 = {
    12,    // 24 zmm accumulators + 2 B vectors + 1 broadcast = 27 of 32; 120 and 84 (LeNet) divide by 12
    32,    // two zmm of 16 floats: one 128-byte row of C, two cache lines
    96,    // 96 x 1024 x 4 B = 384 KiB of A, with a 128 KiB B micro-panel, in the 1 MiB L2
    1024,  // fewer passes over C; measured 5-10% above KC = 384 at 1024-2048 square, L2 feeds the kernel
    3072,  // 1024 x 3072 x 4 B = 12 MiB of packed B in the 32 MiB L3; wider measured no better
};

inline constexpr GemmBlocking gemm_blocking_avx2 = {
    6,     // 6 x 2 ymm accumulators + 2 B vectors + 1 broadcast = 15 of 16 registers
    16,    // two ymm of 8 floats: one 64-byte row of C, one cache line
    144,   // 144 x 256 x 4 B = 144 KiB of A in L2
    256,   // 256 x 16 x 4 B = 16 KiB B micro-panel in L1; KC 512-1024 measured within 2%
    3072,  // 256 x 3072 x 4 B = 3 MiB of packed B in L3
};

// The micro-kernel contract:
//   C[rows x cols] = alpha * A_panel[rows x k] * B_panel[k x cols] + beta * C
// for rows <= MR, cols <= NR, where element (i, l) of A_panel is
// a_panel[i * a_row_stride + l * a_column_stride] (one of the two strides is 1) and element
// (l, j) of B_panel is b_panel[l * b_stride + j]. Packed panels have strides (1, MR) and NR,
// zero-padded past rows and cols; a small problem may pass the caller's storage instead (A with
// strides (lda, 1), or (1, lda) when transposed; a plain B with b_stride = ldb), so the kernel
// reads no row past `rows` nor column past `cols`. It writes only rows x cols of C; beta == 0
// means C is not read. The driver passes the caller's beta on the first pass over K and 1
// afterwards, so alpha and beta cost one multiply per element of C per pass, not a separate
// sweep over C.
using GemmMicroKernel = void (*)(int64_t k, const float* a_panel, int64_t a_row_stride, int64_t a_column_stride,
                                 const float* b_panel, int64_t b_stride, float alpha, float beta, float* c,
                                 int64_t ldc, int64_t rows, int64_t cols);

// Runs the problem with the given block sizes and micro-kernel: packs A into MR-row panels and
// B into NR-column panels (both transpose flags are handled while packing), or for a small
// problem reads an operand in place when its storage already has the panel layout; splits the
// work over nn::core::num_threads() threads; handles M, N, K of any size including 0.
void gemm_blocked(const GemmProblem& problem, const GemmBlocking& blocking, GemmMicroKernel kernel);

// C = beta * C over M x N (zero when beta == 0, without reading C): the whole answer when
// alpha == 0 or K == 0.
void gemm_scale_c(const GemmProblem& problem);

}  // namespace nn::cpu
