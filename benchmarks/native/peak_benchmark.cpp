// The machine's own limits, measured in the same run as the kernels they judge: the AVX-512 and AVX2
// FMA peaks (GFLOP/s) and a STREAM-like triad's bandwidth (GB/s, write-allocate counted: 16 bytes
// per element), at 1 and 2 pinned threads. Rows: peak/fma_<level>/threads:<t> and
// triad/threads:<t>. The kernel rows' x_bound divides by the triad's best call (reported here as
// best_GB), and GEMM or convolution rows can be read as a percentage of the FMA peak.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <string>

#include "core/isa.h"
#include "harness.h"
#include "peak_kernels.h"

namespace {

using namespace nn::benchmarks;

// Rounds per thread per call: about 15 ms of FMAs at full clock, so that waking the team and
// waiting for its last member costs well under 1% of a call.
constexpr int64_t fma_repetitions = int64_t{1} << 23;

struct FmaLevel {
    const char* name;
    nn::core::Isa isa;
    int lanes;
    float (*chains)(int64_t, float, float);
};

void run_fma_peak(benchmark::State& state, const FmaLevel& level, int threads) {
    if (!nn::core::cpu_supports(level.isa)) {
        state.SkipWithError("this CPU cannot run this instruction-set level");
        return;
    }
    // acc * 0.999999 + 1e-6 tends to 1: no overflow and no denormals, however long it runs.
    float sums[2] = {0.0f, 0.0f};
    const std::function<void(int)> call = [&](int index) {
        sums[index] = level.chains(fma_repetitions, 0.999999f, 1e-6f);
    };
    PinnedTeam team(threads);
    if (!team.ready()) {
        state.SkipWithError("the process has fewer CPUs than threads");
        return;
    }
    team.run(call);
    for (auto _ : state) {
        team.run(call);
        benchmark::DoNotOptimize(sums);
    }
    const double flops = static_cast<double>(threads) * static_cast<double>(fma_repetitions) * fma_accumulators *
                         level.lanes * 2.0;
    state.counters["GFLOP"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_triad(benchmark::State& state, int threads) {
    const double best = triad_bytes_per_second(threads);
    PinnedTeam team(threads);
    if (best <= 0.0 || !team.ready()) {
        state.SkipWithError("the process has fewer CPUs than threads");
        return;
    }
    for (auto _ : state) triad_passes(team, triad_passes_per_call);
    const double elements = static_cast<double>(triad_count) * triad_passes_per_call;
    // With ordinary stores each line of a is read before it is written: 4 x 4 bytes cross the bus.
    // GB_stream_convention counts 3 x 4, as STREAM reports it.
    state.counters["GB"] = benchmark::Counter(4.0 * sizeof(float) * elements / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB_stream_convention"] =
        benchmark::Counter(3.0 * sizeof(float) * elements / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["best_GB"] = best / 1e9;
}

bool register_peak_benchmarks() {
    register_warm_up("peak");
    static const FmaLevel fma_levels[] = {
        {"avx512", nn::core::Isa::Avx512, 16, fma_chains_avx512},
        {"avx2", nn::core::Isa::Avx2, 8, fma_chains_avx2},
    };
    for (const FmaLevel& level : fma_levels) {
        for (int threads : {1, 2}) {
            const std::string name = std::string("peak/fma_") + level.name + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), [&level, threads](benchmark::State& state) {
                run_fma_peak(state, level, threads);
            })->Unit(benchmark::kMillisecond)->UseRealTime();
        }
    }
    for (int threads : {1, 2}) {
        const std::string name = "triad/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), [threads](benchmark::State& state) {
            run_triad(state, threads);
        })->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    return true;
}

const bool registered = register_peak_benchmarks();

}  // namespace
