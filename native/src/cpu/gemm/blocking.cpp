// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// The five loops around the micro-kernel (BLIS order: jc over NC columns, pc over KC depth,
// ic over MC rows, jr over NR columns, ir over MR rows), the packing, and the threads.
#include "cpu/gemm/blocking.h"

#include <sys/mman.h>
#include <xmmintrin.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include <omp.h>

#include "core/parallel.h"

namespace nn::cpu {
namespace {

constexpr std::size_t cache_line = 64;
constexpr std::size_t huge_page = 2 * 1024 * 1024;

// A grow-only, 64-byte aligned scratch buffer. One lives per thread and is reused by every call,
// because a first touch of a fresh page costs about 12 us on this machine; buffers of 2 MiB or
// more are aligned to 2 MiB and offered transparent huge pages.
class ScratchBuffer {
public:
    ScratchBuffer() = default;
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    ~ScratchBuffer() { std::free(data_); }

    float* floats(std::size_t count) {
        const std::size_t bytes = count * sizeof(float);
        if (bytes > capacity_) {
            std::free(data_);
            data_ = nullptr;
            capacity_ = 0;
            const std::size_t alignment = bytes >= huge_page ? huge_page : cache_line;
            const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
            data_ = static_cast<float*>(std::aligned_alloc(alignment, rounded));
            if (data_ == nullptr) throw std::bad_alloc();
            if (alignment == huge_page) madvise(data_, rounded, MADV_HUGEPAGE);
            capacity_ = rounded;
        }
        return data_;
    }

private:
    float* data_ = nullptr;
    std::size_t capacity_ = 0;
};

// The packing buffers of every call made from one thread: a B panel shared by the team and an
// A block per team member. All of them are sized by the calling thread before the team starts,
// so an allocation failure throws to the caller instead of inside an OpenMP region.
struct Workspace {
    ScratchBuffer packed_b;
    std::vector<std::unique_ptr<ScratchBuffer>> packed_a;
};

thread_local Workspace workspace;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }
int64_t divide_up(int64_t value, int64_t divisor) { return (value + divisor - 1) / divisor; }

// out[c * out_stride + r] = in[r * in_stride + c] for r < rows, c < columns, and 0 for r in
// [rows, out_stride): the copy that packing needs when storage runs across the panel, with the
// zero padding of an edge panel. 4 x 4 tiles go through SSE registers (baseline on x86-64),
// because one scalar store per element was most of the time of small problems; a partial tile
// of rows reads zeros for its missing rows, so edge panels take the same path.
void transpose_copy(const float* in, int64_t in_stride, int64_t rows, int64_t columns, float* out,
                    int64_t out_stride) {
    const __m128 zero = _mm_setzero_ps();
    for (int64_t r = 0; r < out_stride; r += 4) {
        const float* row[4];
        for (int64_t i = 0; i < 4; ++i) row[i] = r + i < rows ? in + (r + i) * in_stride : nullptr;
        if (r + 4 > out_stride) {
            // A panel height that is not a multiple of 4 (AVX2's MR = 6) ends with a narrow group.
            for (int64_t c = 0; c < columns; ++c) {
                for (int64_t i = 0; r + i < out_stride; ++i) {
                    out[c * out_stride + r + i] = row[i] != nullptr ? row[i][c] : 0.0f;
                }
            }
            continue;
        }
        if (row[0] == nullptr) {
            // Rows wholly past the edge: only padding.
            for (int64_t c = 0; c < columns; ++c) _mm_storeu_ps(out + c * out_stride + r, zero);
            continue;
        }
        int64_t c = 0;
        for (; c + 4 <= columns; c += 4) {
            __m128 row0 = _mm_loadu_ps(row[0] + c);
            __m128 row1 = row[1] != nullptr ? _mm_loadu_ps(row[1] + c) : zero;
            __m128 row2 = row[2] != nullptr ? _mm_loadu_ps(row[2] + c) : zero;
            __m128 row3 = row[3] != nullptr ? _mm_loadu_ps(row[3] + c) : zero;
            _MM_TRANSPOSE4_PS(row0, row1, row2, row3);
            _mm_storeu_ps(out + (c + 0) * out_stride + r, row0);
            _mm_storeu_ps(out + (c + 1) * out_stride + r, row1);
            _mm_storeu_ps(out + (c + 2) * out_stride + r, row2);
            _mm_storeu_ps(out + (c + 3) * out_stride + r, row3);
        }
        for (; c < columns; ++c) {
            for (int64_t i = 0; i < 4; ++i) out[c * out_stride + r + i] = row[i] != nullptr ? row[i][c] : 0.0f;
        }
    }
}

// out[l * out_stride + j] = in[l * in_stride + j] for j < width, then zero up to out_stride:
// packing when storage already runs along the panel.
void strided_copy(const float* in, int64_t in_stride, int64_t width, int64_t depth, float* out, int64_t out_stride) {
    // Plain loops rather than std::copy: runs are a few dozen floats, too short for a memmove call.
    for (int64_t l = 0; l < depth; ++l) {
        const float* from = in + l * in_stride;
        float* to = out + l * out_stride;
        int64_t j = 0;
        for (; j < width; ++j) to[j] = from[j];
        for (; j < out_stride; ++j) to[j] = 0.0f;
    }
}

// Packs rows [row, row + rows) and depth [depth, depth + kc) of op(A) into MR-row panels:
// panel r holds, for each l, the MR values of column l for its rows, zero past the last row.
void pack_a(const GemmProblem& p, int64_t row, int64_t rows, int64_t depth, int64_t kc, int64_t mr, float* packed) {
    for (int64_t panel_row = 0; panel_row < rows; panel_row += mr) {
        const int64_t height = std::min(mr, rows - panel_row);
        float* out = packed + panel_row * kc;
        if (p.transpose_a) {
            // Stored [K,M]: a row of storage holds consecutive rows of op(A).
            strided_copy(p.a + depth * p.lda + row + panel_row, p.lda, height, kc, out, mr);
        } else {
            transpose_copy(p.a + (row + panel_row) * p.lda + depth, p.lda, height, kc, out, mr);
        }
    }
}

// Packs one NR-column panel of op(B): columns [column, column + width), depth [depth, depth + kc);
// for each l, NR values of row l, zero past the last column.
void pack_b_panel(const GemmProblem& p, int64_t column, int64_t width, int64_t depth, int64_t kc, int64_t nr,
                  float* out) {
    if (p.transpose_b) {
        // Stored [N,K]: each column of op(B) is a contiguous row of storage.
        transpose_copy(p.b + column * p.ldb + depth, p.ldb, width, kc, out, nr);
    } else {
        strided_copy(p.b + depth * p.ldb + column, p.ldb, width, kc, out, nr);
    }
}

// The block size for `total` items when blocks may hold at most `limit`: as many blocks as the
// limit needs, equal up to a multiple of `multiple`. K = 400 with KC = 384 then runs two passes of
// 200 instead of 384 and a nearly empty 16.
int64_t balanced_block(int64_t total, int64_t limit, int64_t multiple) {
    const int64_t blocks = divide_up(total, limit);
    return std::min(round_up(divide_up(total, blocks), multiple), round_up(limit, multiple));
}

// [begin, end) of part `index` when `count` items are split into `parts` nearly equal runs.
struct Range {
    int64_t begin;
    int64_t end;
};
Range split(int64_t count, int64_t parts, int64_t index) { return {count * index / parts, count * (index + 1) / parts}; }

// How the threads tile C: rows split `row_parts` ways, columns `column_parts` ways. A row split
// shares one packed B panel, which costs two barriers per pass over K; a split of columns alone
// lets each thread pack just its own B panels with no barrier, but packs A once per thread.
struct ThreadGrid {
    int64_t row_parts;
    int64_t column_parts;
};

ThreadGrid choose_grid(int64_t threads, int64_t row_panels, int64_t column_panels, bool prefer_columns) {
    // When A is small, packing it twice is cheaper than waiting at barriers.
    if (prefer_columns && column_panels >= threads) return {1, threads};
    ThreadGrid best = {1, threads};
    int64_t best_cost = -1;
    for (int64_t rows = threads; rows >= 1; --rows) {
        if (threads % rows != 0) continue;
        const int64_t columns = threads / rows;
        // Work of the busiest thread, in micro-tiles; ties go to the row split, listed first.
        const int64_t cost = divide_up(row_panels, rows) * divide_up(column_panels, columns);
        if (best_cost < 0 || cost < best_cost) {
            best = {rows, columns};
            best_cost = cost;
        }
    }
    return best;
}

// More threads than this gain nothing on GEMM sizes a training step makes; it bounds the team.
constexpr int64_t max_team = 256;

// A (M x K) at most this many floats counts as small: 256 KiB, well inside L2.
constexpr int64_t small_a_floats = 64 * 1024;

// Below this many multiply-adds per thread (about 5 us of kernel time), a second thread costs
// more than it saves: starting and joining the team took about 4 us here, and LeNet's 120 x 84
// layer (0.65 M multiply-adds) ran slower on two threads than on one.
constexpr int64_t work_per_thread = 1 << 20;

// Which operands a call reads in place instead of packing. Packing pays when a panel is reused
// many times; for a small problem the copy costs as much as the arithmetic. The kernel can read
// A in either storage order and a plain B directly, so an operand feeds it straight from the
// caller's storage when the other side is short (few reuses) and the operand is small enough to
// stay in L2. A transposed B runs across the panels and is always packed.
struct InPlace {
    bool a;
    bool b;
};

constexpr int64_t in_place_bytes = 256 * 1024;
constexpr int64_t in_place_reuse = 256;

InPlace choose_in_place(const GemmProblem& p) {
    const int64_t a_bytes = p.m * p.k * static_cast<int64_t>(sizeof(float));
    const int64_t b_bytes = p.k * p.n * static_cast<int64_t>(sizeof(float));
    return {a_bytes <= in_place_bytes && p.n <= in_place_reuse,
            !p.transpose_b && b_bytes <= in_place_bytes && p.m <= in_place_reuse};
}

// One thread's part of the loop nest: the rows and columns of C its place in the grid gives it.
// Every thread walks the same jc and pc loops, so all of them meet each barrier, including a
// thread whose share of C is empty.
void run_share(const GemmProblem& p, const GemmBlocking& blocking, GemmMicroKernel kernel, int64_t kc_max,
               int64_t nc_max, InPlace in_place, float* packed_b, float* const* packed_a_blocks, const ThreadGrid& grid,
               int64_t threads,
               int64_t thread) {
    const int64_t mr = blocking.mr;
    const int64_t nr = blocking.nr;
    const Range my_row_panels = split(divide_up(p.m, mr), grid.row_parts, thread / grid.column_parts);
    const int64_t row_begin = my_row_panels.begin * mr;
    const int64_t row_end = std::min(p.m, my_row_panels.end * mr);
    const int64_t mc_max = balanced_block(std::max<int64_t>(row_end - row_begin, 1), blocking.mc, mr);
    float* packed_a = packed_a_blocks[thread];
    const bool shared_b = !in_place.b && threads > 1 && grid.row_parts > 1;

    for (int64_t jc = 0; jc < p.n; jc += nc_max) {
        const int64_t nc = std::min(nc_max, p.n - jc);
        const int64_t nc_panels = divide_up(nc, nr);
        const Range my_column_panels = split(nc_panels, grid.column_parts, thread % grid.column_parts);
        for (int64_t pc = 0; pc < p.k; pc += kc_max) {
            const int64_t kc = std::min(kc_max, p.k - pc);
            // Later passes over K add to what the first pass wrote.
            const float beta = pc == 0 ? p.beta : 1.0f;
            if (!in_place.b) {
                // With rows split, the team packs the shared B panel together, each thread a run of
                // NR panels; with columns split, each thread packs exactly the panels it reads.
                const Range my_packing = shared_b ? split(nc_panels, threads, thread) : my_column_panels;
                for (int64_t panel = my_packing.begin; panel < my_packing.end; ++panel) {
                    const int64_t column = panel * nr;
                    // Panels sit KC_max apart in every pass, so a thread already packing the next
                    // pass (no barrier with a column split) cannot overwrite a panel still being read.
                    pack_b_panel(p, jc + column, std::min(nr, nc - column), pc, kc, nr,
                                 packed_b + panel * kc_max * nr);
                }
                if (shared_b) {
#pragma omp barrier
                }
            }
            for (int64_t ic = row_begin; ic < row_end; ic += mc_max) {
                const int64_t mc = std::min(mc_max, row_end - ic);
                if (!in_place.a) pack_a(p, ic, mc, pc, kc, mr, packed_a);
                for (int64_t panel = my_column_panels.begin; panel < my_column_panels.end; ++panel) {
                    const int64_t column = panel * nr;
                    const int64_t width = std::min(nr, nc - column);
                    const float* b_panel =
                        in_place.b ? p.b + pc * p.ldb + jc + column : packed_b + panel * kc_max * nr;
                    const int64_t b_stride = in_place.b ? p.ldb : nr;
                    float* c_tile = p.c + ic * p.ldc + jc + column;
                    for (int64_t ir = 0; ir < mc; ir += mr) {
                        const int64_t row = ic + ir;
                        const float* a_panel = !in_place.a    ? packed_a + ir * kc
                                               : p.transpose_a ? p.a + pc * p.lda + row
                                                               : p.a + row * p.lda + pc;
                        const int64_t a_row_stride = in_place.a && !p.transpose_a ? p.lda : 1;
                        const int64_t a_column_stride = !in_place.a ? mr : p.transpose_a ? p.lda : 1;
                        kernel(kc, a_panel, a_row_stride, a_column_stride, b_panel, b_stride, p.alpha, beta,
                               c_tile + ir * p.ldc, p.ldc, std::min(mr, mc - ir), width);
                    }
                }
            }
            // The next pass repacks the shared B panel into the same buffer; after the last one,
            // the end of the parallel region is barrier enough.
            const bool last_pass = pc + kc_max >= p.k && jc + nc_max >= p.n;
            if (shared_b && !last_pass) {
#pragma omp barrier
            }
        }
        // With a column split, the last NC block may be narrower, which moves each thread's panels:
        // a thread must not pack the next block over panels another is still reading.
        if (threads > 1 && !in_place.b && !shared_b && jc + nc_max < p.n) {
#pragma omp barrier
        }
    }
}

}  // namespace

