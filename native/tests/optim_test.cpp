// param [n], grad [n], state [n]... -> param and state updated in place
// The vector optimizer steps against the references over several steps with every option, the
// references against steps computed by hand from the torch.optim formulas, the step-1 rule, and
// the entry points' checks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/log.h"
#include "cpu/optim/optim.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::all_close;
using ops_test::random_floats;

const float nan_value = std::numeric_limits<float>::quiet_NaN();

// Buffers of one parameter: NaN before the first step, which must not read them.
struct State {
    std::vector<float> param, first, second, third;
    explicit State(int64_t n, uint32_t seed)
        : param(random_floats(n, seed, -1.0f, 1.0f)), first(n, nan_value), second(n, nan_value), third(n, nan_value) {}
};

// Three steps with different gradients; then the two states must agree.
template <class Run>
void three_steps(State& state, int64_t n, const Run& run) {
    for (int64_t step = 1; step <= 3; ++step) {
        const auto grad = random_floats(n, static_cast<uint32_t>(100 + step), -1.0f, 1.0f);
        run(state, grad, step);
    }
}

::testing::AssertionResult states_agree(const State& expected, const State& actual) {
    // A few ulps per step in parameters of size 1 and state of size up to 1.
    for (const auto& pair : {std::make_pair(&expected.param, &actual.param), std::make_pair(&expected.first, &actual.first),
                             std::make_pair(&expected.second, &actual.second), std::make_pair(&expected.third, &actual.third)}) {
        auto result = all_close(*pair.first, *pair.second, 1e-5, 1e-6);
        if (!result) return result;
    }
    return ::testing::AssertionSuccess();
}

std::vector<SgdOptions> sgd_options() {
    std::vector<SgdOptions> all;
    all.push_back({0.1, 0.0, 0.0, 0.0, false});
    all.push_back({0.1, 0.9, 0.0, 0.0, false});
    all.push_back({0.05, 0.9, 0.3, 0.01, false});
    all.push_back({0.1, 0.8, 0.0, 0.02, true});
    return all;
}

std::vector<AdagradOptions> adagrad_options() { return {{0.1, 0.0, 0.0, 0.0, 1e-10}, {0.05, 0.1, 0.01, 0.2, 1e-6}}; }

std::vector<RmspropOptions> rmsprop_options() {
    return {{0.01, 0.99, 1e-8, 0.0, 0.0, false},
            {0.01, 0.9, 1e-6, 0.01, 0.5, false},
            {0.01, 0.9, 1e-6, 0.0, 0.0, true},
            {0.02, 0.8, 1e-4, 0.01, 0.9, true},
            {0.01, 0.2, 1e-6, 0.0, 0.0, true}};  // alpha < 0.5: lerp's other branch
}

std::vector<AdamOptions> adam_options() {
    return {{1e-3, 0.9, 0.999, 1e-8, 0.0, false, false},
            {1e-2, 0.8, 0.99, 1e-6, 0.01, false, false},
            {1e-2, 0.9, 0.999, 1e-8, 0.0, true, false},
            {1e-2, 0.9, 0.999, 1e-8, 0.01, false, true},
            {1e-2, 0.3, 0.99, 1e-8, 0.05, true, true}};  // beta1 < 0.5: lerp's other branch
}

class OptimLevelTest : public ops_test::LevelTest {};

TEST_P(OptimLevelTest, SgdMatchesReference) {
    const auto run = pick(sgd_step_avx2, sgd_step_avx512);
    for (const SgdOptions& options : sgd_options()) {
        for (int64_t n : ops_test::awkward_sizes) {
            State expected(n, 1), actual(n, 1);
            three_steps(expected, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                sgd_step_reference({options, step, n, s.param.data(), g.data(), s.first.data()});
            });
            three_steps(actual, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                run({options, step, n, s.param.data(), g.data(), s.first.data()});
            });
            EXPECT_TRUE(states_agree(expected, actual)) << "n = " << n << ", momentum " << options.momentum;
        }
    }
}

