// param [n], grad [n], state [n]... -> param and state updated in place: one fused pass per
// optimizer step, with the formulas of the "Algorithm" sections of the torch.optim documentation
// and the operation order of PyTorch's single-tensor implementations:
//   sgd      g = grad + wd param; b = step == 1 ? g : momentum b + (1 - dampening) g;
//            g = nesterov ? g + momentum b : b (when momentum != 0); param -= lr g
//   adagrad  g = grad + wd param; clr = lr / (1 + (step - 1) lr_decay); sum += g^2;
//            param -= clr g / (sqrt(sum) + eps)
//   rmsprop  g = grad + wd param; v = alpha v + (1 - alpha) g^2; centered: a = lerp(a, g, 1 - alpha),
//            d = sqrt(v - a^2) + eps, else d = sqrt(v) + eps; momentum > 0: b = momentum b + g / d,
//            param -= lr b; else param -= lr g / d
//   adam     g = grad + wd param (adamw instead first param *= 1 - lr wd); m = lerp(m, g, 1 - beta1);
//            v = beta2 v + (1 - beta2) g^2; amsgrad: vmax = max(vmax, v) and vmax replaces v below;
//            param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// step counts from 1 and is the step being taken. At step 1 every state buffer starts afresh and is
// not read (PyTorch creates its state then): the sgd momentum buffer from g, the adagrad sum from
// initial_accumulator_value, every other buffer from 0. So the caller only allocates the buffers.
//
// The entry points check the hyper-parameters as torch.optim's constructors do, the step and the
// buffers (nn::core::Error with NN_ERROR_INVALID_ARGUMENT), then dispatch through
// nn::core::dispatch: avx512, avx2, reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

// Hyper-parameters are doubles, as Python's floats are in torch.optim: PyTorch derives scalars such
// as 1 - beta2 in double and rounds each to float where a tensor operation takes it, and so do the
// kernels (with float fields, 1 - 0.999f would be 1.3e-5 away from float(1 - 0.999)). Defaults are
// PyTorch's.
struct SgdOptions {
    double lr = 1e-3;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

struct AdagradOptions {
    double lr = 1e-2;
    double lr_decay = 0.0;
    double weight_decay = 0.0;
    double initial_accumulator_value = 0.0;
    double eps = 1e-10;
};

struct RmspropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0.0;
    double momentum = 0.0;
    bool centered = false;
};

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
    bool amsgrad = false;
    bool decoupled_weight_decay = false;  // true: AdamW
};

// param [n], grad [n], momentum_buffer [n] (read and written only when momentum != 0)
struct SgdStep {
    SgdOptions options;
    int64_t step = 1;
    int64_t count = 0;
    float* param = nullptr;
    const float* grad = nullptr;
    float* momentum_buffer = nullptr;
};

// param [n], grad [n], sum [n]
struct AdagradStep {
    AdagradOptions options;
    int64_t step = 1;
    int64_t count = 0;
    float* param = nullptr;
    const float* grad = nullptr;
    float* sum = nullptr;
};

// param [n], grad [n], square_avg [n], momentum_buffer [n] (when momentum > 0), grad_avg [n] (when centered)
struct RmspropStep {
    RmspropOptions options;
    int64_t step = 1;
    int64_t count = 0;
    float* param = nullptr;
    const float* grad = nullptr;
    float* square_avg = nullptr;
    float* momentum_buffer = nullptr;
    float* grad_avg = nullptr;
};

// param [n], grad [n], exp_avg [n], exp_avg_sq [n], max_exp_avg_sq [n] (when amsgrad)
struct AdamStep {
    AdamOptions options;
    int64_t step = 1;
    int64_t count = 0;
    float* param = nullptr;
    const float* grad = nullptr;
    float* exp_avg = nullptr;
    float* exp_avg_sq = nullptr;
    float* max_exp_avg_sq = nullptr;
};

// Throw nn::core::Error(NN_ERROR_INVALID_ARGUMENT) "<prefix><name> is ..." for a hyper-parameter
// torch.optim would refuse; the entry points and the C ABI shims share them.
void check_options(const char* prefix, const SgdOptions& options);
void check_options(const char* prefix, const AdagradOptions& options);
void check_options(const char* prefix, const RmspropOptions& options);
void check_options(const char* prefix, const AdamOptions& options);

void sgd_step(const SgdStep& problem);
void adagrad_step(const AdagradStep& problem);
void rmsprop_step(const RmspropStep& problem);
void adam_step(const AdamStep& problem);

// The implementations, same signature per optimizer. The vector kernels fuse some multiply-adds,
// so they agree with the reference to a few ulps per step.
void sgd_step_reference(const SgdStep& problem);
void sgd_step_avx2(const SgdStep& problem);
void sgd_step_avx512(const SgdStep& problem);

void adagrad_step_reference(const AdagradStep& problem);
void adagrad_step_avx2(const AdagradStep& problem);
void adagrad_step_avx512(const AdagradStep& problem);

void rmsprop_step_reference(const RmspropStep& problem);
void rmsprop_step_avx2(const RmspropStep& problem);
void rmsprop_step_avx512(const RmspropStep& problem);

void adam_step_reference(const AdamStep& problem);
void adam_step_avx2(const AdamStep& problem);
void adam_step_avx512(const AdamStep& problem);

// The float scalars of one step, each computed in double as PyTorch's Python code does and rounded
// once; every implementation takes them from here, so they all use the same values.
struct SgdScalars {
    float lr, momentum, keep, weight_decay;  // keep = 1 - dampening
};
SgdScalars sgd_scalars(const SgdOptions& options);

struct AdagradScalars {
    float clr;  // lr / (1 + (step - 1) lr_decay)
    float weight_decay, initial_accumulator_value, eps;
};
AdagradScalars adagrad_scalars(const AdagradOptions& options, int64_t step);

struct RmspropScalars {
    float lr, alpha, average_weight, eps, weight_decay, momentum;  // average_weight = 1 - alpha
};
RmspropScalars rmsprop_scalars(const RmspropOptions& options);

struct AdamScalars {
    float step_size;              // lr / (1 - beta1^step)
    float bias_correction2_sqrt;  // sqrt(1 - beta2^step)
    float decay;                  // 1 - lr * weight_decay, the AdamW factor
    float average_weight;         // 1 - beta1
    float beta2, square_weight;   // beta2 and 1 - beta2
    float eps, weight_decay;
};
AdamScalars adam_scalars(const AdamOptions& options, int64_t step);

}  // namespace nn::cpu
