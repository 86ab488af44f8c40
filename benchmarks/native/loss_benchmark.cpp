// logits [N, C], targets [N] -> loss (mean); logits, targets, dloss -> dlogits [N, C]
// Times cross-entropy forward (logits read: 4 bytes per logit, plus 8 per target) and backward
// (logits read, dlogits written with write-allocate: 12 bytes per logit, plus 8 per target) over
// C = 1000 classes, at each instruction-set level, for N = 256 (1 MiB of logits: in L3) and
// N = 4096 (16 MiB), at 1 and 2 threads. The forward computes an exp per logit, so on
// cached data it shows the vector width. Rows: loss/cross_entropy_<direction>/<level>/<N>x<C>/
// threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/loss/loss.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

constexpr int64_t classes = 1000;

std::vector<int64_t> targets_for(int64_t rows) {
    std::vector<int64_t> targets(static_cast<std::size_t>(rows));
    for (int64_t o = 0; o < rows; ++o) targets[static_cast<std::size_t>(o)] = (o * 7919) % classes;
    return targets;
}

void run_forward(benchmark::State& state, const Level& level, int threads, int64_t rows) {
    const int64_t count = rows * classes;
    float* logits = pooled_floats(0, count);
    fill_uniform(logits, count, -5.0f, 5.0f, 1);
    const std::vector<int64_t> targets = targets_for(rows);
    float loss = 0.0f;
    CrossEntropyForward problem;
    problem.reduction = Reduction::Mean;
    problem.outer = rows;
    problem.classes = classes;
    problem.inner = 1;
    problem.logits = logits;
    problem.targets = targets.data();
    problem.loss = &loss;
    const auto forward =
        choose(level, cross_entropy_forward_reference, cross_entropy_forward_avx2, cross_entropy_forward_avx512);
    const double bytes = stream_bytes(count, 1, 0) + 8.0 * static_cast<double>(rows);
    time_kernel(state, level.isa, threads, bytes, [&] { forward(problem); });
    benchmark::DoNotOptimize(loss);
}

void run_backward(benchmark::State& state, const Level& level, int threads, int64_t rows) {
    const int64_t count = rows * classes;
    float* logits = pooled_floats(0, count);
    float* dlogits = pooled_floats(1, count);
    fill_uniform(logits, count, -5.0f, 5.0f, 1);
    const std::vector<int64_t> targets = targets_for(rows);
    const float dloss = 1.0f;
    CrossEntropyBackward problem;
    problem.reduction = Reduction::Mean;
    problem.outer = rows;
    problem.classes = classes;
    problem.inner = 1;
    problem.logits = logits;
    problem.targets = targets.data();
    problem.dloss = &dloss;
    problem.dlogits = dlogits;
    const auto backward =
        choose(level, cross_entropy_backward_reference, cross_entropy_backward_avx2, cross_entropy_backward_avx512);
    const double bytes = stream_bytes(count, 1, 1) + 8.0 * static_cast<double>(rows);
    time_kernel(state, level.isa, threads, bytes, [&] { backward(problem); });
}

bool register_loss_benchmarks() {
    register_warm_up("loss");
    for (bool forward : {true, false}) {
        for (int64_t rows : {256, 4096}) {
            const std::string shape = std::to_string(rows) + "x" + std::to_string(classes);
            register_levels(forward ? "loss/cross_entropy_forward" : "loss/cross_entropy_backward", shape,
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

const bool registered = register_loss_benchmarks();

}  // namespace
