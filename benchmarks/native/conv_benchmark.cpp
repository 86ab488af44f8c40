// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q]; dy -> dx; x, dy -> dw
// Times conv2d forward, backward-data and backward-weight on LeNet's two convolutions, a CIFAR
// first layer and two ResNet-50 3x3 layers, at 1 and 2 threads, reporting GFLOP/s (2 N K P Q C R S
// per direction). Rows: nativenn (the entry points at the best level: the direct AVX-512 kernels
// or im2col + GEMM), nativenn_avx2 (the same entry points with the level forced to AVX2, which
// runs im2col + GEMM), the reference (small shapes, one thread) and, when the build found oneDNN,
// oneDNN in two ways a user with NCHW tensors would call it: onednn_blocked lets it choose its
// blocked layouts and counts the reorders from and back to NCHW/OIHW, onednn_nchw asks for NCHW
// directly. Primitives and their memories are made once and reused; only execution is timed.
// Names read conv2d/<direction>/<implementation>/<shape>/threads:<t>.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/parallel.h"
#include "cpu/conv/conv.h"
#include "harness.h"

#if defined(NATIVENN_HAVE_DNNL)
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#endif

namespace {

using namespace nn::benchmarks;
using nn::cpu::Conv2dProblem;

struct Shape {
    std::string name;
    Conv2dProblem problem;
    bool small;  // the reference finishes in reasonable time
};

Shape make_shape(const std::string& name, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                 int64_t s, int64_t stride, int64_t padding, bool small) {
    Conv2dProblem p;
    p.batch = n;
    p.in_channels = c;
    p.in_height = h;
    p.in_width = w;
    p.out_channels = k;
    p.kernel_height = r;
    p.kernel_width = s;
    p.stride_height = p.stride_width = stride;
    p.padding_height = p.padding_width = padding;
    nn::cpu::complete_conv2d_problem("benchmark", p);
    return {name, p, small};
}

enum class Direction { Forward, BackwardData, BackwardWeight };
const char* direction_name(Direction direction) {
    switch (direction) {
        case Direction::Forward: return "forward";
        case Direction::BackwardData: return "backward_data";
        case Direction::BackwardWeight: return "backward_weight";
    }
    return "";
}

// The tensors of one shape, in the harness's reused buffers (each page faults once per run):
// inputs random, outputs written by every call. A direction reads at most two of x, dy and
// weight and writes the third kind, so x and dx share a slot, as do y and dy.
struct Tensors {
    float* x;
    float* weight;
    float* y;
    float* bias;
    float* dy;
    float* dx;
    float* dweight;
    explicit Tensors(const Conv2dProblem& p) {
        x = dx = pooled_floats(0, p.x_count());
        weight = dweight = pooled_floats(1, p.weight_count());
        y = dy = pooled_floats(2, p.y_count());
        bias = pooled_floats(3, p.out_channels);
        fill_uniform(x, p.x_count(), -1.0f, 1.0f, 1);
        fill_uniform(weight, p.weight_count(), -1.0f, 1.0f, 2);
        fill_uniform(y, p.y_count(), -1.0f, 1.0f, 3);
        fill_uniform(bias, p.out_channels, -1.0f, 1.0f, 4);
    }
};

void set_counters(benchmark::State& state, const Conv2dProblem& p) {
    const double flops = 2.0 * static_cast<double>(p.multiply_adds());
    state.counters["GFLOP"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// Restores the process's level when a benchmark that forced one ends.
class LevelScope {
public:
    explicit LevelScope(nn::core::Isa level) : saved_(nn::core::active_isa()) { nn::core::set_active_isa(level); }
    ~LevelScope() { nn::core::set_active_isa(saved_); }
    LevelScope(const LevelScope&) = delete;
    LevelScope& operator=(const LevelScope&) = delete;

private:
    nn::core::Isa saved_;
};

// Which code a nativenn row runs: the entry point (whatever the dispatch picks at the level), the
// im2col + GEMM implementation directly, or the reference.
enum class Path { EntryPoint, Im2col, Reference };

void run_nativenn(benchmark::State& state, const Shape& shape, Direction direction, int threads, nn::core::Isa level,
                  Path path) {
    if (!nn::core::cpu_supports(level)) {
        state.SkipWithError("this CPU cannot run this instruction-set level");
        return;
    }
    LevelScope scope(level);
    nn::core::set_num_threads(threads);
    const Conv2dProblem& p = shape.problem;
    Tensors t(p);
    const auto run = [&] {
        switch (direction) {
            case Direction::Forward: {
                const nn::cpu::Conv2dForward op{p, t.x, t.weight, t.bias, t.y};
                path == Path::Reference ? nn::cpu::conv2d_forward_reference(op)
                : path == Path::Im2col  ? nn::cpu::conv2d_forward_gemm(op)
                                        : nn::cpu::conv2d_forward(op);
                break;
            }
            case Direction::BackwardData: {
                const nn::cpu::Conv2dBackwardData op{p, t.dy, t.weight, t.dx};
                path == Path::Reference ? nn::cpu::conv2d_backward_data_reference(op)
                : path == Path::Im2col  ? nn::cpu::conv2d_backward_data_gemm(op)
                                        : nn::cpu::conv2d_backward_data(op);
                break;
            }
            case Direction::BackwardWeight: {
                const nn::cpu::Conv2dBackwardWeight op{p, t.x, t.dy, t.dweight};
                path == Path::Reference ? nn::cpu::conv2d_backward_weight_reference(op)
                : path == Path::Im2col  ? nn::cpu::conv2d_backward_weight_gemm(op)
                                        : nn::cpu::conv2d_backward_weight(op);
                break;
            }
        }
    };
    // One untimed call: scratch buffers and the thread team exist before timing, as in training.
    run();
    for (auto _ : state) {
        run();
        benchmark::ClobberMemory();
    }
    set_counters(state, p);
}

#if defined(NATIVENN_HAVE_DNNL)

// One oneDNN convolution as a list of primitives run in order: reorders from the user's NCHW and
// OIHW memories into the layouts the convolution chose, the convolution, the reorder back.
class OneDnnConv {
public:
    OneDnnConv(const Conv2dProblem& p, Direction direction, bool blocked, Tensors& t) {
        using dnnl::memory;
        using tag = memory::format_tag;
        const auto f32 = memory::data_type::f32;
        const memory::dims src_dims = {p.batch, p.in_channels, p.in_height, p.in_width};
        const memory::dims dst_dims = {p.batch, p.out_channels, p.out_height, p.out_width};
        const bool grouped = p.groups > 1;
        const memory::dims weight_dims =
            grouped ? memory::dims{p.groups, p.group_out_channels(), p.group_in_channels(), p.kernel_height,
                                   p.kernel_width}
                    : memory::dims{p.out_channels, p.in_channels, p.kernel_height, p.kernel_width};
        const memory::dims bias_dims = {p.out_channels};
        const memory::dims strides = {p.stride_height, p.stride_width};
        // oneDNN counts dilation from 0 (no gap).
        const memory::dims dilation = {p.dilation_height - 1, p.dilation_width - 1};
        const memory::dims padding_left = {p.padding_height, p.padding_width};
        // Floor-mode sizes: the right padding is whatever makes the last window end at the output's end.
        const memory::dims padding_right = {
            (p.out_height - 1) * p.stride_height + (p.kernel_height - 1) * p.dilation_height + 1 - p.in_height -
                p.padding_height,
            (p.out_width - 1) * p.stride_width + (p.kernel_width - 1) * p.dilation_width + 1 - p.in_width -
                p.padding_width};

        const tag activation_tag = blocked ? tag::any : tag::nchw;
        const tag weight_tag = blocked ? tag::any : (grouped ? tag::goihw : tag::oihw);
        const memory::desc src_any(src_dims, f32, activation_tag);
        const memory::desc dst_any(dst_dims, f32, activation_tag);
        const memory::desc weight_any(weight_dims, f32, weight_tag);
        const memory::desc bias_md(bias_dims, f32, tag::x);

        const memory user_src({src_dims, f32, tag::nchw}, engine_, t.x);
        const memory user_dst({dst_dims, f32, tag::nchw}, engine_, t.y);
        const memory user_diff_dst({dst_dims, f32, tag::nchw}, engine_, t.dy);
        const memory user_diff_src({src_dims, f32, tag::nchw}, engine_, t.dx);
        const memory user_weight({weight_dims, f32, grouped ? tag::goihw : tag::oihw}, engine_, t.weight);
        const memory user_diff_weight({weight_dims, f32, grouped ? tag::goihw : tag::oihw}, engine_,
                                      t.dweight);
        const memory user_bias(bias_md, engine_, t.bias);

        const dnnl::convolution_forward::desc forward_desc(
            dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src_any, weight_any, bias_md,
            dst_any, strides, dilation, padding_left, padding_right);
        const dnnl::convolution_forward::primitive_desc forward_pd(forward_desc, engine_);

        switch (direction) {
            case Direction::Forward: {
                const memory src = input(user_src, forward_pd.src_desc());
                const memory weight = input(user_weight, forward_pd.weights_desc());
                const memory dst = output_memory(user_dst, forward_pd.dst_desc());
                implementation_ = forward_pd.impl_info_str();
                steps_.push_back({dnnl::convolution_forward(forward_pd),
                                  {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weight}, {DNNL_ARG_BIAS, user_bias},
                                   {DNNL_ARG_DST, dst}}});
                output(dst, user_dst);
                break;
            }
            case Direction::BackwardData: {
                const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, src_any,
                                                                 weight_any, dst_any, strides, dilation,
                                                                 padding_left, padding_right);
                const dnnl::convolution_backward_data::primitive_desc pd(desc, engine_, forward_pd);
                const memory diff_dst = input(user_diff_dst, pd.diff_dst_desc());
                const memory weight = input(user_weight, pd.weights_desc());
                const memory diff_src = output_memory(user_diff_src, pd.diff_src_desc());
                implementation_ = pd.impl_info_str();
                steps_.push_back({dnnl::convolution_backward_data(pd),
                                  {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, weight},
                                   {DNNL_ARG_DIFF_SRC, diff_src}}});
                output(diff_src, user_diff_src);
                break;
            }
            case Direction::BackwardWeight: {
                const dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, src_any,
                                                                    weight_any, dst_any, strides, dilation,
                                                                    padding_left, padding_right);
                const dnnl::convolution_backward_weights::primitive_desc pd(desc, engine_, forward_pd);
                const memory src = input(user_src, pd.src_desc());
                const memory diff_dst = input(user_diff_dst, pd.diff_dst_desc());
                const memory diff_weight = output_memory(user_diff_weight, pd.diff_weights_desc());
                implementation_ = pd.impl_info_str();
                steps_.push_back({dnnl::convolution_backward_weights(pd),
                                  {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst},
                                   {DNNL_ARG_DIFF_WEIGHTS, diff_weight}}});
                output(diff_weight, user_diff_weight);
                break;
            }
        }
    }

    void run() {
        for (auto& step : steps_) step.primitive.execute(stream_, step.arguments);
        stream_.wait();
    }

    const std::string& implementation() const { return implementation_; }

