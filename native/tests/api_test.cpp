// The C ABI end to end: tensor round trips for both dtypes, scalars and empty tensors, every
// error path with its message, nn_last_error's contract, memory accounting and concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/guard.h"
#include "core/allocator.h"
#include "nativenn.h"

namespace {

nn_tensor* create(nn_dtype dtype, std::vector<std::int64_t> shape) {
    nn_tensor* tensor = nullptr;
    EXPECT_EQ(nn_tensor_create(dtype, static_cast<std::int32_t>(shape.size()), shape.data(), &tensor), NN_OK)
        << nn_last_error();
    return tensor;
}

std::vector<std::int64_t> shape_of(const nn_tensor* tensor) {
    std::int32_t ndim = -1;
    EXPECT_EQ(nn_tensor_ndim(tensor, &ndim), NN_OK);
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(ndim), -1);
    EXPECT_EQ(nn_tensor_shape(tensor, sizes.data(), ndim), NN_OK) << nn_last_error();
    return sizes;
}

nn_memory_stats stats() {
    nn_memory_stats result{};
    EXPECT_EQ(nn_memory_get_stats(&result), NN_OK);
    return result;
}

std::string last_error() { return nn_last_error(); }

std::int64_t block_of(std::int64_t bytes) {
    return static_cast<std::int64_t>(nn::core::Allocator::block_size(static_cast<std::size_t>(bytes)));
}

