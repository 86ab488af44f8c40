// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q]; dy -> dx; x, dy -> dw
// Direct convolution without im2col. Each image's group of channels is first copied into planes
// laid out so that every tap of every output is a contiguous vector load, whatever the stride,
// padding and dilation (see Layout): output position (oh, ow) becomes the grid index
// j = oh width + ow, and tap (r, s) reads a fixed plane at j plus a fixed offset.
//
//   forward          acc[KB filters][V vectors of 16 positions] += w (broadcast) * x (loaded)
//   backward-data    at stride 1 a forward over dy with the filters transposed and flipped and the
//                    padding (R - 1) dh - pad; at larger strides one such forward per sub-pixel
//                    phase of dx, interleaved back
//   backward-weight  with 16 filters or more, acc[MR (channel, tap) pairs][NV vectors of 16
//                    filters] += x (broadcast) * dy (transposed, loaded); with fewer,
//                    acc[KB filters][TB pairs] += dy * x over vectors of positions, summed across
//                    the lanes at the end
//
// The register tiles, and the choice among them, are data below. Work is split among threads by
// (image, group), or by (slice of images, group) for backward-weight, whose partial sums are added
// slice by slice in a fixed order, so no result depends on the thread count.
//
// GCC 12's _mm512_reduce_add_ps passes an undefined vector through and, once inlined, warns that
// it is uninitialized (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

#include "core/log.h"
#include "core/parallel.h"
#include "cpu/conv/conv.h"
#include "cpu/conv/scratch.h"
#include "cpu/eltwise/simd_avx512.h"

namespace nn::cpu {
namespace {

constexpr int64_t lanes = 16;
// Kernels with more taps than this fall back to im2col (the offsets live in a fixed array).
constexpr int64_t most_taps = 256;
// A grid row narrower than this spreads one vector over too many output rows to store cheaply.
constexpr int64_t narrowest_grid_row = 4;
// Stores of one vector: at most ceil(16 / 4) + 1 output rows.
constexpr int most_segments = 5;
// Scratch of one thread's padded phases (floats); larger problems go to im2col.
constexpr int64_t largest_scratch = int64_t{1} << 25;
// Floats of phases and grid-shaped dy that one backward-weight slice of images keeps in L2.
constexpr int64_t weight_slice_budget = int64_t{1} << 17;
constexpr int64_t largest_weight_slice = 16;

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }
int64_t divide_up(int64_t value, int64_t divisor) { return (value + divisor - 1) / divisor; }
int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }
int64_t larger(int64_t a, int64_t b) { return a > b ? a : b; }

// Below this many multiply-adds one thread runs a call: waking a team costs more than it saves.
constexpr int64_t parallel_multiply_adds = int64_t{1} << 20;

// Threads for a call of `items` independent items and `multiply_adds` of work.
int threads_for(int64_t items, int64_t multiply_adds) {
    if (multiply_adds < parallel_multiply_adds) return 1;
    return static_cast<int>(smaller(nn::core::num_threads(), items));
}

// Register tiles: forward and backward-data use KB filters x V vectors, backward-weight KB
// filters x TB (channel, tap) pairs. 24 accumulators leave zmm registers for the loaded
// operands (V, or KB + 1) out of 32.
struct ForwardTile {
    int kb;
    int v;
};
constexpr ForwardTile forward_tiles[] = {{8, 3}, {6, 4}, {4, 6}, {8, 2}, {4, 4}, {2, 8}, {1, 8}};

struct WeightTile {
    int kb;
    int tb;
};
constexpr WeightTile weight_tiles[] = {{4, 6}, {6, 4}, {8, 3}, {3, 8}, {2, 8}, {1, 8}};

// How a group's input is laid out for the kernels. Both lay the output positions on a grid of
// `width` columns so that every tap reads a contiguous vector:
//   Phases   one plane per stride phase (a, b), width Wg = Q + (S - 1) dw / sw: the input is copied
//            about once, and the Wg - Q columns past the output are computed and dropped;
//   Columns  one plane per kernel column s and row phase a, width Q: plane (s, a) holds
//            x_padded[i sh + a][ow sw + s dw] at [i][ow], S copies of the input but no column wasted.
enum class Layout { Phases, Columns };

// One direct convolution of a group: channels in, filters out, the geometry, and where the
// planes put each tap.
struct Grid {
    Layout layout = Layout::Phases;
    int64_t channels = 0;
    int64_t filters = 0;
    int64_t in_height = 0, in_width = 0;
    int64_t out_height = 0, out_width = 0;
    int64_t kernel_height = 0, kernel_width = 0;
    int64_t stride_height = 1, stride_width = 1;
    int64_t dilation_height = 1, dilation_width = 1;
    int64_t top = 0, left = 0;  // padding; negative crops
    int64_t height = 0;         // rows of one plane
    int64_t width = 0;          // columns of one plane: grid positions per output row
    int64_t positions = 0;      // P width grid positions
    int64_t span = 0;           // positions the kernels touch: whole tiles
    int64_t planes = 0;         // planes per channel
    int64_t plane_stride = 0;   // floats of one plane, with room for reads past the end
    int64_t channel_stride = 0;
    int64_t taps = 0;
    int64_t tap_offsets[most_taps] = {};
};

// Row phase and column shift of plane `plane`: its element [i][j] is x_padded[i sh + a][j sw + shift].
struct PlaneSource {
    int64_t row_phase;
    int64_t column_shift;
};

PlaneSource plane_source(const Grid& g, int64_t plane) {
    if (g.layout == Layout::Phases) return {plane / g.stride_width, plane % g.stride_width};
    return {plane % g.stride_height, plane / g.stride_height * g.dilation_width};
}

Grid make_grid(Layout layout, int64_t channels, int64_t filters, int64_t in_height, int64_t in_width,
               int64_t out_height, int64_t out_width, int64_t kernel_height, int64_t kernel_width,
               int64_t stride_height, int64_t stride_width, int64_t dilation_height, int64_t dilation_width,
               int64_t top, int64_t left, int64_t tile_positions) {
    Grid g;
    g.layout = layout;
    g.channels = channels;
    g.filters = filters;
    g.in_height = in_height;
    g.in_width = in_width;
    g.out_height = out_height;
    g.out_width = out_width;
    g.kernel_height = kernel_height;
    g.kernel_width = kernel_width;
    g.stride_height = stride_height;
    g.stride_width = stride_width;
    g.dilation_height = dilation_height;
    g.dilation_width = dilation_width;
    g.top = top;
    g.left = left;
    g.height = out_height + (kernel_height - 1) * dilation_height / stride_height;
    const bool phases = layout == Layout::Phases;
    g.width = phases ? out_width + (kernel_width - 1) * dilation_width / stride_width : out_width;
    g.planes = phases ? stride_height * stride_width : stride_height * kernel_width;
    g.positions = out_height * g.width;
    g.span = round_up(g.positions, tile_positions);
    g.taps = kernel_height * kernel_width;
    const int64_t farthest = (kernel_height - 1) * dilation_height / stride_height * g.width +
                             (phases ? (kernel_width - 1) * dilation_width / stride_width : 0);
    g.plane_stride = round_up(larger(g.height * g.width, g.span + farthest), lanes);
    g.channel_stride = g.planes * g.plane_stride;
    if (g.taps <= most_taps) {
        for (int64_t r = 0; r < kernel_height; ++r) {
            for (int64_t s = 0; s < kernel_width; ++s) {
                const int64_t row = r * dilation_height;
                const int64_t column = s * dilation_width;
                const int64_t row_offset = row / stride_height * g.width;
                g.tap_offsets[r * kernel_width + s] =
                    phases ? (row % stride_height * stride_width + column % stride_width) * g.plane_stride +
                                 row_offset + column / stride_width
                           : (s * stride_height + row % stride_height) * g.plane_stride + row_offset;
            }
        }
    }
    return g;
}

