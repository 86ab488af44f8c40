// Tensor handles, shape validation and the plain copies and fills over their storage.
#include "core/tensor.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/allocator.h"
#include "core/parallel.h"

namespace nn::core {

namespace {

std::atomic<std::int64_t> live_handles{0};

// Below this many bytes a memset or memcpy is over before an OpenMP team has started.
constexpr std::size_t parallel_bytes = std::size_t{4} << 20;

template <class Operation>
void for_each_chunk(std::size_t bytes, Operation operation) {
    if (bytes < parallel_bytes || num_threads() == 1) {
        operation(std::size_t{0}, bytes);
        return;
    }
    const int threads = num_threads();
#pragma omp parallel num_threads(threads)
    {
        const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t index = static_cast<std::size_t>(omp_get_thread_num());
        // Chunk edges on 64-byte lines so no two threads write one cache line.
        const std::size_t chunk = (bytes / team + 63) / 64 * 64;
        const std::size_t begin = std::min(bytes, index * chunk);
        const std::size_t end = std::min(bytes, begin + chunk);
        if (begin < end) operation(begin, end - begin);
    }
}

void zero_bytes(void* data, std::size_t bytes) {
    auto* base = static_cast<unsigned char*>(data);
    for_each_chunk(bytes, [base](std::size_t offset, std::size_t count) { std::memset(base + offset, 0, count); });
}

Storage* new_storage(std::size_t bytes) {
    const Block block = allocator().allocate(bytes);
    try {
        if (!block.zeroed) zero_bytes(block.data, bytes);
        auto* storage = new Storage;
        storage->data = block.data;
        storage->block_bytes = block.bytes;
        return storage;
    } catch (...) {
        allocator().deallocate(block.data, block.bytes);
        throw;
    }
}

void release_storage(Storage* storage) noexcept {
    if (storage->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        allocator().deallocate(storage->data, storage->block_bytes);
        delete storage;
    }
}

template <class T>
void fill_elements(nn_tensor& tensor, T value) {
    T* data = tensor.data<T>();
    const std::int64_t count = tensor.numel;
    const int threads = tensor.byte_size() < parallel_bytes ? 1 : num_threads();
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (std::int64_t index = 0; index < count; ++index) data[index] = value;
}

}  // namespace

nn_dtype checked_dtype(int value, const char* argument) {
    if (value != NN_DTYPE_FLOAT32 && value != NN_DTYPE_INT64) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is %d, which is not an nn_dtype", argument, value);
    }
    return static_cast<nn_dtype>(value);
}

std::size_t element_size(nn_dtype dtype) {
    switch (dtype) {
        case NN_DTYPE_FLOAT32: return sizeof(float);
        case NN_DTYPE_INT64: return sizeof(std::int64_t);
    }
    return 0;
}

const char* dtype_name(nn_dtype dtype) {
    switch (dtype) {
        case NN_DTYPE_FLOAT32: return "float32";
        case NN_DTYPE_INT64: return "int64";
    }
    return "dtype?";
}

std::string describe_shape(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape) {
    std::string text = dtype_name(dtype);
    text += '[';
    if (shape == nullptr && ndim > 0) {
        text += "null";
    } else {
        for (std::int32_t dimension = 0; dimension < std::min<std::int32_t>(ndim, NN_MAX_DIMS); ++dimension) {
            if (dimension > 0) text += ',';
            text += std::to_string(shape[dimension]);
        }
        if (ndim > NN_MAX_DIMS) text += ",...";
    }
    text += ']';
    return text;
}

std::string describe(const nn_tensor& tensor) { return describe_shape(tensor.dtype, tensor.ndim, tensor.shape); }

