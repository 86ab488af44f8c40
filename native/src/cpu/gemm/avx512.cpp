// C[rows x cols] = alpha * A_panel[rows x k] * B_panel[k x cols] + beta * C, rows <= 12, cols <= 32, zmm.
// Only the register micro-kernel lives here; blocking.cpp packs the panels and walks the loops.
#include <immintrin.h>

#include <utility>

#include "cpu/gemm/blocking.h"

namespace nn::cpu {
namespace {

constexpr int mr = static_cast<int>(gemm_blocking_avx512.mr);
static_assert(gemm_blocking_avx512.nr == 32, "a row of the tile is two zmm registers");

// Lanes [0, count) of a 16-lane vector, count clamped to [0, 16].
__mmask16 first_lanes(int64_t count) {
    if (count <= 0) return 0;
    if (count >= 16) return 0xFFFF;
    return static_cast<__mmask16>((1u << count) - 1u);
}

// The micro-kernel for a tile of Rows x (16 * Vectors) columns. Edge tiles get their own
// instance instead of computing the zero padding: at batch 64, twelve-row panels leave a
// four-row remainder that would otherwise cost a full tile.
template <int Rows, int Vectors, bool RowRuns>
void tile_kernel(int64_t k, const float* a_panel, int64_t a_stride, const float* b_panel, int64_t b_stride,
                 float alpha, float beta, float* c, int64_t ldc, int64_t cols) {
    // Element (i, l) of A: a_panel[i * a_stride + l] for a plain A read in place (RowRuns), else
    // a_panel[l * a_stride + i] (packed panels and a transposed A).
    const int64_t a_step = RowRuns ? 1 : a_stride;
    const int64_t a_row = RowRuns ? a_stride : 1;
    // Masked loads of B never touch columns past `cols`, which matters when B is read in place;
    // on packed panels the mask is full and costs nothing.
    __mmask16 mask[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) mask[v] = first_lanes(cols - 16 * v);
    __m512 sum[Rows][Vectors];
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) sum[i][v] = _mm512_setzero_ps();
    }
    // Touch C now so its lines arrive while the k loop runs.
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        if (Vectors == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t l = 0; l < k; ++l) {
        __m512 b[Vectors];
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) b[v] = _mm512_maskz_loadu_ps(mask[v], b_panel + 16 * v);
#pragma GCC unroll 16
        for (int i = 0; i < Rows; ++i) {
            const __m512 a = _mm512_set1_ps(a_panel[i * a_row]);
#pragma GCC unroll 2
            for (int v = 0; v < Vectors; ++v) sum[i][v] = _mm512_fmadd_ps(a, b[v], sum[i][v]);
        }
        a_panel += a_step;
        b_panel += b_stride;
    }

    const __m512 alpha_vector = _mm512_set1_ps(alpha);
    const __m512 beta_vector = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
        float* row = c + i * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) {
            __m512 out = _mm512_mul_ps(alpha_vector, sum[i][v]);
            // beta == 0 must not read C: NaN in C would survive 0 * NaN.
            if (beta != 0.0f) out = _mm512_fmadd_ps(beta_vector, _mm512_maskz_loadu_ps(mask[v], row + 16 * v), out);
            _mm512_mask_storeu_ps(row + 16 * v, mask[v], out);
        }
    }
}

using TileKernel = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float, float, float*, int64_t,
                           int64_t);

template <int... RowsMinusOne>
constexpr auto make_tile_table(std::integer_sequence<int, RowsMinusOne...>) {
    struct Table {
        TileKernel kernels[2][sizeof...(RowsMinusOne)][2];
    };
    return Table{{{{tile_kernel<RowsMinusOne + 1, 1, false>, tile_kernel<RowsMinusOne + 1, 2, false>}...},
                  {{tile_kernel<RowsMinusOne + 1, 1, true>, tile_kernel<RowsMinusOne + 1, 2, true>}...}}};
}

// tile_table.kernels[row_runs][rows - 1][vectors - 1]
constexpr auto tile_table = make_tile_table(std::make_integer_sequence<int, mr>{});

void micro_kernel(int64_t k, const float* a_panel, int64_t a_row_stride, int64_t a_column_stride,
                  const float* b_panel, int64_t b_stride, float alpha, float beta, float* c, int64_t ldc, int64_t rows,
                  int64_t cols) {
    const bool row_runs = a_row_stride != 1;
    tile_table.kernels[row_runs][rows - 1][cols > 16 ? 1 : 0](k, a_panel, row_runs ? a_row_stride : a_column_stride,
                                                              b_panel, b_stride, alpha, beta, c, ldc, cols);
}

}  // namespace

void gemm_avx512(const GemmProblem& problem) { gemm_blocked(problem, gemm_blocking_avx512, micro_kernel); }

}  // namespace nn::cpu
