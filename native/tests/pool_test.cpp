// x [N,C,H,W] -> y [N,C,P,Q]: max_pool2d and avg_pool2d, forward and backward
// Output sizes and their errors by PyTorch's rules (ceil_mode, padding at most half the kernel);
// hand-checked maps (ties, NaN, count_include_pad both ways, ceil_mode); every vector kernel against
// the reference on awkward shapes, bit for bit forward (values and indices, with ties, NaN and
// -inf in the data); backwards against central differences; bad indices; thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/log.h"
#include "cpu/pool/pool.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;

struct Case {
    const char* name;
    int64_t batch, channels, height, width, kernel_height, kernel_width;
    int64_t stride_height, stride_width, padding_height, padding_width;
    bool ceil_mode;
};

Pool2dProblem problem_of(const Case& c, bool count_include_pad = true) {
    Pool2dProblem p;
    p.batch = c.batch;
    p.channels = c.channels;
    p.in_height = c.height;
    p.in_width = c.width;
    p.kernel_height = c.kernel_height;
    p.kernel_width = c.kernel_width;
    p.stride_height = c.stride_height;
    p.stride_width = c.stride_width;
    p.padding_height = c.padding_height;
    p.padding_width = c.padding_width;
    p.ceil_mode = c.ceil_mode;
    p.count_include_pad = count_include_pad;
    complete_pool2d_problem("test", p);
    return p;
}

// name, N C H W, kernel h w, stride h w, padding h w, ceil_mode
const Case awkward_cases[] = {
    {"single", 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, false},
    {"lenet", 2, 4, 24, 24, 2, 2, 2, 2, 0, 0, false},
    {"lenet_small", 2, 3, 8, 8, 2, 2, 2, 2, 0, 0, false},
    {"odd_ceil", 1, 2, 7, 9, 3, 3, 2, 2, 1, 1, true},
    {"stride1_padded", 2, 3, 13, 17, 3, 3, 1, 1, 1, 1, false},
    {"odd_2x2_ceil", 1, 2, 33, 35, 2, 2, 2, 2, 0, 0, true},
    {"kernel_is_input", 1, 1, 5, 5, 5, 5, 1, 1, 2, 2, false},
    {"asymmetric_ceil", 2, 2, 11, 23, 3, 2, 3, 1, 1, 1, true},
    {"stride3", 1, 3, 9, 40, 4, 4, 3, 3, 2, 2, true},
    {"asymmetric", 1, 2, 8, 70, 2, 3, 1, 2, 1, 1, false},
    {"resnet_stem", 1, 3, 56, 57, 3, 3, 2, 2, 1, 1, true},
    {"kernel1_stride2", 1, 2, 6, 37, 1, 1, 1, 2, 0, 0, false},
    {"ceil_partial", 1, 2, 10, 10, 3, 3, 2, 2, 0, 0, true},
    {"wide_row", 1, 1, 3, 100, 2, 2, 1, 1, 1, 1, false},
    {"wide_stride2", 1, 2, 5, 131, 3, 3, 2, 2, 1, 1, false},
};

