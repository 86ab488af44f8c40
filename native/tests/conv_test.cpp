// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q], its backwards, and conv_transpose2d
// Geometry and its errors; hand-checked outputs; every fast kernel against the reference on
// awkward shapes (batch 1, primes, channel counts off the vector widths, kernels larger than the
// input, strides past the kernel, dilation, groups, depthwise, 1x1, asymmetric parameters, the
// benchmark shapes at batch 1); every backward against central differences of a forward computed
// in double; conv_transpose2d against a scatter written from its definition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/log.h"
#include "cpu/conv/conv.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::random_floats;

struct Case {
    const char* name;
    int64_t batch, channels, height, width, filters, kernel_height, kernel_width;
    int64_t stride_height, stride_width, padding_height, padding_width, dilation_height, dilation_width, groups;
};

Conv2dProblem problem_of(const Case& c) {
    Conv2dProblem p;
    p.batch = c.batch;
    p.in_channels = c.channels;
    p.in_height = c.height;
    p.in_width = c.width;
    p.out_channels = c.filters;
    p.kernel_height = c.kernel_height;
    p.kernel_width = c.kernel_width;
    p.stride_height = c.stride_height;
    p.stride_width = c.stride_width;
    p.padding_height = c.padding_height;
    p.padding_width = c.padding_width;
    p.dilation_height = c.dilation_height;
    p.dilation_width = c.dilation_width;
    p.groups = c.groups;
    complete_conv2d_problem("test", p);
    return p;
}