private:
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, dnnl::memory> arguments;
    };

    // The user's memory, or a reorder of it into the layout the convolution wants.
    dnnl::memory input(const dnnl::memory& user, const dnnl::memory::desc& wanted) {
        if (user.get_desc() == wanted) return user;
        dnnl::memory converted(wanted, engine_);
        steps_.push_back({dnnl::reorder(user, converted), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, converted}}});
        return converted;
    }

    static dnnl::memory output_memory(const dnnl::memory& user, const dnnl::memory::desc& wanted) {
        return user.get_desc() == wanted ? user : dnnl::memory(wanted, user.get_engine());
    }

    void output(const dnnl::memory& produced, const dnnl::memory& user) {
        if (produced.get_desc() == user.get_desc()) return;
        steps_.push_back({dnnl::reorder(produced, user), {{DNNL_ARG_FROM, produced}, {DNNL_ARG_TO, user}}});
    }

    dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream_{engine_};
    std::vector<Step> steps_;
    std::string implementation_;
};

void run_onednn(benchmark::State& state, const Shape& shape, Direction direction, int threads, bool blocked) {
    omp_set_num_threads(threads);
    Tensors t(shape.problem);
    OneDnnConv conv(shape.problem, direction, blocked, t);
    conv.run();
    for (auto _ : state) {
        conv.run();
        benchmark::ClobberMemory();
    }
    state.SetLabel(conv.implementation());
    set_counters(state, shape.problem);
}

