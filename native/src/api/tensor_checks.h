// Checks the op shims make on their tensors before handing raw pointers to a kernel family. Each
// throws nn::core::Error with a message that names the arguments and their shapes; guard() puts the
// function's name in front. Every tensor is a CPU tensor today, so there is no device to compare.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/log.h"
#include "core/tensor.h"
#include "cpu/loss/loss.h"
#include "nativenn.h"

namespace nn::api {

// SHAPE_MISMATCH "<argument> is int64[3] but must be float32".
inline void require_dtype(const nn_tensor& tensor, nn_dtype dtype, const char* argument) {
    if (tensor.dtype != dtype) {
        core::throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must be %s", argument, core::describe(tensor).c_str(),
                          core::dtype_name(dtype));
    }
}

inline bool same_shape(const nn_tensor& first, const nn_tensor& second) {
    if (first.ndim != second.ndim) return false;
    for (int32_t dimension = 0; dimension < first.ndim; ++dimension) {
        if (first.shape[dimension] != second.shape[dimension]) return false;
    }
    return true;
}

// SHAPE_MISMATCH "x is float32[2,3] but target is float32[3,2]".
inline void require_same_shape(const nn_tensor& first, const char* first_name, const nn_tensor& second,
                               const char* second_name) {
    if (!same_shape(first, second)) {
        core::throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but %s is %s", first_name, core::describe(first).c_str(),
                          second_name, core::describe(second).c_str());
    }
}

// A float32 tensor of at least `dimensions` dimensions (SHAPE_MISMATCH otherwise).
inline void require_float32_with_dimensions(const nn_tensor& tensor, int32_t dimensions, const char* argument,
                                            const char* layout) {
    require_dtype(tensor, NN_DTYPE_FLOAT32, argument);
    if (tensor.ndim < dimensions) {
        core::throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must have at least %d dimensions (%s)", argument,
                          core::describe(tensor).c_str(), dimensions, layout);
    }
}

// A float32 tensor holding one value: the result of a mean or a sum, of any shape with one element.
inline void require_one_float(const nn_tensor& tensor, const char* argument) {
    require_dtype(tensor, NN_DTYPE_FLOAT32, argument);
    if (tensor.numel != 1) {
        core::throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must hold one value", argument,
                          core::describe(tensor).c_str());
    }
}

// Whether two tensors share storage (views of one tensor do; the shims refuse it where a kernel
// would read what it has already overwritten).
inline bool shares_storage(const nn_tensor& first, const nn_tensor& second) {
    return first.storage == second.storage;
}

// INVALID_ARGUMENT unless the two tensors use separate storage.
inline void require_separate(const nn_tensor& output, const char* output_name, const nn_tensor& input,
                             const char* input_name) {
    if (shares_storage(output, input)) {
        core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s shares storage with %s; it must be a separate tensor",
                          output_name, input_name);
    }
}

// The caller may pass any integer; reading it as an nn_reduction would be undefined behaviour for
// values the enum cannot hold, so its bytes are read as an integer first.
inline cpu::Reduction reduction_from(const nn_reduction& reduction) {
    int32_t value = 0;
    static_assert(sizeof value == sizeof reduction, "nn_reduction is passed as a 32-bit integer");
    std::memcpy(&value, &reduction, sizeof value);
    switch (value) {
        case NN_REDUCTION_NONE: return cpu::Reduction::None;
        case NN_REDUCTION_MEAN: return cpu::Reduction::Mean;
        case NN_REDUCTION_SUM: return cpu::Reduction::Sum;
        default: break;
    }
    core::throw_error(NN_ERROR_INVALID_ARGUMENT, "reduction is %d, which is not an nn_reduction", value);
}

inline bool flag_from(int32_t flag, const char* argument) {
    if (flag != 0 && flag != 1) core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is %d but must be 0 or 1", argument, flag);
    return flag != 0;
}

// Product of the sizes from dimension `first` on (1 when there are none).
inline int64_t trailing_volume(const nn_tensor& tensor, int32_t first) {
    int64_t volume = 1;
    for (int32_t dimension = first; dimension < tensor.ndim; ++dimension) volume *= tensor.shape[dimension];
    return volume;
}

}  // namespace nn::api
