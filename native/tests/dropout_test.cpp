// x [n] -> y [n], mask [n]; dy [n], mask [n] -> dx [n]
// The vector dropout against the reference bit for bit, the mask's dependence on (seed, i) alone,
// p = 0 and p = 1, the keep rate, the backward, and the entry point's checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/log.h"
#include "core/random.h"
#include "cpu/dropout/dropout.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::random_floats;

const float probabilities[] = {0.0f, 0.1f, 0.5f, 0.999f, 1.0f};
const uint64_t seeds[] = {0, 42, 0xFFFFFFFFFFFFFFFFull};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class DropoutLevelTest : public ops_test::LevelTest {};

TEST_P(DropoutLevelTest, MatchesReferenceBitForBit) {
    const auto run = pick(dropout_forward_avx2, dropout_forward_avx512);
    for (int64_t n : ops_test::awkward_sizes) {
        const auto x = random_floats(n, 1, -2.0f, 2.0f);
        for (float p : probabilities) {
            for (uint64_t seed : seeds) {
                std::vector<float> y_expected(n + 1, 5.0f), mask_expected(n + 1, 5.0f);
                std::vector<float> y_actual(n + 1, 5.0f), mask_actual(n + 1, 5.0f);
                dropout_forward_reference({p, seed, n, x.data(), y_expected.data(), mask_expected.data()});
                run({p, seed, n, x.data(), y_actual.data(), mask_actual.data()});
                EXPECT_TRUE(same_bits(y_expected, y_actual)) << "n = " << n << ", p = " << p << ", seed = " << seed;
                EXPECT_TRUE(same_bits(mask_expected, mask_actual)) << "n = " << n << ", p = " << p << ", seed = " << seed;
            }
        }
    }
}

TEST_P(DropoutLevelTest, SameMaskOnTwoThreadsAndInPlace) {
    const auto run = pick(dropout_forward_avx2, dropout_forward_avx512);
    const int64_t n = ops_test::threaded_size;
    const auto x = random_floats(n, 2, -2.0f, 2.0f);
    std::vector<float> y_expected(n), mask_expected(n), mask_actual(n);
    dropout_forward_reference({0.3f, 7, n, x.data(), y_expected.data(), mask_expected.data()});
    ops_test::ThreadCount threads(2);
    std::vector<float> in_place = x;
    run({0.3f, 7, n, in_place.data(), in_place.data(), mask_actual.data()});
    EXPECT_TRUE(same_bits(y_expected, in_place));
    EXPECT_TRUE(same_bits(mask_expected, mask_actual));
}

INSTANTIATE_TEST_SUITE_P(Dropout, DropoutLevelTest, ::testing::ValuesIn(ops_test::vector_levels), ops_test::level_name);

TEST(DropoutReference, MaskDependsOnlyOnSeedAndIndex) {
    const int64_t n = 1000;
    const auto x = random_floats(n, 3, -1.0f, 1.0f);
    std::vector<float> y(n), mask(n), short_y(100), short_mask(100), again(n), again_mask(n), other(n), other_mask(n);
    dropout_forward({0.5f, 99, n, x.data(), y.data(), mask.data()});
    dropout_forward({0.5f, 99, 100, x.data(), short_y.data(), short_mask.data()});
    dropout_forward({0.5f, 99, n, x.data(), again.data(), again_mask.data()});
    dropout_forward({0.5f, 100, n, x.data(), other.data(), other_mask.data()});
    EXPECT_TRUE(same_bits(mask, again_mask));
    EXPECT_TRUE(same_bits(std::vector<float>(mask.begin(), mask.begin() + 100), short_mask));
    EXPECT_FALSE(same_bits(mask, other_mask));
    for (int64_t i = 0; i < n; ++i) {
        const bool keep = nn::core::uniform_sample(99, static_cast<uint64_t>(i), 0.0f, 1.0f) >= 0.5f;
        ASSERT_EQ(mask[i], keep ? 2.0f : 0.0f) << i;
        ASSERT_EQ(y[i], x[i] * mask[i]) << i;
    }
}

TEST(DropoutReference, KeepsAboutOneMinusPAndScalesKeptValues) {
    const int64_t n = 100000;
    const std::vector<float> x(n, 1.0f);
    std::vector<float> y(n), mask(n);
    dropout_forward({0.3f, 5, n, x.data(), y.data(), mask.data()});
    int64_t kept = 0;
    const float scale = 1.0f / 0.7f;
    for (int64_t i = 0; i < n; ++i) {
        if (mask[i] != 0.0f) {
            ++kept;
            EXPECT_EQ(y[i], scale);
        } else {
            EXPECT_EQ(y[i], 0.0f);
        }
    }
    // 70,000 expected, standard deviation 145.
    EXPECT_NEAR(static_cast<double>(kept), 70000.0, 1000.0);
}

TEST(DropoutReference, ProbabilityZeroIsIdentityAndOneDropsEverything) {
    const float nan_value = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> x = {1.5f, -2.0f, nan_value, std::numeric_limits<float>::infinity(), 0.0f};
    const auto n = static_cast<int64_t>(x.size());
    std::vector<float> y(n), mask(n);
    dropout_forward({0.0f, 1, n, x.data(), y.data(), mask.data()});
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(mask[i], 1.0f);
    EXPECT_EQ(y[0], 1.5f);
    EXPECT_EQ(y[1], -2.0f);
    EXPECT_TRUE(std::isnan(y[2]));
    dropout_forward({1.0f, 1, n, x.data(), y.data(), mask.data()});
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(mask[i], 0.0f);
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_TRUE(std::isnan(y[2])) << "PyTorch multiplies by zero: NaN stays NaN";
    EXPECT_TRUE(std::isnan(y[3])) << "and infinity times zero is NaN";
}

TEST(DropoutGradient, BackwardIsTheMaskAndMatchesFiniteDifferences) {
    const int64_t n = 12;
    const auto x = random_floats(n, 4, -1.0f, 1.0f);
    const auto weights = random_floats(n, 5, -1.0f, 1.0f);
    auto objective = [&](const std::vector<float>& input) {
        std::vector<float> y(n), mask(n);
        dropout_forward({0.4f, 11, n, input.data(), y.data(), mask.data()});
        return ops_test::weighted_sum(weights, y);
    };
    std::vector<float> y(n), mask(n), dx(n);
    dropout_forward({0.4f, 11, n, x.data(), y.data(), mask.data()});
    dropout_backward({n, weights.data(), mask.data(), dx.data()});
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(dx[i], weights[i] * mask[i]);
    EXPECT_TRUE(ops_test::gradients_match(dx, ops_test::numeric_gradient(x, objective)));
}

TEST(DropoutEntry, RejectsProbabilitiesOutsideZeroToOne) {
    float x = 1.0f, y = 0.0f, mask = 0.0f;
    for (float p : {-0.1f, 1.1f, std::numeric_limits<float>::quiet_NaN()}) {
        try {
            dropout_forward({p, 0, 1, &x, &y, &mask});
            ADD_FAILURE() << "p = " << p << " was accepted";
        } catch (const nn::core::Error& error) {
            EXPECT_EQ(error.status(), NN_ERROR_INVALID_ARGUMENT);
        }
    }
}

}  // namespace
