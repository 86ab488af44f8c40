// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The vector activations against the references on awkward sizes and at the edges (NaN, infinities,
// saturation), the references against hand-computed values, and every backward against central
// differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/activation/activation.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::all_close;
using ops_test::random_floats;

const float infinity = std::numeric_limits<float>::infinity();
const float nan_value = std::numeric_limits<float>::quiet_NaN();

struct Case {
    Activation kind;
    float parameter;
    const char* name;
};

const Case cases[] = {{Activation::Relu, 0.0f, "relu"},
                      {Activation::LeakyRelu, 0.01f, "leaky_relu(0.01)"},
                      {Activation::LeakyRelu, -1.5f, "leaky_relu(-1.5)"},
                      {Activation::Elu, 1.0f, "elu(1)"},
                      {Activation::Elu, 0.3f, "elu(0.3)"},
                      {Activation::Sigmoid, 0.0f, "sigmoid"},
                      {Activation::Tanh, 0.0f, "tanh"}};

// The saved tensor the backward takes: x for ReLU, LeakyReLU and ELU, y for sigmoid and tanh.
std::vector<float> saved_for(const Case& c, const std::vector<float>& x) {
    if (c.kind != Activation::Sigmoid && c.kind != Activation::Tanh) return x;
    std::vector<float> y(x.size());
    activation_forward_reference({c.kind, c.parameter, static_cast<int64_t>(x.size()), x.data(), y.data()});
    return y;
}

// Inputs that reach every branch: both signs, near zero, saturation, and the special values.
std::vector<float> edge_inputs() {
    std::vector<float> x = {0.0f,      -0.0f,  1e-8f,     -1e-8f,    1e-3f,      -1e-3f,    0.4999f,  -0.5001f,
                            8.9f,      -9.1f,  20.0f,     -20.0f,    88.0f,      -88.0f,    89.0f,    -89.0f,
                            100.0f,    -100.0f, 1000.0f,  -1000.0f,  infinity,   -infinity, nan_value, 3.0e38f,
                            -3.0e38f,  std::numeric_limits<float>::denorm_min()};
    for (float value = -30.0f; value <= 30.0f; value += 0.0173f) x.push_back(value);
    return x;
}

class ActivationLevelTest : public ops_test::LevelTest {};

// Within 4 ulps: the vector exp is within 2, and sigmoid and tanh round a few times more.
TEST_P(ActivationLevelTest, ForwardMatchesReference) {
    const auto run = pick(activation_forward_avx2, activation_forward_avx512);
    for (const Case& c : cases) {
        for (int64_t n : ops_test::awkward_sizes) {
            const auto x = random_floats(n, 1, -12.0f, 12.0f);
            std::vector<float> expected(n + 1, 5.0f), actual(n + 1, 5.0f);
            activation_forward_reference({c.kind, c.parameter, n, x.data(), expected.data()});
            run({c.kind, c.parameter, n, x.data(), actual.data()});
            EXPECT_TRUE(ops_test::within_ulps(expected, actual, 4)) << c.name << ", n = " << n;
            EXPECT_EQ(actual[n], 5.0f) << c.name << " wrote past the end, n = " << n;
        }
        const auto x = edge_inputs();
        const auto n = static_cast<int64_t>(x.size());
        std::vector<float> expected(n), actual(n);
        activation_forward_reference({c.kind, c.parameter, n, x.data(), expected.data()});
        run({c.kind, c.parameter, n, x.data(), actual.data()});
        EXPECT_TRUE(ops_test::within_ulps(expected, actual, 4)) << c.name << " at the edges";
    }
}

TEST_P(ActivationLevelTest, BackwardMatchesReference) {
    const auto run = pick(activation_backward_avx2, activation_backward_avx512);
    for (const Case& c : cases) {
        for (int64_t n : ops_test::awkward_sizes) {
            const auto saved = saved_for(c, random_floats(n, 2, -6.0f, 6.0f));
            const auto dy = random_floats(n, 3, -2.0f, 2.0f);
            std::vector<float> expected(n + 1, 5.0f), actual(n + 1, 5.0f);
            activation_backward_reference({c.kind, c.parameter, n, saved.data(), dy.data(), expected.data()});
            run({c.kind, c.parameter, n, saved.data(), dy.data(), actual.data()});
            // 1 - y * y rounds once in the vector kernels (fused) and twice in the reference.
            EXPECT_TRUE(all_close(expected, actual, 1e-6, 1e-7)) << c.name << ", n = " << n;
            EXPECT_EQ(actual[n], 5.0f) << c.name << " wrote past the end, n = " << n;
        }
        const auto saved = saved_for(c, edge_inputs());
        const auto n = static_cast<int64_t>(saved.size());
        const auto dy = random_floats(n, 4, -2.0f, 2.0f);
        std::vector<float> expected(n), actual(n);
        activation_backward_reference({c.kind, c.parameter, n, saved.data(), dy.data(), expected.data()});
        run({c.kind, c.parameter, n, saved.data(), dy.data(), actual.data()});
        EXPECT_TRUE(all_close(expected, actual, 1e-6, 1e-7)) << c.name << " at the edges";
    }
}

