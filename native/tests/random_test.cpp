// Counter-based random fills: the documented formula, reproducibility, independence from the
// thread count, and the moments of the distributions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/random.h"
#include "nativenn.h"

namespace {

struct Tensor {
    explicit Tensor(std::int64_t count, nn_dtype dtype = NN_DTYPE_FLOAT32) {
        EXPECT_EQ(nn_tensor_create(dtype, 1, &count, &handle), NN_OK) << nn_last_error();
    }
    ~Tensor() { nn_tensor_release(handle); }
    Tensor(const Tensor&) = delete;
    Tensor& operator=(const Tensor&) = delete;

    std::vector<float> values() const {
        std::int64_t count = 0;
        nn_tensor_numel(handle, &count);
        std::vector<float> result(static_cast<std::size_t>(count));
        EXPECT_EQ(nn_tensor_copy_to(handle, result.data(), count * 4), NN_OK) << nn_last_error();
        return result;
    }

    nn_tensor* handle = nullptr;
};

std::vector<float> uniform(std::int64_t count, std::uint64_t seed, float low, float high) {
    Tensor tensor(count);
    EXPECT_EQ(nn_tensor_fill_uniform(tensor.handle, seed, low, high), NN_OK) << nn_last_error();
    return tensor.values();
}

std::vector<float> normal(std::int64_t count, std::uint64_t seed, float mean, float std) {
    Tensor tensor(count);
    EXPECT_EQ(nn_tensor_fill_normal(tensor.handle, seed, mean, std), NN_OK) << nn_last_error();
    return tensor.values();
}

struct Moments {
    double mean = 0, variance = 0, skewness = 0, kurtosis = 0;
};

Moments moments_of(const std::vector<float>& values) {
    Moments result;
    for (float value : values) result.mean += value;
    result.mean /= static_cast<double>(values.size());
    double m2 = 0, m3 = 0, m4 = 0;
    for (float value : values) {
        const double d = value - result.mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    const auto n = static_cast<double>(values.size());
    result.variance = m2 / n;
    result.skewness = (m3 / n) / std::pow(result.variance, 1.5);
    result.kurtosis = (m4 / n) / (result.variance * result.variance);
    return result;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class ThreadCount : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(nn_get_num_threads(&saved_), NN_OK); }
    void TearDown() override { EXPECT_EQ(nn_set_num_threads(saved_), NN_OK); }
    std::int32_t saved_ = 1;
};

TEST(RandomMix, IsSplitMix64AtACounter) {
    // The published SplitMix64 outputs for seed 1234567.
    const std::uint64_t expected[] = {6457827717110365317ull, 3203168211198807973ull, 9817491932198370423ull,
                                      4593380528125082431ull, 16408922859458223821ull};
    for (std::uint64_t counter = 0; counter < 5; ++counter) {
        EXPECT_EQ(nn::core::mix(1234567, counter), expected[counter]) << counter;
    }
    EXPECT_EQ(nn::core::mix(0, 0), 0xE220A8397B1DCDAFull);
}

TEST(RandomUniform, FollowsTheDocumentedFormula) {
    const std::uint64_t seed = 0xDEADBEEF;
    const auto values = uniform(1000, seed, -2.0f, 3.0f);
    for (std::uint64_t index = 0; index < values.size(); ++index) {
        const double unit = static_cast<double>(nn::core::mix(seed, index) >> 40) / 16777216.0;
        ASSERT_EQ(values[index], static_cast<float>(-2.0 + 5.0 * unit)) << index;
    }
}

TEST(RandomNormal, FollowsTheDocumentedFormula) {
    const std::uint64_t seed = 77;
    const auto values = normal(1000, seed, 1.5f, 2.0f);
    for (std::uint64_t index = 0; index < values.size(); ++index) {
        const double u1 = (static_cast<double>(nn::core::mix(seed, 2 * index) >> 11) + 1) / 9007199254740992.0;
        const double u2 = static_cast<double>(nn::core::mix(seed, 2 * index + 1) >> 11) / 9007199254740992.0;
        const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.14159265358979323846 * u2);
        ASSERT_NEAR(values[index], 1.5 + 2.0 * z, 1e-5 * (1 + std::fabs(1.5 + 2.0 * z))) << index;
    }
}

TEST(RandomUniform, SameSeedRepeatsAndAnotherSeedDiffers) {
    const auto first = uniform(10007, 5, 0.0f, 1.0f);
    EXPECT_TRUE(same_bits(first, uniform(10007, 5, 0.0f, 1.0f)));
    const auto other = uniform(10007, 6, 0.0f, 1.0f);
    int equal = 0;
    for (std::size_t index = 0; index < first.size(); ++index) equal += first[index] == other[index];
    EXPECT_LT(equal, 10);
    // A prefix of a longer fill is the shorter fill: element i depends on i alone.
    const auto longer = uniform(20011, 5, 0.0f, 1.0f);
    EXPECT_EQ(std::memcmp(longer.data(), first.data(), first.size() * sizeof(float)), 0);
}

TEST(RandomNormal, SameSeedRepeatsAndAnotherSeedDiffers) {
    const auto first = normal(10007, 5, 0.0f, 1.0f);
    EXPECT_TRUE(same_bits(first, normal(10007, 5, 0.0f, 1.0f)));
    const auto other = normal(10007, 6, 0.0f, 1.0f);
    int equal = 0;
    for (std::size_t index = 0; index < first.size(); ++index) equal += first[index] == other[index];
    EXPECT_LT(equal, 10);
}

