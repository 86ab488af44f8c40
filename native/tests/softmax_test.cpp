// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The vector softmax and log_softmax against the references on awkward shapes, the references
// against hand-computed values, large logits, NaN rows, thread-count independence, and both
// backwards against central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cpu/softmax/softmax.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::all_close;
using ops_test::random_floats;

struct Shape {
    int64_t outer, channels, inner;
    int64_t count() const { return outer * channels * inner; }
};

std::vector<Shape> shapes() {
    std::vector<Shape> result;
    for (int64_t channels : ops_test::awkward_sizes) result.push_back({3, channels, 1});
    for (int64_t inner : {2, 7, 16, 17, 33}) {
        for (int64_t channels : {1, 3, 10, 65}) result.push_back({2, channels, inner});
    }
    result.push_back({0, 5, 3});
    result.push_back({4, 5, 0});
    return result;
}

// Probabilities agree to 2e-5 relative (float sums over up to 4099 channels); log-probabilities to
// 1e-5 absolute.
double relative_for(SoftmaxKind kind) { return kind == SoftmaxKind::Softmax ? 2e-5 : 1e-6; }
double absolute_for(SoftmaxKind kind) { return kind == SoftmaxKind::Softmax ? 1e-9 : 1e-5; }

class SoftmaxLevelTest : public ops_test::LevelTest {};

TEST_P(SoftmaxLevelTest, ForwardMatchesReference) {
    const auto run = pick(softmax_forward_avx2, softmax_forward_avx512);
    for (SoftmaxKind kind : {SoftmaxKind::Softmax, SoftmaxKind::LogSoftmax}) {
        for (const Shape& s : shapes()) {
            auto x = random_floats(s.count(), 1, -20.0f, 20.0f);
            if (s.count() > 4) x[3] = 1000.0f;
            std::vector<float> expected(s.count() + 1, 5.0f), actual(s.count() + 1, 5.0f);
            softmax_forward_reference({kind, s.outer, s.channels, s.inner, x.data(), expected.data()});
            run({kind, s.outer, s.channels, s.inner, x.data(), actual.data()});
            EXPECT_TRUE(all_close(expected, actual, relative_for(kind), absolute_for(kind)))
                << static_cast<int>(kind) << ": " << s.outer << "x" << s.channels << "x" << s.inner;
            EXPECT_EQ(actual[s.count()], 5.0f) << "wrote past the end";
        }
    }
}

TEST_P(SoftmaxLevelTest, BackwardMatchesReference) {
    const auto run = pick(softmax_backward_avx2, softmax_backward_avx512);
    for (SoftmaxKind kind : {SoftmaxKind::Softmax, SoftmaxKind::LogSoftmax}) {
        for (const Shape& s : shapes()) {
            const auto x = random_floats(s.count(), 2, -5.0f, 5.0f);
            std::vector<float> y(s.count());
            softmax_forward_reference({kind, s.outer, s.channels, s.inner, x.data(), y.data()});
            const auto dy = random_floats(s.count(), 3, -1.0f, 1.0f);
            std::vector<float> expected(s.count() + 1, 5.0f), actual(s.count() + 1, 5.0f);
            softmax_backward_reference({kind, s.outer, s.channels, s.inner, y.data(), dy.data(), expected.data()});
            run({kind, s.outer, s.channels, s.inner, y.data(), dy.data(), actual.data()});
            // Sums of up to 4099 terms of size 1 in float against double.
            EXPECT_TRUE(all_close(expected, actual, 1e-5, 2e-5))
                << static_cast<int>(kind) << ": " << s.outer << "x" << s.channels << "x" << s.inner;
            EXPECT_EQ(actual[s.count()], 5.0f) << "wrote past the end";
        }
    }
}

TEST_P(SoftmaxLevelTest, SameResultOnOneAndTwoThreadsAndInPlace) {
    const auto run = pick(softmax_forward_avx2, softmax_forward_avx512);
    for (const Shape& s : {Shape{512, 1000, 1}, Shape{64, 10, 1000}}) {
        const auto x = random_floats(s.count(), 4, -10.0f, 10.0f);
        std::vector<float> one(s.count()), two(s.count());
        {
            ops_test::ThreadCount threads(1);
            run({SoftmaxKind::Softmax, s.outer, s.channels, s.inner, x.data(), one.data()});
        }
        {
            ops_test::ThreadCount threads(2);
            two = x;
            run({SoftmaxKind::Softmax, s.outer, s.channels, s.inner, two.data(), two.data()});
        }
        EXPECT_TRUE(all_close(one, two, 0.0, 0.0)) << s.outer << "x" << s.channels << "x" << s.inner;
    }
}