std::int64_t checked_numel(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape, const char* argument) {
    if (ndim < 0 || ndim > NN_MAX_DIMS) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "ndim is %d but must be between 0 and %d", ndim, NN_MAX_DIMS);
    }
    if (ndim > 0 && shape == nullptr) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is null but ndim is %d", argument, ndim);
    }
    for (std::int32_t dimension = 0; dimension < ndim; ++dimension) {
        if (shape[dimension] < 0) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "%s %s has negative size %lld in dimension %d", argument,
                        describe_shape(dtype, ndim, shape).c_str(), static_cast<long long>(shape[dimension]),
                        dimension);
        }
    }
    const std::int64_t limit = std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(element_size(dtype));
    std::int64_t numel = 1;
    bool overflowed = false;
    for (std::int32_t dimension = 0; dimension < ndim; ++dimension) {
        const std::int64_t size = shape[dimension];
        if (size == 0) return 0;
        if (numel > limit / size) overflowed = true;
        if (!overflowed) numel *= size;
    }
    if (overflowed) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s %s needs more than 2^63-1 bytes", argument,
                    describe_shape(dtype, ndim, shape).c_str());
    }
    return numel;
}

nn_tensor* create_tensor(nn_dtype dtype, std::int32_t ndim, const std::int64_t* shape) {
    const std::int64_t numel = checked_numel(dtype, ndim, shape, "shape");
    auto tensor = std::make_unique<nn_tensor>();
    tensor->dtype = dtype;
    tensor->ndim = ndim;
    std::copy(shape, shape + ndim, tensor->shape);
    tensor->numel = numel;
    try {
        tensor->storage = new_storage(tensor->byte_size());
    } catch (const Error& error) {
        if (error.status() != NN_ERROR_OUT_OF_MEMORY) throw;
        throw Error(error.status(), "tensor " + describe(*tensor) + ": " + error.what());
    }
    live_handles.fetch_add(1, std::memory_order_relaxed);
    return tensor.release();
}

nn_tensor* reshape_tensor(const nn_tensor& tensor, std::int32_t ndim, const std::int64_t* shape) {
    const std::int64_t numel = checked_numel(tensor.dtype, ndim, shape, "shape");
    if (numel != tensor.numel) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "cannot reshape %s (%lld elements) to %s (%lld elements)",
                    describe(tensor).c_str(), static_cast<long long>(tensor.numel),
                    describe_shape(tensor.dtype, ndim, shape).c_str(), static_cast<long long>(numel));
    }
    auto view = std::make_unique<nn_tensor>();
    view->dtype = tensor.dtype;
    view->ndim = ndim;
    std::copy(shape, shape + ndim, view->shape);
    view->numel = numel;
    view->storage = tensor.storage;
    view->storage->references.fetch_add(1, std::memory_order_relaxed);
    live_handles.fetch_add(1, std::memory_order_relaxed);
    return view.release();
}

void release_tensor(nn_tensor* tensor) noexcept {
    if (tensor == nullptr) return;
    release_storage(tensor->storage);
    live_handles.fetch_sub(1, std::memory_order_relaxed);
    delete tensor;
}

std::int64_t live_tensor_count() noexcept { return live_handles.load(std::memory_order_relaxed); }

void copy_tensor(const nn_tensor& source, nn_tensor& destination) {
    if (source.dtype != destination.dtype || source.numel != destination.numel) {
        throw_error(NN_ERROR_SHAPE_MISMATCH,
                    "source %s and destination %s differ in %s", describe(source).c_str(),
                    describe(destination).c_str(), source.dtype != destination.dtype ? "dtype" : "element count");
    }
    if (source.storage == destination.storage) return;
    const auto* from = static_cast<const unsigned char*>(source.raw_data());
    auto* to = static_cast<unsigned char*>(destination.raw_data());
    for_each_chunk(source.byte_size(),
                   [from, to](std::size_t offset, std::size_t count) { std::memcpy(to + offset, from + offset, count); });
}

void fill_tensor(nn_tensor& tensor, float value) {
    if (tensor.dtype != NN_DTYPE_FLOAT32) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "tensor %s is not float32", describe(tensor).c_str());
    }
    fill_elements(tensor, value);
}

void fill_tensor(nn_tensor& tensor, std::int64_t value) {
    if (tensor.dtype != NN_DTYPE_INT64) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "tensor %s is not int64", describe(tensor).c_str());
    }
    fill_elements(tensor, value);
}

}  // namespace nn::core
