// One LeNet-5 training step (batch 64: conv 6@5x5 pad 2 - ReLU - max pool 2 - conv 16@5x5 - ReLU -
// max pool 2 - 400 - 120 - ReLU - 84 - ReLU - 10, cross-entropy, Adam) written against nativenn.h
// alone: the yardstick the managed API's step is set beside (./build.sh bench prints both).
//
// --mode api makes the native calls the managed API makes, in its order: every activation and
// gradient is a new tensor created in the step and released at its end, as Tensor.Scope does.
// --mode preallocated creates every tensor once, as a hand-written native program would; the
// difference between the two is the cost of creating and zero-filling tensors per step.
//
// Prints one line per run: lenet5_step mode=... isa=... threads=... steps=... mean_us=...
// median_us=... min_us=... cpu_us=... (process CPU time per step: on one thread it counts only
// the time the step ran, however busy the machine) and the loss of the first and last step (it
// must fall).
#include "nativenn.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void check(nn_status status, const char* what) {
    if (status != NN_OK) {
        std::fprintf(stderr, "lenet_step: %s failed: %s\n", what, nn_last_error());
        std::exit(1);
    }
}

#define CHECK(call) check((call), #call)

nn_tensor* create(nn_dtype dtype, std::vector<int64_t> shape) {
    nn_tensor* tensor = nullptr;
    CHECK(nn_tensor_create(dtype, static_cast<int32_t>(shape.size()), shape.data(), &tensor));
    return tensor;
}

nn_tensor* floats(std::vector<int64_t> shape) { return create(NN_DTYPE_FLOAT32, std::move(shape)); }

// A parameter initialised as PyTorch's default does (uniform in +-1/sqrt(fan_in)), with its Adam state.
struct Parameter {
    nn_tensor* value;
    nn_tensor* grad = nullptr;
    nn_tensor* exp_avg;
    nn_tensor* exp_avg_sq;
    int64_t step = 0;

    Parameter(std::vector<int64_t> shape, int64_t fan_in, uint64_t seed) {
        value = floats(shape);
        const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
        CHECK(nn_tensor_fill_uniform(value, seed, -bound, bound));
        exp_avg = floats(shape);
        exp_avg_sq = floats(shape);
    }
};

// Tensors of one step: in api mode each request is a fresh tensor released when the step ends;
// in preallocated mode the n-th request of every step returns the tensor made the first time.
class Workspace {
  public:
    explicit Workspace(bool preallocated) : preallocated_(preallocated) {}

    nn_tensor* get(nn_dtype dtype, std::vector<int64_t> shape) {
        if (preallocated_ && next_ < cache_.size()) {
            return cache_[next_++];
        }
        nn_tensor* tensor = create(dtype, std::move(shape));
        if (preallocated_) {
            cache_.push_back(tensor);
            ++next_;
        } else {
            step_.push_back(tensor);
        }
        return tensor;
    }

    nn_tensor* reshape(nn_tensor* tensor, std::vector<int64_t> shape) {
        if (preallocated_ && next_ < cache_.size()) {
            return cache_[next_++];
        }
        nn_tensor* view = nullptr;
        CHECK(nn_tensor_reshape(tensor, static_cast<int32_t>(shape.size()), shape.data(), &view));
        if (preallocated_) {
            cache_.push_back(view);
            ++next_;
        } else {
            step_.push_back(view);
        }
        return view;
    }

    void end_step() {
        for (nn_tensor* tensor : step_) {
            CHECK(nn_tensor_release(tensor));
        }
        step_.clear();
        next_ = 0;
    }

  private:
    bool preallocated_;
    std::vector<nn_tensor*> cache_;
    std::vector<nn_tensor*> step_;
    size_t next_ = 0;
};

