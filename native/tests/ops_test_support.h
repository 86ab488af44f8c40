// What the tests of the element-wise op families share: the awkward sizes, the vector levels with
// a fixture that skips levels this CPU lacks, seeded inputs, comparisons (relative, absolute and in
// ulps, NaN equal to NaN) and central-difference gradients accumulated in double.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/parallel.h"

namespace ops_test {

// Empty, one element, around the AVX2 and AVX-512 widths and their multiples, and a prime.
inline const int64_t awkward_sizes[] = {0, 1, 2, 7, 15, 16, 17, 31, 33, 63, 64, 65, 1023, 4099};

// Big enough that the kernels split the work between two threads.
inline constexpr int64_t threaded_size = 300007;

struct Level {
    const char* name;
    nn::core::Isa isa;
};

inline const Level vector_levels[] = {{"avx2", nn::core::Isa::Avx2}, {"avx512", nn::core::Isa::Avx512}};

inline std::string level_name(const ::testing::TestParamInfo<Level>& info) { return info.param.name; }

// Parameterised over the vector levels; skips a level the CPU cannot run.
class LevelTest : public ::testing::TestWithParam<Level> {
protected:
    void SetUp() override {
        if (!nn::core::cpu_supports(GetParam().isa)) {
            GTEST_SKIP() << "this CPU cannot run " << nn::core::isa_name(GetParam().isa) << " code";
        }
    }

    // The kernel of this test's level out of the pair.
    template <class Function>
    Function pick(Function avx2, Function avx512) const {
        return GetParam().isa == nn::core::Isa::Avx2 ? avx2 : avx512;
    }
};

class ThreadCount {
public:
    explicit ThreadCount(int count) : saved_(nn::core::num_threads()) { nn::core::set_num_threads(count); }
    ~ThreadCount() { nn::core::set_num_threads(saved_); }
    ThreadCount(const ThreadCount&) = delete;
    ThreadCount& operator=(const ThreadCount&) = delete;

private:
    int saved_;
};

inline std::vector<float> random_floats(int64_t count, uint32_t seed, float low, float high) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> uniform(low, high);
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& value : values) value = uniform(generator);
    return values;
}

// Distance in representable floats; 0 for equal values (+0 and -0 included) and for two NaNs.
inline int64_t ulp_distance(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
    if (a == b) return 0;
    auto ordered = [](float value) {
        int32_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        return bits < 0 ? int64_t{INT32_MIN} - bits : int64_t{bits};
    };
    const int64_t distance = ordered(a) - ordered(b);
    return distance < 0 ? -distance : distance;
}

// |expected - actual| <= absolute + relative * |expected|, with NaN matching NaN and an infinity
// matching only itself.
inline bool close(float expected, float actual, double relative, double absolute) {
    if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
    if (std::isinf(expected) || std::isinf(actual)) return expected == actual;
    return std::fabs(static_cast<double>(expected) - actual) <= absolute + relative * std::fabs(expected);
}

inline ::testing::AssertionResult all_close(const std::vector<float>& expected, const std::vector<float>& actual,
                                            double relative, double absolute) {
    if (expected.size() != actual.size()) {
        return ::testing::AssertionFailure() << "sizes differ: " << expected.size() << " and " << actual.size();
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (!close(expected[i], actual[i], relative, absolute)) {
            std::ostringstream text;
            text.precision(9);
            text << "element " << i << " of " << expected.size() << ": expected " << expected[i] << ", got "
                 << actual[i] << " (relative " << relative << ", absolute " << absolute << ")";
            return ::testing::AssertionFailure() << text.str();
        }
    }
    return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult within_ulps(const std::vector<float>& expected, const std::vector<float>& actual,
                                              int64_t ulps) {
    for (std::size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
        if (ulp_distance(expected[i], actual[i]) > ulps) {
            std::ostringstream text;
            text.precision(9);
            text << "element " << i << ": expected " << expected[i] << ", got " << actual[i] << ", "
                 << ulp_distance(expected[i], actual[i]) << " ulps apart (at most " << ulps << ")";
            return ::testing::AssertionFailure() << text.str();
        }
    }
    if (expected.size() != actual.size()) return ::testing::AssertionFailure() << "sizes differ";
    return ::testing::AssertionSuccess();
}

// Central differences of a scalar objective of float inputs, evaluated in double: element i moves
// by +-step * max(1, |x_i|), and the quotient divides by the distance the float inputs really
// moved.
template <class Objective>
std::vector<double> numeric_gradient(std::vector<float> x, const Objective& objective, float step = 1e-2f) {
    std::vector<double> gradient(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float saved = x[i];
        const float delta = step * std::fmax(1.0f, std::fabs(saved));
        x[i] = saved + delta;
        const float above = x[i];
        const double up = objective(x);
        x[i] = saved - delta;
        const float below = x[i];
        const double down = objective(x);
        x[i] = saved;
        gradient[i] = (up - down) / (static_cast<double>(above) - below);
    }
    return gradient;
}

inline ::testing::AssertionResult gradients_match(const std::vector<float>& analytic, const std::vector<double>& numeric,
                                                  double relative = 1e-3, double absolute = 1e-4) {
    if (analytic.size() != numeric.size()) return ::testing::AssertionFailure() << "sizes differ";
    for (std::size_t i = 0; i < analytic.size(); ++i) {
        const double difference = std::fabs(analytic[i] - numeric[i]);
        const double scale = std::fmax(std::fabs(analytic[i]), std::fabs(numeric[i]));
        if (!(difference <= absolute + relative * scale)) {
            std::ostringstream text;
            text.precision(9);
            text << "element " << i << ": backward gives " << analytic[i] << ", finite differences " << numeric[i];
            return ::testing::AssertionFailure() << text.str();
        }
    }
    return ::testing::AssertionSuccess();
}

// Sum of w_i * y_i in double: an objective whose gradient with respect to y is w.
inline double weighted_sum(const std::vector<float>& weights, const std::vector<float>& y) {
    double sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(weights[i]) * y[i];
    return sum;
}

}  // namespace ops_test