void gemm_scale_c(const GemmProblem& p) {
    for (int64_t i = 0; i < p.m; ++i) {
        float* row = p.c + i * p.ldc;
        if (p.beta == 0.0f) {
            std::fill(row, row + p.n, 0.0f);
        } else if (p.beta != 1.0f) {
            for (int64_t j = 0; j < p.n; ++j) row[j] *= p.beta;
        }
    }
}

void gemm_blocked(const GemmProblem& p, const GemmBlocking& blocking, GemmMicroKernel kernel) {
    if (p.m <= 0 || p.n <= 0) return;
    if (p.k <= 0 || p.alpha == 0.0f) {
        gemm_scale_c(p);
        return;
    }
    const int64_t mr = blocking.mr;
    const int64_t nr = blocking.nr;
    const int64_t kc_max = balanced_block(p.k, blocking.kc, 4);
    const int64_t nc_max = balanced_block(p.n, blocking.nc, nr);

    const int64_t row_panels = divide_up(p.m, mr);
    const int64_t column_panels = divide_up(nc_max, nr);
    const int64_t useful_threads = std::max<int64_t>(1, p.m * p.n * p.k / work_per_thread);
    // Called inside another OpenMP region, a nested team would get one thread (nesting is off) while
    // the grid below assumes the team it asked for, leaving other threads' shares unwritten: run on
    // the calling thread alone there.
    const int64_t threads = omp_in_parallel() ? 1
        : std::min<int64_t>({nn::core::num_threads(), useful_threads, row_panels * column_panels, max_team});
    const InPlace in_place = choose_in_place(p);
    const ThreadGrid grid = choose_grid(threads, row_panels, column_panels, !in_place.b && p.m * p.k <= small_a_floats);

    // The packed B panel belongs to the calling thread; the team's threads fill disjoint panels.
    float* packed_b =
        in_place.b ? nullptr : workspace.packed_b.floats(static_cast<std::size_t>(kc_max * round_up(nc_max, nr)));
    // A block holds at most MC rows (fewer when M is short) of one pass over K.
    const int64_t a_block_floats = round_up(std::min(blocking.mc, round_up(p.m, mr)), mr) * kc_max;
    float* packed_a_blocks[max_team];
    while (static_cast<int64_t>(workspace.packed_a.size()) < threads) {
        workspace.packed_a.push_back(std::make_unique<ScratchBuffer>());
    }
    for (int64_t thread = 0; thread < threads; ++thread) {
        packed_a_blocks[thread] =
            in_place.a ? nullptr : workspace.packed_a[thread]->floats(static_cast<std::size_t>(a_block_floats));
    }

    // One thread runs the loops directly: even a one-thread OpenMP team pays a futex call per
    // barrier, microseconds that small problems cannot afford.
    if (threads == 1) {
        run_share(p, blocking, kernel, kc_max, nc_max, in_place, packed_b, packed_a_blocks, {1, 1}, 1, 0);
        return;
    }
#pragma omp parallel num_threads(static_cast<int>(threads))
    run_share(p, blocking, kernel, kc_max, nc_max, in_place, packed_b, packed_a_blocks, grid, threads,
              omp_get_thread_num());
}

}  // namespace nn::cpu