// Failure messages name the parameter instead of dumping its bytes.
void PrintTo(const Case& value, std::ostream* out) { *out << value.name; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// Values from a small set so that windows hold ties, with NaN and -inf sprinkled in.
std::vector<float> tied_values(int64_t count, uint32_t seed) {
    std::vector<float> values = ops_test::random_floats(count, seed, 0.0f, 4.0f);
    for (int64_t i = 0; i < count; ++i) {
        values[i] = std::floor(values[i]) - 2.0f;
        if (i % 37 == 11) values[i] = std::numeric_limits<float>::quiet_NaN();
        if (i % 29 == 5) values[i] = -std::numeric_limits<float>::infinity();
    }
    return values;
}

struct Level {
    const char* name;
    nn::core::Isa isa;
    void (*max_forward)(const MaxPool2dForward&);
    void (*max_backward)(const MaxPool2dBackward&);
    void (*avg_forward)(const AvgPool2dForward&);
    void (*avg_backward)(const AvgPool2dBackward&);
};

const Level levels[] = {
    {"avx2", nn::core::Isa::Avx2, max_pool2d_forward_avx2, max_pool2d_backward_avx2, avg_pool2d_forward_avx2,
     avg_pool2d_backward_avx2},
    {"avx512", nn::core::Isa::Avx512, max_pool2d_forward_avx512, max_pool2d_backward_avx512,
     avg_pool2d_forward_avx512, avg_pool2d_backward_avx512},
};

// Failure messages name the parameter instead of dumping its bytes.
void PrintTo(const Level& value, std::ostream* out) { *out << value.name; }

std::string level_name(const ::testing::TestParamInfo<Level>& info) { return info.param.name; }

class PoolLevelTest : public ::testing::TestWithParam<Level> {
protected:
    void SetUp() override {
        if (!nn::core::cpu_supports(GetParam().isa)) {
            GTEST_SKIP() << "this CPU cannot run " << nn::core::isa_name(GetParam().isa) << " code";
        }
    }
};

TEST_P(PoolLevelTest, MaxForwardMatchesReferenceBitForBit) {
    for (const Case& c : awkward_cases) {
        const Pool2dProblem p = problem_of(c);
        const auto x = tied_values(p.x_count(), 1);
        std::vector<float> expected(p.y_count()), actual(p.y_count() + 1, 7.0f);
        std::vector<int64_t> expected_indices(p.y_count()), actual_indices(p.y_count() + 1, 7);
        max_pool2d_forward_reference({p, x.data(), expected.data(), expected_indices.data()});
        GetParam().max_forward({p, x.data(), actual.data(), actual_indices.data()});
        EXPECT_EQ(actual.back(), 7.0f) << c.name << ": wrote past the end";
        EXPECT_EQ(actual_indices.back(), 7) << c.name << ": wrote past the end";
        actual.pop_back();
        actual_indices.pop_back();
        EXPECT_TRUE(ops_test::within_ulps(expected, actual, 0)) << c.name;
        EXPECT_EQ(expected_indices, actual_indices) << c.name;
        std::vector<float> without_indices(p.y_count());
        GetParam().max_forward({p, x.data(), without_indices.data(), nullptr});
        EXPECT_TRUE(ops_test::within_ulps(expected, without_indices, 0)) << c.name;
    }
}

TEST_P(PoolLevelTest, MaxBackwardMatchesReference) {
    for (const Case& c : awkward_cases) {
        const Pool2dProblem p = problem_of(c);
        const auto x = tied_values(p.x_count(), 2);
        std::vector<float> y(p.y_count());
        std::vector<int64_t> indices(p.y_count());
        max_pool2d_forward_reference({p, x.data(), y.data(), indices.data()});
        const auto dy = ops_test::random_floats(p.y_count(), 3, -1.0f, 1.0f);
        std::vector<float> expected(p.x_count()), actual(p.x_count(), NAN);
        max_pool2d_backward_reference({p, dy.data(), indices.data(), expected.data(), nullptr});
        int64_t out_of_range = -1;
        GetParam().max_backward({p, dy.data(), indices.data(), actual.data(), &out_of_range});
        // The same additions in the same order.
        EXPECT_TRUE(ops_test::within_ulps(expected, actual, 0)) << c.name;
        EXPECT_EQ(out_of_range, 0) << c.name;
    }
}

TEST_P(PoolLevelTest, AvgForwardMatchesReferenceBitForBit) {
    for (bool include : {true, false}) {
        for (const Case& c : awkward_cases) {
            const Pool2dProblem p = problem_of(c, include);
            const auto x = ops_test::random_floats(p.x_count(), 4, -1.0f, 1.0f);
            std::vector<float> expected(p.y_count()), actual(p.y_count() + 1, 7.0f);
            avg_pool2d_forward_reference({p, x.data(), expected.data()});
            GetParam().avg_forward({p, x.data(), actual.data()});
            EXPECT_EQ(actual.back(), 7.0f) << c.name << ": wrote past the end";
            actual.pop_back();
            EXPECT_TRUE(ops_test::within_ulps(expected, actual, 0)) << c.name << " count_include_pad " << include;
        }
    }
}

TEST_P(PoolLevelTest, AvgBackwardMatchesReference) {
    for (bool include : {true, false}) {
        for (const Case& c : awkward_cases) {
            const Pool2dProblem p = problem_of(c, include);
            const auto dy = ops_test::random_floats(p.y_count(), 5, -1.0f, 1.0f);
            std::vector<float> expected(p.x_count()), actual(p.x_count() + 1, NAN);
            actual.back() = 7.0f;
            avg_pool2d_backward_reference({p, dy.data(), expected.data()});
            GetParam().avg_backward({p, dy.data(), actual.data()});
            EXPECT_EQ(actual.back(), 7.0f) << c.name << ": wrote past the end";
            actual.pop_back();
            // Overlapping windows add their shares in another order: a few ulps of sums of at most
            // kernel-area terms of size 1.
            EXPECT_TRUE(ops_test::all_close(expected, actual, 1e-6, 1e-6)) << c.name << " count_include_pad "
                                                                           << include;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Levels, PoolLevelTest, ::testing::ValuesIn(levels), level_name);

TEST(PoolGeometry, OutputSizesFollowPyTorch) {
    // floor((in + 2 pad - kernel) / stride) + 1, and with ceil_mode rounded up unless the last
    // window would start past the input and the top padding.
    EXPECT_EQ(pool2d_output_size(4, 2, 2, 0, false), 2);
    EXPECT_EQ(pool2d_output_size(5, 2, 2, 0, false), 2);
    EXPECT_EQ(pool2d_output_size(5, 2, 2, 0, true), 3);
    EXPECT_EQ(pool2d_output_size(6, 3, 3, 1, true), 3);   // (6 + 2 - 3 + 2) / 3 + 1 = 3; last starts at 6 - 1 = 5 < 7
    EXPECT_EQ(pool2d_output_size(5, 2, 2, 1, true), 3);   // 4 would start at 6 - 1 = 5 >= 5 + 1, dropped
    EXPECT_EQ(pool2d_output_size(112, 3, 2, 1, false), 56);
    EXPECT_EQ(pool2d_output_size(7, 3, 2, 1, true), 4);
    EXPECT_EQ(pool2d_output_size(10, 3, 2, 0, true), 5);
    EXPECT_EQ(pool2d_output_size(10, 3, 2, 0, false), 4);
}

TEST(PoolGeometry, RejectsBadParametersByName) {
    struct Bad {
        const char* expected_text;
        void (*change)(Pool2dProblem&);
    };
    const Bad bad[] = {
        {"kernel_height is 0", [](Pool2dProblem& p) { p.kernel_height = 0; }},
        {"stride_width is 0", [](Pool2dProblem& p) { p.stride_width = 0; }},
        {"padding_height is -1", [](Pool2dProblem& p) { p.padding_height = -1; }},
        {"padding_width is 2; it must be at most half of kernel_width (3)", [](Pool2dProblem& p) { p.padding_width = 2; }},
        {"the output height would be 0", [](Pool2dProblem& p) { p.kernel_height = 7; p.padding_height = 0; }},
        {"channels is 0", [](Pool2dProblem& p) { p.channels = 0; }},
        {"in_width is 0", [](Pool2dProblem& p) { p.in_width = 0; }},
    };
    for (const Bad& b : bad) {
        Pool2dProblem p;
        p.batch = 1;
        p.channels = 2;
        p.in_height = 6;
        p.in_width = 6;
        p.kernel_height = 3;
        p.kernel_width = 3;
        p.stride_height = 2;
        p.stride_width = 2;
        b.change(p);
        try {
            complete_pool2d_problem("max_pool2d_forward", p);
            ADD_FAILURE() << "accepted: " << b.expected_text;
        } catch (const nn::core::Error& error) {
            EXPECT_EQ(error.status(), NN_ERROR_INVALID_ARGUMENT);
            const std::string message = error.what();
            EXPECT_NE(message.find("max_pool2d_forward: "), std::string::npos) << message;
            EXPECT_NE(message.find(b.expected_text), std::string::npos) << message;
        }
    }
}

// A 4x4 map, 2x2 windows at stride 2: maxima, ties (the first in row-major order wins) and a NaN.
TEST(PoolHandChecked, MaxTwoByTwoOnFourByFour) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> x = {
        1, 5, 2, 2,   //
        3, 4, 2, 2,   //
        -1, -1, 9, nan,  //
        -1, -2, 9, 8,  //
    };
    const Pool2dProblem p = problem_of({"hand", 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, false});
    ASSERT_EQ(p.out_height, 2);
    ASSERT_EQ(p.out_width, 2);
    const nn::core::Isa saved = nn::core::active_isa();
    for (nn::core::Isa level : {nn::core::Isa::Reference, nn::core::Isa::Avx2, nn::core::Isa::Avx512}) {
        if (!nn::core::cpu_supports(level)) continue;
        nn::core::set_active_isa(level);
        std::vector<float> y(4);
        std::vector<int64_t> indices(4);
        max_pool2d_forward({p, x.data(), y.data(), indices.data()});
        EXPECT_EQ(y[0], 5.0f);
        EXPECT_EQ(y[1], 2.0f);
        EXPECT_EQ(y[2], -1.0f);
        EXPECT_TRUE(std::isnan(y[3]));
        EXPECT_EQ(indices, (std::vector<int64_t>{1, 2, 8, 11})) << nn::core::isa_name(level);

        const std::vector<float> dy = {10, 20, 30, 40};
        std::vector<float> dx(16, NAN);
        max_pool2d_backward({p, dy.data(), indices.data(), dx.data(), nullptr});
        EXPECT_EQ(dx, (std::vector<float>{0, 10, 20, 0, 0, 0, 0, 0, 30, 0, 0, 40, 0, 0, 0, 0}))
            << nn::core::isa_name(level);
    }
    nn::core::set_active_isa(saved);
}

// A 3x3 map of 1..9, 2x2 windows, stride 2, padding 1: every window but the last holds padding.
TEST(PoolHandChecked, AverageCountIncludePadBothWaysAndCeilMode) {
    const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const nn::core::Isa saved = nn::core::active_isa();
    for (nn::core::Isa level : {nn::core::Isa::Reference, nn::core::Isa::Avx2, nn::core::Isa::Avx512}) {
        if (!nn::core::cpu_supports(level)) continue;
        nn::core::set_active_isa(level);
        const char* name = nn::core::isa_name(level);
        // Windows start at -1 and 1: rows {-1,0} and {1,2}, the same columns.
        Pool2dProblem with = problem_of({"hand", 1, 1, 3, 3, 2, 2, 2, 2, 1, 1, false}, true);
        ASSERT_EQ(with.out_height, 2);
        std::vector<float> y(4);
        avg_pool2d_forward({with, x.data(), y.data()});
        EXPECT_EQ(y, (std::vector<float>{1.0f / 4, (2.0f + 3.0f) / 4, (4.0f + 7.0f) / 4, (5.0f + 6 + 8 + 9) / 4})) << name;
        Pool2dProblem without = problem_of({"hand", 1, 1, 3, 3, 2, 2, 2, 2, 1, 1, false}, false);
        avg_pool2d_forward({without, x.data(), y.data()});
        EXPECT_EQ(y, (std::vector<float>{1.0f, (2.0f + 3.0f) / 2, (4.0f + 7.0f) / 2, (5.0f + 6 + 8 + 9) / 4})) << name;

        // 3x3 map, 2x2 windows at stride 2 without padding: floor mode gives one window, ceil mode
        // two per side; the extra window covers one row or column of input, and with
        // count_include_pad its divisor stops at the padded border (here no padding), so it is 2 or 1.
        Pool2dProblem ceil = problem_of({"hand", 1, 1, 3, 3, 2, 2, 2, 2, 0, 0, true}, true);
        ASSERT_EQ(ceil.out_height, 2);
        avg_pool2d_forward({ceil, x.data(), y.data()});
        EXPECT_EQ(y, (std::vector<float>{(1.0f + 2 + 4 + 5) / 4, (3.0f + 6) / 2, (7.0f + 8) / 2, 9.0f})) << name;

        // Backward of the padded case with count_include_pad: each window spreads dy / 4.
        const std::vector<float> dy = {4, 8, 12, 16};
        std::vector<float> dx(9, NAN);
        avg_pool2d_backward({with, dy.data(), dx.data()});
        EXPECT_EQ(dx, (std::vector<float>{1, 2, 2, 3, 4, 4, 3, 4, 4})) << name;
    }
    nn::core::set_active_isa(saved);
}

// ---- Gradients against central differences, objectives in double.

const Case gradient_cases[] = {
    {"overlap_padded", 1, 2, 7, 6, 3, 3, 2, 2, 1, 1, true},
    {"stride1", 2, 1, 5, 6, 2, 3, 1, 1, 1, 0, false},
    {"tiles", 1, 2, 6, 8, 2, 2, 2, 2, 0, 0, false},
};

class PoolGradientTest : public ::testing::TestWithParam<Case> {};

TEST_P(PoolGradientTest, AverageBackwardMatchesCentralDifferences) {
    for (bool include : {true, false}) {
        const Pool2dProblem p = problem_of(GetParam(), include);
        const auto x = ops_test::random_floats(p.x_count(), 6, -1.0f, 1.0f);
        const auto dy = ops_test::random_floats(p.y_count(), 7, -1.0f, 1.0f);
        std::vector<float> dx(p.x_count());
        avg_pool2d_backward({p, dy.data(), dx.data()});
        const auto numeric = ops_test::numeric_gradient(x, [&](const std::vector<float>& moved) {
            // The average in double, its divisor from the definition: the window clipped to the
            // padded input, or the elements inside the input.
            double total = 0.0;
            for (int64_t plane = 0; plane < p.planes(); ++plane) {
                for (int64_t oh = 0; oh < p.out_height; ++oh) {
                    for (int64_t ow = 0; ow < p.out_width; ++ow) {
                        const int64_t top = oh * p.stride_height - p.padding_height;
                        const int64_t left = ow * p.stride_width - p.padding_width;
                        const int64_t rows = std::min(top + p.kernel_height, p.in_height + p.padding_height) - top;
                        const int64_t columns = std::min(left + p.kernel_width, p.in_width + p.padding_width) - left;
                        double sum = 0.0;
                        int64_t inside = 0;
                        for (int64_t ih = top; ih < top + p.kernel_height; ++ih) {
                            for (int64_t iw = left; iw < left + p.kernel_width; ++iw) {
                                if (ih < 0 || ih >= p.in_height || iw < 0 || iw >= p.in_width) continue;
                                sum += moved[plane * p.in_plane() + ih * p.in_width + iw];
                                ++inside;
                            }
                        }
                        const double divisor = p.count_include_pad ? static_cast<double>(rows * columns) : inside;
                        total += dy[plane * p.out_plane() + oh * p.out_width + ow] * sum / divisor;
                    }
                }
            }
            return total;
        });
        EXPECT_TRUE(ops_test::gradients_match(dx, numeric, 1e-5, 1e-5)) << "count_include_pad " << include;
    }
}

// Distinct values 0.1 apart: a step of 1e-3 never changes which element is the maximum, so the
// max is linear around the point and its differences exact in double.
TEST_P(PoolGradientTest, MaxBackwardMatchesCentralDifferences) {
    const Pool2dProblem p = problem_of(GetParam());
    std::vector<float> x(p.x_count());
    for (int64_t i = 0; i < p.x_count(); ++i) x[i] = 0.1f * static_cast<float>((i * 7919) % p.x_count());
    const auto dy = ops_test::random_floats(p.y_count(), 8, -1.0f, 1.0f);
    std::vector<float> y(p.y_count()), dx(p.x_count());
    std::vector<int64_t> indices(p.y_count());
    max_pool2d_forward({p, x.data(), y.data(), indices.data()});
    max_pool2d_backward({p, dy.data(), indices.data(), dx.data(), nullptr});
    const auto numeric = ops_test::numeric_gradient(
        x,
        [&](const std::vector<float>& moved) {
            std::vector<float> moved_y(p.y_count());
            max_pool2d_forward_reference({p, moved.data(), moved_y.data(), nullptr});
            double total = 0.0;
            for (int64_t i = 0; i < p.y_count(); ++i) total += static_cast<double>(dy[i]) * moved_y[i];
            return total;
        },
        1e-4f);
    EXPECT_TRUE(ops_test::gradients_match(dx, numeric, 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolGradientTest, ::testing::ValuesIn(gradient_cases), case_name);

TEST(PoolErrors, OutOfRangeIndicesAreRefused) {
    const Pool2dProblem p = problem_of({"hand", 1, 2, 4, 4, 2, 2, 2, 2, 0, 0, false});
    const std::vector<float> dy(8, 1.0f);
    std::vector<int64_t> indices = {0, 2, 8, 10, 0, 2, 16, -1};
    std::vector<float> dx(32);
    try {
        max_pool2d_backward({p, dy.data(), indices.data(), dx.data(), nullptr});
        ADD_FAILURE() << "accepted indices outside the plane";
    } catch (const nn::core::Error& error) {
        EXPECT_EQ(error.status(), NN_ERROR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(error.what()).find("2 indices lie outside their 4x4 plane"), std::string::npos)
            << error.what();
    }
}

TEST(PoolThreads, SameResultsOnOneAndTwoThreads) {
    const Pool2dProblem p = problem_of({"big", 4, 16, 56, 57, 3, 3, 2, 2, 1, 1, true}, false);
    const auto x = ops_test::random_floats(p.x_count(), 9, -1.0f, 1.0f);
    const auto dy = ops_test::random_floats(p.y_count(), 10, -1.0f, 1.0f);
    std::vector<float> y[2], dx[2], avg[2], avg_dx[2];
    std::vector<int64_t> indices[2];
    for (int threads = 1; threads <= 2; ++threads) {
        ops_test::ThreadCount count(threads);
        const int t = threads - 1;
        y[t].resize(p.y_count());
        indices[t].resize(p.y_count());
        dx[t].resize(p.x_count());
        avg[t].resize(p.y_count());
        avg_dx[t].resize(p.x_count());
        max_pool2d_forward({p, x.data(), y[t].data(), indices[t].data()});
        max_pool2d_backward({p, dy.data(), indices[t].data(), dx[t].data(), nullptr});
        avg_pool2d_forward({p, x.data(), avg[t].data()});
        avg_pool2d_backward({p, dy.data(), avg_dx[t].data()});
    }
    EXPECT_EQ(y[0], y[1]);
    EXPECT_EQ(indices[0], indices[1]);
    EXPECT_EQ(dx[0], dx[1]);
    EXPECT_EQ(avg[0], avg[1]);
    EXPECT_EQ(avg_dx[0], avg_dx[1]);
}

TEST(PoolEmpty, BatchZeroDoesNothing) {
    const Pool2dProblem p = problem_of({"empty", 0, 2, 4, 4, 2, 2, 2, 2, 0, 0, false});
    max_pool2d_forward({p, nullptr, nullptr, nullptr});
    max_pool2d_backward({p, nullptr, nullptr, nullptr, nullptr});
    avg_pool2d_forward({p, nullptr, nullptr});
    avg_pool2d_backward({p, nullptr, nullptr});
}

}  // namespace
