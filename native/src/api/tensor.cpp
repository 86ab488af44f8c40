// extern "C" shims for the tensor functions of nativenn.h.
#include <algorithm>
#include <cstring>

#include "api/guard.h"
#include "core/random.h"
#include "core/tensor.h"

using nn::api::guard;
using nn::api::require;
using nn::core::describe;
using nn::core::throw_error;

namespace {

// Managed callers pin empty arrays as null, so a pointer may be null when it would address no bytes.
void check_byte_count(const nn_tensor& tensor, const void* buffer, const char* buffer_name, int64_t byte_count) {
    const auto expected = static_cast<int64_t>(tensor.byte_size());
    if (byte_count != expected) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "byte_count is %lld but tensor %s holds %lld bytes",
                    static_cast<long long>(byte_count), describe(tensor).c_str(), static_cast<long long>(expected));
    }
    if (buffer == nullptr && byte_count > 0) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is null but byte_count is %lld", buffer_name,
                    static_cast<long long>(byte_count));
    }
}

}  // namespace

extern "C" {

nn_status nn_tensor_create(nn_dtype dtype, int32_t ndim, const int64_t* shape, nn_tensor** result) {
    if (result != nullptr) *result = nullptr;
    return guard("nn_tensor_create", [&] {
        auto& output = require(result, "result");
        output = nn::core::create_tensor(nn::core::checked_dtype(nn::api::raw_enum(dtype), "dtype"), ndim, shape);
    });
}

nn_status nn_tensor_release(nn_tensor* tensor) {
    return guard("nn_tensor_release", [&] { nn::core::release_tensor(tensor); });
}

nn_status nn_tensor_reshape(const nn_tensor* tensor, int32_t ndim, const int64_t* shape, nn_tensor** result) {
    if (result != nullptr) *result = nullptr;
    return guard("nn_tensor_reshape", [&] {
        const auto& source = require(tensor, "tensor");
        auto& output = require(result, "result");
        output = nn::core::reshape_tensor(source, ndim, shape);
    });
}

nn_status nn_tensor_dtype(const nn_tensor* tensor, nn_dtype* dtype) {
    return guard("nn_tensor_dtype", [&] {
        const auto& source = require(tensor, "tensor");
        require(dtype, "dtype") = source.dtype;
    });
}

nn_status nn_tensor_ndim(const nn_tensor* tensor, int32_t* ndim) {
    return guard("nn_tensor_ndim", [&] {
        const auto& source = require(tensor, "tensor");
        require(ndim, "ndim") = source.ndim;
    });
}

nn_status nn_tensor_shape(const nn_tensor* tensor, int64_t* sizes, int32_t capacity) {
    return guard("nn_tensor_shape", [&] {
        const auto& source = require(tensor, "tensor");
        if (capacity < source.ndim) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "capacity is %d but tensor %s has %d dimensions", capacity,
                        describe(source).c_str(), source.ndim);
        }
        if (source.ndim == 0) return;
        int64_t* output = &require(sizes, "sizes");
        std::copy(source.shape, source.shape + source.ndim, output);
    });
}

nn_status nn_tensor_numel(const nn_tensor* tensor, int64_t* count) {
    return guard("nn_tensor_numel", [&] {
        const auto& source = require(tensor, "tensor");
        require(count, "count") = source.numel;
    });
}

nn_status nn_tensor_data(const nn_tensor* tensor, void** data) {
    return guard("nn_tensor_data", [&] {
        const auto& source = require(tensor, "tensor");
        require(data, "data") = source.raw_data();
    });
}

nn_status nn_tensor_copy_from(nn_tensor* tensor, const void* source, int64_t byte_count) {
    return guard("nn_tensor_copy_from", [&] {
        auto& destination = require(tensor, "tensor");
        check_byte_count(destination, source, "source", byte_count);
        if (byte_count > 0) std::memcpy(destination.raw_data(), source, static_cast<std::size_t>(byte_count));
    });
}

nn_status nn_tensor_copy_to(const nn_tensor* tensor, void* destination, int64_t byte_count) {
    return guard("nn_tensor_copy_to", [&] {
        const auto& source = require(tensor, "tensor");
        check_byte_count(source, destination, "destination", byte_count);
        if (byte_count > 0) std::memcpy(destination, source.raw_data(), static_cast<std::size_t>(byte_count));
    });
}

nn_status nn_tensor_copy(const nn_tensor* source, nn_tensor* destination) {
    return guard("nn_tensor_copy", [&] {
        const auto& from = require(source, "source");
        auto& to = require(destination, "destination");
        nn::core::copy_tensor(from, to);
    });
}

nn_status nn_tensor_fill_float32(nn_tensor* tensor, float value) {
    return guard("nn_tensor_fill_float32", [&] { nn::core::fill_tensor(require(tensor, "tensor"), value); });
}

nn_status nn_tensor_fill_int64(nn_tensor* tensor, int64_t value) {
    return guard("nn_tensor_fill_int64", [&] {
        nn::core::fill_tensor(require(tensor, "tensor"), static_cast<std::int64_t>(value));
    });
}

nn_status nn_tensor_fill_uniform(nn_tensor* tensor, uint64_t seed, float low, float high) {
    return guard("nn_tensor_fill_uniform", [&] { nn::core::fill_uniform(require(tensor, "tensor"), seed, low, high); });
}

nn_status nn_tensor_fill_normal(nn_tensor* tensor, uint64_t seed, float mean, float std) {
    return guard("nn_tensor_fill_normal", [&] { nn::core::fill_normal(require(tensor, "tensor"), seed, mean, std); });
}

}  // extern "C"
