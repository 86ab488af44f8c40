// conv2d, conv_transpose2d and pooling through the C ABI: output shapes, known values, refusals.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nativenn.h"

namespace {

nn_tensor* tensor(nn_dtype dtype, std::vector<int64_t> shape, const std::vector<float>& values = {}) {
    nn_tensor* result = nullptr;
    EXPECT_EQ(nn_tensor_create(dtype, static_cast<int32_t>(shape.size()), shape.data(), &result), NN_OK) << nn_last_error();
    if (!values.empty()) {
        EXPECT_EQ(nn_tensor_copy_from(result, values.data(), static_cast<int64_t>(values.size() * sizeof(float))), NN_OK);
    }
    return result;
}

std::vector<float> read(const nn_tensor* source, size_t count) {
    std::vector<float> values(count);
    EXPECT_EQ(nn_tensor_copy_to(source, values.data(), static_cast<int64_t>(count * sizeof(float))), NN_OK);
    return values;
}

nn_conv2d_params conv_params(int32_t stride, int32_t padding = 0, int32_t groups = 1) {
    return {stride, stride, padding, padding, 1, 1, groups, 0, 0};
}

}  // namespace

TEST(ApiConv, SevenBySevenWithThreeByThreeFollowsTheFloorRule) {
    const int64_t x[4] = {1, 1, 7, 7};
    const int64_t w[4] = {1, 1, 3, 3};
    int64_t y[4] = {};
    const int32_t strides[3] = {1, 2, 3};
    const int64_t sizes[3] = {5, 3, 2};
    for (int index = 0; index < 3; ++index) {
        const auto params = conv_params(strides[index]);
        ASSERT_EQ(nn_conv2d_output_shape(x, w, &params, y), NN_OK) << nn_last_error();
        EXPECT_EQ(y[2], sizes[index]);
        EXPECT_EQ(y[3], sizes[index]);
    }
}

TEST(ApiConv, ForwardComputesWindowSumsAndAddsTheBias) {
    std::vector<float> values(49);
    for (int index = 0; index < 49; ++index) values[index] = static_cast<float>(index);
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {1, 1, 7, 7}, values);
    nn_tensor* w = tensor(NN_DTYPE_FLOAT32, {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    nn_tensor* b = tensor(NN_DTYPE_FLOAT32, {1}, {0.5f});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 2});
    const auto params = conv_params(3);
    ASSERT_EQ(nn_conv2d_forward(x, w, b, &params, y), NN_OK) << nn_last_error();
    // Window at (r, c) sums rows r..r+2, columns c..c+2 of 7 r + c: 9 (7 (r + 1) + c + 1).
    EXPECT_EQ(read(y, 4), (std::vector<float>{72.5f, 99.5f, 261.5f, 288.5f}));
    for (nn_tensor* item : {x, w, b, y}) nn_tensor_release(item);
}