// Cycles to write n floats of planes: vector stores run at about eight floats a cycle while the
// planes stay in L2, about two once they spill from it.
int64_t copy_cost(int64_t floats) { return floats <= (int64_t{1} << 17) ? floats / 8 : floats / 2; }

// The layout of least estimated time: FMAs over the grid positions (32 per cycle) plus the
// copying into planes.
Layout choose_layout(int64_t channels, int64_t filters, int64_t out_height, int64_t out_width, int64_t kernel_height,
                     int64_t kernel_width, int64_t stride_height, int64_t stride_width, int64_t dilation_height,
                     int64_t dilation_width) {
    const int64_t height = out_height + (kernel_height - 1) * dilation_height / stride_height;
    const int64_t phase_width = out_width + (kernel_width - 1) * dilation_width / stride_width;
    const int64_t work = filters * channels * kernel_height * kernel_width;
    const int64_t phases = round_up(out_height * phase_width, lanes) * work / 32 +
                           copy_cost(channels * stride_height * stride_width * height * phase_width);
    // Column planes at a column stride above 1 each split their own loads; phase planes share
    // them two by two.
    const int64_t column_copies = channels * stride_height * kernel_width * height * out_width;
    const int64_t columns = round_up(out_height * out_width, lanes) * work / 32 +
                            copy_cost(stride_width > 1 ? 2 * column_copies : column_copies);
    // Rows narrower than a few lanes make many stores per vector on the phase grid.
    return columns < phases || phase_width < narrowest_grid_row ? Layout::Columns : Layout::Phases;
}

Grid forward_grid(const Conv2dProblem& p, Layout layout, int64_t tile_positions) {
    return make_grid(layout, p.group_in_channels(), p.group_out_channels(), p.in_height, p.in_width, p.out_height,
                     p.out_width, p.kernel_height, p.kernel_width, p.stride_height, p.stride_width,
                     p.dilation_height, p.dilation_width, p.padding_height, p.padding_width, tile_positions);
}

Layout forward_layout(const Conv2dProblem& p) {
    return choose_layout(p.group_in_channels(), p.group_out_channels(), p.out_height, p.out_width, p.kernel_height,
                         p.kernel_width, p.stride_height, p.stride_width, p.dilation_height, p.dilation_width);
}

// Backward-weight streams its planes once per tile of filters, so it wants the smaller phase
// planes unless their dropped columns are more than a seventh of the grid.
Layout weight_layout(const Conv2dProblem& p) {
    const int64_t phase_width = p.out_width + (p.kernel_width - 1) * p.dilation_width / p.stride_width;
    return phase_width < narrowest_grid_row || 7 * (phase_width - p.out_width) > phase_width ? Layout::Columns
                                                                                                : Layout::Phases;
}

// Backward-data at stride 1: a forward from dy [K, P, Q] to dx [C, H, W] with the flipped
// kernel; a tap that is pad rows above the top of x sits (R - 1) dh - pad rows above dy's.
Grid backward_data_grid(const Conv2dProblem& p, int64_t tile_positions) {
    const Layout layout = choose_layout(p.group_out_channels(), p.group_in_channels(), p.in_height, p.in_width,
                                        p.kernel_height, p.kernel_width, 1, 1, p.dilation_height, p.dilation_width);
    return make_grid(layout, p.group_out_channels(), p.group_in_channels(), p.out_height, p.out_width, p.in_height,
                     p.in_width, p.kernel_height, p.kernel_width, 1, 1, p.dilation_height, p.dilation_width,
                     (p.kernel_height - 1) * p.dilation_height - p.padding_height,
                     (p.kernel_width - 1) * p.dilation_width - p.padding_width, tile_positions);
}

const char* grid_declines(const Grid& g) {
    if (g.taps > most_taps) return "more than 256 taps";
    if (g.width < narrowest_grid_row) return "output rows narrower than 4 grid columns";
    if (g.channels * g.channel_stride > largest_scratch) return "planes above 128 MiB";
    return nullptr;
}

// Lanes [begin, end) of a vector of 16 (both clamped to [0, 16]).
__mmask16 lanes_between(int64_t begin, int64_t end) {
    const int64_t low = larger(0, smaller(lanes, begin));
    const int64_t high = larger(low, smaller(lanes, end));
    return static_cast<__mmask16>(((1u << high) - 1u) & ~((1u << low) - 1u));
}

// source + offset as an address, without forming an out-of-bounds pointer in the language's
// sense: the masked loads below never touch lanes outside the row.
const float* shifted(const float* source, int64_t offset) {
    return reinterpret_cast<const float*>(reinterpret_cast<std::uintptr_t>(source) +
                                          static_cast<std::uintptr_t>(offset) * sizeof(float));
}

// row[j] = source[j stride - shift] for j in [first, last), zero for the rest of [0, width).
// Masked loads never touch the lanes outside [first, last), so the source may end right there;
// stride 2 splits pairs of loads into their even lanes, other strides gather.
void fill_row(float* row, int64_t width, const float* source, int64_t stride, int64_t shift, int64_t first,
              int64_t last) {
    const __m512i lane_index = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    for (int64_t j = 0; j < width; j += lanes) {
        const int64_t low = larger(0, smaller(lanes, first - j));
        const int64_t high = larger(low, smaller(lanes, last - j));
        const __mmask16 inside = lanes_between(0, width - j);
        __m512 values = _mm512_setzero_ps();
        if (high > low) {
            if (stride == 1) {
                values = _mm512_maskz_loadu_ps(lanes_between(low, high), shifted(source, j - shift));
            } else if (stride == 2) {
                // Lanes [low, high) read elements [2 low, 2 high - 1) from the vector's first.
                const int64_t base = 2 * j - shift;
                const __m512 first_half =
                    _mm512_maskz_loadu_ps(lanes_between(2 * low, 2 * high - 1), shifted(source, base));
                const __m512 second_half = _mm512_maskz_loadu_ps(lanes_between(2 * low - lanes, 2 * high - 1 - lanes),
                                                                 shifted(source, base + lanes));
                values = _mm512_permutex2var_ps(first_half, even, second_half);
            } else {
                const __m512i index = _mm512_sub_epi32(
                    _mm512_mullo_epi32(_mm512_add_epi32(lane_index, _mm512_set1_epi32(static_cast<int>(j))),
                                       _mm512_set1_epi32(static_cast<int>(stride))),
                    _mm512_set1_epi32(static_cast<int>(shift)));
                values = _mm512_mask_i32gather_ps(values, lanes_between(low, high), index, source, 4);
            }
        }
        _mm512_mask_storeu_ps(row + j, inside, values);
    }
}

// Rows of one plane at stride 1: every row has the same masks, so they are made once.
struct RowMasks {
    static constexpr int64_t most_chunks = 16;
    int64_t chunks;
    __mmask16 valid[most_chunks];
    __mmask16 inside[most_chunks];
};

