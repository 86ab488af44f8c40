// logits [outer, classes, inner], targets [outer, inner] -> loss; x [n], target [n] -> loss; and backwards
// The vector cross-entropy against the reference, every reference against hand-computed values,
// the edges (large logits, bce at p = 0 and 1, targets out of range) and every backward against
// central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/log.h"
#include "cpu/loss/loss.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::all_close;
using ops_test::random_floats;

const Reduction reductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

std::vector<int64_t> random_targets(int64_t count, int64_t classes, uint32_t seed) {
    std::mt19937 generator(seed);
    std::uniform_int_distribution<int64_t> pick(0, classes > 0 ? classes - 1 : 0);
    std::vector<int64_t> targets(count);
    for (auto& target : targets) target = pick(generator);
    return targets;
}

int64_t loss_count(Reduction reduction, int64_t samples) { return reduction == Reduction::None ? samples : 1; }

class LossLevelTest : public ops_test::LevelTest {};

TEST_P(LossLevelTest, CrossEntropyMatchesReference) {
    const auto forward = pick(cross_entropy_forward_avx2, cross_entropy_forward_avx512);
    const auto backward = pick(cross_entropy_backward_avx2, cross_entropy_backward_avx512);
    for (int64_t classes : ops_test::awkward_sizes) {
        for (int64_t outer : {0, 1, 3, 64}) {
            if (classes == 0 && outer > 0) continue;
            const auto logits = random_floats(outer * classes, 1, -15.0f, 15.0f);
            const auto targets = random_targets(outer, classes, 2);
            for (Reduction reduction : reductions) {
                const int64_t n = loss_count(reduction, outer);
                std::vector<float> expected(n), actual(n);
                cross_entropy_forward_reference({reduction, outer, classes, 1, logits.data(), targets.data(), expected.data()});
                forward({reduction, outer, classes, 1, logits.data(), targets.data(), actual.data()});
                EXPECT_TRUE(all_close(expected, actual, 1e-5, 1e-5))
                    << "forward, " << outer << "x" << classes << ", reduction " << static_cast<int>(reduction);

                const auto dloss = random_floats(n, 3, 0.5f, 2.0f);
                std::vector<float> dexpected(outer * classes + 1, 5.0f), dactual(outer * classes + 1, 5.0f);
                cross_entropy_backward_reference(
                    {reduction, outer, classes, 1, logits.data(), targets.data(), dloss.data(), dexpected.data()});
                backward({reduction, outer, classes, 1, logits.data(), targets.data(), dloss.data(), dactual.data()});
                // At the target, softmax - 1 cancels: float probabilities near 1 carry about 1e-7
                // absolute error, in PyTorch as here, while the reference subtracts in double.
                EXPECT_TRUE(all_close(dexpected, dactual, 1e-5, 1e-6))
                    << "backward, " << outer << "x" << classes << ", reduction " << static_cast<int>(reduction);
            }
        }
    }
}

TEST_P(LossLevelTest, CrossEntropyWithInnerPositionsFallsBackToTheReference) {
    const auto forward = pick(cross_entropy_forward_avx2, cross_entropy_forward_avx512);
    const int64_t outer = 2, classes = 5, inner = 7;
    const auto logits = random_floats(outer * classes * inner, 4, -3.0f, 3.0f);
    const auto targets = random_targets(outer * inner, classes, 5);
    std::vector<float> expected(outer * inner), actual(outer * inner);
    cross_entropy_forward_reference({Reduction::None, outer, classes, inner, logits.data(), targets.data(), expected.data()});
    forward({Reduction::None, outer, classes, inner, logits.data(), targets.data(), actual.data()});
    EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0));
}

