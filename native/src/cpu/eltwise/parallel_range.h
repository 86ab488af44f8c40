// Splitting a loop over [0, count) among nn::core::num_threads() threads. The split depends only on
// count, the grain and the thread count, so per-range partial sums combined in range order give
// the same bits on every run with the same thread count.
//
// Files built with AVX flags include this, so it defines nothing with external linkage that a
// baseline file could also use (the linker keeps one copy of such a function, perhaps the AVX one),
// and it uses no standard container for the same reason.
#pragma once

#include <cstdint>

#include "core/parallel.h"

namespace nn::cpu {

// nn::core::set_num_threads allows up to 1024 threads; partial sums live on the stack.
constexpr int64_t max_ranges = 1024;

// How many ranges a loop of count items gets: one when it is smaller than two grains (an OpenMP
// team costs a few microseconds to wake), else up to one per thread with at least grain items each.
static inline int64_t range_count(int64_t count, int64_t grain) {
    const int64_t threads = nn::core::num_threads() < max_ranges ? nn::core::num_threads() : max_ranges;
    if (threads <= 1 || count < 2 * grain) return 1;
    const int64_t most = count / grain;
    return most < threads ? most : threads;
}

// Start of range `part` of `parts`, rounded down to a multiple of `align` items so that two threads
// never write the same cache line when the items are floats and align is 16.
static inline int64_t range_begin(int64_t count, int64_t parts, int64_t part, int64_t align) {
    if (part >= parts) return count;
    const int64_t begin = count / parts * part + (part < count % parts ? part : count % parts);
    return begin / align * align;
}

// Runs body(begin, end) once per range; ranges of one call never overlap and cover [0, count).
template <class Body>
void parallel_range(int64_t count, int64_t grain, int64_t align, const Body& body) {
    const int64_t parts = range_count(count, grain);
    if (parts == 1) {
        body(int64_t{0}, count);
        return;
    }
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static)
    for (int64_t part = 0; part < parts; ++part) {
        body(range_begin(count, parts, part, align), range_begin(count, parts, part + 1, align));
    }
}

// Sum of body(begin, end) over the ranges, added in range order.
template <class Body>
double parallel_sum(int64_t count, int64_t grain, const Body& body) {
    const int64_t parts = range_count(count, grain);
    if (parts == 1) return body(int64_t{0}, count);
    double partial[max_ranges];
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static)
    for (int64_t part = 0; part < parts; ++part) {
        partial[part] = body(range_begin(count, parts, part, 1), range_begin(count, parts, part + 1, 1));
    }
    double total = 0.0;
    for (int64_t part = 0; part < parts; ++part) total += partial[part];
    return total;
}

}  // namespace nn::cpu