// The phase planes at column stride 2: one pair of loads per 16 columns serves both column
// phases, its even lanes the first and its odd lanes the second, with masks made once per plane.
void build_stride2_phases(const Grid& g, const float* x, float* planes) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const int64_t chunks = divide_up(g.width, lanes);
    __mmask16 low_masks[RowMasks::most_chunks];
    __mmask16 high_masks[RowMasks::most_chunks];
    __mmask16 store_masks[RowMasks::most_chunks];
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
        // Columns j of the chunk read x columns 2 j - left (+1 for the odd phase).
        const int64_t base = 2 * chunk * lanes - g.left;
        low_masks[chunk] = lanes_between(-base, g.in_width - base);
        high_masks[chunk] = lanes_between(-base - lanes, g.in_width - base - lanes);
        store_masks[chunk] = lanes_between(0, g.width - chunk * lanes);
    }
    const int64_t plane_size = g.in_height * g.in_width;
    const int64_t filled = g.height * g.width;
    for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t a = 0; a < g.stride_height; ++a) {
            float* even_plane = planes + c * g.channel_stride + (a * 2) * g.plane_stride;
            float* odd_plane = even_plane + g.plane_stride;
            for (int64_t i = 0; i < g.height; ++i) {
                const int64_t source_row = i * g.stride_height + a - g.top;
                const bool inside = source_row >= 0 && source_row < g.in_height;
                const float* source = x + c * plane_size + (inside ? source_row : 0) * g.in_width;
                for (int64_t chunk = 0; chunk < chunks; ++chunk) {
                    __m512 first_phase = _mm512_setzero_ps();
                    __m512 second_phase = _mm512_setzero_ps();
                    if (inside) {
                        const int64_t base = 2 * chunk * lanes - g.left;
                        const __m512 low = _mm512_maskz_loadu_ps(low_masks[chunk], shifted(source, base));
                        const __m512 high = _mm512_maskz_loadu_ps(high_masks[chunk], shifted(source, base + lanes));
                        first_phase = _mm512_permutex2var_ps(low, even, high);
                        second_phase = _mm512_permutex2var_ps(low, odd, high);
                    }
                    const int64_t j = i * g.width + chunk * lanes;
                    _mm512_mask_storeu_ps(even_plane + j, store_masks[chunk], first_phase);
                    _mm512_mask_storeu_ps(odd_plane + j, store_masks[chunk], second_phase);
                }
            }
            fill_row(even_plane + filled, g.plane_stride - filled, x, 1, 0, 0, 0);
            fill_row(odd_plane + filled, g.plane_stride - filled, x, 1, 0, 0, 0);
        }
    }
}

// planes [channels][planes][plane_stride] <- x [channels][H][W] padded and laid out by g.layout.
void build_planes(const Grid& g, const float* x, float* planes) {
    if (g.layout == Layout::Phases && g.stride_width == 2 && g.width <= RowMasks::most_chunks * lanes) {
        build_stride2_phases(g, x, planes);
        return;
    }
    const int64_t plane_size = g.in_height * g.in_width;
    const bool masked_rows = g.stride_width == 1 && g.width <= RowMasks::most_chunks * lanes;
    for (int64_t plane = 0; plane < g.planes; ++plane) {
        const PlaneSource source_of = plane_source(g, plane);
        // Column j reads x column j sw - shift: valid for j in [first, last).
        const int64_t shift = g.left - source_of.column_shift;
        const int64_t first = shift <= 0 ? 0 : smaller(divide_up(shift, g.stride_width), g.width);
        const int64_t last_column = g.in_width - 1 + shift;
        const int64_t last =
            last_column < 0 ? first : larger(first, smaller(last_column / g.stride_width + 1, g.width));
        RowMasks masks{};
        if (masked_rows) {
            masks.chunks = divide_up(g.width, lanes);
            for (int64_t chunk = 0; chunk < masks.chunks; ++chunk) {
                masks.valid[chunk] = lanes_between(first - chunk * lanes, last - chunk * lanes);
                masks.inside[chunk] = lanes_between(0, g.width - chunk * lanes);
            }
        }
        // Rows of at most 8 columns go two to a vector: the second row's lanes start at the width.
        const bool paired = masked_rows && 2 * g.width <= lanes;
        const auto pair_valid =
            paired ? static_cast<__mmask16>(masks.valid[0] | (masks.valid[0] << g.width)) : static_cast<__mmask16>(0);
        const __mmask16 pair_inside = lanes_between(0, 2 * g.width);
        for (int64_t c = 0; c < g.channels; ++c) {
            float* out = planes + c * g.channel_stride + plane * g.plane_stride;
            const float* channel = x + c * plane_size;
            int64_t i = 0;
            for (; paired && i + 1 < g.height; i += 2) {
                const int64_t source_row = i * g.stride_height + source_of.row_phase - g.top;
                const int64_t next_row = source_row + g.stride_height;
                // A row outside the input reads nothing: its half of the mask is cleared.
                const auto first_half = source_row >= 0 && source_row < g.in_height
                                            ? static_cast<__mmask16>(pair_valid & ((1u << g.width) - 1u))
                                            : static_cast<__mmask16>(0);
                const auto second_half = next_row >= 0 && next_row < g.in_height
                                             ? static_cast<__mmask16>(pair_valid & ~((1u << g.width) - 1u))
                                             : static_cast<__mmask16>(0);
                __m512 rows = _mm512_maskz_loadu_ps(first_half, shifted(channel, source_row * g.in_width - shift));
                rows = _mm512_mask_loadu_ps(rows, second_half, shifted(channel, next_row * g.in_width - shift - g.width));
                _mm512_mask_storeu_ps(out + i * g.width, pair_inside, rows);
            }
            for (; i < g.height; ++i) {
                const int64_t source_row = i * g.stride_height + source_of.row_phase - g.top;
                const bool inside = source_row >= 0 && source_row < g.in_height;
                const float* source = x + c * plane_size + (inside ? source_row : 0) * g.in_width;
                float* row = out + i * g.width;
                if (masked_rows) {
                    // A row outside the input loads nothing and stores zeros.
                    for (int64_t chunk = 0; chunk < masks.chunks; ++chunk) {
                        const int64_t j = chunk * lanes;
                        const __mmask16 valid = inside ? masks.valid[chunk] : static_cast<__mmask16>(0);
                        _mm512_mask_storeu_ps(row + j, masks.inside[chunk],
                                              _mm512_maskz_loadu_ps(valid, shifted(source, j - shift)));
                    }
                } else {
                    fill_row(row, g.width, source, g.stride_width, shift, first, inside ? last : first);
                }
            }
            const int64_t filled = g.height * g.width;
            fill_row(out + filled, g.plane_stride - filled, x, 1, 0, 0, 0);
        }
    }
}

// Where the 16 positions of one vector go in the output plane: one masked store per grid row.
struct VectorStores {
    int64_t offsets[most_segments];  // of lane 0, in the output plane
    __mmask16 masks[most_segments];
    int count;
};

VectorStores vector_stores(const Grid& g, int64_t start) {
    VectorStores stores{};
    int64_t lane = 0;
    while (lane < lanes) {
        const int64_t j = start + lane;
        const int64_t oh = j / g.width;
        const int64_t ow = j % g.width;
        if (oh >= g.out_height) break;
        const int64_t run = smaller(lanes - lane, g.width - ow);
        const int64_t stored = larger(0, smaller(g.out_width - ow, run));
        if (stored > 0) {
            const int64_t offset = oh * g.out_width + ow - lane;
            const auto mask = static_cast<__mmask16>(((1u << stored) - 1u) << lane);
            // Rows that continue each other (no columns dropped between them) share one store.
            if (stores.count > 0 && stores.offsets[stores.count - 1] == offset) {
                stores.masks[stores.count - 1] = static_cast<__mmask16>(stores.masks[stores.count - 1] | mask);
            } else {
                stores.offsets[stores.count] = offset;
                stores.masks[stores.count] = mask;
                ++stores.count;
            }
        }
        lane += run;
    }
    return stores;
}

