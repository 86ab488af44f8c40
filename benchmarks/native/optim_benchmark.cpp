// param [n], grad [n], state [n]... -> param and state updated in place
// Times one Adam step (param, exp_avg and exp_avg_sq read and written, grad read: 28 bytes per
// parameter) and one SGD step with momentum 0.9 (param and momentum_buffer read and written, grad
// read: 20 bytes) at each instruction-set level, on 1 Mi parameters (16-20 MiB of state: in L3 on
// parts with a 32 MiB L3) and 16 Mi (memory-bound), at 1 and 2 threads. Every call is step 2, the
// steady state in which every buffer is read (step 1 starts the buffers afresh and reads none).
// Rows: optim/<optimizer>/<level>/<n>/threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "cpu/optim/optim.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

void run_adam(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* param = pooled_floats(0, count);
    float* grad = pooled_floats(1, count);
    float* exp_avg = pooled_floats(2, count);
    float* exp_avg_sq = pooled_floats(3, count);
    fill_uniform(param, count, -1.0f, 1.0f, 1);
    fill_uniform(grad, count, -1.0f, 1.0f, 2);
    fill_uniform(exp_avg, count, -0.1f, 0.1f, 3);
    // A second moment is never negative.
    fill_uniform(exp_avg_sq, count, 0.0f, 0.01f, 4);
    AdamStep problem;
    problem.step = 2;
    problem.count = count;
    problem.param = param;
    problem.grad = grad;
    problem.exp_avg = exp_avg;
    problem.exp_avg_sq = exp_avg_sq;
    const auto step = choose(level, adam_step_reference, adam_step_avx2, adam_step_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 3), [&] { step(problem); });
}

void run_sgd_momentum(benchmark::State& state, const Level& level, int threads, int64_t count) {
    float* param = pooled_floats(0, count);
    float* grad = pooled_floats(1, count);
    float* momentum_buffer = pooled_floats(2, count);
    fill_uniform(param, count, -1.0f, 1.0f, 1);
    fill_uniform(grad, count, -1.0f, 1.0f, 2);
    fill_uniform(momentum_buffer, count, -1.0f, 1.0f, 3);
    SgdStep problem;
    problem.options.lr = 1e-3;
    problem.options.momentum = 0.9;
    problem.step = 2;
    problem.count = count;
    problem.param = param;
    problem.grad = grad;
    problem.momentum_buffer = momentum_buffer;
    const auto step = choose(level, sgd_step_reference, sgd_step_avx2, sgd_step_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 2), [&] { step(problem); });
}

bool register_optim_benchmarks() {
    register_warm_up("optim");
    using Run = void (*)(benchmark::State&, const Level&, int, int64_t);
    const struct {
        const char* name;
        Run run;
    } optimizers[] = {{"adam", run_adam}, {"sgd_momentum", run_sgd_momentum}};
    for (const auto& optimizer : optimizers) {
        for (int64_t count : {int64_t{1} << 20, int64_t{1} << 24}) {
            const Run run = optimizer.run;
            register_levels(std::string("optim/") + optimizer.name, size_name(count),
                            [run, count](benchmark::State& state, const Level& level, int threads) {
                                run(state, level, threads, count);
                            });
        }
    }
    return true;
}

const bool registered = register_optim_benchmarks();

}  // namespace