// name, N C H W, K R S, stride h w, padding h w, dilation h w, groups
const Case awkward_cases[] = {
    {"single_pixel", 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {"batch1_3x3", 1, 1, 7, 7, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1},
    {"primes", 2, 3, 11, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"channels17", 2, 17, 9, 10, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"kernel_past_input", 2, 3, 2, 3, 4, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    {"stride_past_kernel", 2, 3, 17, 19, 5, 2, 2, 3, 3, 0, 0, 1, 1, 1},
    {"stride_not_tiling", 1, 2, 10, 11, 3, 3, 3, 2, 2, 0, 0, 1, 1, 1},
    {"dilation2", 2, 3, 13, 12, 4, 3, 3, 1, 1, 2, 2, 2, 2, 1},
    {"dilation_stride", 1, 5, 15, 16, 7, 3, 2, 2, 3, 1, 2, 2, 3, 1},
    {"groups2", 2, 6, 9, 11, 10, 3, 3, 1, 1, 1, 1, 1, 1, 2},
    {"groups2_stride2", 2, 4, 12, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2},
    {"depthwise", 2, 6, 12, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6},
    {"depthwise_stride2", 2, 5, 14, 15, 5, 3, 3, 2, 2, 1, 1, 1, 1, 5},
    {"depthwise_multiplier", 1, 4, 9, 10, 8, 5, 5, 1, 1, 2, 2, 1, 1, 4},
    {"pointwise", 2, 17, 7, 9, 13, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {"pointwise_groups", 2, 8, 5, 6, 12, 1, 1, 1, 1, 0, 0, 1, 1, 4},
    {"pointwise_stride2", 2, 7, 9, 9, 5, 1, 1, 2, 2, 0, 0, 1, 1, 1},
    {"pointwise_padded", 1, 3, 4, 5, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    {"asymmetric", 2, 3, 13, 17, 4, 3, 5, 1, 2, 2, 1, 1, 1, 1},
    {"asymmetric_kernel", 1, 2, 16, 9, 3, 1, 7, 2, 1, 0, 3, 1, 1, 1},
    {"wide_row", 1, 2, 5, 67, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"wide_stride2", 1, 3, 7, 67, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1},
    {"wide_stride3", 1, 2, 8, 53, 3, 2, 5, 3, 3, 1, 2, 1, 1, 1},
    {"tall_column", 1, 2, 40, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"lenet_c1", 2, 1, 28, 28, 6, 5, 5, 1, 1, 0, 0, 1, 1, 1},
    {"lenet_c3", 2, 6, 12, 12, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1},
    {"cifar_first", 1, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"resnet_3x3", 1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"resnet_down", 1, 64, 56, 56, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1},
};

// Failure messages name the parameter instead of dumping its bytes.
void PrintTo(const Case& value, std::ostream* out) { *out << value.name; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// The data of one case and the reference's answers, computed once per case and reused by every
// implementation.
struct Data {
    Conv2dProblem problem;
    std::vector<float> x, weight, bias, dy;
    std::vector<float> y, dx, dweight;
};

const Data& data_of(const Case& c) {
    static std::vector<std::pair<std::string, Data>> cache;
    for (const auto& entry : cache) {
        if (entry.first == c.name) return entry.second;
    }
    Data d;
    d.problem = problem_of(c);
    const Conv2dProblem& p = d.problem;
    d.x = random_floats(p.x_count(), 1, -1.0f, 1.0f);
    d.weight = random_floats(p.weight_count(), 2, -1.0f, 1.0f);
    d.bias = random_floats(p.out_channels, 3, -1.0f, 1.0f);
    d.dy = random_floats(p.y_count(), 4, -1.0f, 1.0f);
    d.y.resize(p.y_count());
    d.dx.resize(p.x_count());
    d.dweight.resize(p.weight_count());
    conv2d_forward_reference({p, d.x.data(), d.weight.data(), d.bias.data(), d.y.data()});
    conv2d_backward_data_reference({p, d.dy.data(), d.weight.data(), d.dx.data()});
    conv2d_backward_weight_reference({p, d.x.data(), d.dy.data(), d.dweight.data()});
    cache.emplace_back(c.name, std::move(d));
    return cache.back().second;
}

// Float sums of `terms` products of values in [-1, 1] against the double reference: the rounding
// error grows at most linearly with the terms and far slower in practice; 2e-7 per term is eight
// times float's unit roundoff on top of the relative part.
::testing::AssertionResult matches(const std::vector<float>& expected, const std::vector<float>& actual,
                                   int64_t terms) {
    return ops_test::all_close(expected, actual, 1e-5, 2e-7 * static_cast<double>(terms));
}

// One implementation of the three directions, as tests call them.
struct Implementation {
    const char* name;
    nn::core::Isa isa;
    void (*forward)(const Conv2dForward&);
    void (*backward_data)(const Conv2dBackwardData&);
    void (*backward_weight)(const Conv2dBackwardWeight&);
    const char* (*forward_declines)(const Conv2dForward&);
    const char* (*backward_data_declines)(const Conv2dBackwardData&);
    const char* (*backward_weight_declines)(const Conv2dBackwardWeight&);
};

const Implementation implementations[] = {
    {"gemm", nn::core::Isa::Reference, conv2d_forward_gemm, conv2d_backward_data_gemm, conv2d_backward_weight_gemm,
     nullptr, nullptr, nullptr},
    {"avx512", nn::core::Isa::Avx512, conv2d_forward_avx512, conv2d_backward_data_avx512,
     conv2d_backward_weight_avx512, conv2d_forward_avx512_declines, conv2d_backward_data_avx512_declines,
     conv2d_backward_weight_avx512_declines},
};

class ConvKernelTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConvKernelTest, ForwardMatchesReference) {
    const Data& d = data_of(GetParam());
    const Conv2dProblem& p = d.problem;
    const Conv2dForward op{p, d.x.data(), d.weight.data(), d.bias.data(), nullptr};
    for (const Implementation& implementation : implementations) {
        if (!nn::core::cpu_supports(implementation.isa)) continue;
        if (implementation.forward_declines != nullptr && implementation.forward_declines(op) != nullptr) continue;
        std::vector<float> y(p.y_count() + 1, 7.0f);
        Conv2dForward run = op;
        run.y = y.data();
        implementation.forward(run);
        EXPECT_EQ(y.back(), 7.0f) << implementation.name << " wrote past the end";
        y.pop_back();
        EXPECT_TRUE(matches(d.y, y, p.group_in_channels() * p.kernel_area() + 1)) << implementation.name;
    }
}

TEST_P(ConvKernelTest, BackwardDataMatchesReference) {
    const Data& d = data_of(GetParam());
    const Conv2dProblem& p = d.problem;
    const Conv2dBackwardData op{p, d.dy.data(), d.weight.data(), nullptr};
    for (const Implementation& implementation : implementations) {
        if (!nn::core::cpu_supports(implementation.isa)) continue;
        if (implementation.backward_data_declines != nullptr && implementation.backward_data_declines(op) != nullptr) {
            continue;
        }
        // NaN in the output shows that every element gets written.
        std::vector<float> dx(p.x_count() + 1, NAN);
        dx.back() = 7.0f;
        Conv2dBackwardData run = op;
        run.dx = dx.data();
        implementation.backward_data(run);
        EXPECT_EQ(dx.back(), 7.0f) << implementation.name << " wrote past the end";
        dx.pop_back();
        EXPECT_TRUE(matches(d.dx, dx, p.group_out_channels() * p.kernel_area())) << implementation.name;
    }
}

TEST_P(ConvKernelTest, BackwardWeightMatchesReference) {
    const Data& d = data_of(GetParam());
    const Conv2dProblem& p = d.problem;
    const Conv2dBackwardWeight op{p, d.x.data(), d.dy.data(), nullptr};
    for (const Implementation& implementation : implementations) {
        if (!nn::core::cpu_supports(implementation.isa)) continue;
        if (implementation.backward_weight_declines != nullptr &&
            implementation.backward_weight_declines(op) != nullptr) {
            continue;
        }
        std::vector<float> dweight(p.weight_count() + 1, NAN);
        dweight.back() = 7.0f;
        Conv2dBackwardWeight run = op;
        run.dweight = dweight.data();
        implementation.backward_weight(run);
        EXPECT_EQ(dweight.back(), 7.0f) << implementation.name << " wrote past the end";
        dweight.pop_back();
        EXPECT_TRUE(matches(d.dweight, dweight, p.batch * p.out_plane())) << implementation.name;
    }
}

TEST_P(ConvKernelTest, EntryPointsMatchReferenceAtEveryLevel) {
    const Data& d = data_of(GetParam());
    const Conv2dProblem& p = d.problem;
    const nn::core::Isa saved = nn::core::active_isa();
    for (nn::core::Isa level : {nn::core::Isa::Reference, nn::core::Isa::Avx2, nn::core::Isa::Avx512}) {
        if (!nn::core::cpu_supports(level)) continue;
        nn::core::set_active_isa(level);
        std::vector<float> y(p.y_count()), dx(p.x_count()), dweight(p.weight_count()), dbias(p.out_channels);
        conv2d_forward({p, d.x.data(), d.weight.data(), d.bias.data(), y.data()});
        conv2d_backward_data({p, d.dy.data(), d.weight.data(), dx.data()});
        conv2d_backward_weight({p, d.x.data(), d.dy.data(), dweight.data()});
        conv2d_backward_bias({p, d.dy.data(), dbias.data()});
        std::vector<float> expected_dbias(p.out_channels);
        conv2d_backward_bias_reference({p, d.dy.data(), expected_dbias.data()});
        const char* level_name = nn::core::isa_name(level);
        EXPECT_TRUE(matches(d.y, y, p.group_in_channels() * p.kernel_area() + 1)) << level_name;
        EXPECT_TRUE(matches(d.dx, dx, p.group_out_channels() * p.kernel_area())) << level_name;
        EXPECT_TRUE(matches(d.dweight, dweight, p.batch * p.out_plane())) << level_name;
        EXPECT_TRUE(matches(expected_dbias, dbias, p.batch * p.out_plane())) << level_name;
    }
    nn::core::set_active_isa(saved);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvKernelTest, ::testing::ValuesIn(awkward_cases), case_name);

// The direct kernels must take the shapes they exist for, or the tests above prove little.
TEST(ConvDirect, TakesTheSmallChannelAndDepthwiseShapes) {
    if (!nn::core::cpu_supports(nn::core::Isa::Avx512)) GTEST_SKIP() << "this CPU cannot run avx512 code";
    for (const char* name : {"lenet_c1", "lenet_c3", "cifar_first", "depthwise", "primes"}) {
        for (const Case& c : awkward_cases) {
            if (std::string(c.name) != name) continue;
            const Conv2dProblem p = problem_of(c);
            const char* reason = conv2d_forward_avx512_declines({p, nullptr, nullptr, nullptr, nullptr});
            EXPECT_EQ(reason, nullptr) << name << ": " << reason;
        }
    }
}

TEST(ConvGeometry, SevenBySevenWithThreeByThreeAtStrideOneTwoThree) {
    const int64_t expected[] = {5, 3, 2};
    for (int64_t stride = 1; stride <= 3; ++stride) {
        const Case c{"hand", 1, 1, 7, 7, 1, 3, 3, stride, stride, 0, 0, 1, 1, 1};
        const Conv2dProblem p = problem_of(c);
        EXPECT_EQ(p.out_height, expected[stride - 1]) << "stride " << stride;
        EXPECT_EQ(p.out_width, expected[stride - 1]) << "stride " << stride;
    }
    EXPECT_EQ(conv2d_output_size(7, 3, 3, 0, 1), 2);  // rows 6 is never read: 3 does not tile 7 - 3 = 4
    EXPECT_EQ(conv2d_output_size(10, 3, 2, 1, 2), 4);
    EXPECT_EQ(conv2d_output_size(2, 5, 1, 1, 1), 0);
}

// x[i][j] = 7 i + j and a 3x3 filter of ones: each output is nine times its window's centre.
TEST(ConvHandChecked, SevenBySevenSumsOfWindows) {
    std::vector<float> x(49);
    for (int i = 0; i < 49; ++i) x[i] = static_cast<float>(i);
    const std::vector<float> weight(9, 1.0f);
    const std::vector<std::vector<float>> expected = {
        {72, 81, 90, 99, 108, 135, 144, 153, 162, 171, 198, 207, 216, 225, 234,
         261, 270, 279, 288, 297, 324, 333, 342, 351, 360},
        {72, 90, 108, 198, 216, 234, 324, 342, 360},
        {72, 99, 261, 288},
    };
    for (int64_t stride = 1; stride <= 3; ++stride) {
        const Conv2dProblem p = problem_of({"hand", 1, 1, 7, 7, 1, 3, 3, stride, stride, 0, 0, 1, 1, 1});
        std::vector<float> y(p.y_count());
        conv2d_forward({p, x.data(), weight.data(), nullptr, y.data()});
        EXPECT_EQ(y, expected[stride - 1]) << "stride " << stride;
    }
}

// 32x32x3 ones through ten 5x5 filters of ones, stride 1, pad 2: 32x32x10 outputs that count the
// window's pixels inside the image, times 3 channels, plus the filter's bias.
TEST(ConvHandChecked, ThirtyTwoByThirtyTwoByThreeTenFilters) {
    const Conv2dProblem p = problem_of({"hand", 1, 3, 32, 32, 10, 5, 5, 1, 1, 2, 2, 1, 1, 1});
    ASSERT_EQ(p.out_height, 32);
    ASSERT_EQ(p.out_width, 32);
    ASSERT_EQ(p.y_count(), 32 * 32 * 10);
    const std::vector<float> x(p.x_count(), 1.0f);
    const std::vector<float> weight(p.weight_count(), 1.0f);
    std::vector<float> bias(10);
    for (int k = 0; k < 10; ++k) bias[k] = static_cast<float>(k);
    std::vector<float> y(p.y_count());
    conv2d_forward({p, x.data(), weight.data(), bias.data(), y.data()});
    for (int k = 0; k < 10; ++k) {
        const float* plane = y.data() + k * 1024;
        EXPECT_EQ(plane[0], 27.0f + k);            // corner: 3 x 3 pixels inside
        EXPECT_EQ(plane[16], 45.0f + k);           // top edge: 3 rows x 5 columns
        EXPECT_EQ(plane[1 * 32 + 1], 48.0f + k);   // one in from the corner: 4 x 4
        EXPECT_EQ(plane[16 * 32 + 16], 75.0f + k); // inside: 5 x 5
        EXPECT_EQ(plane[31 * 32 + 31], 27.0f + k);
    }
}

// Parameters the geometry must refuse, each named in the message.
TEST(ConvGeometry, RejectsBadParametersByName) {
    struct Bad {
        const char* expected_text;
        std::function<void(Conv2dProblem&)> change;
    };
    const Bad bad[] = {
        {"stride_height", [](Conv2dProblem& p) { p.stride_height = 0; }},
        {"stride_width", [](Conv2dProblem& p) { p.stride_width = -1; }},
        {"dilation_width", [](Conv2dProblem& p) { p.dilation_width = 0; }},
        {"padding_height", [](Conv2dProblem& p) { p.padding_height = -1; }},
        {"groups", [](Conv2dProblem& p) { p.groups = 0; }},
        {"does not divide the 6 input channels", [](Conv2dProblem& p) { p.groups = 4; }},
        {"does not divide the 9 output channels", [](Conv2dProblem& p) { p.groups = 2; p.in_channels = 4; }},
        {"kernel_height 9 with dilation 1 spans 9, more than the padded input height 8",
         [](Conv2dProblem& p) { p.kernel_height = 9; }},
        {"kernel_width 3 with dilation 4 spans 9", [](Conv2dProblem& p) { p.dilation_width = 4; }},
        {"in_channels", [](Conv2dProblem& p) { p.in_channels = 0; }},
        {"batch", [](Conv2dProblem& p) { p.batch = -1; }},
        {"kernel_width", [](Conv2dProblem& p) { p.kernel_width = 0; }},
        {"in_height", [](Conv2dProblem& p) { p.in_height = 0; }},
    };
    for (const Bad& b : bad) {
        Conv2dProblem p;
        p.batch = 2;
        p.in_channels = 6;
        p.in_height = 8;
        p.in_width = 7;
        p.out_channels = 9;
        p.kernel_height = 3;
        p.kernel_width = 3;
        b.change(p);
        try {
            complete_conv2d_problem("conv2d_forward", p);
            ADD_FAILURE() << "accepted: " << b.expected_text;
        } catch (const nn::core::Error& error) {
            EXPECT_EQ(error.status(), NN_ERROR_INVALID_ARGUMENT);
            const std::string message = error.what();
            EXPECT_NE(message.find("conv2d_forward: "), std::string::npos) << message;
            EXPECT_NE(message.find(b.expected_text), std::string::npos) << message;
        }
    }
}

TEST(ConvGeometry, EntryPointsCheckOutputSizesAndPointers) {
    Conv2dProblem p = problem_of({"p", 1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 1, 1, 1});
    std::vector<float> x(p.x_count()), weight(p.weight_count()), y(p.y_count());
    Conv2dProblem wrong = p;
    wrong.out_width = 4;
    EXPECT_THROW(conv2d_forward({wrong, x.data(), weight.data(), nullptr, y.data()}), nn::core::Error);
    try {
        conv2d_forward({p, x.data(), nullptr, nullptr, y.data()});
        ADD_FAILURE() << "accepted a null weight";
    } catch (const nn::core::Error& error) {
        EXPECT_NE(std::string(error.what()).find("weight is null"), std::string::npos) << error.what();
    }
}

TEST(ConvEmpty, BatchZeroWritesZeroGradients) {
    const Conv2dProblem p = problem_of({"empty", 0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1});
    std::vector<float> dweight(p.weight_count(), 5.0f), dbias(p.out_channels, 5.0f);
    conv2d_forward({p, nullptr, nullptr, nullptr, nullptr});
    conv2d_backward_weight({p, nullptr, nullptr, dweight.data()});
    conv2d_backward_bias({p, nullptr, dbias.data()});
    EXPECT_EQ(dweight, std::vector<float>(p.weight_count(), 0.0f));
    EXPECT_EQ(dbias, std::vector<float>(p.out_channels, 0.0f));
}

// ---- Gradients against central differences.

// The forward in double, straight from the definition, so that differences of a linear objective
// are exact up to double rounding.
std::vector<double> forward_in_double(const Conv2dProblem& p, const std::vector<float>& x,
                                      const std::vector<float>& weight, const std::vector<float>& bias) {
    std::vector<double> y(p.y_count());
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
    for (int64_t n = 0; n < p.batch; ++n) {
        for (int64_t k = 0; k < p.out_channels; ++k) {
            for (int64_t oh = 0; oh < p.out_height; ++oh) {
                for (int64_t ow = 0; ow < p.out_width; ++ow) {
                    double sum = bias[k];
                    for (int64_t c = 0; c < group_in; ++c) {
                        const int64_t channel = k / group_out * group_in + c;
                        for (int64_t r = 0; r < p.kernel_height; ++r) {
                            for (int64_t s = 0; s < p.kernel_width; ++s) {
                                const int64_t ih = oh * p.stride_height - p.padding_height + r * p.dilation_height;
                                const int64_t iw = ow * p.stride_width - p.padding_width + s * p.dilation_width;
                                if (ih < 0 || ih >= p.in_height || iw < 0 || iw >= p.in_width) continue;
                                sum += static_cast<double>(x[((n * p.in_channels + channel) * p.in_height + ih) *
                                                               p.in_width + iw]) *
                                       weight[((k * group_in + c) * p.kernel_height + r) * p.kernel_width + s];
                            }
                        }
                    }
                    y[((n * p.out_channels + k) * p.out_height + oh) * p.out_width + ow] = sum;
                }
            }
        }
    }
    return y;
}

double dot(const std::vector<float>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
}

const Case gradient_cases[] = {
    {"primes", 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"stride_dilation", 1, 2, 9, 8, 3, 3, 2, 2, 3, 1, 2, 2, 1, 1},
    {"groups2", 1, 4, 6, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2},
    {"depthwise", 2, 3, 6, 7, 3, 3, 3, 2, 1, 1, 1, 1, 1, 3},
    {"lenet_c1_small", 2, 1, 8, 8, 3, 5, 5, 1, 1, 0, 0, 1, 1, 1},
    {"pointwise", 1, 5, 4, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1},
};

class ConvGradientTest : public ::testing::TestWithParam<Case> {};

// The backward kernels sum in float; the differences of the double forward are exact to about
// 1e-12, so the tolerance is the float sums': 1e-5 relative and 1e-5 absolute.
TEST_P(ConvGradientTest, BackwardsMatchCentralDifferences) {
    const Conv2dProblem p = problem_of(GetParam());
    const auto x = random_floats(p.x_count(), 11, -1.0f, 1.0f);
    const auto weight = random_floats(p.weight_count(), 12, -1.0f, 1.0f);
    const auto bias = random_floats(p.out_channels, 13, -1.0f, 1.0f);
    const auto dy = random_floats(p.y_count(), 14, -1.0f, 1.0f);

    std::vector<float> dx(p.x_count()), dweight(p.weight_count()), dbias(p.out_channels);
    conv2d_backward_data({p, dy.data(), weight.data(), dx.data()});
    conv2d_backward_weight({p, x.data(), dy.data(), dweight.data()});
    conv2d_backward_bias({p, dy.data(), dbias.data()});

    const auto numeric_dx = ops_test::numeric_gradient(
        x, [&](const std::vector<float>& moved) { return dot(dy, forward_in_double(p, moved, weight, bias)); });
    const auto numeric_dweight = ops_test::numeric_gradient(
        weight, [&](const std::vector<float>& moved) { return dot(dy, forward_in_double(p, x, moved, bias)); });
    const auto numeric_dbias = ops_test::numeric_gradient(
        bias, [&](const std::vector<float>& moved) { return dot(dy, forward_in_double(p, x, weight, moved)); });
    EXPECT_TRUE(ops_test::gradients_match(dx, numeric_dx, 1e-5, 1e-5)) << "dx";
    EXPECT_TRUE(ops_test::gradients_match(dweight, numeric_dweight, 1e-5, 1e-5)) << "dweight";
    EXPECT_TRUE(ops_test::gradients_match(dbias, numeric_dbias, 1e-5, 1e-5)) << "dbias";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvGradientTest, ::testing::ValuesIn(gradient_cases), case_name);

// ---- conv_transpose2d.

struct TransposeCase {
    const char* name;
    int64_t batch, in_channels, height, width, out_channels, kernel_height, kernel_width;
    int64_t stride_height, stride_width, padding_height, padding_width, output_padding_height,
        output_padding_width, dilation_height, dilation_width, groups;
};

ConvTranspose2dProblem problem_of(const TransposeCase& c) {
    ConvTranspose2dProblem p;
    p.batch = c.batch;
    p.in_channels = c.in_channels;
    p.in_height = c.height;
    p.in_width = c.width;
    p.out_channels = c.out_channels;
    p.kernel_height = c.kernel_height;
    p.kernel_width = c.kernel_width;
    p.stride_height = c.stride_height;
    p.stride_width = c.stride_width;
    p.padding_height = c.padding_height;
    p.padding_width = c.padding_width;
    p.output_padding_height = c.output_padding_height;
    p.output_padding_width = c.output_padding_width;
    p.dilation_height = c.dilation_height;
    p.dilation_width = c.dilation_width;
    p.groups = c.groups;
    complete_conv_transpose2d_problem("test", p);
    return p;
}

// Every input element scatters x * w over its window of the output: the definition, in double.
std::vector<double> transpose_in_double(const ConvTranspose2dProblem& p, const std::vector<float>& x,
                                        const std::vector<float>& weight, const std::vector<float>& bias) {
    std::vector<double> y(p.batch * p.out_channels * p.out_height * p.out_width);
    const int64_t group_in = p.in_channels / p.groups;
    const int64_t group_out = p.out_channels / p.groups;
    for (int64_t n = 0; n < p.batch; ++n) {
        for (int64_t k = 0; k < p.out_channels; ++k) {
            for (int64_t i = 0; i < p.out_height * p.out_width; ++i) {
                y[(n * p.out_channels + k) * p.out_height * p.out_width + i] = bias.empty() ? 0.0 : bias[k];
            }
        }
        for (int64_t c = 0; c < p.in_channels; ++c) {
            const int64_t group = c / group_in;
            for (int64_t h = 0; h < p.in_height; ++h) {
                for (int64_t w = 0; w < p.in_width; ++w) {
                    const double value = x[((n * p.in_channels + c) * p.in_height + h) * p.in_width + w];
                    for (int64_t j = 0; j < group_out; ++j) {
                        const int64_t k = group * group_out + j;
                        for (int64_t r = 0; r < p.kernel_height; ++r) {
                            for (int64_t s = 0; s < p.kernel_width; ++s) {
                                const int64_t oh = h * p.stride_height - p.padding_height + r * p.dilation_height;
                                const int64_t ow = w * p.stride_width - p.padding_width + s * p.dilation_width;
                                if (oh < 0 || oh >= p.out_height || ow < 0 || ow >= p.out_width) continue;
                                y[((n * p.out_channels + k) * p.out_height + oh) * p.out_width + ow] +=
                                    value * weight[((c * group_out + j) * p.kernel_height + r) * p.kernel_width + s];
                            }
                        }
                    }
                }
            }
        }
    }
    return y;
}

// name, N Cin H W, Cout R S, stride h w, padding h w, output_padding h w, dilation h w, groups
const TransposeCase transpose_cases[] = {
    {"unit", 2, 3, 5, 4, 2, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1},
    {"stride2", 2, 3, 5, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
    {"stride3_kernel2", 1, 2, 4, 5, 3, 2, 2, 3, 3, 0, 0, 2, 1, 1, 1, 1},
    {"dilation", 1, 3, 6, 5, 2, 3, 3, 1, 2, 1, 2, 0, 1, 2, 2, 1},
    {"output_padding_below_dilation", 1, 2, 5, 5, 3, 3, 3, 1, 1, 0, 0, 2, 1, 3, 2, 1},
    {"groups2", 2, 4, 5, 4, 6, 3, 3, 2, 1, 1, 0, 1, 0, 1, 1, 2},
    {"depthwise", 1, 4, 6, 6, 4, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 4},
    {"pointwise", 1, 5, 4, 3, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
};

// Failure messages name the parameter instead of dumping its bytes.
void PrintTo(const TransposeCase& value, std::ostream* out) { *out << value.name; }

std::string transpose_name(const ::testing::TestParamInfo<TransposeCase>& info) { return info.param.name; }

class ConvTransposeTest : public ::testing::TestWithParam<TransposeCase> {};

std::vector<float> as_floats(const std::vector<double>& values) { return {values.begin(), values.end()}; }

TEST_P(ConvTransposeTest, ForwardMatchesTheScatter) {
    const ConvTranspose2dProblem p = problem_of(GetParam());
    const int64_t y_count = p.batch * p.out_channels * p.out_height * p.out_width;
    const auto x = random_floats(p.batch * p.in_channels * p.in_height * p.in_width, 21, -1.0f, 1.0f);
    const auto weight = random_floats(p.in_channels * (p.out_channels / p.groups) * p.kernel_height *
                                          p.kernel_width, 22, -1.0f, 1.0f);
    const auto bias = random_floats(p.out_channels, 23, -1.0f, 1.0f);
    const int64_t terms = p.in_channels / p.groups * p.kernel_height * p.kernel_width + 1;
    const nn::core::Isa saved = nn::core::active_isa();
    for (nn::core::Isa level : {nn::core::Isa::Reference, nn::core::Isa::Avx2, nn::core::Isa::Avx512}) {
        if (!nn::core::cpu_supports(level)) continue;
        nn::core::set_active_isa(level);
        std::vector<float> y(y_count, NAN);
        conv_transpose2d_forward({p, x.data(), weight.data(), bias.data(), y.data()});
        EXPECT_TRUE(matches(as_floats(transpose_in_double(p, x, weight, bias)), y, terms)) << nn::core::isa_name(level);
        conv_transpose2d_forward({p, x.data(), weight.data(), nullptr, y.data()});
        EXPECT_TRUE(matches(as_floats(transpose_in_double(p, x, weight, {})), y, terms)) << nn::core::isa_name(level);
    }
    nn::core::set_active_isa(saved);
}

TEST_P(ConvTransposeTest, BackwardsMatchCentralDifferences) {
    const ConvTranspose2dProblem p = problem_of(GetParam());
    const auto x = random_floats(p.batch * p.in_channels * p.in_height * p.in_width, 31, -1.0f, 1.0f);
    const auto weight = random_floats(p.in_channels * (p.out_channels / p.groups) * p.kernel_height *
                                          p.kernel_width, 32, -1.0f, 1.0f);
    const auto bias = random_floats(p.out_channels, 33, -1.0f, 1.0f);
    const auto dy = random_floats(p.batch * p.out_channels * p.out_height * p.out_width, 34, -1.0f, 1.0f);
    std::vector<float> dx(x.size()), dweight(weight.size()), dbias(bias.size());
    conv_transpose2d_backward_data({p, dy.data(), weight.data(), dx.data()});
    conv_transpose2d_backward_weight({p, x.data(), dy.data(), dweight.data()});
    conv_transpose2d_backward_bias({p, dy.data(), dbias.data()});
    const auto numeric_dx = ops_test::numeric_gradient(
        x, [&](const std::vector<float>& moved) { return dot(dy, transpose_in_double(p, moved, weight, bias)); });
    const auto numeric_dweight = ops_test::numeric_gradient(
        weight, [&](const std::vector<float>& moved) { return dot(dy, transpose_in_double(p, x, moved, bias)); });
    const auto numeric_dbias = ops_test::numeric_gradient(
        bias, [&](const std::vector<float>& moved) { return dot(dy, transpose_in_double(p, x, weight, moved)); });
    EXPECT_TRUE(ops_test::gradients_match(dx, numeric_dx, 1e-5, 1e-5)) << "dx";
    EXPECT_TRUE(ops_test::gradients_match(dweight, numeric_dweight, 1e-5, 1e-5)) << "dweight";
    EXPECT_TRUE(ops_test::gradients_match(dbias, numeric_dbias, 1e-5, 1e-5)) << "dbias";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvTransposeTest, ::testing::ValuesIn(transpose_cases), transpose_name);

TEST(ConvTransposeGeometry, OutputSizesAndOutputPaddingRule) {
    // (in - 1) stride - 2 pad + dilation (k - 1) + output_padding + 1
    EXPECT_EQ(conv_transpose2d_output_size(5, 3, 2, 1, 1, 1), 10);
    EXPECT_EQ(conv_transpose2d_output_size(4, 2, 3, 0, 2, 1), 13);
    EXPECT_EQ(conv_transpose2d_output_size(7, 1, 1, 0, 0, 1), 7);
    ConvTranspose2dProblem p;
    p.batch = 1;
    p.in_channels = 2;
    p.in_height = 4;
    p.in_width = 4;
    p.out_channels = 2;
    p.kernel_height = 3;
    p.kernel_width = 3;
    p.stride_height = 2;
    p.stride_width = 2;
    p.output_padding_height = 2;
    try {
        complete_conv_transpose2d_problem("conv_transpose2d_forward", p);
        ADD_FAILURE() << "accepted output_padding 2 with stride 2 and dilation 1";
    } catch (const nn::core::Error& error) {
        EXPECT_NE(std::string(error.what()).find("output_padding_height is 2; it must be smaller than stride_height "
                                                 "(2) or dilation_height (1)"),
                  std::string::npos)
            << error.what();
    }
    p.dilation_height = 3;
    EXPECT_NO_THROW(complete_conv_transpose2d_problem("conv_transpose2d_forward", p));
    EXPECT_EQ(p.out_height, 3 * 2 + 3 * 2 + 2 + 1);
    p.padding_width = 5;
    EXPECT_THROW(complete_conv_transpose2d_problem("conv_transpose2d_forward", p), nn::core::Error);
}

TEST(ConvThreads, SameResultsOnOneAndTwoThreads) {
    for (const char* name : {"cifar_first", "groups2", "lenet_c3", "resnet_down"}) {
        for (const Case& c : awkward_cases) {
            if (std::string(c.name) != name) continue;
            const Data& d = data_of(c);
            const Conv2dProblem& p = d.problem;
            std::vector<float> results[2][3];
            for (int threads = 1; threads <= 2; ++threads) {
                ops_test::ThreadCount count(threads);
                auto& r = results[threads - 1];
                r[0].resize(p.y_count());
                r[1].resize(p.x_count());
                r[2].resize(p.weight_count());
                conv2d_forward({p, d.x.data(), d.weight.data(), d.bias.data(), r[0].data()});
                conv2d_backward_data({p, d.dy.data(), d.weight.data(), r[1].data()});
                conv2d_backward_weight({p, d.x.data(), d.dy.data(), r[2].data()});
            }
            for (int direction = 0; direction < 3; ++direction) {
                EXPECT_EQ(results[0][direction], results[1][direction]) << name << " direction " << direction;
            }
        }
    }
}

}  // namespace
