// Tensor internals: shape validation, shape text, reference-counted views, zero-filled storage,
// typed access, copies and fills.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/allocator.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace {

using nn::core::TensorPointer;

TensorPointer make(nn_dtype dtype, std::initializer_list<std::int64_t> shape) {
    return TensorPointer(nn::core::create_tensor(dtype, static_cast<std::int32_t>(shape.size()), shape.begin()));
}

// Runs body, expecting nn::core::Error with status; returns its message.
template <class Body>
std::string error_of(nn_status status, Body body) {
    try {
        body();
    } catch (const nn::core::Error& error) {
        EXPECT_EQ(error.status(), status) << error.what();
        return error.what();
    }
    ADD_FAILURE() << "no error";
    return "";
}

TEST(TensorShape, DescribeWritesDtypeAndSizes) {
    const std::int64_t shape[] = {2, 3, 5};
    EXPECT_EQ(nn::core::describe_shape(NN_DTYPE_FLOAT32, 3, shape), "float32[2,3,5]");
    EXPECT_EQ(nn::core::describe_shape(NN_DTYPE_INT64, 0, nullptr), "int64[]");
    EXPECT_EQ(nn::core::describe_shape(NN_DTYPE_INT64, 2, nullptr), "int64[null]");
    EXPECT_EQ(nn::core::describe(*make(NN_DTYPE_INT64, {4, 1})), "int64[4,1]");
}

TEST(TensorShape, CheckedNumelMultipliesAndTreatsZeroSizesAsEmpty) {
    const std::int64_t shape[] = {2, 3, 7};
    EXPECT_EQ(nn::core::checked_numel(NN_DTYPE_FLOAT32, 3, shape, "shape"), 42);
    EXPECT_EQ(nn::core::checked_numel(NN_DTYPE_FLOAT32, 0, nullptr, "shape"), 1);
    const std::int64_t huge_but_empty[] = {std::int64_t{1} << 62, std::int64_t{1} << 62, 0};
    EXPECT_EQ(nn::core::checked_numel(NN_DTYPE_FLOAT32, 3, huge_but_empty, "shape"), 0);
}

TEST(TensorShape, CheckedNumelRejectsMalformedShapes) {
    const std::int64_t negative[] = {2, -3};
    EXPECT_NE(error_of(NN_ERROR_INVALID_ARGUMENT, [&] { nn::core::checked_numel(NN_DTYPE_FLOAT32, 2, negative, "shape"); })
                  .find("float32[2,-3] has negative size -3 in dimension 1"),
              std::string::npos);
    EXPECT_NE(error_of(NN_ERROR_INVALID_ARGUMENT, [] { nn::core::checked_numel(NN_DTYPE_FLOAT32, 9, nullptr, "shape"); })
                  .find("ndim is 9"),
              std::string::npos);
    error_of(NN_ERROR_INVALID_ARGUMENT, [] { nn::core::checked_numel(NN_DTYPE_FLOAT32, -1, nullptr, "shape"); });
    error_of(NN_ERROR_INVALID_ARGUMENT, [] { nn::core::checked_numel(NN_DTYPE_FLOAT32, 1, nullptr, "shape"); });
}

TEST(TensorShape, CheckedDtypeAcceptsOnlyEnumValues) {
    EXPECT_EQ(nn::core::checked_dtype(0, "dtype"), NN_DTYPE_FLOAT32);
    EXPECT_EQ(nn::core::checked_dtype(1, "dtype"), NN_DTYPE_INT64);
    EXPECT_EQ(error_of(NN_ERROR_INVALID_ARGUMENT, [] { nn::core::checked_dtype(2, "dtype"); }),
              "dtype is 2, which is not an nn_dtype");
    error_of(NN_ERROR_INVALID_ARGUMENT, [] { nn::core::checked_dtype(-1, "dtype"); });
}

TEST(TensorShape, OverflowIsCaughtInElementsAndInBytes) {
    // 2^32 * 2^32 elements overflow int64 outright.
    const std::int64_t elements[] = {std::int64_t{1} << 32, std::int64_t{1} << 32};
    EXPECT_NE(error_of(NN_ERROR_INVALID_ARGUMENT, [&] { nn::core::checked_numel(NN_DTYPE_FLOAT32, 2, elements, "shape"); })
                  .find("float32[4294967296,4294967296]"),
              std::string::npos);
    // 2^60 int64 elements fit int64, but their 2^63 bytes do not; one element fewer does.
    const std::int64_t too_many_bytes[] = {std::int64_t{1} << 60};
    error_of(NN_ERROR_INVALID_ARGUMENT, [&] { nn::core::checked_numel(NN_DTYPE_INT64, 1, too_many_bytes, "shape"); });
    const std::int64_t just_fits[] = {(std::int64_t{1} << 60) - 1};
    EXPECT_EQ(nn::core::checked_numel(NN_DTYPE_INT64, 1, just_fits, "shape"), (std::int64_t{1} << 60) - 1);
}

TEST(Tensor, CreateRecordsShapeAndZeroFillsEvenRecycledBlocks) {
    {
        auto dirty = make(NN_DTYPE_FLOAT32, {3, 1017});
        nn::core::fill_tensor(*dirty, 5.0f);
    }
    const auto before = nn::core::allocator().stats();
    auto tensor = make(NN_DTYPE_FLOAT32, {3, 1017});
    EXPECT_EQ(nn::core::allocator().stats().cache_hits, before.cache_hits + 1) << "the dirty block was not reused";
    EXPECT_EQ(tensor->ndim, 2);
    EXPECT_EQ(tensor->size(0), 3);
    EXPECT_EQ(tensor->size(1), 1017);
    EXPECT_EQ(tensor->numel, 3051);
    EXPECT_EQ(tensor->byte_size(), static_cast<std::size_t>(tensor->numel) * 4);
    const float* data = tensor->data<float>();
    for (std::int64_t index = 0; index < tensor->numel; ++index) ASSERT_EQ(data[index], 0.0f) << index;
}