// acc[KB][V] over one tile: x points at the group's phases plus the tile's first position,
// weights at [channels][taps][weight_stride] for the tile's first filter.
template <int KB, int V>
void forward_tile(const Grid& g, const float* x, const float* weights, int64_t weight_stride, const float* bias,
                  const VectorStores* stores, float* y, int64_t y_stride) {
    __m512 acc[KB][V];
#pragma GCC unroll 8
    for (int i = 0; i < KB; ++i) {
        const __m512 start = bias != nullptr ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[i][v] = start;
    }
    const int64_t taps = g.taps;
    for (int64_t c = 0; c < g.channels; ++c) {
        const float* xc = x + c * g.channel_stride;
        const float* wc = weights + c * taps * weight_stride;
        for (int64_t t = 0; t < taps; ++t) {
            const float* xt = xc + g.tap_offsets[t];
            __m512 xv[V];
#pragma GCC unroll 8
            for (int v = 0; v < V; ++v) xv[v] = _mm512_loadu_ps(xt + lanes * v);
            const float* wt = wc + t * weight_stride;
#pragma GCC unroll 8
            for (int i = 0; i < KB; ++i) {
                const __m512 w = _mm512_set1_ps(wt[i]);
#pragma GCC unroll 8
                for (int v = 0; v < V; ++v) acc[i][v] = _mm512_fmadd_ps(w, xv[v], acc[i][v]);
            }
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < KB; ++i) {
        float* yk = y + i * y_stride;
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
            for (int segment = 0; segment < stores[v].count; ++segment) {
                _mm512_mask_storeu_ps(yk + stores[v].offsets[segment], stores[v].masks[segment], acc[i][v]);
            }
        }
    }
}

using ForwardKernel = void (*)(const Grid&, const float*, const float*, int64_t, const float*, const VectorStores*,
                               float*, int64_t);

template <int V>
ForwardKernel forward_kernel_for(int64_t kb) {
    switch (kb) {
        case 1: return forward_tile<1, V>;
        case 2: return forward_tile<2, V>;
        case 3: if constexpr (3 * V <= 24) return forward_tile<3, V>; break;
        case 4: if constexpr (4 * V <= 24) return forward_tile<4, V>; break;
        case 5: if constexpr (5 * V <= 24) return forward_tile<5, V>; break;
        case 6: if constexpr (6 * V <= 24) return forward_tile<6, V>; break;
        case 7: if constexpr (7 * V <= 24) return forward_tile<7, V>; break;
        case 8: if constexpr (8 * V <= 24) return forward_tile<8, V>; break;
        default: break;
    }
    return nullptr;
}

ForwardKernel forward_kernel(int64_t kb, int64_t v) {
    switch (v) {
        case 2: return forward_kernel_for<2>(kb);
        case 3: return forward_kernel_for<3>(kb);
        case 4: return forward_kernel_for<4>(kb);
        case 6: return forward_kernel_for<6>(kb);
        case 8: return forward_kernel_for<8>(kb);
        default: return nullptr;
    }
}

// Cycles of one (channel, tap) step of a kb x v tile: two FMAs a cycle, or two loads a cycle
// (kb broadcasts and v vectors) when those are more, plus the loop.
int64_t step_cost(int64_t kb, int64_t v) { return larger(kb * v, kb + v) + 1; }

// The tile of least estimated time over the whole grid, the narrower last block of filters
// counted at its own size.
ForwardTile choose_forward_tile(const Grid& g) {
    ForwardTile best = forward_tiles[0];
    int64_t best_cost = -1;
    for (const ForwardTile& tile : forward_tiles) {
        const int64_t full = g.filters / tile.kb;
        const int64_t rest = g.filters % tile.kb;
        const int64_t per_tile = full * step_cost(tile.kb, tile.v) + (rest > 0 ? step_cost(rest, tile.v) : 0);
        const int64_t cost = divide_up(g.positions, lanes * tile.v) * per_tile;
        if (best_cost < 0 || cost < best_cost) {
            best = tile;
            best_cost = cost;
        }
    }
    return best;
}

// One direct forward over a batch: x [N][groups][channels][in plane] -> y [N][groups][filters][out plane],
// with weights packed per group and block of kb filters as [channels][taps][kb].
struct DirectForward {
    Grid grid;
    ForwardTile tile;
    int64_t batch = 0;
    int64_t groups = 0;
    const float* x = nullptr;
    const float* packed = nullptr;
    const float* bias = nullptr;
    float* y = nullptr;
};

// The stores of every vector of a grid's tiles, the same for every image: made once per call
// into `table` (floats from a scratch slot, reinterpreted; VectorStores is plain data).
int64_t stores_floats(const Grid& g) {
    return g.span / lanes * static_cast<int64_t>((sizeof(VectorStores) + sizeof(float) - 1) / sizeof(float));
}

const VectorStores* make_stores(const Grid& g, float* table) {
    auto* stores = reinterpret_cast<VectorStores*>(table);
    for (int64_t vector = 0; vector < g.span / lanes; ++vector) stores[vector] = vector_stores(g, vector * lanes);
    return stores;
}

// One (image, group) of a direct forward: x [channels][in plane] -> y [filters][out plane], with
// planes as this thread's scratch for the laid-out input.
void forward_item(const Grid& g, const ForwardTile& tile, const VectorStores* stores, const float* x,
                  const float* packed, const float* bias, float* y, float* planes) {
    const int64_t kb = tile.kb;
    const int64_t v = tile.v;
    const int64_t blocks = divide_up(g.filters, kb);
    const int64_t tile_positions = lanes * v;
    const int64_t tiles = divide_up(g.positions, tile_positions);
    const int64_t out_plane = g.out_height * g.out_width;
    build_planes(g, x, planes);
    for (int64_t first_position = 0; first_position < tiles * tile_positions; first_position += tile_positions) {
        for (int64_t block = 0; block < blocks; ++block) {
            const int64_t first = block * kb;
            const int64_t count = smaller(kb, g.filters - first);
            forward_kernel(count, v)(g, planes + first_position, packed + block * kb * g.channels * g.taps, kb,
                                     bias != nullptr ? bias + first : nullptr, stores + first_position / lanes,
                                     y + first * out_plane, out_plane);
        }
    }
}

void run_direct_forward(const char* op, const DirectForward& d) {
    const Grid& g = d.grid;
    nn::core::verbose_log("%s: %s layout, %lld grid columns, %d x %d tiles", op,
                          g.layout == Layout::Phases ? "phase" : "column", static_cast<long long>(g.width), d.tile.kb,
                          d.tile.v);
    const int64_t blocks = divide_up(g.filters, d.tile.kb);
    const int64_t in_plane = g.in_height * g.in_width;
    const int64_t out_plane = g.out_height * g.out_width;
    const int64_t items = d.batch * d.groups;
    const VectorStores* stores =
        make_stores(g, conv_scratch(ConvScratch::Stores, static_cast<std::size_t>(stores_floats(g))));
    const int threads = threads_for(items, items * g.filters * out_plane * g.channels * g.taps);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t group = item % d.groups;
        float* planes = conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(g.channels * g.channel_stride));
        forward_item(g, d.tile, stores, d.x + item * g.channels * in_plane,
                     d.packed + group * blocks * d.tile.kb * g.channels * g.taps,
                     d.bias != nullptr ? d.bias + group * g.filters : nullptr, d.y + item * g.filters * out_plane,
                     planes);
    }
}

