// C[rows x cols] = alpha * A_panel[rows x k] * B_panel[k x cols] + beta * C, rows <= 6, cols <= 16, ymm.
// Only the register micro-kernel lives here; blocking.cpp packs the panels and walks the loops.
#include <immintrin.h>

#include <utility>

#include "cpu/gemm/blocking.h"

namespace nn::cpu {
namespace {

constexpr int mr = static_cast<int>(gemm_blocking_avx2.mr);
static_assert(gemm_blocking_avx2.nr == 16, "a row of the tile is two ymm registers");

// An integer mask selecting lanes [0, count) of an 8-lane vector, for maskload and maskstore.
__m256i first_lanes(int64_t count) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int32_t limit = static_cast<int32_t>(count < 0 ? 0 : (count > 8 ? 8 : count));
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(limit), lane);
}

// sum[i][v] += A_panel[i, l] * B_panel[l, 8v .. 8v+7] over l < k. Masked is for a partial tile of
// B read in place: maskload never touches columns past `cols`. Packed panels take plain loads.
template <int Rows, int Vectors, bool RowRuns, bool Masked>
void accumulate(__m256 (&sum)[Rows][Vectors], int64_t k, const float* a_panel, int64_t a_stride,
                const float* b_panel, int64_t b_stride, const __m256i (&mask)[Vectors]) {
    // Element (i, l) of A: a_panel[i * a_stride + l] for a plain A read in place (RowRuns), else
    // a_panel[l * a_stride + i] (packed panels and a transposed A).
    const int64_t a_step = RowRuns ? 1 : a_stride;
    const int64_t a_row = RowRuns ? a_stride : 1;
#pragma GCC unroll 4
    for (int64_t l = 0; l < k; ++l) {
        __m256 b[Vectors];
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) {
            b[v] = Masked ? _mm256_maskload_ps(b_panel + 8 * v, mask[v]) : _mm256_loadu_ps(b_panel + 8 * v);
        }
#pragma GCC unroll 8
        for (int i = 0; i < Rows; ++i) {
            const __m256 a = _mm256_broadcast_ss(a_panel + i * a_row);
#pragma GCC unroll 2
            for (int v = 0; v < Vectors; ++v) sum[i][v] = _mm256_fmadd_ps(a, b[v], sum[i][v]);
        }
        a_panel += a_step;
        b_panel += b_stride;
    }
}

// The micro-kernel for a tile of Rows x (8 * Vectors) columns; edge tiles get their own instance
// instead of computing the zero padding.
template <int Rows, int Vectors, bool RowRuns>
void tile_kernel(int64_t k, const float* a_panel, int64_t a_stride, const float* b_panel, int64_t b_stride,
                 float alpha, float beta, float* c, int64_t ldc, int64_t cols) {
    __m256 sum[Rows][Vectors];
#pragma GCC unroll 8
    for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) sum[i][v] = _mm256_setzero_ps();
    }
#pragma GCC unroll 8
    for (int i = 0; i < Rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    const bool full_width = cols == 8 * Vectors;
    __m256i mask[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) mask[v] = first_lanes(cols - 8 * v);
    if (full_width) {
        accumulate<Rows, Vectors, RowRuns, false>(sum, k, a_panel, a_stride, b_panel, b_stride, mask);
    } else {
        accumulate<Rows, Vectors, RowRuns, true>(sum, k, a_panel, a_stride, b_panel, b_stride, mask);
    }

    const __m256 alpha_vector = _mm256_set1_ps(alpha);
    const __m256 beta_vector = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < Rows; ++i) {
        float* row = c + i * ldc;
#pragma GCC unroll 2
        for (int v = 0; v < Vectors; ++v) {
            __m256 out = _mm256_mul_ps(alpha_vector, sum[i][v]);
            float* to = row + 8 * v;
            if (full_width) {
                // beta == 0 must not read C: NaN in C would survive 0 * NaN.
                if (beta != 0.0f) out = _mm256_fmadd_ps(beta_vector, _mm256_loadu_ps(to), out);
                _mm256_storeu_ps(to, out);
            } else {
                // maskload reads nothing from masked-off lanes, so no fault past the end of C.
                if (beta != 0.0f) out = _mm256_fmadd_ps(beta_vector, _mm256_maskload_ps(to, mask[v]), out);
                _mm256_maskstore_ps(to, mask[v], out);
            }
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
    tile_table.kernels[row_runs][rows - 1][cols > 8 ? 1 : 0](k, a_panel, row_runs ? a_row_stride : a_column_stride,
                                                             b_panel, b_stride, alpha, beta, c, ldc, cols);
}

}  // namespace

void gemm_avx2(const GemmProblem& problem) { gemm_blocked(problem, gemm_blocking_avx2, micro_kernel); }

}  // namespace nn::cpu
