// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]; x [n] -> sum
// The vector kernels against the references on awkward sizes, the references against hand-computed
// values, and the entry points' checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/log.h"
#include "cpu/eltwise/eltwise.h"
#include "ops_test_support.h"

namespace {

using namespace nn::cpu;
using ops_test::all_close;
using ops_test::awkward_sizes;
using ops_test::random_floats;

const float infinity = std::numeric_limits<float>::infinity();
const float nan_value = std::numeric_limits<float>::quiet_NaN();

class EltwiseLevelTest : public ops_test::LevelTest {};

TEST_P(EltwiseLevelTest, BinaryMatchesReferenceExactly) {
    const auto run = pick(binary_avx2, binary_avx512);
    for (int64_t n : awkward_sizes) {
        const auto a = random_floats(n, 1, -2.0f, 2.0f);
        const auto b = random_floats(n, 2, -2.0f, 2.0f);
        for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul}) {
            std::vector<float> expected(n + 1, 7.0f), actual(n + 1, 7.0f);
            binary_reference({op, n, a.data(), b.data(), expected.data()});
            run({op, n, a.data(), b.data(), actual.data()});
            EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0)) << "n = " << n << ", op " << static_cast<int>(op);
            EXPECT_EQ(actual[n], 7.0f) << "wrote past the end, n = " << n;
        }
    }
}

TEST_P(EltwiseLevelTest, BinaryInPlaceAndOnTwoThreads) {
    const auto run = pick(binary_avx2, binary_avx512);
    ops_test::ThreadCount threads(2);
    const int64_t n = ops_test::threaded_size;
    const auto a = random_floats(n, 3, -2.0f, 2.0f);
    const auto b = random_floats(n, 4, -2.0f, 2.0f);
    std::vector<float> expected(n);
    binary_reference({BinaryOp::Mul, n, a.data(), b.data(), expected.data()});
    std::vector<float> in_place = a;
    run({BinaryOp::Mul, n, in_place.data(), b.data(), in_place.data()});
    EXPECT_TRUE(all_close(expected, in_place, 0.0, 0.0));
}

TEST_P(EltwiseLevelTest, ScalarAxpyAndSquareMatchReference) {
    const auto run_scalar = pick(scalar_avx2, scalar_avx512);
    const auto run_axpy = pick(axpy_avx2, axpy_avx512);
    const auto run_unary = pick(unary_avx2, unary_avx512);
    for (int64_t n : awkward_sizes) {
        const auto x = random_floats(n, 5, -3.0f, 3.0f);
        for (ScalarOp op : {ScalarOp::Scale, ScalarOp::Add}) {
            std::vector<float> expected(n), actual(n);
            scalar_reference({op, n, -0.75f, x.data(), expected.data()});
            run_scalar({op, n, -0.75f, x.data(), actual.data()});
            EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0)) << "n = " << n;
        }
        const auto y0 = random_floats(n, 6, -3.0f, 3.0f);
        std::vector<float> expected = y0, actual = y0;
        axpy_reference({n, 0.3f, x.data(), expected.data()});
        run_axpy({n, 0.3f, x.data(), actual.data()});
        // The vector kernel fuses the multiply-add: one rounding instead of two.
        EXPECT_TRUE(all_close(expected, actual, 1e-6, 1e-6)) << "n = " << n;

        for (UnaryOp op : {UnaryOp::Square, UnaryOp::Log}) {
            const auto positive = random_floats(n, 7, 0.01f, 10.0f);
            std::vector<float> unary_expected(n), unary_actual(n);
            unary_reference({op, n, positive.data(), unary_expected.data()});
            run_unary({op, n, positive.data(), unary_actual.data()});
            EXPECT_TRUE(all_close(unary_expected, unary_actual, 0.0, 0.0)) << "n = " << n;
        }
    }
}