TEST(ApiConv, RefusalsNameTheArgumentAndShapes) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {2, 3, 8, 8});
    nn_tensor* w = tensor(NN_DTYPE_FLOAT32, {4, 2, 3, 3});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {2, 4, 6, 6});
    auto params = conv_params(1);
    EXPECT_EQ(nn_conv2d_forward(x, w, nullptr, &params, y), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()),
              "nn_conv2d_forward: x has 3 channels but weight [4,2,3,3] expects 2 input channels per group (groups=1)");
    nn_tensor* good_w = tensor(NN_DTYPE_FLOAT32, {4, 3, 3, 3});
    nn_tensor* wrong_y = tensor(NN_DTYPE_FLOAT32, {2, 4, 5, 6});
    EXPECT_EQ(nn_conv2d_forward(x, good_w, nullptr, &params, wrong_y), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()),
              "nn_conv2d_forward: y is float32[2,4,5,6] but conv2d of x and weight gives [2,4,6,6]");
    nn_tensor* bias = tensor(NN_DTYPE_FLOAT32, {3});
    EXPECT_EQ(nn_conv2d_forward(x, good_w, bias, &params, y), NN_ERROR_SHAPE_MISMATCH);
    params.stride_h = 0;
    EXPECT_EQ(nn_conv2d_forward(x, good_w, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(nn_last_error()).find("stride_height is 0"), std::string::npos) << nn_last_error();
    params = conv_params(1);
    params.output_padding_h = 1;
    EXPECT_EQ(nn_conv2d_forward(x, good_w, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_conv2d_forward(x, good_w, nullptr, nullptr, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_conv2d_forward: params is null");
    for (nn_tensor* item : {x, w, y, good_w, wrong_y, bias}) nn_tensor_release(item);
}

TEST(ApiConv, TransposedOutputShapeAndForward) {
    const int64_t x[4] = {1, 2, 3, 3};
    const int64_t w[4] = {2, 5, 3, 3};
    int64_t y[4] = {};
    auto params = conv_params(2);
    params.output_padding_h = 1;
    params.output_padding_w = 1;
    ASSERT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, y), NN_OK) << nn_last_error();
    EXPECT_EQ(y[1], 5);
    EXPECT_EQ(y[2], 8);
    EXPECT_EQ(y[3], 8);
    params.output_padding_h = 2;
    EXPECT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, y), NN_ERROR_INVALID_ARGUMENT);
}

TEST(ApiPool, MaxPoolTwoByTwoOnFourByFourKeepsTheFirstMaximum) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {1, 1, 4, 4}, {1, 5, 2, 2, 5, 3, 2, 0, 7, 1, 0, 9, 2, 7, 9, 4});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 2});
    nn_tensor* indices = tensor(NN_DTYPE_INT64, {1, 1, 2, 2});
    const nn_pool2d_params params = {2, 2, 2, 2, 0, 0, 0, 1};
    ASSERT_EQ(nn_max_pool2d_forward(x, &params, y, indices), NN_OK) << nn_last_error();
    EXPECT_EQ(read(y, 4), (std::vector<float>{5, 2, 7, 9}));
    std::vector<int64_t> positions(4);
    ASSERT_EQ(nn_tensor_copy_to(indices, positions.data(), 32), NN_OK);
    EXPECT_EQ(positions, (std::vector<int64_t>{1, 2, 8, 11}));
    nn_tensor* dy = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 2}, {1, 2, 3, 4});
    nn_tensor* dx = tensor(NN_DTYPE_FLOAT32, {1, 1, 4, 4});
    ASSERT_EQ(nn_max_pool2d_backward(dy, indices, &params, dx), NN_OK) << nn_last_error();
    EXPECT_EQ(read(dx, 16), (std::vector<float>{0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0, 0, 0}));
    for (nn_tensor* item : {x, y, indices, dy, dx}) nn_tensor_release(item);
}