struct LeNet {
    static constexpr int64_t batch = 64;
    Parameter conv1_w{{6, 1, 5, 5}, 25, 1}, conv1_b{{6}, 25, 2};
    Parameter conv2_w{{16, 6, 5, 5}, 150, 3}, conv2_b{{16}, 150, 4};
    Parameter fc1_w{{120, 400}, 400, 5}, fc1_b{{120}, 400, 6};
    Parameter fc2_w{{84, 120}, 120, 7}, fc2_b{{84}, 120, 8};
    Parameter fc3_w{{10, 84}, 84, 9}, fc3_b{{10}, 84, 10};
    nn_conv2d_params conv1{1, 1, 2, 2, 1, 1, 1, 0, 0};
    nn_conv2d_params conv2{1, 1, 0, 0, 1, 1, 1, 0, 0};
    nn_pool2d_params pool{2, 2, 2, 2, 0, 0, 0, 1};
    nn_adam_params adam{1e-3, 0.9, 0.999, 1e-8, 0.0, 0};

    std::vector<Parameter*> parameters() {
        return {&conv1_w, &conv1_b, &conv2_w, &conv2_b, &fc1_w, &fc1_b, &fc2_w, &fc2_b, &fc3_w, &fc3_b};
    }

    // Linear: y = x W^T + b, then its three gradients, as F.Linear and its node compute them.
    nn_tensor* linear(Workspace& ws, nn_tensor* x, Parameter& w, Parameter& b, int64_t out) {
        nn_tensor* y = ws.get(NN_DTYPE_FLOAT32, {batch, out});
        CHECK(nn_matmul(x, 0, w.value, 1, 1.0f, 0.0f, y));
        CHECK(nn_bias_add(y, b.value, y));
        return y;
    }

    nn_tensor* linear_backward(Workspace& ws, nn_tensor* dy, nn_tensor* x, Parameter& w, Parameter& b, int64_t in,
                               int64_t out) {
        nn_tensor* dx = ws.get(NN_DTYPE_FLOAT32, {batch, in});
        CHECK(nn_matmul(dy, 0, w.value, 0, 1.0f, 0.0f, dx));
        w.grad = ws.get(NN_DTYPE_FLOAT32, {out, in});
        CHECK(nn_matmul(dy, 1, x, 0, 1.0f, 0.0f, w.grad));
        b.grad = ws.get(NN_DTYPE_FLOAT32, {out});
        CHECK(nn_sum_dim0(dy, b.grad));
        return dx;
    }

    nn_tensor* relu(Workspace& ws, nn_tensor* x, std::vector<int64_t> shape) {
        nn_tensor* y = ws.get(NN_DTYPE_FLOAT32, std::move(shape));
        CHECK(nn_relu_forward(x, y));
        return y;
    }

    nn_tensor* relu_backward(Workspace& ws, nn_tensor* x, nn_tensor* dy, std::vector<int64_t> shape) {
        nn_tensor* dx = ws.get(NN_DTYPE_FLOAT32, std::move(shape));
        CHECK(nn_relu_backward(x, dy, dx));
        return dx;
    }