TEST_P(EltwiseLevelTest, ExpWithinTwoUlpsOverTheWholeRange) {
    const auto run = pick(unary_avx2, unary_avx512);
    for (int64_t n : awkward_sizes) {
        const auto x = random_floats(n, 8, -10.0f, 10.0f);
        std::vector<float> expected(n), actual(n);
        unary_reference({UnaryOp::Exp, n, x.data(), expected.data()});
        run({UnaryOp::Exp, n, x.data(), actual.data()});
        EXPECT_TRUE(ops_test::within_ulps(expected, actual, 2)) << "n = " << n;
    }
    // Every input from -104 to 89 on a fine grid (results from 0 through subnormals to overflow), and
    // the special values.
    std::vector<float> x;
    for (float value = -104.0f; value < 89.0f; value += 0.0137f) x.push_back(value);
    for (float value : {0.0f, -0.0f, 88.72f, 88.73f, -87.33f, -103.9f, -150.0f, 1000.0f, -1000.0f, infinity, -infinity,
                        nan_value, std::numeric_limits<float>::min(), -std::numeric_limits<float>::denorm_min()}) {
        x.push_back(value);
    }
    const auto n = static_cast<int64_t>(x.size());
    std::vector<float> expected(n), actual(n);
    unary_reference({UnaryOp::Exp, n, x.data(), expected.data()});
    run({UnaryOp::Exp, n, x.data(), actual.data()});
    EXPECT_TRUE(ops_test::within_ulps(expected, actual, 2));
}

TEST_P(EltwiseLevelTest, BiasAddMatchesReferenceExactly) {
    const auto run = pick(bias_add_avx2, bias_add_avx512);
    const int64_t shapes[][3] = {{3, 7, 1}, {2, 17, 1}, {5, 65, 1}, {1, 4099, 1}, {2, 3, 7},  {3, 5, 16},
                                 {2, 6, 65}, {0, 4, 9}, {4, 0, 9}, {4, 3, 0},    {2, 2, 1023}, {1, 1, 1}};
    for (const auto& shape : shapes) {
        const int64_t count = shape[0] * shape[1] * shape[2];
        const auto x = random_floats(count, 9, -1.0f, 1.0f);
        const auto bias = random_floats(shape[1], 10, -1.0f, 1.0f);
        std::vector<float> expected(count), actual(count);
        bias_add_reference({shape[0], shape[1], shape[2], x.data(), bias.data(), expected.data()});
        run({shape[0], shape[1], shape[2], x.data(), bias.data(), actual.data()});
        EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0)) << shape[0] << "x" << shape[1] << "x" << shape[2];
    }
}

TEST_P(EltwiseLevelTest, BiasBackwardMatchesReference) {
    const auto run = pick(bias_backward_avx2, bias_backward_avx512);
    const int64_t shapes[][3] = {{3, 7, 1},  {64, 17, 1}, {5, 65, 1}, {1, 4099, 1}, {4099, 3, 1}, {2, 3, 7},
                                 {3, 5, 16}, {2, 6, 65},  {0, 4, 9},  {4, 3, 0},    {64, 6, 784}, {1, 1, 1}};
    for (const auto& shape : shapes) {
        const int64_t count = shape[0] * shape[1] * shape[2];
        const auto dy = random_floats(count, 11, -1.0f, 1.0f);
        std::vector<float> expected(shape[1], 7.0f), actual(shape[1], 7.0f);
        bias_backward_reference({shape[0], shape[1], shape[2], dy.data(), expected.data()});
        run({shape[0], shape[1], shape[2], dy.data(), actual.data()});
        // Float sums of up to 50,000 terms of size 1 against double ones.
        EXPECT_TRUE(all_close(expected, actual, 1e-5, 1e-5 * static_cast<double>(shape[0] * shape[2])))
            << shape[0] << "x" << shape[1] << "x" << shape[2];
    }
}