// ---- backward-data at strides above 1, by sub-pixel phases

constexpr int64_t most_phases = 16;
//
// Input row ih receives tap r from output row oh = (ih + pad - r) / stride when that divides. Split
// the rows of dx by e = (ih + pad) % stride: row ih = stride m + e - pad takes the taps
// r = e + j stride, j = 0, 1, ..., from dy row m - j. So each phase (e, f) of rows and columns is a
// stride-1 forward over dy with a sub-kernel of ceil((R - e) / stride) x ceil((S - f) / stride)
// taps, flipped; its output is the phase's rows and columns of dx, interleaved back at the end.
// (Dilation 1 only: other dilations go to im2col.)
struct SubPixelPhase {
    int64_t row, column;            // e, f
    int64_t kernel_height, kernel_width;
    int64_t first_row, first_column;  // m and n of the phase's first dx row and column
    int64_t height, width;            // dx rows and columns of the phase
    Grid grid;
    ForwardTile tile;
    int64_t packed_offset;  // of this phase's weights in the packed buffer
};

// The m range of a phase: rows ih = stride m + e - pad inside [0, H).
void phase_range(int64_t e, int64_t stride, int64_t padding, int64_t size, int64_t* first, int64_t* count) {
    // m >= (pad - e) / stride rounded up, m <= (size - 1 + pad - e) / stride rounded down.
    const int64_t low = padding - e;
    const int64_t begin = low <= 0 ? -((-low) / stride) : divide_up(low, stride);
    const int64_t high = size - 1 + padding - e;
    const int64_t end = high < 0 ? -divide_up(-high, stride) : high / stride;
    *first = begin;
    *count = larger(0, end - begin + 1);
}

// dx [channels][H][W] <- the phases' outputs, each [channels][height][width]. At column stride 2
// the two column phases of a row interleave by vector permutes.
void interleave_phases(const Conv2dProblem& p, int64_t channels, const SubPixelPhase* phases, float* const* outputs,
                       float* dx) {
    const int64_t sh = p.stride_height;
    const int64_t sw = p.stride_width;
    const __m512i low_pairs = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i high_pairs = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    for (int64_t c = 0; c < channels; ++c) {
        for (int64_t ih = 0; ih < p.in_height; ++ih) {
            const int64_t e = (ih + p.padding_height) % sh;
            float* row = dx + (c * p.in_height + ih) * p.in_width;
            // Row m - first_row of each column phase of row phase e.
            const float* sources[16];
            for (int64_t f = 0; f < sw; ++f) {
                const SubPixelPhase& phase = phases[e * sw + f];
                const int64_t m = (ih + p.padding_height) / sh - phase.first_row;
                sources[f] = outputs[e * sw + f] + (c * phase.height + m) * phase.width;
            }
            int64_t iw = 0;
            if (sw == 2) {
                // Pairs (2 n + f - pad) with f = 0, 1: start where f = 0.
                iw = (p.padding_width % 2 == 0) ? 0 : 1;
                for (int64_t j = 0; j < iw; ++j) {
                    const SubPixelPhase& phase = phases[e * sw + 1];
                    row[j] = sources[1][(j + p.padding_width) / 2 - phase.first_column];
                }
                for (; iw < p.in_width; iw += 2 * lanes) {
                    const int64_t n = (iw + p.padding_width) / 2;
                    // The last pairs may be short: masks keep the loads in the phases' rows and
                    // the stores in dx's.
                    const int64_t count = smaller(2 * lanes, p.in_width - iw);
                    const __m512 even = _mm512_maskz_loadu_ps(lanes_between(0, (count + 1) / 2),
                                                              sources[0] + (n - phases[e * sw].first_column));
                    const __m512 odd = _mm512_maskz_loadu_ps(lanes_between(0, count / 2),
                                                             sources[1] + (n - phases[e * sw + 1].first_column));
                    _mm512_mask_storeu_ps(row + iw, lanes_between(0, count),
                                          _mm512_permutex2var_ps(even, low_pairs, odd));
                    _mm512_mask_storeu_ps(row + iw + lanes, lanes_between(0, count - lanes),
                                          _mm512_permutex2var_ps(even, high_pairs, odd));
                }
            }
            for (; iw < p.in_width; ++iw) {
                const int64_t f = (iw + p.padding_width) % sw;
                row[iw] = sources[f][(iw + p.padding_width) / sw - phases[e * sw + f].first_column];
            }
        }
    }
}

// Packs the flipped sub-kernel of phase (e, f) of w [groups][K/g][C/g][R][S] as
// [groups][blocks of C/g][K/g][taps][kb], zero past the last channel.
void pack_phase_weights(const Conv2dProblem& p, const float* weight, const SubPixelPhase& phase, int64_t kb,
                        float* packed) {
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    const int64_t blocks = divide_up(group_in, kb);
    const int64_t taps = phase.kernel_height * phase.kernel_width;
    for (int64_t group = 0; group < p.groups; ++group) {
        for (int64_t block = 0; block < blocks; ++block) {
            float* out = packed + (group * blocks + block) * group_out * taps * kb;
            for (int64_t k = 0; k < group_out; ++k) {
                for (int64_t t = 0; t < taps; ++t) {
                    // Tap (j, i) reads dy row m - (kernel_height - 1 - j): kernel row e + (kh - 1 - j) stride.
                    const int64_t r = phase.row + (phase.kernel_height - 1 - t / phase.kernel_width) * p.stride_height;
                    const int64_t s = phase.column + (phase.kernel_width - 1 - t % phase.kernel_width) * p.stride_width;
                    const float* filter = weight + ((group * group_out + k) * group_in) * p.kernel_area();
                    for (int64_t q = 0; q < kb; ++q) {
                        const int64_t c = block * kb + q;
                        out[(k * taps + t) * kb + q] =
                            c < group_in ? filter[c * p.kernel_area() + r * p.kernel_width + s] : 0.0f;
                    }
                }
            }
        }
    }
}

// ---- backward-weight