#endif

bool register_conv_benchmarks() {
    register_warm_up("conv2d");
    const std::vector<Shape> shapes = {
        make_shape("lenet_c1_64x1x28x28_6x5x5", 64, 1, 28, 28, 6, 5, 5, 1, 0, true),
        make_shape("lenet_c3_64x6x12x12_16x5x5", 64, 6, 12, 12, 16, 5, 5, 1, 0, true),
        make_shape("cifar_64x3x32x32_32x3x3_pad1", 64, 3, 32, 32, 32, 3, 3, 1, 1, true),
        make_shape("resnet_32x64x56x56_64x3x3_pad1", 32, 64, 56, 56, 64, 3, 3, 1, 1, false),
        make_shape("resnet_32x64x56x56_128x3x3_stride2_pad1", 32, 64, 56, 56, 128, 3, 3, 2, 1, false),
    };
    for (const Shape& shape : shapes) {
        for (Direction direction : {Direction::Forward, Direction::BackwardData, Direction::BackwardWeight}) {
            for (int threads : {1, 2}) {
                const std::string suffix = "/" + shape.name + "/threads:" + std::to_string(threads);
                const std::string prefix = std::string("conv2d/") + direction_name(direction) + "/";
                benchmark::RegisterBenchmark((prefix + "nativenn" + suffix).c_str(), [=](benchmark::State& state) {
                    run_nativenn(state, shape, direction, threads, nn::core::best_supported_isa(), Path::EntryPoint);
                })->Unit(benchmark::kMillisecond)->UseRealTime();
                benchmark::RegisterBenchmark((prefix + "nativenn_im2col" + suffix).c_str(), [=](benchmark::State& state) {
                    run_nativenn(state, shape, direction, threads, nn::core::best_supported_isa(), Path::Im2col);
                })->Unit(benchmark::kMillisecond)->UseRealTime();
                benchmark::RegisterBenchmark((prefix + "nativenn_avx2" + suffix).c_str(), [=](benchmark::State& state) {
                    run_nativenn(state, shape, direction, threads, nn::core::Isa::Avx2, Path::EntryPoint);
                })->Unit(benchmark::kMillisecond)->UseRealTime();
                if (shape.small && threads == 1) {
                    benchmark::RegisterBenchmark((prefix + "reference" + suffix).c_str(), [=](benchmark::State& state) {
                        run_nativenn(state, shape, direction, threads, nn::core::Isa::Reference, Path::Reference);
                    })->Unit(benchmark::kMillisecond)->UseRealTime();
                }
#if defined(NATIVENN_HAVE_DNNL)
                benchmark::RegisterBenchmark((prefix + "onednn_blocked" + suffix).c_str(), [=](benchmark::State& state) {
                    run_onednn(state, shape, direction, threads, true);
                })->Unit(benchmark::kMillisecond)->UseRealTime();
                benchmark::RegisterBenchmark((prefix + "onednn_nchw" + suffix).c_str(), [=](benchmark::State& state) {
                    run_onednn(state, shape, direction, threads, false);
                })->Unit(benchmark::kMillisecond)->UseRealTime();
#endif
            }
        }
    }
    return true;
}

const bool registered = register_conv_benchmarks();

}  // namespace
