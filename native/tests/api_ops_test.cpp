// The op shims of nativenn.h: a few results through the C ABI, and the error paths — null
// arguments, dtypes, shapes, aliasing, bad values — each with its status and a message that names
// the function, the argument and the shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "nativenn.h"

namespace {

// A tensor that releases itself.
class Tensor {
public:
    Tensor(nn_dtype dtype, std::initializer_list<int64_t> shape) {
        const std::vector<int64_t> sizes(shape);
        EXPECT_EQ(nn_tensor_create(dtype, static_cast<int32_t>(sizes.size()), sizes.data(), &tensor_), NN_OK);
    }
    explicit Tensor(std::initializer_list<int64_t> shape) : Tensor(NN_DTYPE_FLOAT32, shape) {}
    ~Tensor() { nn_tensor_release(tensor_); }
    Tensor(const Tensor&) = delete;
    Tensor& operator=(const Tensor&) = delete;

    nn_tensor* get() const { return tensor_; }
    operator nn_tensor*() const { return tensor_; }

    template <class T>
    void set(const std::vector<T>& values) {
        EXPECT_EQ(nn_tensor_copy_from(tensor_, values.data(), static_cast<int64_t>(values.size() * sizeof(T))), NN_OK);
    }
    std::vector<float> floats() const {
        int64_t count = 0;
        nn_tensor_numel(tensor_, &count);
        std::vector<float> values(static_cast<std::size_t>(count));
        EXPECT_EQ(nn_tensor_copy_to(tensor_, values.data(), count * static_cast<int64_t>(sizeof(float))), NN_OK);
        return values;
    }

private:
    nn_tensor* tensor_ = nullptr;
};

// Checks the status and that nn_last_error() contains every fragment.
::testing::AssertionResult fails(nn_status status, nn_status expected, std::initializer_list<const char*> fragments) {
    if (status != expected) {
        return ::testing::AssertionFailure() << "status " << status << ", expected " << expected << ": " << nn_last_error();
    }
    const std::string message = nn_last_error();
    for (const char* fragment : fragments) {
        if (message.find(fragment) == std::string::npos) {
            return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << fragment << "\"";
        }
    }
    return ::testing::AssertionSuccess();
}

TEST(ApiOps, ResultsThroughTheAbi) {
    Tensor x({2, 3});
    x.set(std::vector<float>{1, 2, 3, -1, 0, 1});
    Tensor y({2, 3});
    ASSERT_EQ(nn_relu_forward(x, y), NN_OK);
    EXPECT_EQ(y.floats(), (std::vector<float>{1, 2, 3, 0, 0, 1}));
    ASSERT_EQ(nn_relu_forward(x, x), NN_OK) << "in place";
    EXPECT_EQ(x.floats(), (std::vector<float>{1, 2, 3, 0, 0, 1}));

    Tensor logits({2, 3});
    logits.set(std::vector<float>{1, 2, 3, 1, 2, 3});
    Tensor targets(NN_DTYPE_INT64, {2});
    targets.set(std::vector<int64_t>{2, 0});
    Tensor loss({});
    ASSERT_EQ(nn_cross_entropy_forward(logits, targets, NN_REDUCTION_MEAN, loss), NN_OK);
    EXPECT_FLOAT_EQ(loss.floats()[0], 1.40760596f);
    Tensor per_sample({2});
    ASSERT_EQ(nn_cross_entropy_forward(logits, targets, NN_REDUCTION_NONE, per_sample), NN_OK);
    EXPECT_FLOAT_EQ(per_sample.floats()[1], 2.40760596f);

    Tensor total({1});
    ASSERT_EQ(nn_sum(logits, total), NN_OK);
    EXPECT_EQ(total.floats()[0], 12.0f);

    // Linear's bias gradient and a transpose.
    Tensor column_sums({3});
    ASSERT_EQ(nn_sum_dim0(logits, column_sums), NN_OK);
    EXPECT_EQ(column_sums.floats(), (std::vector<float>{2, 4, 6}));
    Tensor transposed({3, 2});
    ASSERT_EQ(nn_transpose(logits, transposed), NN_OK);
    EXPECT_EQ(transposed.floats(), (std::vector<float>{1, 1, 2, 2, 3, 3}));

    // One Adam step: param 0.5, grad 0.2 -> 0.49.
    Tensor param({1}), grad({1}), exp_avg({1}), exp_avg_sq({1});
    param.set(std::vector<float>{0.5f});
    grad.set(std::vector<float>{0.2f});
    const nn_adam_params adam = {0.01, 0.9, 0.999, 1e-8, 0.0, 0};
    ASSERT_EQ(nn_adam_step(&adam, 1, param, grad, exp_avg, exp_avg_sq, nullptr), NN_OK);
    EXPECT_FLOAT_EQ(param.floats()[0], 0.49f);
}

TEST(ApiOps, NullArgumentsAreNamed) {
    Tensor x({2});
    EXPECT_TRUE(fails(nn_add(nullptr, x, x), NN_ERROR_INVALID_ARGUMENT, {"nn_add: a is null"}));
    EXPECT_TRUE(fails(nn_relu_backward(x, nullptr, x), NN_ERROR_INVALID_ARGUMENT, {"nn_relu_backward: dy is null"}));
    EXPECT_TRUE(fails(nn_softmax_forward(x, nullptr), NN_ERROR_INVALID_ARGUMENT, {"nn_softmax_forward: y is null"}));
    EXPECT_TRUE(fails(nn_sgd_step(nullptr, 1, x, x, nullptr), NN_ERROR_INVALID_ARGUMENT, {"nn_sgd_step: params is null"}));
}

TEST(ApiOps, ShapesAndDtypesMustFit) {
    Tensor x({2, 3}), target({3, 2}), loss({});
    EXPECT_TRUE(fails(nn_mse_forward(x, target, NN_REDUCTION_MEAN, loss), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_mse_forward: x is float32[2,3] but target is float32[3,2]"}));
    Tensor y({3, 2});
    EXPECT_TRUE(fails(nn_mul(x, x, y), NN_ERROR_SHAPE_MISMATCH, {"nn_mul: a is float32[2,3] but out is float32[3,2]"}));
    Tensor integers(NN_DTYPE_INT64, {2, 3});
    EXPECT_TRUE(fails(nn_exp(integers, x), NN_ERROR_SHAPE_MISMATCH, {"nn_exp: x is int64[2,3] but must be float32"}));
    Tensor vector({3}), vector_out({3});
    EXPECT_TRUE(fails(nn_softmax_forward(vector, vector_out), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_softmax_forward: x is float32[3]", "at least 2 dimensions"}));
    Tensor bias({2}), biased({2, 3});
    EXPECT_TRUE(fails(nn_bias_add(x, bias, biased), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_bias_add: x is float32[2,3] but bias is float32[2]", "[3]"}));
    Tensor wrong_transpose({2, 3});
    EXPECT_TRUE(fails(nn_transpose(x, wrong_transpose), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_transpose: x is float32[2,3] and y is float32[2,3]"}));
    Tensor two_values({2});
    EXPECT_TRUE(fails(nn_mean(x, two_values), NN_ERROR_SHAPE_MISMATCH, {"nn_mean: result is float32[2] but must hold one value"}));
}

TEST(ApiOps, LossTargetsAndReductions) {
    Tensor logits({2, 3}), loss({}), dlogits({2, 3});
    Tensor targets(NN_DTYPE_INT64, {2});
    targets.set(std::vector<int64_t>{0, 5});
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, targets, NN_REDUCTION_MEAN, loss), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_cross_entropy_forward: targets[1] is 5, outside [0, 3)"}));
    Tensor one({});
    EXPECT_TRUE(fails(nn_cross_entropy_backward(logits, targets, one, NN_REDUCTION_SUM, dlogits), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_cross_entropy_backward: targets[1] is 5"}));
    targets.set(std::vector<int64_t>{-1, 0});
    EXPECT_TRUE(fails(nn_nll_forward(logits, targets, NN_REDUCTION_SUM, loss), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_nll_forward: targets[0] is -1"}));

    Tensor float_targets({2});
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, float_targets, NN_REDUCTION_MEAN, loss), NN_ERROR_SHAPE_MISMATCH,
                      {"targets is float32[2] but must be int64"}));
    Tensor long_targets(NN_DTYPE_INT64, {3});
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, long_targets, NN_REDUCTION_MEAN, loss), NN_ERROR_SHAPE_MISMATCH,
                      {"logits is float32[2,3] but targets is int64[3]"}));

    Tensor good_targets(NN_DTYPE_INT64, {2});
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, good_targets, static_cast<nn_reduction>(7), loss),
                      NN_ERROR_INVALID_ARGUMENT, {"reduction is 7"}));
    Tensor per_sample({3});
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, good_targets, NN_REDUCTION_NONE, per_sample), NN_ERROR_SHAPE_MISMATCH,
                      {"loss is float32[3] but targets is int64[2]"}));
    EXPECT_TRUE(fails(nn_cross_entropy_forward(logits, good_targets, NN_REDUCTION_MEAN, logits), NN_ERROR_SHAPE_MISMATCH,
                      {"loss is float32[2,3] but must hold one value"}));