TEST_P(LossLevelTest, CrossEntropyIsRepeatableOnTwoThreads) {
    const auto forward = pick(cross_entropy_forward_avx2, cross_entropy_forward_avx512);
    const int64_t outer = 4099, classes = 100;
    const auto logits = random_floats(outer * classes, 6, -10.0f, 10.0f);
    const auto targets = random_targets(outer, classes, 7);
    float one = 0.0f, two = 0.0f, again = 0.0f, expected = 0.0f;
    cross_entropy_forward_reference({Reduction::Mean, outer, classes, 1, logits.data(), targets.data(), &expected});
    {
        ops_test::ThreadCount threads(1);
        forward({Reduction::Mean, outer, classes, 1, logits.data(), targets.data(), &one});
    }
    ops_test::ThreadCount threads(2);
    forward({Reduction::Mean, outer, classes, 1, logits.data(), targets.data(), &two});
    forward({Reduction::Mean, outer, classes, 1, logits.data(), targets.data(), &again});
    EXPECT_EQ(two, again);
    EXPECT_NEAR(one, expected, 1e-5 * expected);
    EXPECT_NEAR(two, expected, 1e-5 * expected);
}

TEST_P(LossLevelTest, CrossEntropyOfLargeLogitsStaysFinite) {
    const auto forward = pick(cross_entropy_forward_avx2, cross_entropy_forward_avx512);
    const auto backward = pick(cross_entropy_backward_avx2, cross_entropy_backward_avx512);
    const float logits[] = {1000.0f, 0.0f, -1000.0f, 1000.0f, 1000.0f, -1000.0f};
    const int64_t targets[] = {1, 0};
    float loss[2];
    forward({Reduction::None, 2, 3, 1, logits, targets, loss});
    EXPECT_FLOAT_EQ(loss[0], 1000.0f);
    EXPECT_FLOAT_EQ(loss[1], 0.6931472f);
    const float one = 1.0f;
    float dlogits[6];
    backward({Reduction::Sum, 2, 3, 1, logits, targets, &one, dlogits});
    const float expected[] = {1.0f, -1.0f, 0.0f, -0.5f, 0.5f, 0.0f};
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(dlogits[i], expected[i], 1e-6f) << i;
}

INSTANTIATE_TEST_SUITE_P(Loss, LossLevelTest, ::testing::ValuesIn(ops_test::vector_levels), ops_test::level_name);

TEST(LossReference, CrossEntropyOfAKnownLogitVector) {
    // log(e + e^2 + e^3) = 3.40760596; the loss is that minus the target's logit.
    const float logits[] = {1.0f, 2.0f, 3.0f, 1.0f, 2.0f, 3.0f};
    const int64_t targets[] = {2, 0};
    float loss[2];
    cross_entropy_forward_reference({Reduction::None, 2, 3, 1, logits, targets, loss});
    EXPECT_FLOAT_EQ(loss[0], 0.40760596f);
    EXPECT_FLOAT_EQ(loss[1], 2.40760596f);
    cross_entropy_forward_reference({Reduction::Mean, 2, 3, 1, logits, targets, loss});
    EXPECT_FLOAT_EQ(loss[0], 1.40760596f);
    cross_entropy_forward_reference({Reduction::Sum, 2, 3, 1, logits, targets, loss});
    EXPECT_FLOAT_EQ(loss[0], 2.81521192f);

    // Mean: (softmax - onehot) / 2.
    const float one = 1.0f;
    float dlogits[6];
    cross_entropy_backward_reference({Reduction::Mean, 2, 3, 1, logits, targets, &one, dlogits});
    EXPECT_FLOAT_EQ(dlogits[0], 0.09003057f / 2);
    EXPECT_FLOAT_EQ(dlogits[2], (0.66524096f - 1.0f) / 2);
    EXPECT_FLOAT_EQ(dlogits[3], (0.09003057f - 1.0f) / 2);

    // The mean over no samples is NaN, as in PyTorch.
    cross_entropy_forward_reference({Reduction::Mean, 0, 3, 1, logits, targets, loss});
    EXPECT_TRUE(std::isnan(loss[0]));
}