TEST_P(SoftmaxLevelTest, LargeLogitsAndNaNRows) {
    const auto run = pick(softmax_forward_avx2, softmax_forward_avx512);
    const float nan_value = std::numeric_limits<float>::quiet_NaN();
    // Row 0: huge logits; row 1: a NaN among ordinary values. 17 channels reach the vector tail.
    std::vector<float> x(2 * 17, 0.0f);
    x[0] = 1000.0f;
    x[1] = 1000.0f;
    x[2] = -1000.0f;
    x[17 + 5] = nan_value;
    for (SoftmaxKind kind : {SoftmaxKind::Softmax, SoftmaxKind::LogSoftmax}) {
        std::vector<float> y(x.size());
        run({kind, 2, 17, 1, x.data(), y.data()});
        for (int c = 0; c < 17; ++c) {
            EXPECT_TRUE(std::isfinite(y[c])) << c;
            EXPECT_TRUE(std::isnan(y[17 + c])) << c;
        }
        if (kind == SoftmaxKind::Softmax) {
            EXPECT_FLOAT_EQ(y[0], 0.5f);
            EXPECT_EQ(y[2], 0.0f);
        } else {
            EXPECT_FLOAT_EQ(y[0], -0.6931472f);
            EXPECT_FLOAT_EQ(y[2], -2000.6931472f);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Softmax, SoftmaxLevelTest, ::testing::ValuesIn(ops_test::vector_levels), ops_test::level_name);

TEST(SoftmaxReference, HandComputedValues) {
    // softmax([1, 2, 3]) = e^(x - 3) / (e^-2 + e^-1 + 1).
    const float x[] = {1.0f, 2.0f, 3.0f};
    float y[3];
    softmax_forward_reference({SoftmaxKind::Softmax, 1, 3, 1, x, y});
    EXPECT_FLOAT_EQ(y[0], 0.09003057f);
    EXPECT_FLOAT_EQ(y[1], 0.24472847f);
    EXPECT_FLOAT_EQ(y[2], 0.66524096f);
    softmax_forward_reference({SoftmaxKind::LogSoftmax, 1, 3, 1, x, y});
    EXPECT_FLOAT_EQ(y[0], -2.40760596f);
    EXPECT_FLOAT_EQ(y[1], -1.40760596f);
    EXPECT_FLOAT_EQ(y[2], -0.40760596f);

    // The same three logits along dim 1 of a [1, 3, 2] tensor, next to a constant column.
    const float strided[] = {1.0f, 7.0f, 2.0f, 7.0f, 3.0f, 7.0f};
    float out[6];
    softmax_forward_reference({SoftmaxKind::Softmax, 1, 3, 2, strided, out});
    EXPECT_FLOAT_EQ(out[0], 0.09003057f);
    EXPECT_FLOAT_EQ(out[4], 0.66524096f);
    EXPECT_FLOAT_EQ(out[1], 1.0f / 3.0f);

    // dx = y * (dy - sum(dy * y)): with dy = onehot(2), dx = y * ([0, 0, 1] - y[2]).
    const float p[] = {0.09003057f, 0.24472847f, 0.66524096f};
    const float dy[] = {0.0f, 0.0f, 1.0f};
    float dx[3];
    softmax_backward_reference({SoftmaxKind::Softmax, 1, 3, 1, p, dy, dx});
    EXPECT_FLOAT_EQ(dx[0], -0.09003057f * 0.66524096f);
    EXPECT_FLOAT_EQ(dx[2], 0.66524096f * (1.0f - 0.66524096f));
}

TEST(SoftmaxGradient, BackwardMatchesFiniteDifferences) {
    for (SoftmaxKind kind : {SoftmaxKind::Softmax, SoftmaxKind::LogSoftmax}) {
        for (const Shape& s : {Shape{2, 5, 1}, Shape{2, 3, 3}}) {
            const auto x = random_floats(s.count(), 5, -3.0f, 3.0f);
            const auto weights = random_floats(s.count(), 6, -1.0f, 1.0f);
            auto objective = [&](const std::vector<float>& input) {
                std::vector<float> y(input.size());
                softmax_forward({kind, s.outer, s.channels, s.inner, input.data(), y.data()});
                return ops_test::weighted_sum(weights, y);
            };
            std::vector<float> y(s.count()), dx(s.count());
            softmax_forward({kind, s.outer, s.channels, s.inner, x.data(), y.data()});
            softmax_backward({kind, s.outer, s.channels, s.inner, y.data(), weights.data(), dx.data()});
            EXPECT_TRUE(ops_test::gradients_match(dx, ops_test::numeric_gradient(x, objective)))
                << static_cast<int>(kind) << ": " << s.outer << "x" << s.channels << "x" << s.inner;
        }
    }
}

}  // namespace