TEST_F(ThreadCount, FillsDoNotDependOnTheThreadCount) {
    const std::int64_t count = (std::int64_t{1} << 20) + 3;  // well above the parallel threshold
    ASSERT_EQ(nn_set_num_threads(1), NN_OK);
    const auto uniform_single = uniform(count, 11, -1.0f, 1.0f);
    const auto normal_single = normal(count, 11, 0.0f, 1.0f);
    for (std::int32_t threads : {2, 5}) {
        ASSERT_EQ(nn_set_num_threads(threads), NN_OK);
        EXPECT_TRUE(same_bits(uniform_single, uniform(count, 11, -1.0f, 1.0f))) << threads << " threads";
        EXPECT_TRUE(same_bits(normal_single, normal(count, 11, 0.0f, 1.0f))) << threads << " threads";
    }
}

TEST(RandomUniform, MomentsAndRangeOfAMillionSamples) {
    const auto unit = uniform(1000000, 2024, 0.0f, 1.0f);
    const Moments moments = moments_of(unit);
    // Standard error of the mean is 0.00029 and of the variance about 0.00009.
    EXPECT_NEAR(moments.mean, 0.5, 0.002);
    EXPECT_NEAR(moments.variance, 1.0 / 12.0, 0.0008);
    float lowest = 1, highest = 0;
    for (float value : unit) {
        ASSERT_GE(value, 0.0f);
        ASSERT_LT(value, 1.0f);
        lowest = std::min(lowest, value);
        highest = std::max(highest, value);
    }
    EXPECT_LT(lowest, 1e-4f);
    EXPECT_GT(highest, 1 - 1e-4f);
    // Ten equal bins each hold about 100000 samples; a standard deviation is about 300.
    int bins[10] = {};
    for (float value : unit) ++bins[static_cast<int>(value * 10)];
    for (int bin : bins) EXPECT_NEAR(bin, 100000, 2000);

    const auto shifted = uniform(1000000, 2024, -3.0f, 5.0f);
    const Moments shifted_moments = moments_of(shifted);
    EXPECT_NEAR(shifted_moments.mean, 1.0, 0.016);
    EXPECT_NEAR(shifted_moments.variance, 64.0 / 12.0, 0.05);
    for (float value : shifted) {
        ASSERT_GE(value, -3.0f);
        ASSERT_LT(value, 5.0f);
    }
}

TEST(RandomUniform, StaysBelowHighEvenWhenRoundingWouldReachIt) {
    const float low = 1.0f;
    const float high = std::nextafter(1.0f, 2.0f);
    for (float value : uniform(4096, 3, low, high)) ASSERT_EQ(value, low);
    for (float value : uniform(4096, 3, 2.5f, 2.5f)) ASSERT_EQ(value, 2.5f);
    const float big = std::numeric_limits<float>::max();
    for (float value : uniform(4096, 3, -big, big)) {
        ASSERT_TRUE(std::isfinite(value));
        ASSERT_LT(value, big);
    }
}

TEST(RandomNormal, MomentsOfAMillionSamples) {
    const auto values = normal(1000000, 99, 0.0f, 1.0f);
    const Moments moments = moments_of(values);
    // Standard errors: mean 0.001, variance 0.0014, skewness 0.0025, kurtosis 0.005.
    EXPECT_NEAR(moments.mean, 0.0, 0.005);
    EXPECT_NEAR(std::sqrt(moments.variance), 1.0, 0.005);
    EXPECT_NEAR(moments.skewness, 0.0, 0.015);
    EXPECT_NEAR(moments.kurtosis, 3.0, 0.03);
    int within_one = 0;
    double lag_product = 0;
    for (std::size_t index = 0; index < values.size(); ++index) {
        within_one += std::fabs(values[index]) < 1.0f;
        if (index > 0) lag_product += static_cast<double>(values[index]) * values[index - 1];
    }
    EXPECT_NEAR(within_one / 1e6, 0.682689, 0.003);
    EXPECT_NEAR(lag_product / 1e6, 0.0, 0.005) << "neighbouring samples are correlated";

    const Moments scaled = moments_of(normal(1000000, 99, 2.0f, 0.5f));
    EXPECT_NEAR(scaled.mean, 2.0, 0.0025);
    EXPECT_NEAR(std::sqrt(scaled.variance), 0.5, 0.0025);
    for (float value : normal(1000, 4, -1.0f, 0.0f)) ASSERT_EQ(value, -1.0f);
}

TEST(RandomFill, RejectsBadParametersAndIntegerTensors) {
    Tensor floats(4);
    EXPECT_EQ(nn_tensor_fill_uniform(floats.handle, 1, 2.0f, 1.0f), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_tensor_fill_uniform: low 2 and high 1 must be finite with low <= high");
    EXPECT_EQ(nn_tensor_fill_uniform(floats.handle, 1, 0.0f, std::numeric_limits<float>::infinity()),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_fill_uniform(floats.handle, 1, std::numeric_limits<float>::quiet_NaN(), 1.0f),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_fill_normal(floats.handle, 1, 0.0f, -1.0f), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_tensor_fill_normal: mean 0 and std -1 must be finite with std >= 0");
    EXPECT_EQ(nn_tensor_fill_normal(floats.handle, 1, std::numeric_limits<float>::quiet_NaN(), 1.0f),
              NN_ERROR_INVALID_ARGUMENT);
    for (float value : floats.values()) EXPECT_EQ(value, 0.0f) << "a rejected fill wrote";

    Tensor integers(4, NN_DTYPE_INT64);
    EXPECT_EQ(nn_tensor_fill_uniform(integers.handle, 1, 0.0f, 1.0f), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()), "nn_tensor_fill_uniform: tensor int64[4] is not float32");
    EXPECT_EQ(nn_tensor_fill_normal(integers.handle, 1, 0.0f, 1.0f), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(nn_tensor_fill_normal(nullptr, 1, 0.0f, 1.0f), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_tensor_fill_normal: tensor is null");
}

}  // namespace