TEST(ApiPool, AveragePoolAndRefusals) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 2}, {1, 2, 3, 4});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {1, 1, 1, 1});
    nn_pool2d_params params = {2, 2, 2, 2, 0, 0, 0, 1};
    ASSERT_EQ(nn_avg_pool2d_forward(x, &params, y), NN_OK) << nn_last_error();
    EXPECT_EQ(read(y, 1), std::vector<float>{2.5f});
    nn_tensor* wrong = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 1});
    EXPECT_EQ(nn_avg_pool2d_forward(x, &params, wrong), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()), "nn_avg_pool2d_forward: y is float32[1,1,2,1] but pooling x gives [1,1,1,1]");
    params.ceil_mode = 2;
    EXPECT_EQ(nn_avg_pool2d_forward(x, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_avg_pool2d_forward: ceil_mode is 2 but must be 0 or 1");
    for (nn_tensor* item : {x, y, wrong}) nn_tensor_release(item);
}

namespace {

// The message of the last failure, which must start with the function's name.
std::string last_error_of(const char* function) {
    const std::string message = nn_last_error();
    EXPECT_EQ(message.rfind(std::string(function) + ": ", 0), 0u) << message;
    return message;
}

bool mentions(const std::string& message, const char* text) { return message.find(text) != std::string::npos; }

TEST(ApiConvErrors, GeometryRefusalsNameTheParameter) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {1, 6, 8, 8});
    nn_tensor* w = tensor(NN_DTYPE_FLOAT32, {4, 2, 3, 3});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {1, 4, 6, 6});
    const char* forward = "nn_conv2d_forward";
    auto params = conv_params(1, 0, 3);
    EXPECT_EQ(nn_conv2d_forward(x, w, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of(forward), "groups is 3, which does not divide the 4 output channels"));
    params = conv_params(1);
    params.dilation_w = 0;
    nn_tensor* full = tensor(NN_DTYPE_FLOAT32, {4, 6, 3, 3});
    EXPECT_EQ(nn_conv2d_forward(x, full, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of(forward), "dilation_width is 0"));
    params = conv_params(1, -1);
    EXPECT_EQ(nn_conv2d_forward(x, full, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of(forward), "padding_height is -1"));
    nn_tensor* big = tensor(NN_DTYPE_FLOAT32, {4, 6, 11, 3});
    params = conv_params(1, 1);
    EXPECT_EQ(nn_conv2d_forward(x, big, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of(forward), "kernel_height 11 with dilation 1 spans 11, more than the padded input"));
    for (nn_tensor* item : {x, w, y, full, big}) nn_tensor_release(item);
}

