// x [N, C] -> y [N, C]; y [N, C], dy [N, C] -> dx [N, C]
// Times softmax forward (12 bytes per element: x read, y written with write-allocate) and backward
// (16) over rows of C = 1000 classes, at each instruction-set level, for N = 256 (1 MiB a tensor:
// in L3) and N = 4096 (16 MiB a tensor, beyond the caches with its output), at 1 and 2 threads.
// A 4 KB row stays in L1 between the kernel's passes over it, so memory sees each element once.
// Rows: softmax/<direction>/<level>/<N>x<C>/threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "cpu/softmax/softmax.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

constexpr int64_t classes = 1000;

void run_forward(benchmark::State& state, const Level& level, int threads, int64_t rows) {
    const int64_t count = rows * classes;
    float* x = pooled_floats(0, count);
    float* y = pooled_floats(1, count);
    fill_uniform(x, count, -5.0f, 5.0f, 1);
    SoftmaxForward problem;
    problem.outer = rows;
    problem.channels = classes;
    problem.inner = 1;
    problem.x = x;
    problem.y = y;
    const auto forward = choose(level, softmax_forward_reference, softmax_forward_avx2, softmax_forward_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 1), [&] { forward(problem); });
}

void run_backward(benchmark::State& state, const Level& level, int threads, int64_t rows) {
    const int64_t count = rows * classes;
    float* y = pooled_floats(0, count);
    float* dy = pooled_floats(1, count);
    float* dx = pooled_floats(2, count);
    // Probabilities near 1 / C, as a softmax over 1000 classes gives.
    fill_uniform(y, count, 0.0f, 2.0f / static_cast<float>(classes), 1);
    fill_uniform(dy, count, -1.0f, 1.0f, 2);
    SoftmaxBackward problem;
    problem.outer = rows;
    problem.channels = classes;
    problem.inner = 1;
    problem.y = y;
    problem.dy = dy;
    problem.dx = dx;
    const auto backward = choose(level, softmax_backward_reference, softmax_backward_avx2, softmax_backward_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 2, 1), [&] { backward(problem); });
}

bool register_softmax_benchmarks() {
    register_warm_up("softmax");
    for (bool forward : {true, false}) {
        for (int64_t rows : {256, 4096}) {
            const std::string shape = std::to_string(rows) + "x" + std::to_string(classes);
            register_levels(forward ? "softmax/forward" : "softmax/backward", shape,
                            [forward, rows](benchmark::State& state, const Level& level, int threads) {
                                if (forward) {
                                    run_forward(state, level, threads, rows);
                                } else {
                                    run_backward(state, level, threads, rows);
                                }
                            });
        }
    }
    return true;
}

const bool registered = register_softmax_benchmarks();

}  // namespace