TEST_P(ActivationLevelTest, InPlaceOnTwoThreads) {
    const auto forward = pick(activation_forward_avx2, activation_forward_avx512);
    ops_test::ThreadCount threads(2);
    const int64_t n = ops_test::threaded_size;
    for (const Case& c : cases) {
        const auto x = random_floats(n, 5, -8.0f, 8.0f);
        std::vector<float> expected(n);
        activation_forward_reference({c.kind, c.parameter, n, x.data(), expected.data()});
        std::vector<float> in_place = x;
        forward({c.kind, c.parameter, n, in_place.data(), in_place.data()});
        EXPECT_TRUE(ops_test::within_ulps(expected, in_place, 4)) << c.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Activation, ActivationLevelTest, ::testing::ValuesIn(ops_test::vector_levels),
                         ops_test::level_name);

TEST(ActivationReference, HandComputedValues) {
    const float x[] = {-2.0f, -0.5f, 0.0f, 0.5f, 3.0f};
    float y[5];
    auto forward = [&](Activation kind, float parameter) {
        activation_forward_reference({kind, parameter, 5, x, y});
    };
    forward(Activation::Relu, 0.0f);
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[2], 0.0f);
    EXPECT_EQ(y[4], 3.0f);
    forward(Activation::LeakyRelu, 0.1f);
    EXPECT_FLOAT_EQ(y[0], -0.2f);
    EXPECT_EQ(y[3], 0.5f);
    forward(Activation::Elu, 2.0f);
    EXPECT_FLOAT_EQ(y[0], 2.0f * (0.1353352832366127f - 1.0f));  // 2 (e^-2 - 1)
    EXPECT_EQ(y[2], 0.0f);
    EXPECT_EQ(y[4], 3.0f);
    forward(Activation::Sigmoid, 0.0f);
    EXPECT_EQ(y[2], 0.5f);
    EXPECT_FLOAT_EQ(y[4], 0.9525741268224334f);  // 1 / (1 + e^-3)
    forward(Activation::Tanh, 0.0f);
    EXPECT_FLOAT_EQ(y[1], -0.46211715726000974f);
    EXPECT_FLOAT_EQ(y[4], 0.9950547536867305f);

    // ReLU's gradient at exactly 0 is 0, as in PyTorch; LeakyReLU's there is the slope.
    const float dy[] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    float dx[5];
    activation_backward_reference({Activation::Relu, 0.0f, 5, x, dy, dx});
    EXPECT_EQ(dx[2], 0.0f);
    EXPECT_EQ(dx[3], 1.0f);
    activation_backward_reference({Activation::LeakyRelu, 0.1f, 5, x, dy, dx});
    EXPECT_FLOAT_EQ(dx[2], 0.1f);
}

TEST(ActivationReference, LargeInputsStayFiniteAndNaNPropagates) {
    const float x[] = {-1000.0f, 1000.0f, -infinity, infinity, nan_value};
    float y[5];
    activation_forward_reference({Activation::Sigmoid, 0.0f, 5, x, y});
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[1], 1.0f);
    EXPECT_EQ(y[2], 0.0f);
    EXPECT_EQ(y[3], 1.0f);
    EXPECT_TRUE(std::isnan(y[4]));
    activation_forward_reference({Activation::Tanh, 0.0f, 5, x, y});
    EXPECT_EQ(y[0], -1.0f);
    EXPECT_EQ(y[1], 1.0f);
    EXPECT_TRUE(std::isnan(y[4]));
    activation_forward_reference({Activation::Elu, 0.5f, 5, x, y});
    EXPECT_EQ(y[0], -0.5f);
    EXPECT_EQ(y[2], -0.5f);
    EXPECT_TRUE(std::isnan(y[4]));
    activation_forward_reference({Activation::Relu, 0.0f, 5, x, y});
    EXPECT_TRUE(std::isnan(y[4]));
}

// Every backward, through the dispatching entry points, against central differences of
// sum(w * forward(x)).
TEST(ActivationGradient, BackwardMatchesFiniteDifferences) {
    // Away from the kinks at 0, where the one-sided slopes differ.
    const std::vector<float> x = {-2.5f, -1.2f, -0.4f, -0.15f, 0.2f, 0.7f, 1.3f, 2.9f, -3.7f, 0.05f};
    const auto n = static_cast<int64_t>(x.size());
    const auto weights = random_floats(n, 6, -1.0f, 1.0f);
    for (const Case& c : cases) {
        auto objective = [&](const std::vector<float>& input) {
            std::vector<float> y(input.size());
            activation_forward({c.kind, c.parameter, n, input.data(), y.data()});
            return ops_test::weighted_sum(weights, y);
        };
        const auto saved = saved_for(c, x);
        std::vector<float> dx(n);
        activation_backward({c.kind, c.parameter, n, saved.data(), weights.data(), dx.data()});
        EXPECT_TRUE(ops_test::gradients_match(dx, ops_test::numeric_gradient(x, objective))) << c.name;
    }
}

}  // namespace
