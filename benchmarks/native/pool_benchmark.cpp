// x [N,C,H,W] -> y [N,C,P,Q]; dy -> dx
// Times max_pool2d and avg_pool2d forward and backward at each instruction-set level, at 1 and 2
// threads, on LeNet's pool, ResNet's stem pool, a VGG-style 2x2 pool, a CIFAR average pool and an
// Inception-style 3x3 average pool without padding counted. Pooling is memory-bound: rows report
// GB and x_bound (see harness.h), with the bytes the op cannot avoid, write-allocate counted: max
// forward reads x and writes y and int64 indices (4 X + 8 Y + 16 Y), max backward reads dy and
// the indices and writes dx (12 Y + 8 X), average forward 4 X + 8 Y, average backward 4 Y + 8 X.
// Rows: pool2d/<op>_<direction>/<level>/<shape>/threads:<t>.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "cpu/pool/pool.h"
#include "harness.h"

namespace {

using namespace nn::benchmarks;
using namespace nn::cpu;

struct Shape {
    const char* name;
    bool max;
    int64_t batch, channels, size, kernel, stride, padding;
    bool count_include_pad;
};

const Shape shapes[] = {
    {"lenet_64x6x24x24_k2s2", true, 64, 6, 24, 2, 2, 0, true},
    {"resnet_stem_32x64x112x112_k3s2p1", true, 32, 64, 112, 3, 2, 1, true},
    {"vgg_32x64x56x56_k2s2", true, 32, 64, 56, 2, 2, 0, true},
    {"cifar_64x32x32x32_k2s2", false, 64, 32, 32, 2, 2, 0, true},
    {"inception_32x64x28x28_k3s1p1_exclude_pad", false, 32, 64, 28, 3, 1, 1, false},
};

Pool2dProblem problem_of(const Shape& shape) {
    Pool2dProblem p;
    p.batch = shape.batch;
    p.channels = shape.channels;
    p.in_height = p.in_width = shape.size;
    p.kernel_height = p.kernel_width = shape.kernel;
    p.stride_height = p.stride_width = shape.stride;
    p.padding_height = p.padding_width = shape.padding;
    p.count_include_pad = shape.count_include_pad;
    complete_pool2d_problem("benchmark", p);
    return p;
}

void run_forward(benchmark::State& state, const Level& level, int threads, const Shape& shape) {
    const Pool2dProblem p = problem_of(shape);
    float* x = pooled_floats(0, p.x_count());
    float* y = pooled_floats(1, p.y_count());
    fill_uniform(x, p.x_count(), -1.0f, 1.0f, 1);
    const double x_bytes = 4.0 * static_cast<double>(p.x_count());
    const double y_bytes = 8.0 * static_cast<double>(p.y_count());
    if (shape.max) {
        auto* indices = reinterpret_cast<int64_t*>(pooled_floats(2, 2 * p.y_count()));
        const MaxPool2dForward op{p, x, y, indices};
        const auto forward = choose(level, max_pool2d_forward_reference, max_pool2d_forward_avx2,
                                    max_pool2d_forward_avx512);
        time_kernel(state, level.isa, threads, x_bytes + 3.0 * y_bytes, [&] { forward(op); });
        return;
    }
    const AvgPool2dForward op{p, x, y};
    const auto forward = choose(level, avg_pool2d_forward_reference, avg_pool2d_forward_avx2, avg_pool2d_forward_avx512);
    time_kernel(state, level.isa, threads, x_bytes + y_bytes, [&] { forward(op); });
}

void run_backward(benchmark::State& state, const Level& level, int threads, const Shape& shape) {
    const Pool2dProblem p = problem_of(shape);
    float* dy = pooled_floats(1, p.y_count());
    fill_uniform(dy, p.y_count(), -1.0f, 1.0f, 2);
    // dx writes 8 bytes an element, dy reads 4.
    const double dx_bytes = 8.0 * static_cast<double>(p.x_count());
    const double dy_bytes = 4.0 * static_cast<double>(p.y_count());
    if (shape.max) {
        // Real indices from a forward over random x; x's slot then holds dx.
        float* x = pooled_floats(0, p.x_count());
        fill_uniform(x, p.x_count(), -1.0f, 1.0f, 1);
        auto* indices = reinterpret_cast<int64_t*>(pooled_floats(2, 2 * p.y_count()));
        max_pool2d_forward_reference({p, x, pooled_floats(3, p.y_count()), indices});
        const MaxPool2dBackward op{p, dy, indices, x, nullptr};
        const auto backward = choose(level, max_pool2d_backward_reference, max_pool2d_backward_avx2,
                                     max_pool2d_backward_avx512);
        time_kernel(state, level.isa, threads, dy_bytes * 3.0 + dx_bytes, [&] { backward(op); });
        return;
    }
    float* dx = pooled_floats(0, p.x_count());
    const AvgPool2dBackward op{p, dy, dx};
    const auto backward = choose(level, avg_pool2d_backward_reference, avg_pool2d_backward_avx2,
                                 avg_pool2d_backward_avx512);
    time_kernel(state, level.isa, threads, dy_bytes + dx_bytes, [&] { backward(op); });
}

bool register_pool_benchmarks() {
    register_warm_up("pool2d");
    for (const Shape& shape : shapes) {
        const std::string kind = shape.max ? "max" : "avg";
        register_levels("pool2d/" + kind + "_forward", shape.name,
                        [&shape](benchmark::State& state, const Level& level, int threads) {
                            run_forward(state, level, threads, shape);
                        });
        register_levels("pool2d/" + kind + "_backward", shape.name,
                        [&shape](benchmark::State& state, const Level& level, int threads) {
                            run_backward(state, level, threads, shape);
                        });
    }
    return true;
}

const bool registered = register_pool_benchmarks();

}  // namespace
