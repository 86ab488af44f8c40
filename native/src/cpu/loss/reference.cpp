// logits [outer, classes, inner], targets [outer, inner] -> loss; x [n], target [n] -> loss; and backwards
// The oracles: PyTorch's scalar formulas one sample at a time, sums in double, no threads.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/loss/loss.h"

namespace nn::cpu {
namespace {

// The reduced loss from the double sum of count per-sample losses.
float reduced(Reduction reduction, double sum, int64_t count) {
    if (reduction == Reduction::Sum) return static_cast<float>(sum);
    return count == 0 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(sum / static_cast<double>(count));
}

// The gradient reaching sample `sample`: its own dloss for none, the one dloss otherwise, divided
// by the sample count for mean.
float sample_gradient(Reduction reduction, const float* dloss, int64_t sample, int64_t count) {
    if (reduction == Reduction::None) return dloss[sample];
    return reduction == Reduction::Mean ? dloss[0] / static_cast<float>(count) : dloss[0];
}

// max and sum of exp(x - max) over classes values inner apart.
void log_sum_exp_parts(const float* x, int64_t classes, int64_t inner, float& max, double& sum) {
    max = -std::numeric_limits<float>::infinity();
    for (int64_t c = 0; c < classes; ++c) max = x[c * inner] > max ? x[c * inner] : max;
    sum = 0.0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(x[c * inner] - max);
}

}  // namespace

void cross_entropy_forward_reference(const CrossEntropyForward& problem) {
    const CrossEntropyForward& p = problem;
    double total = 0.0;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const float* x = p.logits + o * p.classes * p.inner + i;
            const int64_t sample = o * p.inner + i;
            float max;
            double sum;
            log_sum_exp_parts(x, p.classes, p.inner, max, sum);
            const double loss = std::log(sum) - static_cast<double>(x[p.targets[sample] * p.inner] - max);
            if (p.reduction == Reduction::None) {
                p.loss[sample] = static_cast<float>(loss);
            } else {
                total += loss;
            }
        }
    }
    if (p.reduction != Reduction::None) *p.loss = reduced(p.reduction, total, p.outer * p.inner);
}

void cross_entropy_backward_reference(const CrossEntropyBackward& problem) {
    const CrossEntropyBackward& p = problem;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const int64_t offset = o * p.classes * p.inner + i;
            const int64_t sample = o * p.inner + i;
            const float gradient = sample_gradient(p.reduction, p.dloss, sample, p.outer * p.inner);
            float max;
            double sum;
            log_sum_exp_parts(p.logits + offset, p.classes, p.inner, max, sum);
            for (int64_t c = 0; c < p.classes; ++c) {
                const double probability = std::exp(p.logits[offset + c * p.inner] - max) / sum;
                const double onehot = c == p.targets[sample] ? 1.0 : 0.0;
                p.dlogits[offset + c * p.inner] = static_cast<float>((probability - onehot) * gradient);
            }
        }
    }
}

void nll_forward_reference(const NllForward& problem) {
    const NllForward& p = problem;
    double total = 0.0;
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const int64_t sample = o * p.inner + i;
            const float loss = -p.input[(o * p.classes + p.targets[sample]) * p.inner + i];
            if (p.reduction == Reduction::None) {
                p.loss[sample] = loss;
            } else {
                total += loss;
            }
        }
    }
    if (p.reduction != Reduction::None) *p.loss = reduced(p.reduction, total, p.outer * p.inner);
}

void nll_backward_reference(const NllBackward& problem) {
    const NllBackward& p = problem;
    std::fill(p.dinput, p.dinput + p.outer * p.classes * p.inner, 0.0f);
    for (int64_t o = 0; o < p.outer; ++o) {
        for (int64_t i = 0; i < p.inner; ++i) {
            const int64_t sample = o * p.inner + i;
            const float gradient = sample_gradient(p.reduction, p.dloss, sample, p.outer * p.inner);
            p.dinput[(o * p.classes + p.targets[sample]) * p.inner + i] = -gradient;
        }
    }
}

void mse_forward_reference(const PointwiseLossForward& problem) {
    const PointwiseLossForward& p = problem;
    double total = 0.0;
    for (int64_t i = 0; i < p.count; ++i) {
        const float difference = p.x[i] - p.target[i];
        const float loss = difference * difference;
        if (p.reduction == Reduction::None) {
            p.loss[i] = loss;
        } else {
            total += loss;
        }
    }
    if (p.reduction != Reduction::None) *p.loss = reduced(p.reduction, total, p.count);
}

void mse_backward_reference(const PointwiseLossBackward& problem) {
    const PointwiseLossBackward& p = problem;
    // PyTorch folds the mean into the constant: 2 / n instead of 2.
    const float norm = p.reduction == Reduction::Mean ? static_cast<float>(2.0 / static_cast<double>(p.count)) : 2.0f;
    for (int64_t i = 0; i < p.count; ++i) {
        const float gradient = p.reduction == Reduction::None ? p.dloss[i] : p.dloss[0];
        p.dx[i] = norm * (p.x[i] - p.target[i]) * gradient;
    }
}

void bce_forward_reference(const PointwiseLossForward& problem) {
    const PointwiseLossForward& p = problem;
    double total = 0.0;
    for (int64_t i = 0; i < p.count; ++i) {
        const float probability = p.x[i];
        const float target = p.target[i];
        // PyTorch clamps each log at -100, so p = 0 or 1 gives a finite loss.
        const float loss = (target - 1.0f) * std::max(std::log1p(-probability), -100.0f) -
                           target * std::max(std::log(probability), -100.0f);
        if (p.reduction == Reduction::None) {
            p.loss[i] = loss;
        } else {
            total += loss;
        }
    }
    if (p.reduction != Reduction::None) *p.loss = reduced(p.reduction, total, p.count);
}

void bce_backward_reference(const PointwiseLossBackward& problem) {
    const PointwiseLossBackward& p = problem;
    // PyTorch's floor on p (1 - p), which keeps the gradient finite at p = 0 and 1.
    constexpr float epsilon = 1e-12f;
    for (int64_t i = 0; i < p.count; ++i) {
        const float probability = p.x[i];
        const float gradient = p.reduction == Reduction::None ? p.dloss[i] : p.dloss[0];
        float value = gradient * (probability - p.target[i]) / std::max((1.0f - probability) * probability, epsilon);
        if (p.reduction == Reduction::Mean) value /= static_cast<float>(p.count);
        p.dx[i] = value;
    }
}

}  // namespace nn::cpu