TEST(ApiConvErrors, TensorRefusals) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {2, 3, 6, 6});
    nn_tensor* w = tensor(NN_DTYPE_FLOAT32, {4, 3, 3, 3});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {2, 4, 4, 4});
    nn_tensor* labels = tensor(NN_DTYPE_INT64, {2, 3, 6, 6});
    nn_tensor* flat = tensor(NN_DTYPE_FLOAT32, {2, 108});
    const auto params = conv_params(1);
    EXPECT_EQ(nn_conv2d_forward(labels, w, nullptr, &params, y), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_conv2d_forward"), "x is int64[2,3,6,6] but must be float32"));
    EXPECT_EQ(nn_conv2d_forward(flat, w, nullptr, &params, y), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_conv2d_forward"), "x is float32[2,108] but must be 4-D"));
    EXPECT_EQ(nn_conv2d_forward(x, w, nullptr, &params, x), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(nn_conv2d_forward(x, nullptr, nullptr, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error_of("nn_conv2d_forward"), "nn_conv2d_forward: weight is null");
    // dy must have the shape the forward of dx's shape gives.
    nn_tensor* dx = tensor(NN_DTYPE_FLOAT32, {2, 3, 6, 6});
    nn_tensor* wrong_dy = tensor(NN_DTYPE_FLOAT32, {2, 4, 5, 4});
    EXPECT_EQ(nn_conv2d_backward_data(wrong_dy, w, &params, dx), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_conv2d_backward_data"), "dy is float32[2,4,5,4]"));
    nn_tensor* dweight = tensor(NN_DTYPE_FLOAT32, {4, 3, 3, 2});
    EXPECT_EQ(nn_conv2d_backward_weight(x, y, &params, dweight), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_conv2d_backward_weight"), "dy is float32[2,4,4,4]"));
    for (nn_tensor* item : {x, w, y, labels, flat, dx, wrong_dy, dweight}) nn_tensor_release(item);
}

TEST(ApiConvErrors, TransposedRefusals) {
    const int64_t x[4] = {1, 4, 5, 5};
    int64_t y[4] = {};
    auto params = conv_params(2, 1);
    const int64_t wrong_in[4] = {3, 2, 3, 3};
    EXPECT_EQ(nn_conv_transpose2d_output_shape(x, wrong_in, &params, y), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_conv_transpose2d_output_shape"), "weight [3,2,3,3] expects 3"));
    const int64_t w[4] = {4, 2, 3, 3};
    params.output_padding_w = 2;
    EXPECT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_conv_transpose2d_output_shape"),
                         "output_padding_width is 2; it must be smaller than stride_width (2) or dilation_width (1)"));
    params.output_padding_w = 0;
    params.groups = 3;
    EXPECT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_conv_transpose2d_output_shape"), "groups is 3"));
    params = conv_params(2, 1);
    ASSERT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, y), NN_OK) << nn_last_error();
    EXPECT_EQ(y[2], 9);
    EXPECT_EQ(nn_conv_transpose2d_output_shape(x, w, &params, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error_of("nn_conv_transpose2d_output_shape"), "nn_conv_transpose2d_output_shape: y_shape is null");
}

TEST(ApiPoolErrors, RefusalsNameTheParameterAndShapes) {
    nn_tensor* x = tensor(NN_DTYPE_FLOAT32, {1, 2, 6, 6});
    nn_tensor* y = tensor(NN_DTYPE_FLOAT32, {1, 2, 3, 3});
    nn_tensor* indices = tensor(NN_DTYPE_INT64, {1, 2, 3, 3});
    nn_tensor* float_indices = tensor(NN_DTYPE_FLOAT32, {1, 2, 3, 3});
    nn_pool2d_params params = {2, 2, 2, 2, 0, 0, 0, 1};
    params.padding_h = 2;
    EXPECT_EQ(nn_max_pool2d_forward(x, &params, y, indices), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_max_pool2d_forward"),
                         "padding_height is 2; it must be at most half of kernel_height (2)"));
    params = {2, 2, 0, 2, 0, 0, 0, 1};
    EXPECT_EQ(nn_max_pool2d_forward(x, &params, y, indices), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_max_pool2d_forward"), "stride_height is 0"));
    params = {2, 2, 2, 2, 0, 0, 0, 1};
    EXPECT_EQ(nn_max_pool2d_forward(x, &params, y, float_indices), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_TRUE(mentions(last_error_of("nn_max_pool2d_forward"), "indices is float32[1,2,3,3] but must be int64"));
    params.count_include_pad = -1;
    EXPECT_EQ(nn_avg_pool2d_forward(x, &params, y), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_avg_pool2d_forward"), "count_include_pad is -1 but must be 0 or 1"));
    int64_t shape[4] = {};
    const int64_t small[4] = {1, 1, 1, 1};
    params = {3, 3, 1, 1, 0, 0, 0, 1};
    EXPECT_EQ(nn_pool2d_output_shape(small, &params, shape), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_pool2d_output_shape"), "the output height would be -1"));
    for (nn_tensor* item : {x, y, indices, float_indices}) nn_tensor_release(item);
}

TEST(ApiPoolErrors, IndicesOutsideTheirPlaneAreRefused) {
    nn_tensor* dy = tensor(NN_DTYPE_FLOAT32, {1, 1, 2, 2}, {1, 2, 3, 4});
    nn_tensor* indices = tensor(NN_DTYPE_INT64, {1, 1, 2, 2});
    const std::vector<int64_t> positions = {0, 3, 16, -2};
    ASSERT_EQ(nn_tensor_copy_from(indices, positions.data(), 32), NN_OK);
    nn_tensor* dx = tensor(NN_DTYPE_FLOAT32, {1, 1, 4, 4});
    const nn_pool2d_params params = {2, 2, 2, 2, 0, 0, 0, 1};
    EXPECT_EQ(nn_max_pool2d_backward(dy, indices, &params, dx), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(mentions(last_error_of("nn_max_pool2d_backward"), "2 indices lie outside their 4x4 plane"));
    for (nn_tensor* item : {dy, indices, dx}) nn_tensor_release(item);
}

}  // namespace