// acc[KB][TB] += dy (KB grid rows) * x (TB pair offsets) over every grid position of every image
// of the slice; the sums land in out[i * out_stride + pair].
template <int KB, int TB>
void weight_tile(int64_t images, int64_t image_stride, const float* dy, int64_t dy_stride, const float* x,
                 const int64_t* pair_offsets, int64_t positions, float* out, int64_t out_stride) {
    __m512 acc[KB][TB];
#pragma GCC unroll 8
    for (int i = 0; i < KB; ++i) {
#pragma GCC unroll 8
        for (int p = 0; p < TB; ++p) acc[i][p] = _mm512_setzero_ps();
    }
    for (int64_t n = 0; n < images; ++n) {
        const float* dyn = dy + n * image_stride;
        const float* pairs[TB];
#pragma GCC unroll 8
        for (int p = 0; p < TB; ++p) pairs[p] = x + n * image_stride + pair_offsets[p];
        for (int64_t j = 0; j < positions; j += lanes) {
            __m512 d[KB];
#pragma GCC unroll 8
            for (int i = 0; i < KB; ++i) d[i] = _mm512_load_ps(dyn + i * dy_stride + j);
#pragma GCC unroll 8
            for (int p = 0; p < TB; ++p) {
                const __m512 xv = _mm512_loadu_ps(pairs[p] + j);
#pragma GCC unroll 8
                for (int i = 0; i < KB; ++i) acc[i][p] = _mm512_fmadd_ps(d[i], xv, acc[i][p]);
            }
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < KB; ++i) {
#pragma GCC unroll 8
        for (int p = 0; p < TB; ++p) out[i * out_stride + p] = _mm512_reduce_add_ps(acc[i][p]);
    }
}

using WeightKernel = void (*)(int64_t, int64_t, const float*, int64_t, const float*, const int64_t*, int64_t, float*,
                              int64_t);

template <int KB>
WeightKernel weight_kernel_for(int64_t tb) {
    switch (tb) {
        case 1: return weight_tile<KB, 1>;
        case 2: return weight_tile<KB, 2>;
        case 3: if constexpr (KB * 3 <= 24) return weight_tile<KB, 3>; break;
        case 4: if constexpr (KB * 4 <= 24) return weight_tile<KB, 4>; break;
        case 5: if constexpr (KB * 5 <= 24) return weight_tile<KB, 5>; break;
        case 6: if constexpr (KB * 6 <= 24) return weight_tile<KB, 6>; break;
        case 7: if constexpr (KB * 7 <= 24) return weight_tile<KB, 7>; break;
        case 8: if constexpr (KB * 8 <= 24) return weight_tile<KB, 8>; break;
        default: break;
    }
    return nullptr;
}

WeightKernel weight_kernel(int64_t kb, int64_t tb) {
    switch (kb) {
        case 1: return weight_kernel_for<1>(tb);
        case 2: return weight_kernel_for<2>(tb);
        case 3: return weight_kernel_for<3>(tb);
        case 4: return weight_kernel_for<4>(tb);
        case 5: return weight_kernel_for<5>(tb);
        case 6: return weight_kernel_for<6>(tb);
        case 7: return weight_kernel_for<7>(tb);
        case 8: return weight_kernel_for<8>(tb);
        default: return nullptr;
    }
}

WeightTile choose_weight_tile(int64_t filters, int64_t pairs) {
    WeightTile best = weight_tiles[0];
    int64_t best_cost = -1;
    for (const WeightTile& tile : weight_tiles) {
        // FMAs of whole tiles plus the loads of each step, which rival them on small tiles.
        const int64_t cost = divide_up(filters, tile.kb) * divide_up(pairs, tile.tb) *
                             (tile.kb * tile.tb + tile.kb + tile.tb);
        if (best_cost < 0 || cost < best_cost) {
            best = tile;
            best_cost = cost;
        }
    }
    return best;
}

// Images per backward-weight slice: as many as keep their phases and grid-shaped dy in L2. It
// depends on the shape only, never on the thread count.
int64_t weight_slice(const Grid& g, int64_t dy_floats) {
    const int64_t per_image = g.channels * g.channel_stride + dy_floats;
    return larger(1, smaller(largest_weight_slice, weight_slice_budget / per_image));
}

// The other form of backward-weight, for 16 filters or more: filters run along the lanes and x
// is broadcast, a GEMM micro-tile acc[MR (channel, tap) pairs][NV vectors of 16 filters], so the
// sums need no horizontal adds and dy, transposed to [position][filter] panels, streams once per
// block of pairs. dy panels hold 16 NV filters per position, zero past the last filter and in the
// grid columns past Q.
constexpr int broadcast_pairs[3] = {0, 24, 12};  // MR for NV = 1 and 2: MR NV + NV + 1 of 32 registers

template <int MR, int NV>
void weight_tile_broadcast(int64_t images, int64_t image_stride, const float* panel, const float* x,
                           const int64_t* pair_offsets, int64_t positions, int64_t filters, float* out,
                           int64_t out_stride) {
    constexpr int64_t panel_width = lanes * NV;
    __m512 acc[MR][NV];
#pragma GCC unroll 24
    for (int t = 0; t < MR; ++t) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_setzero_ps();
    }
    for (int64_t n = 0; n < images; ++n) {
        const float* pairs[MR];
#pragma GCC unroll 24
        for (int t = 0; t < MR; ++t) pairs[t] = x + n * image_stride + pair_offsets[t];
        const float* d = panel + n * image_stride;
        for (int64_t j = 0; j < positions; ++j) {
            __m512 dv[NV];
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) dv[v] = _mm512_load_ps(d + j * panel_width + lanes * v);
#pragma GCC unroll 24
            for (int t = 0; t < MR; ++t) {
                const __m512 a = _mm512_set1_ps(pairs[t][j]);
#pragma GCC unroll 2
                for (int v = 0; v < NV; ++v) acc[t][v] = _mm512_fmadd_ps(a, dv[v], acc[t][v]);
            }
        }
    }
    alignas(64) float lanes_out[lanes];
#pragma GCC unroll 24
    for (int t = 0; t < MR; ++t) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            _mm512_store_ps(lanes_out, acc[t][v]);
            const int64_t count = smaller(lanes, filters - lanes * v);
            for (int64_t i = 0; i < count; ++i) out[(lanes * v + i) * out_stride + t] = lanes_out[i];
        }
    }
}

using BroadcastKernel = void (*)(int64_t, int64_t, const float*, const float*, const int64_t*, int64_t, int64_t,
                                 float*, int64_t);

template <int NV, int MR = broadcast_pairs[NV]>
BroadcastKernel broadcast_kernel(int64_t mr) {
    if constexpr (MR == 0) {
        return nullptr;
    } else {
        return mr == MR ? weight_tile_broadcast<MR, NV> : broadcast_kernel<NV, MR - 1>(mr);
    }
}

// panel [positions][16 NV] <- dy [filters][P][Q] of filters [first, first + 16 NV), on the grid.
void transpose_dy(const Grid& g, const float* dy, int64_t first, int64_t panel_width, float* panel) {
    const int64_t out_plane = g.out_height * g.out_width;
    const int64_t count = smaller(panel_width, g.filters - first);
    alignas(64) float block[lanes * lanes];
    for (int64_t oh = 0; oh < g.out_height; ++oh) {
        for (int64_t ow = 0; ow < g.width; ow += lanes) {
            const int64_t columns = smaller(lanes, g.width - ow);
            const int64_t inside = larger(0, smaller(columns, g.out_width - ow));
            for (int64_t k = 0; k < panel_width; k += lanes) {
                const int64_t filters = larger(0, smaller(lanes, count - k));
                const float* from = dy + (first + k) * out_plane + oh * g.out_width + ow;
                float* to = panel + (oh * g.width + ow) * panel_width + k;
                if (filters == lanes && inside == lanes) {
                    Avx512::transpose_block(from, out_plane, to, panel_width);
                    continue;
                }
                // An edge block: the rows and columns that exist, zeros around them, transposed
                // through the stack so nothing past the grid row is written.
                alignas(64) float transposed[lanes * lanes];
                const __mmask16 existing = lanes_between(0, inside);
                for (int64_t i = 0; i < lanes; ++i) {
                    _mm512_store_ps(block + i * lanes, i < filters ? _mm512_maskz_loadu_ps(existing, from + i * out_plane)
                                                                   : _mm512_setzero_ps());
                }
                Avx512::transpose_block(block, lanes, transposed, lanes);
                for (int64_t c = 0; c < columns; ++c) {
                    _mm512_store_ps(to + c * panel_width, _mm512_load_ps(transposed + c * lanes));
                }
            }
        }
    }
}

// Packs w [groups][filters][channels][taps] into [groups][blocks][channels][taps][kb], zero past
// the last filter, for the forward.
void pack_forward_weights(const float* weight, int64_t groups, int64_t filters, int64_t channels, int64_t taps,
                          int64_t kb, float* packed) {
    const int64_t blocks = divide_up(filters, kb);
    for (int64_t group = 0; group < groups; ++group) {
        for (int64_t block = 0; block < blocks; ++block) {
            float* out = packed + (group * blocks + block) * channels * taps * kb;
            for (int64_t c = 0; c < channels; ++c) {
                for (int64_t t = 0; t < taps; ++t) {
                    for (int64_t i = 0; i < kb; ++i) {
                        const int64_t k = block * kb + i;
                        out[(c * taps + t) * kb + i] =
                            k < filters ? weight[((group * filters + k) * channels + c) * taps + t] : 0.0f;
                    }
                }
            }
        }
    }
}