TEST_P(EltwiseLevelTest, BiasBackwardDoesNotDependOnTheThreadCount) {
    const auto run = pick(bias_backward_avx2, bias_backward_avx512);
    for (const auto& shape : {std::vector<int64_t>{512, 1000, 1}, std::vector<int64_t>{64, 16, 784}}) {
        const int64_t count = shape[0] * shape[1] * shape[2];
        const auto dy = random_floats(count, 12, -1.0f, 1.0f);
        std::vector<float> one(shape[1]), two(shape[1]);
        {
            ops_test::ThreadCount threads(1);
            run({shape[0], shape[1], shape[2], dy.data(), one.data()});
        }
        {
            ops_test::ThreadCount threads(2);
            run({shape[0], shape[1], shape[2], dy.data(), two.data()});
        }
        EXPECT_TRUE(all_close(one, two, 0.0, 0.0));
    }
}

TEST_P(EltwiseLevelTest, TransposeMatchesReferenceExactly) {
    const auto run = pick(transpose_avx2, transpose_avx512);
    for (int64_t rows : awkward_sizes) {
        for (int64_t columns : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{16}, int64_t{17}, int64_t{65}, int64_t{130}}) {
            if (rows * columns > 300000) continue;
            const auto x = random_floats(rows * columns, 13, -1.0f, 1.0f);
            std::vector<float> expected(rows * columns), actual(rows * columns);
            transpose_reference({rows, columns, x.data(), expected.data()});
            run({rows, columns, x.data(), actual.data()});
            EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0)) << rows << "x" << columns;
        }
    }
    ops_test::ThreadCount threads(2);
    const int64_t rows = 1031, columns = 517;
    const auto x = random_floats(rows * columns, 14, -1.0f, 1.0f);
    std::vector<float> expected(rows * columns), actual(rows * columns);
    transpose_reference({rows, columns, x.data(), expected.data()});
    run({rows, columns, x.data(), actual.data()});
    EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0)) << "two threads";
}

INSTANTIATE_TEST_SUITE_P(Eltwise, EltwiseLevelTest, ::testing::ValuesIn(ops_test::vector_levels), ops_test::level_name);

TEST(EltwiseReference, HandComputedValues) {
    const float a[] = {1.0f, -2.0f, 3.5f};
    const float b[] = {0.5f, 4.0f, -1.0f};
    float out[3];
    binary_reference({BinaryOp::Sub, 3, a, b, out});
    EXPECT_EQ(out[0], 0.5f);
    EXPECT_EQ(out[1], -6.0f);
    EXPECT_EQ(out[2], 4.5f);
    scalar_reference({ScalarOp::Add, 3, 1.5f, a, out});
    EXPECT_EQ(out[1], -0.5f);
    float y[] = {1.0f, 1.0f, 1.0f};
    axpy_reference({3, 2.0f, a, y});
    EXPECT_EQ(y[0], 3.0f);
    EXPECT_EQ(y[1], -3.0f);
    EXPECT_EQ(y[2], 8.0f);

    // x [2, 2, 2] + bias [2]; its gradient sums dy over dims 0 and 2.
    const float x[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const float bias[] = {10, 20};
    float biased[8];
    bias_add_reference({2, 2, 2, x, bias, biased});
    EXPECT_EQ(biased[1], 11.0f);
    EXPECT_EQ(biased[2], 22.0f);
    EXPECT_EQ(biased[5], 15.0f);
    EXPECT_EQ(biased[7], 27.0f);
    float dbias[2];
    bias_backward_reference({2, 2, 2, x, dbias});
    EXPECT_EQ(dbias[0], 0.0f + 1 + 4 + 5);
    EXPECT_EQ(dbias[1], 2.0f + 3 + 6 + 7);

    // [2, 3] -> [3, 2], and the sum over dim 0 of the [2, 3] tensor.
    const float matrix[] = {1, 2, 3, 4, 5, 6};
    float transposed[6];
    transpose_reference({2, 3, matrix, transposed});
    const float expected_transpose[] = {1, 4, 2, 5, 3, 6};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(transposed[i], expected_transpose[i]);
    float column_sums[3];
    sum_rows(2, 3, matrix, column_sums);
    EXPECT_EQ(column_sums[0], 5.0f);
    EXPECT_EQ(column_sums[1], 7.0f);
    EXPECT_EQ(column_sums[2], 9.0f);

    float result = 0.0f;
    reduce({false, 6, matrix, &result});
    EXPECT_EQ(result, 21.0f);
    reduce({true, 6, matrix, &result});
    EXPECT_EQ(result, 3.5f);
    reduce({true, 0, nullptr, &result});
    EXPECT_TRUE(std::isnan(result)) << "the mean of nothing is NaN, as in PyTorch";
}

TEST(EltwiseReference, ExpAndLogAtTheEdges) {
    const float x[] = {0.0f, -infinity, infinity, nan_value, 1000.0f, -1000.0f};
    float y[6];
    unary_reference({UnaryOp::Exp, 6, x, y});
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], 0.0f);
    EXPECT_EQ(y[2], infinity);
    EXPECT_TRUE(std::isnan(y[3]));
    EXPECT_EQ(y[4], infinity);
    EXPECT_EQ(y[5], 0.0f);
    unary_reference({UnaryOp::Log, 6, x, y});
    EXPECT_EQ(y[0], -infinity);
    EXPECT_TRUE(std::isnan(y[1]));
    EXPECT_EQ(y[2], infinity);
}

