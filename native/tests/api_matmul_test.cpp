// nn_matmul through the C ABI: results for each transpose combination, and every refusal.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nativenn.h"

namespace {

nn_tensor* matrix(int64_t rows, int64_t columns, const std::vector<float>& values = {}) {
    const int64_t shape[2] = {rows, columns};
    nn_tensor* tensor = nullptr;
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 2, shape, &tensor), NN_OK);
    if (!values.empty()) {
        EXPECT_EQ(nn_tensor_copy_from(tensor, values.data(), static_cast<int64_t>(values.size() * sizeof(float))), NN_OK);
    }
    return tensor;
}

std::vector<float> read(const nn_tensor* tensor, size_t count) {
    std::vector<float> values(count);
    EXPECT_EQ(nn_tensor_copy_to(tensor, values.data(), static_cast<int64_t>(count * sizeof(float))), NN_OK);
    return values;
}

}  // namespace

TEST(ApiMatmul, ComputesEveryTransposeCombination) {
    // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[2,-1]]: A B = [[7,-1],[16,-1]].
    nn_tensor* a = matrix(2, 3, {1, 2, 3, 4, 5, 6});
    nn_tensor* a_transposed = matrix(3, 2, {1, 4, 2, 5, 3, 6});
    nn_tensor* b = matrix(3, 2, {1, 0, 0, 1, 2, -1});
    nn_tensor* b_transposed = matrix(2, 3, {1, 0, 2, 0, 1, -1});
    nn_tensor* c = matrix(2, 2);
    const std::vector<float> expected = {7, -1, 16, -1};
    EXPECT_EQ(nn_matmul(a, 0, b, 0, 1.0f, 0.0f, c), NN_OK);
    EXPECT_EQ(read(c, 4), expected);
    EXPECT_EQ(nn_matmul(a_transposed, 1, b, 0, 1.0f, 0.0f, c), NN_OK);
    EXPECT_EQ(read(c, 4), expected);
    EXPECT_EQ(nn_matmul(a, 0, b_transposed, 1, 1.0f, 0.0f, c), NN_OK);
    EXPECT_EQ(read(c, 4), expected);
    EXPECT_EQ(nn_matmul(a_transposed, 1, b_transposed, 1, 1.0f, 0.0f, c), NN_OK);
    EXPECT_EQ(read(c, 4), expected);
    // alpha and beta: C = 2 A B + 0.5 C.
    EXPECT_EQ(nn_matmul(a, 0, b, 0, 2.0f, 0.5f, c), NN_OK);
    EXPECT_EQ(read(c, 4), (std::vector<float>{17.5f, -2.5f, 40.0f, -2.5f}));
    for (nn_tensor* tensor : {a, a_transposed, b, b_transposed, c}) nn_tensor_release(tensor);
}

TEST(ApiMatmul, BetaZeroIgnoresNanInTheOutput) {
    nn_tensor* a = matrix(1, 1, {2});
    nn_tensor* b = matrix(1, 1, {3});
    nn_tensor* c = matrix(1, 1, {std::nanf("")});
    EXPECT_EQ(nn_matmul(a, 0, b, 0, 1.0f, 0.0f, c), NN_OK);
    EXPECT_EQ(read(c, 1), std::vector<float>{6});
    for (nn_tensor* tensor : {a, b, c}) nn_tensor_release(tensor);
}

TEST(ApiMatmul, RefusesMismatchedShapesNamingThem) {
    nn_tensor* a = matrix(2, 3);
    nn_tensor* b = matrix(4, 2);
    nn_tensor* c = matrix(2, 2);
    EXPECT_EQ(nn_matmul(a, 0, b, 0, 1.0f, 0.0f, c), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()),
              "nn_matmul: a is float32[2,3] and b is float32[4,2]: inner sizes 3 and 4 differ");
    nn_tensor* wrong_output = matrix(3, 2);
    nn_tensor* good_b = matrix(3, 2);
    EXPECT_EQ(nn_matmul(a, 0, good_b, 0, 1.0f, 0.0f, wrong_output), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()),
              "nn_matmul: c is float32[3,2] but the product of a float32[2,3] and b float32[3,2] is [2,2]");
    for (nn_tensor* tensor : {a, b, c, wrong_output, good_b}) nn_tensor_release(tensor);
}

TEST(ApiMatmul, RefusesNullsBadFlagsAliasingAndWrongRank) {
    nn_tensor* a = matrix(2, 2);
    nn_tensor* c = matrix(2, 2);
    EXPECT_EQ(nn_matmul(nullptr, 0, a, 0, 1.0f, 0.0f, c), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_matmul: a is null");
    EXPECT_EQ(nn_matmul(a, 2, a, 0, 1.0f, 0.0f, c), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_matmul: transpose_a is 2 but must be 0 or 1");
    EXPECT_EQ(nn_matmul(a, 0, c, 0, 1.0f, 0.0f, c), NN_ERROR_INVALID_ARGUMENT);
    const int64_t vector_shape[1] = {2};
    nn_tensor* vector = nullptr;
    ASSERT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 1, vector_shape, &vector), NN_OK);
    EXPECT_EQ(nn_matmul(vector, 0, a, 0, 1.0f, 0.0f, c), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(std::string(nn_last_error()), "nn_matmul: a is float32[2] but must be a 2-D float32 tensor");
    for (nn_tensor* tensor : {a, c, vector}) nn_tensor_release(tensor);
}