    float step(Workspace& ws, nn_tensor* images, nn_tensor* labels) {
        // Forward: conv - ReLU - pool twice, flatten, three linear layers, cross-entropy.
        nn_tensor* c1 = ws.get(NN_DTYPE_FLOAT32, {batch, 6, 28, 28});
        CHECK(nn_conv2d_forward(images, conv1_w.value, conv1_b.value, &conv1, c1));
        nn_tensor* r1 = relu(ws, c1, {batch, 6, 28, 28});
        nn_tensor* p1 = ws.get(NN_DTYPE_FLOAT32, {batch, 6, 14, 14});
        nn_tensor* i1 = ws.get(NN_DTYPE_INT64, {batch, 6, 14, 14});
        CHECK(nn_max_pool2d_forward(r1, &pool, p1, i1));
        nn_tensor* c2 = ws.get(NN_DTYPE_FLOAT32, {batch, 16, 10, 10});
        CHECK(nn_conv2d_forward(p1, conv2_w.value, conv2_b.value, &conv2, c2));
        nn_tensor* r2 = relu(ws, c2, {batch, 16, 10, 10});
        nn_tensor* p2 = ws.get(NN_DTYPE_FLOAT32, {batch, 16, 5, 5});
        nn_tensor* i2 = ws.get(NN_DTYPE_INT64, {batch, 16, 5, 5});
        CHECK(nn_max_pool2d_forward(r2, &pool, p2, i2));
        nn_tensor* flat = ws.reshape(p2, {batch, 400});
        nn_tensor* f1 = linear(ws, flat, fc1_w, fc1_b, 120);
        nn_tensor* a1 = relu(ws, f1, {batch, 120});
        nn_tensor* f2 = linear(ws, a1, fc2_w, fc2_b, 84);
        nn_tensor* a2 = relu(ws, f2, {batch, 84});
        nn_tensor* logits = linear(ws, a2, fc3_w, fc3_b, 10);
        nn_tensor* loss = ws.get(NN_DTYPE_FLOAT32, {});
        CHECK(nn_cross_entropy_forward(logits, labels, NN_REDUCTION_MEAN, loss));

        // Backward, in the reverse order the autograd engine walks it.
        nn_tensor* seed = ws.get(NN_DTYPE_FLOAT32, {});
        CHECK(nn_tensor_fill_float32(seed, 1.0f));
        nn_tensor* dlogits = ws.get(NN_DTYPE_FLOAT32, {batch, 10});
        CHECK(nn_cross_entropy_backward(logits, labels, seed, NN_REDUCTION_MEAN, dlogits));
        nn_tensor* da2 = linear_backward(ws, dlogits, a2, fc3_w, fc3_b, 84, 10);
        nn_tensor* df2 = relu_backward(ws, f2, da2, {batch, 84});
        nn_tensor* da1 = linear_backward(ws, df2, a1, fc2_w, fc2_b, 120, 84);
        nn_tensor* df1 = relu_backward(ws, f1, da1, {batch, 120});
        nn_tensor* dflat = linear_backward(ws, df1, flat, fc1_w, fc1_b, 400, 120);
        nn_tensor* dp2 = ws.reshape(dflat, {batch, 16, 5, 5});
        nn_tensor* dr2 = ws.get(NN_DTYPE_FLOAT32, {batch, 16, 10, 10});
        CHECK(nn_max_pool2d_backward(dp2, i2, &pool, dr2));
        nn_tensor* dc2 = relu_backward(ws, c2, dr2, {batch, 16, 10, 10});
        nn_tensor* dp1 = ws.get(NN_DTYPE_FLOAT32, {batch, 6, 14, 14});
        CHECK(nn_conv2d_backward_data(dc2, conv2_w.value, &conv2, dp1));
        conv2_w.grad = ws.get(NN_DTYPE_FLOAT32, {16, 6, 5, 5});
        CHECK(nn_conv2d_backward_weight(p1, dc2, &conv2, conv2_w.grad));
        conv2_b.grad = ws.get(NN_DTYPE_FLOAT32, {16});
        CHECK(nn_bias_backward(dc2, conv2_b.grad));
        nn_tensor* dr1 = ws.get(NN_DTYPE_FLOAT32, {batch, 6, 28, 28});
        CHECK(nn_max_pool2d_backward(dp1, i1, &pool, dr1));
        nn_tensor* dc1 = relu_backward(ws, c1, dr1, {batch, 6, 28, 28});
        // The images need no gradient, so conv1 has no backward-data.
        conv1_w.grad = ws.get(NN_DTYPE_FLOAT32, {6, 1, 5, 5});
        CHECK(nn_conv2d_backward_weight(images, dc1, &conv1, conv1_w.grad));
        conv1_b.grad = ws.get(NN_DTYPE_FLOAT32, {6});
        CHECK(nn_bias_backward(dc1, conv1_b.grad));

        for (Parameter* parameter : parameters()) {
            ++parameter->step;
            CHECK(nn_adam_step(&adam, parameter->step, parameter->value, parameter->grad, parameter->exp_avg,
                               parameter->exp_avg_sq, nullptr));
        }
        float value = 0.0f;
        CHECK(nn_tensor_copy_to(loss, &value, sizeof value));
        ws.end_step();
        return value;
    }
};