TEST_P(OptimLevelTest, AdagradMatchesReference) {
    const auto run = pick(adagrad_step_avx2, adagrad_step_avx512);
    for (const AdagradOptions& options : adagrad_options()) {
        for (int64_t n : ops_test::awkward_sizes) {
            State expected(n, 2), actual(n, 2);
            three_steps(expected, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                adagrad_step_reference({options, step, n, s.param.data(), g.data(), s.first.data()});
            });
            three_steps(actual, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                run({options, step, n, s.param.data(), g.data(), s.first.data()});
            });
            EXPECT_TRUE(states_agree(expected, actual)) << "n = " << n;
        }
    }
}

TEST_P(OptimLevelTest, RmspropMatchesReference) {
    const auto run = pick(rmsprop_step_avx2, rmsprop_step_avx512);
    for (const RmspropOptions& options : rmsprop_options()) {
        for (int64_t n : ops_test::awkward_sizes) {
            State expected(n, 3), actual(n, 3);
            three_steps(expected, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                rmsprop_step_reference({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
            });
            three_steps(actual, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                run({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
            });
            EXPECT_TRUE(states_agree(expected, actual))
                << "n = " << n << ", centered " << options.centered << ", momentum " << options.momentum;
        }
    }
}

TEST_P(OptimLevelTest, AdamAndAdamWMatchReference) {
    const auto run = pick(adam_step_avx2, adam_step_avx512);
    for (const AdamOptions& options : adam_options()) {
        for (int64_t n : ops_test::awkward_sizes) {
            State expected(n, 4), actual(n, 4);
            three_steps(expected, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                adam_step_reference({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
            });
            three_steps(actual, n, [&](State& s, const std::vector<float>& g, int64_t step) {
                run({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
            });
            EXPECT_TRUE(states_agree(expected, actual))
                << "n = " << n << ", amsgrad " << options.amsgrad << ", adamw " << options.decoupled_weight_decay;
        }
    }
}

TEST_P(OptimLevelTest, AdamOnTwoThreadsMatchesReference) {
    const auto run = pick(adam_step_avx2, adam_step_avx512);
    ops_test::ThreadCount threads(2);
    const int64_t n = ops_test::threaded_size;
    const AdamOptions options = adam_options()[2];
    State expected(n, 5), actual(n, 5);
    three_steps(expected, n, [&](State& s, const std::vector<float>& g, int64_t step) {
        adam_step_reference({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
    });
    three_steps(actual, n, [&](State& s, const std::vector<float>& g, int64_t step) {
        run({options, step, n, s.param.data(), g.data(), s.first.data(), s.second.data(), s.third.data()});
    });
    EXPECT_TRUE(states_agree(expected, actual));
}

INSTANTIATE_TEST_SUITE_P(Optim, OptimLevelTest, ::testing::ValuesIn(ops_test::vector_levels), ops_test::level_name);

TEST(OptimReference, SgdNesterovTwoStepsByHand) {
    // lr 0.1, momentum 0.9, weight_decay 0.01, nesterov; param 1, gradients 0.5 then -0.25.
    //   step 1: g = 0.5 + 0.01 = 0.51; b = g = 0.51; g = 0.51 + 0.9 * 0.51 = 0.969; param = 0.9031
    //   step 2: g = -0.25 + 0.01 * 0.9031 = -0.240969; b = 0.9 * 0.51 - 0.240969 = 0.218031;
    //           g = -0.240969 + 0.9 * 0.218031 = -0.0447411; param = 0.9031 + 0.00447411 = 0.90757411
    const SgdOptions options{0.1, 0.9, 0.0, 0.01, true};
    float param = 1.0f, buffer = nan_value;
    const float grad1 = 0.5f, grad2 = -0.25f;
    sgd_step({options, 1, 1, &param, &grad1, &buffer});
    EXPECT_FLOAT_EQ(buffer, 0.51f);
    EXPECT_FLOAT_EQ(param, 0.9031f);
    sgd_step({options, 2, 1, &param, &grad2, &buffer});
    EXPECT_FLOAT_EQ(buffer, 0.218031f);
    EXPECT_FLOAT_EQ(param, 0.90757411f);

    // Dampening applies from step 2 on only: b = 0.9 * 0.5 + (1 - 0.5) * 0.25.
    const SgdOptions damped{0.1, 0.9, 0.5, 0.0, false};
    param = 1.0f;
    const float quarter = 0.25f;
    sgd_step({damped, 1, 1, &param, &grad1, &buffer});
    EXPECT_FLOAT_EQ(buffer, 0.5f);
    sgd_step({damped, 2, 1, &param, &quarter, &buffer});
    EXPECT_FLOAT_EQ(buffer, 0.575f);
    EXPECT_FLOAT_EQ(param, 1.0f - 0.05f - 0.0575f);
}

TEST(OptimReference, AdamOneStepByHand) {
    // lr 0.01, betas (0.9, 0.999), eps 1e-8; param 0.5, grad 0.2:
    //   m = 0.1 * 0.2 = 0.02, v = 0.001 * 0.04 = 4e-5, step_size = 0.01 / (1 - 0.9) = 0.1,
    //   denominator = sqrt(4e-5) / sqrt(1 - 0.999) + 1e-8 = 0.2 + 1e-8, param = 0.5 - 0.1 * 0.02 / 0.2 = 0.49
    AdamOptions options{0.01, 0.9, 0.999, 1e-8, 0.0, false, false};
    float param = 0.5f, m = nan_value, v = nan_value, vmax = nan_value;
    const float grad = 0.2f;
    adam_step({options, 1, 1, &param, &grad, &m, &v, &vmax});
    EXPECT_FLOAT_EQ(m, 0.02f);
    EXPECT_FLOAT_EQ(v, 4e-5f);
    EXPECT_FLOAT_EQ(param, 0.49f);

    // A second step with the same gradient, from the formulas in double.
    adam_step({options, 2, 1, &param, &grad, &m, &v, &vmax});
    const double m2 = 0.9 * 0.02 + 0.1 * 0.2, v2 = 0.999 * 4e-5 + 0.001 * 0.04;
    const double expected = 0.49 - 0.01 / (1 - 0.81) * m2 / (std::sqrt(v2) / std::sqrt(1 - 0.998001) + 1e-8);
    EXPECT_NEAR(param, expected, 1e-6);

    // AdamW decays the parameter first: 0.5 (1 - 0.01 * 0.1) - 0.01 = 0.4895. Adam's L2 form adds
    // wd * param to the gradient instead: g = 0.25, and the first step is still lr * sign(g).
    options.weight_decay = 0.1;
    options.decoupled_weight_decay = true;
    param = 0.5f;
    adam_step({options, 1, 1, &param, &grad, &m, &v, &vmax});
    EXPECT_FLOAT_EQ(param, 0.4895f);
    options.decoupled_weight_decay = false;
    param = 0.5f;
    adam_step({options, 1, 1, &param, &grad, &m, &v, &vmax});
    EXPECT_FLOAT_EQ(m, 0.025f);
    EXPECT_FLOAT_EQ(param, 0.49f);

    // amsgrad keeps the largest v: after a large then a small gradient the denominator stays large.
    options = AdamOptions{0.01, 0.9, 0.999, 1e-8, 0.0, true, false};
    param = 0.0f;
    const float large = 1.0f, small = 0.01f;
    adam_step({options, 1, 1, &param, &large, &m, &v, &vmax});
    adam_step({options, 2, 1, &param, &small, &m, &v, &vmax});
    EXPECT_FLOAT_EQ(vmax, 0.001f);
    EXPECT_LT(v, vmax);
}

TEST(OptimReference, AdagradAndRmspropByHand) {
    // Adagrad: lr 0.1, lr_decay 0.5, initial accumulator 0.1; step 1: sum = 0.1 + 0.04,
    // param -= 0.1 * 0.2 / sqrt(0.14); step 2: clr = 0.1 / 1.5, sum = 0.14 + 0.04.
    const AdagradOptions adagrad{0.1, 0.5, 0.0, 0.1, 0.0};
    float param = 1.0f, sum = nan_value;
    const float grad = 0.2f;
    adagrad_step({adagrad, 1, 1, &param, &grad, &sum});
    EXPECT_FLOAT_EQ(sum, 0.14f);
    EXPECT_FLOAT_EQ(param, static_cast<float>(1.0 - 0.1 * 0.2 / std::sqrt(0.14)));
    adagrad_step({adagrad, 2, 1, &param, &grad, &sum});
    EXPECT_FLOAT_EQ(param, static_cast<float>(1.0 - 0.1 * 0.2 / std::sqrt(0.14) - 0.1 / 1.5 * 0.2 / std::sqrt(0.18)));

    // RMSprop centered with momentum: alpha 0.9, lr 0.01, momentum 0.5, eps 0; one step from zero:
    // v = 0.1 g^2 = 0.004, a = 0.1 g = 0.02, d = sqrt(0.004 - 0.0004) = 0.06, b = g / d, param -= lr b.
    const RmspropOptions rmsprop{0.01, 0.9, 0.0, 0.0, 0.5, true};
    float square_avg = nan_value, buffer = nan_value, grad_avg = nan_value;
    param = 1.0f;
    rmsprop_step({rmsprop, 1, 1, &param, &grad, &square_avg, &buffer, &grad_avg});
    EXPECT_FLOAT_EQ(square_avg, 0.004f);
    EXPECT_FLOAT_EQ(grad_avg, 0.02f);
    EXPECT_FLOAT_EQ(buffer, static_cast<float>(0.2 / 0.06));
    EXPECT_FLOAT_EQ(param, static_cast<float>(1.0 - 0.01 * 0.2 / 0.06));
}

TEST(OptimEntry, RejectsBadHyperParametersStepsAndBuffers) {
    float param = 1.0f, buffer = 0.0f;
    const float grad = 1.0f;
    auto status_of = [](const std::function<void()>& call) {
        try {
            call();
        } catch (const nn::core::Error& error) {
            return error.status();
        }
        return NN_OK;
    };
    EXPECT_EQ(status_of([&] { sgd_step({{-0.1, 0.0, 0.0, 0.0, false}, 1, 1, &param, &grad, &buffer}); }), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { sgd_step({{0.1, 0.0, 0.0, 0.0, true}, 1, 1, &param, &grad, &buffer}); }), NN_ERROR_INVALID_ARGUMENT)
        << "nesterov without momentum";
    EXPECT_EQ(status_of([&] { sgd_step({{0.1, 0.9, 0.0, 0.0, false}, 1, 1, &param, &grad, nullptr}); }), NN_ERROR_INVALID_ARGUMENT)
        << "momentum without a buffer";
    EXPECT_EQ(status_of([&] { sgd_step({{0.1, 0.0, 0.0, 0.0, false}, 0, 1, &param, &grad, nullptr}); }), NN_ERROR_INVALID_ARGUMENT)
        << "step 0";
    EXPECT_EQ(status_of([&] { sgd_step({{0.1, 0.0, 0.0, 0.0, false}, 1, 1, &param, &grad, nullptr}); }), NN_OK);
    AdamOptions adam;
    adam.beta2 = 1.0;
    EXPECT_EQ(status_of([&] { adam_step({adam, 1, 1, &param, &grad, &buffer, &buffer, nullptr}); }), NN_ERROR_INVALID_ARGUMENT);
    adam = AdamOptions{};
    adam.amsgrad = true;
    EXPECT_EQ(status_of([&] { adam_step({adam, 1, 1, &param, &grad, &buffer, &buffer, nullptr}); }), NN_ERROR_INVALID_ARGUMENT);
    AdagradOptions adagrad;
    adagrad.eps = nan_value;
    EXPECT_EQ(status_of([&] { adagrad_step({adagrad, 1, 1, &param, &grad, &buffer}); }), NN_ERROR_INVALID_ARGUMENT);
    RmspropOptions rmsprop;
    rmsprop.centered = true;
    EXPECT_EQ(status_of([&] { rmsprop_step({rmsprop, 1, 1, &param, &grad, &buffer, nullptr, nullptr}); }), NN_ERROR_INVALID_ARGUMENT);
}

}  // namespace
