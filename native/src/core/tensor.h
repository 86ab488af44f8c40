// The tensor behind the opaque nn_tensor handle: dtype, shape and shared, reference-counted storage.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/log.h"
#include "nativenn.h"

namespace nn::core {

// One allocator block shared by every handle (reshape view) over it; the last handle to go
// returns the block to the allocator.
struct Storage {
    void* data = nullptr;
    std::size_t block_bytes = 0;
    std::atomic<std::int64_t> references{1};
};

template <class T>
constexpr nn_dtype dtype_of();
template <>
constexpr nn_dtype dtype_of<float>() { return NN_DTYPE_FLOAT32; }
template <>
constexpr nn_dtype dtype_of<std::int64_t>() { return NN_DTYPE_INT64; }

// The nn_dtype whose value is value; NN_ERROR_INVALID_ARGUMENT naming argument for any other int.
nn_dtype checked_dtype(int value, const char* argument);
std::size_t element_size(nn_dtype dtype);
const char* dtype_name(nn_dtype dtype);

// "float32[2,3]", "int64[]" for a scalar; works on shapes not yet validated, for error messages.
std::string describe_shape(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape);

// Element count of a shape (of a valid dtype) after checking, all with NN_ERROR_INVALID_ARGUMENT: ndim in
// 0..NN_MAX_DIMS, shape not null when ndim > 0, every size >= 0, and element and byte counts that
// fit int64 (a shape that cannot even be counted is malformed; one that can but is too big for the
// memory fails later with OUT_OF_MEMORY). Messages name argument and the shape.
std::int64_t checked_numel(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape, const char* argument);

}  // namespace nn::core

struct nn_tensor {
    nn_dtype dtype = NN_DTYPE_FLOAT32;
    std::int32_t ndim = 0;
    std::int64_t shape[NN_MAX_DIMS] = {};
    std::int64_t numel = 1;
    nn::core::Storage* storage = nullptr;

    std::int64_t size(std::int32_t dimension) const { return shape[dimension]; }
    std::size_t byte_size() const { return static_cast<std::size_t>(numel) * nn::core::element_size(dtype); }

    void* raw_data() const { return storage->data; }

    // Typed element pointer; asking for the wrong type is a bug in the caller, not bad input.
    template <class T>
    T* data() const {
        if (dtype != nn::core::dtype_of<T>()) {
            nn::core::throw_internal("tensor %s read as %s", nn::core::describe_shape(dtype, ndim, shape).c_str(),
                                     nn::core::dtype_name(nn::core::dtype_of<T>()));
        }
        return static_cast<T*>(storage->data);
    }
};

namespace nn::core {

std::string describe(const nn_tensor& tensor);

// New zero-filled tensor; validates as checked_numel does, naming the shape argument "shape".
nn_tensor* create_tensor(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape);

// New handle over tensor's storage with another shape of the same element count (SHAPE_MISMATCH
// otherwise).
nn_tensor* reshape_tensor(const nn_tensor& tensor, std::int32_t ndim, const std::int64_t* shape);

// Frees the handle, and the storage with its last handle; null does nothing.
void release_tensor(nn_tensor* tensor) noexcept;

struct TensorRelease {
    void operator()(nn_tensor* tensor) const noexcept { release_tensor(tensor); }
};
using TensorPointer = std::unique_ptr<nn_tensor, TensorRelease>;

// Handles alive now, views included.
std::int64_t live_tensor_count() noexcept;

// Same dtype and element count, else SHAPE_MISMATCH; overlapping storage (views) is allowed.
void copy_tensor(const nn_tensor& source, nn_tensor& destination);

// SHAPE_MISMATCH when the tensor's dtype is not the value's.
void fill_tensor(nn_tensor& tensor, float value);
void fill_tensor(nn_tensor& tensor, std::int64_t value);

}  // namespace nn::core