TEST(LossReference, NllMseAndBceHandComputed) {
    // input [2, 3, 1] of log-probabilities.
    const float log_probabilities[] = {-0.5f, -1.0f, -2.0f, -3.0f, -0.25f, -4.0f};
    const int64_t targets[] = {1, 2};
    float loss[2];
    nll_forward_reference({Reduction::None, 2, 3, 1, log_probabilities, targets, loss});
    EXPECT_EQ(loss[0], 1.0f);
    EXPECT_EQ(loss[1], 4.0f);
    nll_forward_reference({Reduction::Mean, 2, 3, 1, log_probabilities, targets, loss});
    EXPECT_EQ(loss[0], 2.5f);
    const float dloss[] = {2.0f, 3.0f};
    float dinput[6];
    nll_backward_reference({Reduction::None, 2, 3, 1, targets, dloss, dinput});
    const float expected_dinput[] = {0, -2.0f, 0, 0, 0, -3.0f};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(dinput[i], expected_dinput[i]) << i;

    const float x[] = {1.0f, 2.0f};
    const float target[] = {0.0f, 4.0f};
    mse_forward_reference({Reduction::None, 2, x, target, loss});
    EXPECT_EQ(loss[0], 1.0f);
    EXPECT_EQ(loss[1], 4.0f);
    mse_forward_reference({Reduction::Mean, 2, x, target, loss});
    EXPECT_EQ(loss[0], 2.5f);
    mse_forward_reference({Reduction::Sum, 2, x, target, loss});
    EXPECT_EQ(loss[0], 5.0f);
    const float one = 1.0f;
    float dx[2];
    mse_backward_reference({Reduction::Mean, 2, x, target, &one, dx});
    EXPECT_EQ(dx[0], 1.0f);
    EXPECT_EQ(dx[1], -2.0f);

    // -(0.25 log 0.8 + 0.75 log 0.2) = 1.2628643.
    const float p[] = {0.8f};
    const float t[] = {0.25f};
    bce_forward_reference({Reduction::Mean, 1, p, t, loss});
    EXPECT_FLOAT_EQ(loss[0], 1.2628643f);
    bce_backward_reference({Reduction::Mean, 1, p, t, &one, dx});
    EXPECT_FLOAT_EQ(dx[0], (0.8f - 0.25f) / (0.8f * 0.2f));
}

TEST(LossReference, BceClampsTheLogAtMinus100) {
    const float p[] = {0.0f, 0.0f, 1.0f, 1.0f};
    const float t[] = {0.0f, 1.0f, 0.0f, 1.0f};
    float loss[4];
    bce_forward({Reduction::None, 4, p, t, loss});
    EXPECT_EQ(loss[0], 0.0f);
    EXPECT_EQ(loss[1], 100.0f);
    EXPECT_EQ(loss[2], 100.0f);
    EXPECT_EQ(loss[3], 0.0f);
    const float ones[] = {1.0f, 1.0f, 1.0f, 1.0f};
    float dx[4];
    bce_backward({Reduction::None, 4, p, t, ones, dx});
    for (float value : dx) EXPECT_TRUE(std::isfinite(value)) << value;
    EXPECT_FLOAT_EQ(dx[1], -1e12f);
}

nn_status status_of(const std::function<void()>& call, std::string* message = nullptr) {
    try {
        call();
    } catch (const nn::core::Error& error) {
        if (message != nullptr) *message = error.what();
        return error.status();
    }
    return NN_OK;
}