// The bias gradient is the backward of bias_add: central differences of sum(w * (x + bias))
// with respect to bias give w summed over dims 0 and 2.
TEST(EltwiseGradient, BiasBackwardMatchesFiniteDifferences) {
    for (int64_t inner : {1, 5}) {
        const int64_t outer = 3, channels = 4, count = outer * channels * inner;
        const auto x = random_floats(count, 16, -1.0f, 1.0f);
        const auto weights = random_floats(count, 17, -1.0f, 1.0f);
        const auto bias = random_floats(channels, 18, -1.0f, 1.0f);
        auto objective = [&](const std::vector<float>& b) {
            std::vector<float> y(count);
            bias_add({outer, channels, inner, x.data(), b.data(), y.data()});
            return ops_test::weighted_sum(weights, y);
        };
        std::vector<float> dbias(channels);
        bias_backward({outer, channels, inner, weights.data(), dbias.data()});
        EXPECT_TRUE(ops_test::gradients_match(dbias, ops_test::numeric_gradient(bias, objective))) << "inner " << inner;
    }
}

TEST(EltwiseEntry, DispatchMatchesReferenceAndChecksArguments) {
    const auto x = random_floats(1000, 15, -1.0f, 1.0f);
    std::vector<float> expected(1000), actual(1000);
    unary_reference({UnaryOp::Square, 1000, x.data(), expected.data()});
    unary({UnaryOp::Square, 1000, x.data(), actual.data()});
    EXPECT_TRUE(all_close(expected, actual, 0.0, 0.0));

    auto status_of = [](auto&& call) {
        try {
            call();
        } catch (const nn::core::Error& error) {
            return error.status();
        }
        return NN_OK;
    };
    EXPECT_EQ(status_of([&] { binary({BinaryOp::Add, -1, x.data(), x.data(), actual.data()}); }),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { binary({BinaryOp::Add, 3, nullptr, x.data(), actual.data()}); }),
              NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { binary({BinaryOp::Add, 0, nullptr, nullptr, nullptr}); }), NN_OK);
    EXPECT_EQ(status_of([&] { transpose({2, 3, actual.data(), actual.data()}); }), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(status_of([&] { bias_add({INT64_MAX, 4, 4, x.data(), x.data(), actual.data()}); }),
              NN_ERROR_INVALID_ARGUMENT);
}

}  // namespace