TEST(ApiLibrary, VersionsAndThreadCount) {
    EXPECT_EQ(nn_abi_version(), NN_ABI_VERSION);
    const std::string version = nn_version();
    EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
    EXPECT_EQ(version.find_first_not_of("0123456789."), std::string::npos) << version;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(version.front()))) << version;

    std::int32_t saved = 0;
    ASSERT_EQ(nn_get_num_threads(&saved), NN_OK);
    EXPECT_GE(saved, 1);
    ASSERT_EQ(nn_set_num_threads(3), NN_OK);
    std::int32_t count = 0;
    ASSERT_EQ(nn_get_num_threads(&count), NN_OK);
    EXPECT_EQ(count, 3);
    EXPECT_EQ(nn_set_num_threads(0), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_set_num_threads: count is 0 but must be between 1 and 1024");
    EXPECT_EQ(nn_set_num_threads(-4), NN_ERROR_INVALID_ARGUMENT);
    ASSERT_EQ(nn_get_num_threads(&count), NN_OK);
    EXPECT_EQ(count, 3) << "a rejected count was applied";
    EXPECT_EQ(nn_get_num_threads(nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_get_num_threads: count is null");
    ASSERT_EQ(nn_set_num_threads(saved), NN_OK);
}

TEST(ApiLastError, IsEmptyOnAFreshThreadAndNeverNull) {
    std::string seen = "unset";
    std::thread([&] {
        const char* message = nn_last_error();
        ASSERT_NE(message, nullptr);
        seen = message;
    }).join();
    EXPECT_EQ(seen, "");
}

TEST(ApiLastError, SurvivesSuccessfulCallsAndIsPerThread) {
    ASSERT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 0, nullptr, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: result is null");

    nn_tensor* tensor = create(NN_DTYPE_FLOAT32, {2});
    std::int64_t count = 0;
    ASSERT_EQ(nn_tensor_numel(tensor, &count), NN_OK);
    EXPECT_EQ(last_error(), "nn_tensor_create: result is null") << "a successful call changed the message";

    std::string other_thread;
    std::thread([&] {
        nn_set_num_threads(0);
        other_thread = nn_last_error();
    }).join();
    EXPECT_EQ(other_thread, "nn_set_num_threads: count is 0 but must be between 1 and 1024");
    EXPECT_EQ(last_error(), "nn_tensor_create: result is null") << "another thread's failure leaked here";
    nn_tensor_release(tensor);
}

TEST(ApiGuard, MapsEveryKindOfExceptionToAStatusAndAMessage) {
    EXPECT_EQ(nn::api::guard("nn_example", [] { nn::core::throw_error(NN_ERROR_DEVICE, "device %d lost", 3); }),
              NN_ERROR_DEVICE);
    EXPECT_EQ(last_error(), "nn_example: device 3 lost");
    EXPECT_EQ(nn::api::guard("nn_example", [] { throw std::bad_alloc(); }), NN_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(last_error(), "nn_example: out of memory");
    EXPECT_EQ(nn::api::guard("nn_example", [] { throw std::logic_error("index past the end"); }), NN_ERROR_INTERNAL);
    EXPECT_EQ(last_error(), "nn_example: internal error: index past the end");
    EXPECT_EQ(nn::api::guard("nn_example", [] { throw 42; }), NN_ERROR_INTERNAL);
    EXPECT_EQ(last_error(), "nn_example: internal error: an exception of unknown type");
    EXPECT_EQ(nn::api::guard("nn_example", [] { throw nn::core::Error(NN_OK, "claims success"); }), NN_ERROR_INTERNAL);
    EXPECT_EQ(last_error(), "nn_example: claims success");
    EXPECT_EQ(nn::api::guard("nn_example", [] {}), NN_OK);
    EXPECT_EQ(last_error(), "nn_example: claims success");
}

TEST(ApiTensor, Float32RoundTrip) {
    nn_tensor* tensor = create(NN_DTYPE_FLOAT32, {2, 3});
    nn_dtype dtype = NN_DTYPE_INT64;
    ASSERT_EQ(nn_tensor_dtype(tensor, &dtype), NN_OK);
    EXPECT_EQ(dtype, NN_DTYPE_FLOAT32);
    EXPECT_EQ(shape_of(tensor), (std::vector<std::int64_t>{2, 3}));
    std::int64_t count = 0;
    ASSERT_EQ(nn_tensor_numel(tensor, &count), NN_OK);
    EXPECT_EQ(count, 6);

    std::vector<float> zeros(6, -1.0f);
    ASSERT_EQ(nn_tensor_copy_to(tensor, zeros.data(), 24), NN_OK);
    EXPECT_EQ(zeros, std::vector<float>(6, 0.0f));

    const std::vector<float> input = {1.5f, -2.0f, 3.25f, 1e-30f, -0.0f, 6e30f};
    ASSERT_EQ(nn_tensor_copy_from(tensor, input.data(), 24), NN_OK);
    std::vector<float> output(6);
    ASSERT_EQ(nn_tensor_copy_to(tensor, output.data(), 24), NN_OK);
    EXPECT_EQ(std::memcmp(output.data(), input.data(), 24), 0);

    void* data = nullptr;
    ASSERT_EQ(nn_tensor_data(tensor, &data), NN_OK);
    EXPECT_EQ(static_cast<float*>(data)[2], 3.25f);
    static_cast<float*>(data)[5] = 7.0f;
    ASSERT_EQ(nn_tensor_copy_to(tensor, output.data(), 24), NN_OK);
    EXPECT_EQ(output[5], 7.0f);

    ASSERT_EQ(nn_tensor_fill_float32(tensor, 0.25f), NN_OK);
    ASSERT_EQ(nn_tensor_copy_to(tensor, output.data(), 24), NN_OK);
    EXPECT_EQ(output, std::vector<float>(6, 0.25f));
    EXPECT_EQ(nn_tensor_release(tensor), NN_OK);
}

TEST(ApiTensor, Int64RoundTrip) {
    nn_tensor* tensor = create(NN_DTYPE_INT64, {3, 1, 2});
    nn_dtype dtype = NN_DTYPE_FLOAT32;
    ASSERT_EQ(nn_tensor_dtype(tensor, &dtype), NN_OK);
    EXPECT_EQ(dtype, NN_DTYPE_INT64);
    EXPECT_EQ(shape_of(tensor), (std::vector<std::int64_t>{3, 1, 2}));
    const std::vector<std::int64_t> input = {INT64_MIN, -1, 0, 1, INT64_MAX, std::int64_t{1} << 40};
    ASSERT_EQ(nn_tensor_copy_from(tensor, input.data(), 48), NN_OK) << nn_last_error();
    std::vector<std::int64_t> output(6);
    ASSERT_EQ(nn_tensor_copy_to(tensor, output.data(), 48), NN_OK);
    EXPECT_EQ(output, input);
    ASSERT_EQ(nn_tensor_fill_int64(tensor, -9), NN_OK);
    ASSERT_EQ(nn_tensor_copy_to(tensor, output.data(), 48), NN_OK);
    EXPECT_EQ(output, std::vector<std::int64_t>(6, -9));
    nn_tensor_release(tensor);
}

TEST(ApiTensor, ScalarHasNoDimensionsAndOneElement) {
    nn_tensor* scalar = nullptr;
    ASSERT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 0, nullptr, &scalar), NN_OK) << nn_last_error();
    std::int32_t ndim = -1;
    ASSERT_EQ(nn_tensor_ndim(scalar, &ndim), NN_OK);
    EXPECT_EQ(ndim, 0);
    std::int64_t count = 0;
    ASSERT_EQ(nn_tensor_numel(scalar, &count), NN_OK);
    EXPECT_EQ(count, 1);
    EXPECT_EQ(nn_tensor_shape(scalar, nullptr, 0), NN_OK) << nn_last_error();

    const float value = 42.5f;
    ASSERT_EQ(nn_tensor_copy_from(scalar, &value, 4), NN_OK);
    float back = 0;
    ASSERT_EQ(nn_tensor_copy_to(scalar, &back, 4), NN_OK);
    EXPECT_EQ(back, 42.5f);
    EXPECT_EQ(nn_tensor_copy_to(scalar, &back, 8), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy_to: byte_count is 8 but tensor float32[] holds 4 bytes");

    const std::int64_t one[] = {1, 1};
    nn_tensor* view = nullptr;
    ASSERT_EQ(nn_tensor_reshape(scalar, 2, one, &view), NN_OK) << nn_last_error();
    EXPECT_EQ(shape_of(view), (std::vector<std::int64_t>{1, 1}));
    nn_tensor_release(view);
    nn_tensor_release(scalar);
}

TEST(ApiTensor, EmptyTensorsAcceptNullBuffersOfZeroBytes) {
    nn_tensor* empty = create(NN_DTYPE_FLOAT32, {0, 3});
    std::int64_t count = -1;
    ASSERT_EQ(nn_tensor_numel(empty, &count), NN_OK);
    EXPECT_EQ(count, 0);
    EXPECT_EQ(shape_of(empty), (std::vector<std::int64_t>{0, 3}));
    void* data = nullptr;
    ASSERT_EQ(nn_tensor_data(empty, &data), NN_OK);
    EXPECT_NE(data, nullptr);
    EXPECT_EQ(nn_tensor_copy_from(empty, nullptr, 0), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_tensor_copy_to(empty, nullptr, 0), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_tensor_fill_float32(empty, 1.0f), NN_OK);
    EXPECT_EQ(nn_tensor_fill_uniform(empty, 1, 0.0f, 1.0f), NN_OK);

    const std::int64_t other[] = {3, 0, 5};
    nn_tensor* view = nullptr;
    ASSERT_EQ(nn_tensor_reshape(empty, 3, other, &view), NN_OK) << nn_last_error();
    const std::int64_t one[] = {1};
    nn_tensor* wrong = nullptr;
    EXPECT_EQ(nn_tensor_reshape(empty, 1, one, &wrong), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(wrong, nullptr);
    EXPECT_EQ(last_error(), "nn_tensor_reshape: cannot reshape float32[0,3] (0 elements) to float32[1] (1 elements)");
    nn_tensor* copy = create(NN_DTYPE_FLOAT32, {0});
    EXPECT_EQ(nn_tensor_copy(view, copy), NN_OK);
    nn_tensor_release(copy);
    nn_tensor_release(view);
    nn_tensor_release(empty);
}

TEST(ApiTensor, ReshapeSharesStorageAndOutlivesTheOriginal) {
    nn_tensor* original = create(NN_DTYPE_FLOAT32, {2, 6});
    const std::int64_t shape[] = {3, 2, 2};
    nn_tensor* view = nullptr;
    ASSERT_EQ(nn_tensor_reshape(original, 3, shape, &view), NN_OK);
    EXPECT_EQ(shape_of(view), (std::vector<std::int64_t>{3, 2, 2}));
    void* original_data = nullptr;
    void* view_data = nullptr;
    nn_tensor_data(original, &original_data);
    nn_tensor_data(view, &view_data);
    EXPECT_EQ(original_data, view_data);
    ASSERT_EQ(nn_tensor_fill_float32(original, 4.0f), NN_OK);
    nn_tensor_release(original);
    std::vector<float> values(12);
    ASSERT_EQ(nn_tensor_copy_to(view, values.data(), 48), NN_OK);
    EXPECT_EQ(values, std::vector<float>(12, 4.0f));
    nn_tensor_release(view);
}

TEST(ApiTensor, CopyBetweenTensorsOfAnyShapeWithTheSameCount) {
    nn_tensor* source = create(NN_DTYPE_INT64, {2, 2});
    nn_tensor* destination = create(NN_DTYPE_INT64, {4, 1});
    const std::int64_t values[] = {5, 6, 7, 8};
    ASSERT_EQ(nn_tensor_copy_from(source, values, 32), NN_OK);
    ASSERT_EQ(nn_tensor_copy(source, destination), NN_OK);
    std::int64_t back[4] = {};
    ASSERT_EQ(nn_tensor_copy_to(destination, back, 32), NN_OK);
    EXPECT_EQ(std::memcmp(back, values, 32), 0);

    nn_tensor* floats = create(NN_DTYPE_FLOAT32, {4});
    EXPECT_EQ(nn_tensor_copy(source, floats), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(last_error(), "nn_tensor_copy: source int64[2,2] and destination float32[4] differ in dtype");
    nn_tensor* longer = create(NN_DTYPE_INT64, {5});
    EXPECT_EQ(nn_tensor_copy(source, longer), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(last_error(), "nn_tensor_copy: source int64[2,2] and destination int64[5] differ in element count");
    EXPECT_EQ(nn_tensor_copy(nullptr, longer), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy: source is null");
    EXPECT_EQ(nn_tensor_copy(source, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy: destination is null");
    for (nn_tensor* tensor : {source, destination, floats, longer}) nn_tensor_release(tensor);
}

TEST(ApiTensor, EveryBlockIs64ByteAligned) {
    std::vector<nn_tensor*> tensors;
    for (std::int64_t count = 1; count < 300; count += 7) tensors.push_back(create(NN_DTYPE_FLOAT32, {count}));
    tensors.push_back(create(NN_DTYPE_INT64, {3, 333333}));
    for (nn_tensor* tensor : tensors) {
        void* data = nullptr;
        ASSERT_EQ(nn_tensor_data(tensor, &data), NN_OK);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(data) % NN_STORAGE_ALIGNMENT, 0u);
        nn_tensor_release(tensor);
    }
}

TEST(ApiErrors, CreateValidatesItsArguments) {
    nn_tensor* tensor = reinterpret_cast<nn_tensor*>(std::uintptr_t{0x1});
    const std::int64_t shape[] = {2, 3};
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 2, nullptr, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tensor, nullptr) << "a failed create left a stale result";
    EXPECT_EQ(last_error(), "nn_tensor_create: shape is null but ndim is 2");

    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, -1, shape, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: ndim is -1 but must be between 0 and 8");
    const std::int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 9, nine, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: ndim is 9 but must be between 0 and 8");

    const std::int64_t negative[] = {4, -2};
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_INT64, 2, negative, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: shape int64[4,-2] has negative size -2 in dimension 1");

    EXPECT_EQ(nn_tensor_create(static_cast<nn_dtype>(5), 2, shape, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: dtype is 5, which is not an nn_dtype");
}

TEST(ApiErrors, OverflowingAndAbsurdShapes) {
    nn_tensor* tensor = nullptr;
    const std::int64_t overflowing[] = {std::int64_t{1} << 40, std::int64_t{1} << 40};
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 2, overflowing, &tensor), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_create: shape float32[1099511627776,1099511627776] needs more than 2^63-1 bytes");

    // 2^60 float32 elements are 2^62 bytes: countable, but no machine has them.
    const std::int64_t absurd[] = {std::int64_t{1} << 60};
    const auto before = stats();
    EXPECT_EQ(nn_tensor_create(NN_DTYPE_FLOAT32, 1, absurd, &tensor), NN_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(tensor, nullptr);
    EXPECT_NE(last_error().find("float32[1152921504606846976]"), std::string::npos) << last_error();
    EXPECT_NE(last_error().find("4611686018427387904 bytes"), std::string::npos) << last_error();
    EXPECT_EQ(stats().live_bytes, before.live_bytes);
    EXPECT_EQ(stats().live_tensors, before.live_tensors);
}

TEST(ApiErrors, NullTensorsAndOutputsAreNamed) {
    std::int32_t ndim = 0;
    std::int64_t count = 0;
    nn_dtype dtype = NN_DTYPE_FLOAT32;
    void* data = nullptr;
    EXPECT_EQ(nn_tensor_ndim(nullptr, &ndim), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_ndim: tensor is null");
    EXPECT_EQ(nn_tensor_numel(nullptr, &count), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_dtype(nullptr, &dtype), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_data(nullptr, &data), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_fill_float32(nullptr, 1.0f), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_fill_float32: tensor is null");
    EXPECT_EQ(nn_tensor_fill_int64(nullptr, 1), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_copy_from(nullptr, &count, 8), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_copy_to(nullptr, &count, 8), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_shape(nullptr, &count, 1), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_release(nullptr), NN_OK);
    EXPECT_EQ(nn_memory_get_stats(nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_memory_get_stats: stats is null");

    nn_tensor* tensor = create(NN_DTYPE_FLOAT32, {2, 3});
    EXPECT_EQ(nn_tensor_ndim(tensor, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_ndim: ndim is null");
    EXPECT_EQ(nn_tensor_numel(tensor, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_numel: count is null");
    EXPECT_EQ(nn_tensor_dtype(tensor, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_data(tensor, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_data: data is null");
    EXPECT_EQ(nn_tensor_shape(tensor, nullptr, 2), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_shape: sizes is null");
    nn_tensor* view = nullptr;
    const std::int64_t flat[] = {6};
    EXPECT_EQ(nn_tensor_reshape(nullptr, 1, flat, &view), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_reshape: tensor is null");
    EXPECT_EQ(nn_tensor_reshape(tensor, 1, flat, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_reshape: result is null");
    EXPECT_EQ(nn_tensor_reshape(tensor, 1, nullptr, &view), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_reshape: shape is null but ndim is 1");
    nn_tensor_release(tensor);
}

TEST(ApiErrors, ShapeCapacityMustHoldEveryDimension) {
    nn_tensor* tensor = create(NN_DTYPE_FLOAT32, {2, 3, 4});
    std::int64_t sizes[3] = {-1, -1, -1};
    EXPECT_EQ(nn_tensor_shape(tensor, sizes, 2), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_shape: capacity is 2 but tensor float32[2,3,4] has 3 dimensions");
    EXPECT_EQ(sizes[0], -1) << "a refused call wrote";
    nn_tensor_release(tensor);
}

TEST(ApiErrors, ByteCountsMustMatchExactly) {
    nn_tensor* tensor = create(NN_DTYPE_FLOAT32, {2, 3});
    std::vector<float> buffer(8, 1.0f);
    EXPECT_EQ(nn_tensor_copy_from(tensor, buffer.data(), 12), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy_from: byte_count is 12 but tensor float32[2,3] holds 24 bytes");
    EXPECT_EQ(nn_tensor_copy_from(tensor, buffer.data(), 32), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_copy_from(tensor, buffer.data(), -24), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_tensor_copy_to(tensor, buffer.data(), 28), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy_to: byte_count is 28 but tensor float32[2,3] holds 24 bytes");
    EXPECT_EQ(nn_tensor_copy_from(tensor, nullptr, 24), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy_from: source is null but byte_count is 24");
    EXPECT_EQ(nn_tensor_copy_to(tensor, nullptr, 24), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(last_error(), "nn_tensor_copy_to: destination is null but byte_count is 24");
    std::vector<float> back(6, -1.0f);
    ASSERT_EQ(nn_tensor_copy_to(tensor, back.data(), 24), NN_OK);
    EXPECT_EQ(back, std::vector<float>(6, 0.0f)) << "a refused copy_from wrote";
    nn_tensor_release(tensor);
}

TEST(ApiErrors, FillOfTheWrongDtype) {
    nn_tensor* floats = create(NN_DTYPE_FLOAT32, {3});
    nn_tensor* integers = create(NN_DTYPE_INT64, {2, 2});
    EXPECT_EQ(nn_tensor_fill_int64(floats, 1), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(last_error(), "nn_tensor_fill_int64: tensor float32[3] is not int64");
    EXPECT_EQ(nn_tensor_fill_float32(integers, 1.0f), NN_ERROR_SHAPE_MISMATCH);
    EXPECT_EQ(last_error(), "nn_tensor_fill_float32: tensor int64[2,2] is not float32");
    nn_tensor_release(floats);
    nn_tensor_release(integers);
}

TEST(ApiMemory, LiveAndPeakReturnToTheStartAfterRelease) {
    ASSERT_EQ(nn_memory_reset_peak(), NN_OK);
    const auto start = stats();
    EXPECT_EQ(start.peak_bytes, start.live_bytes);

    nn_tensor* a = create(NN_DTYPE_FLOAT32, {1000});   // 4000 bytes -> 4096-byte block
    nn_tensor* b = create(NN_DTYPE_INT64, {3, 100003});  // 2.4 MB -> 4 MiB block
    const std::int64_t blocks = block_of(4000) + block_of(2400072);
    EXPECT_EQ(blocks, 4096 + 4 * 1024 * 1024);
    nn_tensor* view = nullptr;
    const std::int64_t flat[] = {300009};
    ASSERT_EQ(nn_tensor_reshape(b, 1, flat, &view), NN_OK);

    auto during = stats();
    EXPECT_EQ(during.live_bytes, start.live_bytes + blocks);
    EXPECT_EQ(during.live_tensors, start.live_tensors + 3);
    EXPECT_EQ(during.peak_bytes, during.live_bytes);

    nn_tensor_release(b);
    during = stats();
    EXPECT_EQ(during.live_bytes, start.live_bytes + blocks) << "the view still holds the storage";
    EXPECT_EQ(during.live_tensors, start.live_tensors + 2);
    nn_tensor_release(view);
    nn_tensor_release(a);

    const auto end = stats();
    EXPECT_EQ(end.live_bytes, start.live_bytes);
    EXPECT_EQ(end.live_tensors, start.live_tensors);
    EXPECT_EQ(end.peak_bytes, start.live_bytes + blocks);
    ASSERT_EQ(nn_memory_reset_peak(), NN_OK);
    EXPECT_EQ(stats().peak_bytes, start.live_bytes);
}

TEST(ApiMemory, ReleasedStorageIsReusedFromTheCache) {
    ASSERT_EQ(nn_memory_release_cached(), NN_OK);
    EXPECT_EQ(stats().cached_bytes, 0);
    const auto start = stats();

    nn_tensor* first = create(NN_DTYPE_FLOAT32, {123457});
    void* first_data = nullptr;
    nn_tensor_data(first, &first_data);
    nn_tensor_fill_float32(first, 3.0f);
    nn_tensor_release(first);
    const std::int64_t block = block_of(123457 * 4);
    EXPECT_EQ(stats().cached_bytes, block);

    nn_tensor* second = create(NN_DTYPE_INT64, {61729});  // 493832 bytes: the same class
    void* second_data = nullptr;
    nn_tensor_data(second, &second_data);
    EXPECT_EQ(second_data, first_data);
    std::vector<std::int64_t> values(61729, -1);
    ASSERT_EQ(nn_tensor_copy_to(second, values.data(), 61729 * 8), NN_OK);
    EXPECT_EQ(values, std::vector<std::int64_t>(61729, 0)) << "a reused block was not zero-filled";

    const auto after = stats();
    EXPECT_EQ(after.cache_hits, start.cache_hits + 1);
    EXPECT_EQ(after.cache_misses, start.cache_misses + 1);
    EXPECT_EQ(after.cached_bytes, 0);
    nn_tensor_release(second);
    ASSERT_EQ(nn_memory_release_cached(), NN_OK);
    EXPECT_EQ(stats().cached_bytes, 0);
}

TEST(ApiConcurrency, ThreadsCreateShareAndReleaseTensors) {
    const auto start = stats();
    constexpr int thread_count = 4;
    constexpr int rounds = 1500;
    std::mutex handoff_mutex;
    std::vector<nn_tensor*> handoff;  // created on one thread, released on another
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int thread = 0; thread < thread_count; ++thread) {
        threads.emplace_back([&, thread] {
            for (int round = 0; round < rounds; ++round) {
                const std::int64_t shape[] = {round % 5 + 1, (round * 131 + thread * 17) % 4000 + 1};
                nn_tensor* tensor = nullptr;
                if (nn_tensor_create(NN_DTYPE_FLOAT32, 2, shape, &tensor) != NN_OK) {
                    ++failures;
                    continue;
                }
                const auto mark = static_cast<float>(thread * 100000 + round);
                nn_tensor_fill_float32(tensor, mark);
                nn_tensor* view = nullptr;
                const std::int64_t flat[] = {shape[0] * shape[1]};
                if (nn_tensor_reshape(tensor, 1, flat, &view) != NN_OK) ++failures;
                nn_tensor_release(tensor);
                void* data = nullptr;
                nn_tensor_data(view, &data);
                // Another thread handed the same block would overwrite the mark.
                if (static_cast<float*>(data)[flat[0] - 1] != mark) ++failures;
                if (round % 2 == 0) {
                    nn_tensor_release(view);
                } else {
                    std::lock_guard<std::mutex> lock(handoff_mutex);
                    handoff.push_back(view);
                    if (handoff.size() > 16) {
                        nn_tensor_release(handoff.front());
                        handoff.erase(handoff.begin());
                    }
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    auto middle = stats();
    EXPECT_EQ(middle.live_tensors, start.live_tensors + static_cast<std::int64_t>(handoff.size()));
    for (nn_tensor* tensor : handoff) nn_tensor_release(tensor);

    const auto end = stats();
    EXPECT_EQ(end.live_tensors, start.live_tensors);
    EXPECT_EQ(end.live_bytes, start.live_bytes);
    EXPECT_EQ((end.cache_hits + end.cache_misses) - (start.cache_hits + start.cache_misses), thread_count * rounds);
    EXPECT_GT(end.cache_hits, start.cache_hits);
    EXPECT_GE(end.peak_bytes, start.live_bytes);
}

}  // namespace