// Packs w [groups][K/g][C/g][taps] for backward-data, whose filters are x's channels and whose
// channels are dy's: [groups][blocks of C/g][K/g][taps flipped][kb].
void pack_backward_data_weights(const float* weight, int64_t groups, int64_t group_out, int64_t group_in,
                                int64_t taps, int64_t kb, float* packed) {
    const int64_t blocks = divide_up(group_in, kb);
    for (int64_t group = 0; group < groups; ++group) {
        for (int64_t block = 0; block < blocks; ++block) {
            float* out = packed + (group * blocks + block) * group_out * taps * kb;
            for (int64_t k = 0; k < group_out; ++k) {
                for (int64_t t = 0; t < taps; ++t) {
                    for (int64_t i = 0; i < kb; ++i) {
                        const int64_t c = block * kb + i;
                        out[(k * taps + t) * kb + i] =
                            c < group_in ? weight[((group * group_out + k) * group_in + c) * taps + (taps - 1 - t)]
                                         : 0.0f;
                    }
                }
            }
        }
    }
}

}  // namespace

const char* conv2d_forward_avx512_declines(const Conv2dForward& op) {
    return grid_declines(forward_grid(op.problem, forward_layout(op.problem), lanes));
}

const char* conv2d_backward_data_avx512_declines(const Conv2dBackwardData& op) {
    const Conv2dProblem& p = op.problem;
    if (p.stride_height == 1 && p.stride_width == 1) return grid_declines(backward_data_grid(p, lanes));
    if (p.dilation_height != 1 || p.dilation_width != 1) return "stride and dilation both above 1";
    if (p.stride_height * p.stride_width > most_phases) return "more than 16 sub-pixel phases";
    // Every phase's grid is about dy's size; the narrowest decides.
    if (p.out_width + 1 < narrowest_grid_row) return "output rows narrower than 4 grid columns";
    if (p.group_out_channels() * (p.out_height + p.kernel_height) * (p.out_width + p.kernel_width) > largest_scratch) {
        return "planes above 128 MiB";
    }
    return nullptr;
}

const char* conv2d_backward_weight_avx512_declines(const Conv2dBackwardWeight& op) {
    return grid_declines(forward_grid(op.problem, weight_layout(op.problem), lanes));
}

void conv2d_forward_avx512(const Conv2dForward& op) {
    const Conv2dProblem& p = op.problem;
    DirectForward d;
    const Layout layout = forward_layout(p);
    d.tile = choose_forward_tile(forward_grid(p, layout, lanes));
    d.grid = forward_grid(p, layout, lanes * d.tile.v);
    d.batch = p.batch;
    d.groups = p.groups;
    d.x = op.x;
    d.bias = op.bias;
    d.y = op.y;
    const int64_t blocks = divide_up(d.grid.filters, d.tile.kb);
    float* packed = conv_scratch(ConvScratch::Weights,
                                 static_cast<std::size_t>(p.groups * blocks * d.tile.kb * d.grid.channels * d.grid.taps));
    pack_forward_weights(op.weight, p.groups, d.grid.filters, d.grid.channels, d.grid.taps, d.tile.kb, packed);
    d.packed = packed;
    run_direct_forward("conv2d_forward_avx512", d);
}

void conv2d_backward_data_avx512(const Conv2dBackwardData& op) {
    const Conv2dProblem& p = op.problem;
    if (p.stride_height == 1 && p.stride_width == 1) {
        DirectForward d;
        d.tile = choose_forward_tile(backward_data_grid(p, lanes));
        d.grid = backward_data_grid(p, lanes * d.tile.v);
        d.batch = p.batch;
        d.groups = p.groups;
        d.x = op.dy;
        d.y = op.dx;
        const int64_t blocks = divide_up(d.grid.filters, d.tile.kb);
        float* packed = conv_scratch(
            ConvScratch::Weights, static_cast<std::size_t>(p.groups * blocks * d.tile.kb * d.grid.channels * d.grid.taps));
        pack_backward_data_weights(op.weight, p.groups, p.group_out_channels(), p.group_in_channels(), d.grid.taps,
                                   d.tile.kb, packed);
        d.packed = packed;
        run_direct_forward("conv2d_backward_data_avx512", d);
        return;
    }
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    const int64_t phase_count = p.stride_height * p.stride_width;
    SubPixelPhase phases[most_phases];
    int64_t packed_floats = 0;
    int64_t planes_floats = 1;
    int64_t outputs_floats = 0;
    for (int64_t index = 0; index < phase_count; ++index) {
        SubPixelPhase& phase = phases[index];
        phase.row = index / p.stride_width;
        phase.column = index % p.stride_width;
        phase.kernel_height = phase.row < p.kernel_height ? divide_up(p.kernel_height - phase.row, p.stride_height) : 0;
        phase.kernel_width = phase.column < p.kernel_width ? divide_up(p.kernel_width - phase.column, p.stride_width) : 0;
        phase_range(phase.row, p.stride_height, p.padding_height, p.in_height, &phase.first_row, &phase.height);
        phase_range(phase.column, p.stride_width, p.padding_width, p.in_width, &phase.first_column, &phase.width);
        outputs_floats += group_in * phase.height * phase.width;
        if (phase.kernel_height == 0 || phase.kernel_width == 0 || phase.height == 0 || phase.width == 0) continue;
        // Output row m reads dy rows m - (kh - 1) .. m: the grid's top padding is kh - 1 - first_row.
        const auto grid_of = [&](int64_t tile_positions) {
            return make_grid(Layout::Phases, group_out, group_in, p.out_height, p.out_width, phase.height, phase.width,
                             phase.kernel_height, phase.kernel_width, 1, 1, 1, 1,
                             phase.kernel_height - 1 - phase.first_row, phase.kernel_width - 1 - phase.first_column,
                             tile_positions);
        };
        phase.tile = choose_forward_tile(grid_of(lanes));
        phase.grid = grid_of(lanes * phase.tile.v);
        phase.packed_offset = packed_floats;
        packed_floats += p.groups * divide_up(group_in, phase.tile.kb) * phase.tile.kb * group_out *
                         phase.kernel_height * phase.kernel_width;
        planes_floats = larger(planes_floats, phase.grid.channels * phase.grid.channel_stride);
    }
    float* packed = conv_scratch(ConvScratch::Weights, static_cast<std::size_t>(packed_floats));
    int64_t table_floats = 0;
    for (int64_t index = 0; index < phase_count; ++index) {
        const SubPixelPhase& phase = phases[index];
        if (phase.kernel_height == 0 || phase.kernel_width == 0 || phase.height == 0 || phase.width == 0) continue;
        pack_phase_weights(p, op.weight, phase, phase.tile.kb, packed + phase.packed_offset);
        table_floats += stores_floats(phase.grid);
    }
    float* table = conv_scratch(ConvScratch::Stores, static_cast<std::size_t>(table_floats));
    const VectorStores* stores[most_phases] = {};
    for (int64_t index = 0; index < phase_count; ++index) {
        const SubPixelPhase& phase = phases[index];
        if (phase.kernel_height == 0 || phase.kernel_width == 0 || phase.height == 0 || phase.width == 0) continue;
        stores[index] = make_stores(phase.grid, table);
        table += stores_floats(phase.grid);
    }
    nn::core::verbose_log("conv2d_backward_data_avx512: %lld sub-pixel phases", static_cast<long long>(phase_count));
    const int64_t items = p.batch * p.groups;
    const int threads = threads_for(items, p.multiply_adds());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t group = item % p.groups;
        float* planes = conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(planes_floats));
        float* scratch = conv_scratch(ConvScratch::Outputs, static_cast<std::size_t>(outputs_floats));
        float* outputs[most_phases];
        for (int64_t index = 0; index < phase_count; ++index) {
            const SubPixelPhase& phase = phases[index];
            outputs[index] = scratch;
            scratch += group_in * phase.height * phase.width;
            if (phase.kernel_height == 0 || phase.kernel_width == 0 || phase.height == 0 || phase.width == 0) {
                // No tap lands on this phase (stride above the kernel): its elements get zero.
                for (int64_t i = 0; i < group_in * phase.height * phase.width; ++i) outputs[index][i] = 0.0f;
                continue;
            }
            const int64_t blocks = divide_up(group_in, phase.tile.kb);
            forward_item(phase.grid, phase.tile, stores[index], op.dy + item * group_out * p.out_plane(),
                         packed + phase.packed_offset +
                             group * blocks * phase.tile.kb * group_out * phase.kernel_height * phase.kernel_width,
                         nullptr, outputs[index], planes);
        }
        interleave_phases(p, group_in, phases, outputs, op.dx + item * group_in * p.in_plane());
    }
}

