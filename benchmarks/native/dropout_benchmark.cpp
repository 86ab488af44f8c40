// x [n] -> y [n], mask [n]
// Times the dropout forward at p = 0.5 (x read, y and mask written with write-allocate: 20 bytes
// per element; each element also hashes its index for the counter-based mask) at each
// instruction-set level on an L2-resident, an L3-resident and a memory-bound size, at 1 and 2
// threads. The backward is eltwise's product, which streams as eltwise/add does. Rows:
// dropout/forward/<level>/<n>/threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "cpu/dropout/dropout.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

void run_forward(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* x = pooled_floats(0, count);
    float* y = pooled_floats(1, count);
    float* mask = pooled_floats(2, count);
    fill_uniform(x, count, -1.0f, 1.0f, 1);
    DropoutForward problem;
    problem.p = 0.5f;
    problem.seed = 42;
    problem.count = count;
    problem.x = x;
    problem.y = y;
    problem.mask = mask;
    const auto forward = choose(level, dropout_forward_reference, dropout_forward_avx2, dropout_forward_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 2), [&] { forward(problem); });
}

bool register_dropout_benchmarks() {
    register_warm_up("dropout");
    // 64 Ki floats: 256 KiB a buffer, in L2; 1 Mi: 4 MiB, in L3; 16 Mi: 64 MiB, in memory.
    for (int64_t count : {int64_t{1} << 16, int64_t{1} << 20, int64_t{1} << 24}) {
        register_levels("dropout/forward", size_name(count),
                        [count](benchmark::State& state, const Level& level, int threads) {
                            run_forward(state, level, threads, count);
                        });
    }
    return true;
}

const bool registered = register_dropout_benchmarks();

}  // namespace
