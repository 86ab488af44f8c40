// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// Times gemm_reference, gemm_avx2 and gemm_avx512 side by side (and OpenBLAS's cblas_sgemm when
// the build found it) on square sizes and LeNet's Linear layers, at 1 and 2 threads, reporting
// GFLOP/s. Names read gemm/<implementation>/<shape>/threads:<t>.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/parallel.h"
#include "cpu/gemm/gemm.h"

#if defined(NATIVENN_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

using nn::cpu::GemmProblem;

struct AlignedFree {
    void operator()(float* data) const { std::free(data); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;

AlignedFloats random_floats(int64_t count, uint32_t seed) {
    const std::size_t bytes = (static_cast<std::size_t>(count) * sizeof(float) + 63) / 64 * 64;
    AlignedFloats data(static_cast<float*>(std::aligned_alloc(64, bytes)));
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (int64_t i = 0; i < count; ++i) data[i] = uniform(generator);
    return data;
}

struct Shape {
    std::string name;
    bool transpose_a;
    bool transpose_b;
    int64_t m, n, k;
};

struct Implementation {
    std::string name;
    void (*run)(const GemmProblem&);
    nn::core::Isa isa;
    int64_t largest_size;  // skip shapes with a side above this: the reference at 2048 takes minutes
};

#if defined(NATIVENN_HAVE_OPENBLAS)
void openblas_sgemm(const GemmProblem& p) {
    cblas_sgemm(CblasRowMajor, p.transpose_a ? CblasTrans : CblasNoTrans, p.transpose_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(p.m), static_cast<int>(p.n), static_cast<int>(p.k), p.alpha, p.a,
                static_cast<int>(p.lda), p.b, static_cast<int>(p.ldb), p.beta, p.c, static_cast<int>(p.ldc));
}
#endif

void run_gemm(benchmark::State& state, const Implementation& implementation, const Shape& shape, int threads) {
    if (implementation.isa != nn::core::Isa::Reference && !nn::core::cpu_supports(implementation.isa)) {
        state.SkipWithError("this CPU cannot run this instruction-set level");
        return;
    }
    nn::core::set_num_threads(threads);
#if defined(NATIVENN_HAVE_OPENBLAS)
    if (implementation.run == openblas_sgemm) openblas_set_num_threads(threads);
#endif
    const int64_t lda = shape.transpose_a ? shape.m : shape.k;
    const int64_t ldb = shape.transpose_b ? shape.k : shape.n;
    const AlignedFloats a = random_floats(shape.m * shape.k, 1);
    const AlignedFloats b = random_floats(shape.k * shape.n, 2);
    const AlignedFloats c = random_floats(shape.m * shape.n, 3);
    GemmProblem problem;
    problem.transpose_a = shape.transpose_a;
    problem.transpose_b = shape.transpose_b;
    problem.m = shape.m;
    problem.n = shape.n;
    problem.k = shape.k;
    problem.a = a.get();
    problem.lda = lda;
    problem.b = b.get();
    problem.ldb = ldb;
    problem.c = c.get();
    problem.ldc = shape.n;
    // One untimed call: packing buffers and the thread team exist before timing, as in training.
    implementation.run(problem);
    for (auto _ : state) {
        implementation.run(problem);
        benchmark::DoNotOptimize(c.get());
        benchmark::ClobberMemory();
    }
    const double flops = 2.0 * static_cast<double>(shape.m) * static_cast<double>(shape.n) * static_cast<double>(shape.k);
    state.counters["GFLOP"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The vCPU reaches full clock only after about half a second of load.
void warm_up(benchmark::State& state) {
    for (auto _ : state) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
        volatile double sink = 0.0;
        while (std::chrono::steady_clock::now() < until) sink = sink + 1.0;
    }
}

bool register_gemm_benchmarks() {
    benchmark::RegisterBenchmark("gemm/warm_up", warm_up)->Iterations(1)->Unit(benchmark::kMillisecond);

    std::vector<Shape> shapes;
    for (int64_t size : {64, 128, 256, 512, 1024, 2048}) {
        shapes.push_back({"square_" + std::to_string(size), false, false, size, size, size});
    }
    // LeNet's Linear layers at batch 64: forward y = x W^T, backward dx = dy W and dW = dy^T x.
    const int64_t layers[][2] = {{400, 120}, {120, 84}, {84, 10}};
    for (const auto& layer : layers) {
        const int64_t in = layer[0], out = layer[1];
        const std::string name = std::to_string(in) + "x" + std::to_string(out);
        shapes.push_back({"lenet_" + name + "_forward", false, true, 64, out, in});
        shapes.push_back({"lenet_" + name + "_input_grad", false, false, 64, in, out});
        shapes.push_back({"lenet_" + name + "_weight_grad", true, false, out, in, 64});
    }

    std::vector<Implementation> implementations = {
        {"avx512", nn::cpu::gemm_avx512, nn::core::Isa::Avx512, 1 << 30},
        {"avx2", nn::cpu::gemm_avx2, nn::core::Isa::Avx2, 1 << 30},
        {"reference", nn::cpu::gemm_reference, nn::core::Isa::Reference, 1024},
    };
#if defined(NATIVENN_HAVE_OPENBLAS)
    implementations.push_back({"openblas", openblas_sgemm, nn::core::Isa::Reference, 1 << 30});
#endif

    // One implementation's rows together: OpenBLAS's pool threads keep spinning for a while after
    // its calls, and on two cores they slowed the two-thread rows of whatever ran next.
    for (const Implementation& implementation : implementations) {
        for (const Shape& shape : shapes) {
            for (int threads : {1, 2}) {
                if (std::max({shape.m, shape.n, shape.k}) > implementation.largest_size) continue;
                // The reference is single-threaded: one row per shape is enough.
                if (implementation.run == nn::cpu::gemm_reference && threads > 1) continue;
                const std::string name =
                    "gemm/" + implementation.name + "/" + shape.name + "/threads:" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
                    run_gemm(state, implementation, shape, threads);
                })->Unit(benchmark::kMicrosecond)->UseRealTime();
            }
        }
    }
    return true;
}

const bool registered = register_gemm_benchmarks();

}  // namespace