void conv2d_backward_weight_avx512(const Conv2dBackwardWeight& op) {
    const Conv2dProblem& p = op.problem;
    const Grid g = forward_grid(p, weight_layout(p), lanes);
    const int64_t pairs = g.channels * g.taps;
    // Filters along the lanes once they fill a vector; otherwise positions along the lanes.
    const bool broadcast = g.filters >= lanes;
    const int64_t vectors = g.filters > lanes ? 2 : 1;
    const int64_t panel_width = lanes * vectors;
    const int64_t panels = divide_up(g.filters, panel_width);
    const WeightTile tile = broadcast ? WeightTile{0, broadcast_pairs[vectors]} : choose_weight_tile(g.filters, pairs);
    const int64_t dy_stride = round_up(g.positions, lanes);
    const int64_t dy_floats = broadcast ? panels * g.positions * panel_width : g.filters * dy_stride;
    const int64_t image_stride = round_up(g.channels * g.channel_stride + dy_floats, lanes);
    const int64_t slice = weight_slice(g, dy_floats);
    const int64_t slices = divide_up(p.batch, slice);
    const int64_t weights_per_group = g.filters * pairs;
    // partial[slice][group][filter][pair]: one sum per slice, added in slice order at the end.
    float* partial = conv_scratch(ConvScratch::Weights,
                                  static_cast<std::size_t>(slices * p.groups * weights_per_group));
    const int64_t in_plane = p.in_plane();
    const int64_t out_plane = p.out_plane();
    const int64_t items = slices * p.groups;
    const int threads = threads_for(items, p.multiply_adds());
    nn::core::verbose_log("conv2d_backward_weight_avx512: %s layout, %lld grid columns, %s, %lld images per slice",
                          g.layout == Layout::Phases ? "phase" : "column", static_cast<long long>(g.width),
                          broadcast ? "filters along the lanes" : "positions along the lanes",
                          static_cast<long long>(slice));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t first_image = item / p.groups * slice;
        const int64_t group = item % p.groups;
        const int64_t images = smaller(slice, p.batch - first_image);
        // Per image: the planes of x, then dy on the grid (transposed into panels when broadcasting).
        float* scratch = conv_scratch(ConvScratch::Columns, static_cast<std::size_t>(images * image_stride));
        for (int64_t n = 0; n < images; ++n) {
            const int64_t image = first_image + n;
            float* planes = scratch + n * image_stride;
            build_planes(g, op.x + (image * p.groups + group) * g.channels * in_plane, planes);
            float* grid_dy = planes + g.channels * g.channel_stride;
            const float* dy = op.dy + (image * p.groups + group) * g.filters * out_plane;
            if (broadcast) {
                for (int64_t panel = 0; panel < panels; ++panel) {
                    transpose_dy(g, dy, panel * panel_width, panel_width,
                                 grid_dy + panel * g.positions * panel_width);
                }
                continue;
            }
            for (int64_t k = 0; k < g.filters; ++k) {
                float* row = grid_dy + k * dy_stride;
                for (int64_t oh = 0; oh < p.out_height; ++oh) {
                    fill_row(row + oh * g.width, g.width, dy + k * out_plane + oh * p.out_width, 1, 0, 0, p.out_width);
                }
                fill_row(row + g.positions, dy_stride - g.positions, dy, 1, 0, 0, 0);
            }
        }
        const float* x = scratch;
        const float* grid_dy = scratch + g.channels * g.channel_stride;
        float* out = partial + item * weights_per_group;
        if (broadcast) {
            // Blocks of pairs as equal as the tile allows: 27 pairs run as 9 + 9 + 9, not 12 + 12 + 3.
            const int64_t balanced_pairs = divide_up(pairs, divide_up(pairs, tile.tb));
            for (int64_t panel = 0; panel < panels; ++panel) {
                const int64_t first_filter = panel * panel_width;
                for (int64_t first_pair = 0; first_pair < pairs; first_pair += balanced_pairs) {
                    const int64_t mr = smaller(balanced_pairs, pairs - first_pair);
                    int64_t offsets[24];
                    for (int64_t q = 0; q < mr; ++q) {
                        const int64_t pair = first_pair + q;
                        offsets[q] = pair / g.taps * g.channel_stride + g.tap_offsets[pair % g.taps];
                    }
                    const BroadcastKernel kernel = vectors == 1 ? broadcast_kernel<1>(mr) : broadcast_kernel<2>(mr);
                    kernel(images, image_stride, grid_dy + panel * g.positions * panel_width, x, offsets, g.positions,
                           g.filters - first_filter, out + first_filter * pairs + first_pair, pairs);
                }
            }
            continue;
        }
        for (int64_t first_filter = 0; first_filter < g.filters; first_filter += tile.kb) {
            const int64_t kb = smaller(tile.kb, g.filters - first_filter);
            for (int64_t first_pair = 0; first_pair < pairs; first_pair += tile.tb) {
                const int64_t tb = smaller(tile.tb, pairs - first_pair);
                int64_t offsets[8];
                for (int64_t q = 0; q < tb; ++q) {
                    const int64_t pair = first_pair + q;
                    offsets[q] = pair / g.taps * g.channel_stride + g.tap_offsets[pair % g.taps];
                }
                weight_kernel(kb, tb)(images, image_stride, grid_dy + first_filter * dy_stride, dy_stride, x, offsets,
                                      dy_stride, out + first_filter * pairs + first_pair, pairs);
            }
        }
    }
    // dw[group][filter][pair] = the slices' sums in slice order.
    const int64_t total = p.groups * weights_per_group;
    const int reduce_threads = total * slices >= (int64_t{1} << 15) ? nn::core::num_threads() : 1;
#pragma omp parallel for num_threads(reduce_threads) schedule(static) if (reduce_threads > 1)
    for (int64_t i = 0; i < total; ++i) {
        float sum = partial[i];
        for (int64_t s = 1; s < slices; ++s) sum += partial[s * total + i];
        op.dweight[i] = sum;
    }
}

}  // namespace nn::cpu