TEST(LossEntry, TargetsOutOfRangeThrowBeforeAnyRead) {
    const float logits[6] = {};
    float loss = 0.0f;
    float dlogits[6];
    const float one = 1.0f;
    std::string message;
    const int64_t too_large[] = {0, 3};
    EXPECT_EQ(status_of([&] { cross_entropy_forward({Reduction::Mean, 2, 3, 1, logits, too_large, &loss}); }, &message),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(message.find("targets[1] is 3"), std::string::npos) << message;
    EXPECT_NE(message.find("[0, 3)"), std::string::npos) << message;
    const int64_t negative[] = {-1, 0};
    EXPECT_EQ(status_of([&] { cross_entropy_backward({Reduction::Mean, 2, 3, 1, logits, negative, &one, dlogits}); }, &message),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(message.find("targets[0] is -1"), std::string::npos) << message;
    EXPECT_EQ(status_of([&] { nll_forward({Reduction::Sum, 2, 3, 1, logits, too_large, &loss}); }), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { nll_backward({Reduction::Sum, 2, 3, 1, negative, &one, dlogits}); }), NN_ERROR_INVALID_ARGUMENT);

    const float outside[] = {0.5f, 1.5f};
    const float nan_input[] = {std::numeric_limits<float>::quiet_NaN(), 0.5f};
    const float target[] = {0.0f, 1.0f};
    EXPECT_EQ(status_of([&] { bce_forward({Reduction::Mean, 2, outside, target, &loss}); }, &message),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(message.find("x[1] is 1.5"), std::string::npos) << message;
    EXPECT_EQ(status_of([&] { bce_forward({Reduction::Mean, 2, nan_input, target, &loss}); }), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { mse_forward({static_cast<Reduction>(7), 2, target, target, &loss}); }),
              NN_ERROR_INVALID_ARGUMENT);
}

// Central differences of the reduced loss (or of sum(w * loss) for none) against each backward,
// through the dispatching entry points.
TEST(LossGradient, EveryBackwardMatchesFiniteDifferences) {
    for (Reduction reduction : reductions) {
        for (int64_t inner : {1, 2}) {
            const int64_t outer = 3, classes = 4, samples = outer * inner;
            const auto logits = random_floats(outer * classes * inner, 8, -2.0f, 2.0f);
            const auto targets = random_targets(samples, classes, 9);
            const auto dloss = reduction == Reduction::None ? random_floats(samples, 10, -1.0f, 1.0f)
                                                            : std::vector<float>{0.7f};
            auto reduce = [&](const std::vector<float>& loss) { return ops_test::weighted_sum(dloss, loss); };

            auto cross_entropy = [&](const std::vector<float>& x) {
                std::vector<float> loss(loss_count(reduction, samples));
                cross_entropy_forward({reduction, outer, classes, inner, x.data(), targets.data(), loss.data()});
                return reduce(loss);
            };
            std::vector<float> analytic(logits.size());
            cross_entropy_backward({reduction, outer, classes, inner, logits.data(), targets.data(), dloss.data(), analytic.data()});
            EXPECT_TRUE(ops_test::gradients_match(analytic, ops_test::numeric_gradient(logits, cross_entropy)))
                << "cross_entropy, reduction " << static_cast<int>(reduction) << ", inner " << inner;

            auto nll = [&](const std::vector<float>& x) {
                std::vector<float> loss(loss_count(reduction, samples));
                nll_forward({reduction, outer, classes, inner, x.data(), targets.data(), loss.data()});
                return reduce(loss);
            };
            nll_backward({reduction, outer, classes, inner, targets.data(), dloss.data(), analytic.data()});
            EXPECT_TRUE(ops_test::gradients_match(analytic, ops_test::numeric_gradient(logits, nll)))
                << "nll, reduction " << static_cast<int>(reduction) << ", inner " << inner;
        }

        const int64_t n = 7;
        const auto x = random_floats(n, 11, 0.1f, 0.9f);
        const auto target = random_floats(n, 12, 0.0f, 1.0f);
        const auto dloss = reduction == Reduction::None ? random_floats(n, 13, -1.0f, 1.0f) : std::vector<float>{0.7f};
        using Forward = void (*)(const PointwiseLossForward&);
        using Backward = void (*)(const PointwiseLossBackward&);
        const std::pair<Forward, Backward> pointwise[] = {{mse_forward, mse_backward}, {bce_forward, bce_backward}};
        for (const auto& [forward, backward] : pointwise) {
            auto objective = [&](const std::vector<float>& input) {
                std::vector<float> loss(loss_count(reduction, n));
                forward({reduction, n, input.data(), target.data(), loss.data()});
                return ops_test::weighted_sum(dloss, loss);
            };
            std::vector<float> analytic(n);
            backward({reduction, n, x.data(), target.data(), dloss.data(), analytic.data()});
            EXPECT_TRUE(ops_test::gradients_match(analytic, ops_test::numeric_gradient(x, objective, 1e-3f)))
                << (forward == mse_forward ? "mse" : "bce") << ", reduction " << static_cast<int>(reduction);
        }
    }
}

}  // namespace