    Tensor probabilities({2}), labels({2}), bce_loss({});
    probabilities.set(std::vector<float>{0.5f, 1.5f});
    EXPECT_TRUE(fails(nn_binary_cross_entropy_forward(probabilities, labels, NN_REDUCTION_MEAN, bce_loss),
                      NN_ERROR_INVALID_ARGUMENT, {"nn_binary_cross_entropy_forward: x[1] is 1.5, outside [0, 1]"}));
}

TEST(ApiOps, AliasingThatWouldCorruptTheResultIsRefused) {
    Tensor x({4, 4});
    EXPECT_TRUE(fails(nn_transpose(x, x), NN_ERROR_INVALID_ARGUMENT, {"nn_transpose: y shares storage with x"}));
    Tensor y({4, 4});
    EXPECT_TRUE(fails(nn_dropout_forward(x, 0.5f, 1, y, x), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_dropout_forward: mask shares storage with x"}));
    // A view (reshape) shares storage too.
    nn_tensor* view = nullptr;
    const int64_t flat[] = {16};
    ASSERT_EQ(nn_tensor_reshape(x, 1, flat, &view), NN_OK);
    Tensor sum({1});
    EXPECT_EQ(nn_sum(view, sum), NN_OK);
    const nn_sgd_params sgd = {0.1, 0.0, 0.0, 0.0, 0};
    Tensor param({16});
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, view, view, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_sgd_step: grad shares storage with param"}));
    nn_tensor_release(view);
}

TEST(ApiOps, DropoutAndOptimizerArguments) {
    Tensor x({8}), y({8}), mask({8});
    EXPECT_TRUE(fails(nn_dropout_forward(x, 1.5f, 1, y, mask), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_dropout_forward: p is 1.5 but must be in [0, 1]"}));
    EXPECT_EQ(nn_dropout_forward(x, 1.0f, 1, y, mask), NN_OK);

    Tensor param({8}), grad({8}), buffer({8}), other({4});
    nn_sgd_params sgd = {0.1, 0.9, 0.0, 0.0, 1};
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, param, grad, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_sgd_step: momentum_buffer is null but params->momentum is not 0"}));
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 0, param, grad, buffer), NN_ERROR_INVALID_ARGUMENT, {"step is 0"}));
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, param, other, buffer), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_sgd_step: param is float32[8] but grad is float32[4]"}));
    EXPECT_EQ(nn_sgd_step(&sgd, 1, param, grad, buffer), NN_OK);
    sgd.nesterov = 2;
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, param, grad, buffer), NN_ERROR_INVALID_ARGUMENT,
                      {"params->nesterov is 2 but must be 0 or 1"}));
    sgd = {-1.0, 0.0, 0.0, 0.0, 0};
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, param, grad, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_sgd_step: params->lr is -1 but must be finite and >= 0"}));
    sgd = {0.1, 0.0, 0.5, 0.0, 1};
    EXPECT_TRUE(fails(nn_sgd_step(&sgd, 1, param, grad, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nesterov needs momentum > 0 and dampening 0"}));

    const nn_adam_params amsgrad = {1e-3, 0.9, 0.999, 1e-8, 0.0, 1};
    Tensor exp_avg({8}), exp_avg_sq({8});
    EXPECT_TRUE(fails(nn_adamw_step(&amsgrad, 1, param, grad, exp_avg, exp_avg_sq, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_adamw_step: max_exp_avg_sq is null but params->amsgrad is 1"}));
    const nn_adam_params bad_beta = {1e-3, 1.0, 0.999, 1e-8, 0.0, 0};
    EXPECT_TRUE(fails(nn_adam_step(&bad_beta, 1, param, grad, exp_avg, exp_avg_sq, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_adam_step: params->beta1 is 1 but must be in [0, 1)"}));
    const nn_rmsprop_params centered = {0.01, 0.99, 1e-8, 0.0, 0.0, 1};
    EXPECT_TRUE(fails(nn_rmsprop_step(&centered, 1, param, grad, buffer, nullptr, nullptr), NN_ERROR_INVALID_ARGUMENT,
                      {"nn_rmsprop_step: grad_avg is null but params->centered is 1"}));
    const nn_adagrad_params adagrad = {0.01, 0.0, 0.0, 0.0, 1e-10};
    Tensor integers(NN_DTYPE_INT64, {8});
    EXPECT_TRUE(fails(nn_adagrad_step(&adagrad, 1, param, grad, integers), NN_ERROR_SHAPE_MISMATCH,
                      {"nn_adagrad_step: sum is int64[8] but must be float32"}));
}

}  // namespace
