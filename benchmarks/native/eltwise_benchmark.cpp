// a [n], b [n] -> out [n]; x [n], y [n] -> y [n]; x [n] -> y [n]
// Times add (out = a + b: 16 bytes per element, write-allocate counted), axpy (y += alpha x: 12)
// and scale (y = s x: 12) at each instruction-set level on an L2-resident, an L3-resident and a
// memory-bound size, at 1 and 2 threads. Rows: eltwise/<op>/<level>/<n>/threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "cpu/eltwise/eltwise.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

void run_add(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* a = pooled_floats(0, count);
    float* b = pooled_floats(1, count);
    float* out = pooled_floats(2, count);
    fill_uniform(a, count, -1.0f, 1.0f, 1);
    fill_uniform(b, count, -1.0f, 1.0f, 2);
    const BinaryProblem problem{BinaryOp::Add, count, a, b, out};
    const auto add = choose(level, binary_reference, binary_avx2, binary_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 2, 1), [&] { add(problem); });
}

void run_axpy(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* x = pooled_floats(0, count);
    float* y = pooled_floats(1, count);
    fill_uniform(x, count, -1.0f, 1.0f, 1);
    fill_uniform(y, count, -1.0f, 1.0f, 2);
    // A small alpha keeps y near its start however many calls the row makes.
    const AxpyProblem problem{count, 1e-6f, x, y};
    const auto axpy = choose(level, axpy_reference, axpy_avx2, axpy_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 1), [&] { axpy(problem); });
}

void run_scale(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* x = pooled_floats(0, count);
    float* y = pooled_floats(1, count);
    fill_uniform(x, count, -1.0f, 1.0f, 1);
    const ScalarProblem problem{ScalarOp::Scale, count, 0.5f, x, y};
    const auto scale = choose(level, scalar_reference, scalar_avx2, scalar_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 1), [&] { scale(problem); });
}

bool register_eltwise_benchmarks() {
    register_warm_up("eltwise");
    using Run = void (*)(benchmark::State&, const Level&, int, int64_t);
    const struct {
        const char* name;
        Run run;
    } ops[] = {{"add", run_add}, {"axpy", run_axpy}, {"scale", run_scale}};
    // 64 Ki floats: 256 KiB a buffer, in L2; 1 Mi: 4 MiB, in L3; 16 Mi: 64 MiB, in memory.
    for (const auto& op : ops) {
        for (int64_t count : {int64_t{1} << 16, int64_t{1} << 20, int64_t{1} << 24}) {
            const Run run = op.run;
            register_levels(std::string("eltwise/") + op.name, size_name(count),
                            [run, count](benchmark::State& state, const Level& level, int threads) {
                                run(state, level, threads, count);
                            });
        }
    }
    return true;
}

const bool registered = register_eltwise_benchmarks();

}  // namespace
