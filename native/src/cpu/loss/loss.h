// Losses with PyTorch's formulas and reductions (none: one loss per sample; mean: their average,
// NaN over zero samples as in PyTorch; sum), each forward beside its backward:
//   cross_entropy  logits [outer, classes, inner], targets [outer, inner] (int64)
//                  loss = log(sum_c exp(logits_c)) - logits_target   (log_softmax, then NLL)
//                  dlogits = (softmax(logits) - onehot(target)) * dloss
//   nll            log_probabilities [outer, classes, inner], targets [outer, inner]
//                  loss = -log_probabilities_target;  dinput = -dloss at the target, 0 elsewhere
//   mse            x [n], target [n]:  loss = (x - target)^2;  dx = 2 (x - target) * dloss
//   bce            p [n] in [0, 1], target [n]:  loss = -(target log p + (1 - target) log(1 - p)), each
//                  log clamped at -100;  dp = dloss (p - target) / max(p (1 - p), 1e-12)
// [N, C] logits are outer = N, inner = 1; [N, C, d1, ...] ones are inner = d1 * ... . The losses of
// reduction none have the targets' shape ([outer, inner] or [n]); mean and sum give one value, and
// their backward takes one dloss value (divided by the number of samples for mean).
//
// The entry points check every target against [0, classes) before any read (nn::core::Error with
// NN_ERROR_INVALID_ARGUMENT naming the index, the value and classes) and every bce input against
// [0, 1], then dispatch through nn::core::dispatch. Cross-entropy, the loss of every classifier,
// has AVX2 and AVX-512 kernels for inner = 1 (they decline inner > 1); nll, mse and bce cost little
// next to the layers before them and have only the reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

enum class Reduction { None, Mean, Sum };

// logits [outer, classes, inner], targets [outer, inner] -> loss [outer, inner] or one value
struct CrossEntropyForward {
    Reduction reduction = Reduction::Mean;
    int64_t outer = 0;
    int64_t classes = 0;
    int64_t inner = 0;
    const float* logits = nullptr;
    const int64_t* targets = nullptr;
    float* loss = nullptr;
};

// logits, targets, dloss [outer, inner] or one value -> dlogits [outer, classes, inner]
struct CrossEntropyBackward {
    Reduction reduction = Reduction::Mean;
    int64_t outer = 0;
    int64_t classes = 0;
    int64_t inner = 0;
    const float* logits = nullptr;
    const int64_t* targets = nullptr;
    const float* dloss = nullptr;
    float* dlogits = nullptr;
};

// input [outer, classes, inner] (log-probabilities), targets [outer, inner] -> loss
struct NllForward {
    Reduction reduction = Reduction::Mean;
    int64_t outer = 0;
    int64_t classes = 0;
    int64_t inner = 0;
    const float* input = nullptr;
    const int64_t* targets = nullptr;
    float* loss = nullptr;
};

// targets [outer, inner], dloss -> dinput [outer, classes, inner]
struct NllBackward {
    Reduction reduction = Reduction::Mean;
    int64_t outer = 0;
    int64_t classes = 0;
    int64_t inner = 0;
    const int64_t* targets = nullptr;
    const float* dloss = nullptr;
    float* dinput = nullptr;
};

// x [n], target [n] -> loss [n] or one value. Used for mse and bce (x is then p).
struct PointwiseLossForward {
    Reduction reduction = Reduction::Mean;
    int64_t count = 0;
    const float* x = nullptr;
    const float* target = nullptr;
    float* loss = nullptr;
};

// x [n], target [n], dloss [n] or one value -> dx [n]
struct PointwiseLossBackward {
    Reduction reduction = Reduction::Mean;
    int64_t count = 0;
    const float* x = nullptr;
    const float* target = nullptr;
    const float* dloss = nullptr;
    float* dx = nullptr;
};

// Throw nn::core::Error(NN_ERROR_INVALID_ARGUMENT) at the first target outside [0, classes), or the
// first probability outside [0, 1] (NaN included), naming it "<name>[index]"; the entry points and
// the C ABI shims share them.
void check_targets(const char* name, const int64_t* targets, int64_t samples, int64_t classes);
void check_probabilities(const char* name, const float* probabilities, int64_t count);

// Check and dispatch (see above).
void cross_entropy_forward(const CrossEntropyForward& problem);
void cross_entropy_backward(const CrossEntropyBackward& problem);
void nll_forward(const NllForward& problem);
void nll_backward(const NllBackward& problem);
void mse_forward(const PointwiseLossForward& problem);
void mse_backward(const PointwiseLossBackward& problem);
void bce_forward(const PointwiseLossForward& problem);
void bce_backward(const PointwiseLossBackward& problem);

// The implementations, same signature per op. The references sum in double in sample order; the
// vector cross-entropy sums each row in float and the rows in double, in ranges fixed by the
// thread count, so its mean and sum are repeatable for a given thread count.
void cross_entropy_forward_reference(const CrossEntropyForward& problem);
void cross_entropy_forward_avx2(const CrossEntropyForward& problem);
void cross_entropy_forward_avx512(const CrossEntropyForward& problem);

void cross_entropy_backward_reference(const CrossEntropyBackward& problem);
void cross_entropy_backward_avx2(const CrossEntropyBackward& problem);
void cross_entropy_backward_avx512(const CrossEntropyBackward& problem);

void nll_forward_reference(const NllForward& problem);
void nll_backward_reference(const NllBackward& problem);
void mse_forward_reference(const PointwiseLossForward& problem);
void mse_backward_reference(const PointwiseLossBackward& problem);
void bce_forward_reference(const PointwiseLossForward& problem);
void bce_backward_reference(const PointwiseLossBackward& problem);

}  // namespace nn::cpu