TEST(Tensor, TypedAccessOfTheWrongDtypeIsAnInternalError) {
    auto tensor = make(NN_DTYPE_INT64, {2});
    EXPECT_NE(tensor->data<std::int64_t>(), nullptr);
    EXPECT_NE(error_of(NN_ERROR_INTERNAL, [&] { tensor->data<float>(); }).find("int64[2] read as float32"),
              std::string::npos);
}

TEST(Tensor, ViewsShareStorageUntilTheLastHandleGoes) {
    const std::int64_t live_before = nn::core::live_tensor_count();
    const std::int64_t bytes_before = nn::core::allocator().stats().live_bytes;
    auto original = make(NN_DTYPE_INT64, {4, 6});
    const std::int64_t flat[] = {24};
    nn_tensor* view = nn::core::reshape_tensor(*original, 1, flat);
    EXPECT_EQ(view->raw_data(), original->raw_data());
    EXPECT_EQ(view->storage->references.load(), 2);
    EXPECT_EQ(nn::core::live_tensor_count(), live_before + 2);
    EXPECT_EQ(nn::core::allocator().stats().live_bytes, bytes_before + 192);

    original.reset();
    EXPECT_EQ(nn::core::live_tensor_count(), live_before + 1);
    EXPECT_EQ(nn::core::allocator().stats().live_bytes, bytes_before + 192) << "storage freed under a live view";
    nn::core::fill_tensor(*view, std::int64_t{9});
    EXPECT_EQ(view->data<std::int64_t>()[23], 9);
    nn::core::release_tensor(view);
    EXPECT_EQ(nn::core::live_tensor_count(), live_before);
    EXPECT_EQ(nn::core::allocator().stats().live_bytes, bytes_before);
}

TEST(Tensor, ReshapeToADifferentElementCountIsAShapeMismatch) {
    auto tensor = make(NN_DTYPE_FLOAT32, {2, 3});
    const std::int64_t wrong[] = {7};
    EXPECT_EQ(error_of(NN_ERROR_SHAPE_MISMATCH, [&] { nn::core::reshape_tensor(*tensor, 1, wrong); }),
              "cannot reshape float32[2,3] (6 elements) to float32[7] (7 elements)");
}

TEST(Tensor, CopyChecksDtypeAndCountButNotShape) {
    auto source = make(NN_DTYPE_FLOAT32, {2, 3});
    auto destination = make(NN_DTYPE_FLOAT32, {6});
    for (int index = 0; index < 6; ++index) source->data<float>()[index] = static_cast<float>(index) + 0.5f;
    nn::core::copy_tensor(*source, *destination);
    for (int index = 0; index < 6; ++index) EXPECT_EQ(destination->data<float>()[index], static_cast<float>(index) + 0.5f);

    auto integers = make(NN_DTYPE_INT64, {6});
    EXPECT_NE(error_of(NN_ERROR_SHAPE_MISMATCH, [&] { nn::core::copy_tensor(*source, *integers); }).find("dtype"),
              std::string::npos);
    auto shorter = make(NN_DTYPE_FLOAT32, {5});
    EXPECT_EQ(error_of(NN_ERROR_SHAPE_MISMATCH, [&] { nn::core::copy_tensor(*source, *shorter); }),
              "source float32[2,3] and destination float32[5] differ in element count");
}

TEST(Tensor, LargeCopiesAndFillsAgreeAcrossThreadCounts) {
    const int threads_before = nn::core::num_threads();
    auto source = make(NN_DTYPE_FLOAT32, {3, 1000003});  // 12 MB: above the parallel threshold
    float* data = source->data<float>();
    for (std::int64_t index = 0; index < source->numel; ++index) data[index] = static_cast<float>(index % 9973);
    for (int threads : {1, 3}) {
        nn::core::set_num_threads(threads);
        auto destination = make(NN_DTYPE_FLOAT32, {3000009});
        nn::core::copy_tensor(*source, *destination);
        const float* copied = destination->data<float>();
        for (std::int64_t index = 0; index < source->numel; ++index) ASSERT_EQ(copied[index], data[index]) << index;
        nn::core::fill_tensor(*destination, -2.5f);
        for (std::int64_t index = 0; index < source->numel; ++index) ASSERT_EQ(copied[index], -2.5f) << index;
    }
    nn::core::set_num_threads(threads_before);
}

TEST(Tensor, FillRejectsTheOtherDtype) {
    auto floats = make(NN_DTYPE_FLOAT32, {2});
    auto integers = make(NN_DTYPE_INT64, {2});
    EXPECT_EQ(error_of(NN_ERROR_SHAPE_MISMATCH, [&] { nn::core::fill_tensor(*floats, std::int64_t{1}); }),
              "tensor float32[2] is not int64");
    EXPECT_EQ(error_of(NN_ERROR_SHAPE_MISMATCH, [&] { nn::core::fill_tensor(*integers, 1.0f); }),
              "tensor int64[2] is not float32");
    nn::core::fill_tensor(*integers, std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(integers->data<std::int64_t>()[1], std::numeric_limits<std::int64_t>::min());
}

}  // namespace