double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

nn_isa parse_isa(const std::string& name) {
    if (name == "auto") return NN_ISA_AUTO;
    if (name == "reference") return NN_ISA_REFERENCE;
    if (name == "avx2") return NN_ISA_AVX2;
    if (name == "avx512") return NN_ISA_AVX512;
    std::fprintf(stderr, "lenet_step: unknown --isa '%s' (auto, reference, avx2, avx512)\n", name.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = "api", isa = "avx512";
    int threads = 1;
    double seconds = 3.0;
    int warmup = 20;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "lenet_step: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--mode") mode = value();
        else if (arg == "--isa") isa = value();
        else if (arg == "--threads") threads = std::atoi(value().c_str());
        else if (arg == "--seconds") seconds = std::atof(value().c_str());
        else if (arg == "--warmup") warmup = std::atoi(value().c_str());
        else {
            std::fprintf(stderr,
                         "usage: nativenn_lenet_step [--mode api|preallocated] [--isa avx512|avx2|reference|auto] "
                         "[--threads N] [--seconds S] [--warmup STEPS]\n");
            return 2;
        }
    }
    if (mode != "api" && mode != "preallocated") {
        std::fprintf(stderr, "lenet_step: --mode must be api or preallocated, got '%s'\n", mode.c_str());
        return 2;
    }
    CHECK(nn_set_isa(parse_isa(isa)));
    CHECK(nn_set_num_threads(threads));

    // The managed benchmark's inputs: sin-patterned images and labels i*7 mod 10.
    const int64_t batch = LeNet::batch;
    std::vector<float> pixels(static_cast<size_t>(batch * 28 * 28));
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<float>(std::sin(static_cast<double>(i) * 0.37)) * 1.5f;
    std::vector<int64_t> classes(static_cast<size_t>(batch));
    for (int64_t i = 0; i < batch; ++i) classes[static_cast<size_t>(i)] = i * 7 % 10;
    nn_tensor* images = floats({batch, 1, 28, 28});
    CHECK(nn_tensor_copy_from(images, pixels.data(), static_cast<int64_t>(pixels.size() * sizeof(float))));
    nn_tensor* labels = create(NN_DTYPE_INT64, {batch});
    CHECK(nn_tensor_copy_from(labels, classes.data(), static_cast<int64_t>(classes.size() * sizeof(int64_t))));

    LeNet net;
    Workspace workspace(mode == "preallocated");
    const float first_loss = net.step(workspace, images, labels);
    for (int i = 1; i < warmup; ++i) net.step(workspace, images, labels);

    using clock = std::chrono::steady_clock;
    std::vector<double> micros;
    float last_loss = first_loss;
    const double cpu_start = process_cpu_seconds();
    const auto start = clock::now();
    while (std::chrono::duration<double>(clock::now() - start).count() < seconds) {
        const auto begin = clock::now();
        last_loss = net.step(workspace, images, labels);
        micros.push_back(std::chrono::duration<double, std::micro>(clock::now() - begin).count());
    }
    const double cpu_micros = (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(micros.size());
    std::vector<double> sorted = micros;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0.0;
    for (double m : micros) sum += m;
    std::printf("lenet5_step mode=%s isa=%s threads=%d batch=%lld steps=%zu mean_us=%.1f median_us=%.1f min_us=%.1f "
                "cpu_us=%.1f first_loss=%.4f last_loss=%.4f\n",
                mode.c_str(), isa.c_str(), threads, static_cast<long long>(batch), micros.size(),
                sum / static_cast<double>(micros.size()), sorted[sorted.size() / 2], sorted.front(), cpu_micros, first_loss,
                last_loss);
    return 0;
}
