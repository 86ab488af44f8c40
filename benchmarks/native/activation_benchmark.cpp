// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// Times ReLU, sigmoid and tanh, forward (12 bytes per element, write-allocate counted) and
// backward (16), at each instruction-set level on an L2-resident, an L3-resident and a
// memory-bound size, at 1 and 2 threads. ReLU streams; sigmoid and tanh spend tens of instructions
// per element on exp and tanh, so on cached data they show the vector width. Rows:
// activation/<op>_<direction>/<level>/<n>/threads:<t> with GB and x_bound (see harness.h).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "cpu/activation/activation.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

struct Function {
    const char* name;
    Activation kind;
    // Inputs span the range where the function bends; the backward's saved tensor is what the
    // forward would have saved (x for ReLU, y for sigmoid and tanh), so it lies in the output range.
    float low, high;
    float saved_low, saved_high;
};

void run_forward(benchmark::State& state, const Level& level, int threads, const Function& function, int64_t count) {
    float* x = pooled_floats(0, count);
    float* y = pooled_floats(1, count);
    fill_uniform(x, count, function.low, function.high, 1);
    ActivationForward problem;
    problem.kind = function.kind;
    problem.count = count;
    problem.x = x;
    problem.y = y;
    const auto forward =
        choose(level, activation_forward_reference, activation_forward_avx2, activation_forward_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 1, 1), [&] { forward(problem); });
}

void run_backward(benchmark::State& state, const Level& level, int threads, const Function& function, int64_t count) {
    float* saved = pooled_floats(0, count);
    float* dy = pooled_floats(1, count);
    float* dx = pooled_floats(2, count);
    fill_uniform(saved, count, function.saved_low, function.saved_high, 1);
    fill_uniform(dy, count, -1.0f, 1.0f, 2);
    ActivationBackward problem;
    problem.kind = function.kind;
    problem.count = count;
    problem.saved = saved;
    problem.dy = dy;
    problem.dx = dx;
    const auto backward =
        choose(level, activation_backward_reference, activation_backward_avx2, activation_backward_avx512);
    time_kernel(state, level.isa, threads, stream_bytes(count, 2, 1), [&] { backward(problem); });
}

bool register_activation_benchmarks() {
    register_warm_up("activation");
    static const Function functions[] = {
        {"relu", Activation::Relu, -1.0f, 1.0f, -1.0f, 1.0f},
        {"sigmoid", Activation::Sigmoid, -6.0f, 6.0f, 0.0f, 1.0f},
        {"tanh", Activation::Tanh, -3.0f, 3.0f, -1.0f, 1.0f},
    };
    for (const Function& function : functions) {
        for (bool forward : {true, false}) {
            // 64 Ki floats: 256 KiB a buffer, in L2; 1 Mi: 4 MiB, in L3; 16 Mi: 64 MiB, in memory.
            for (int64_t count : {int64_t{1} << 16, int64_t{1} << 20, int64_t{1} << 24}) {
                const std::string prefix =
                    std::string("activation/") + function.name + (forward ? "_forward" : "_backward");
                register_levels(prefix, size_name(count),
                                [&function, forward, count](benchmark::State& state, const Level& level, int threads) {
                                    if (forward) {
                                        run_forward(state, level, threads, function, count);
                                    } else {
                                        run_backward(state, level, threads, function, count);
                                    }
                                });
            }
        }
    }
    return true;
}

const bool registered = register_activation_benchmarks();

}  // namespace
