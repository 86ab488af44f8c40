// Checks the entry points of the element-wise families make before dispatching: sizes are not
// negative, and a pointer that would be read or written is not null. Kernels then trust the problem.
// Baseline code only (entry points), never included from AVX files.
#pragma once

#include <cstdint>

#include "core/log.h"

namespace nn::cpu {

inline void check_size(const char* op, const char* name, int64_t value) {
    if (value < 0) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is %lld, a negative size", op, name,
                              static_cast<long long>(value));
    }
}

inline void check_data(const char* op, const char* name, const void* data, int64_t count) {
    if (data == nullptr && count > 0) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %s is null but holds %lld elements", op, name,
                              static_cast<long long>(count));
    }
}

// outer * channels * inner, checking each size and that the product fits int64.
inline int64_t checked_volume(const char* op, int64_t outer, int64_t channels, int64_t inner) {
    check_size(op, "outer", outer);
    check_size(op, "channels", channels);
    check_size(op, "inner", inner);
    int64_t volume = 0;
    if (__builtin_mul_overflow(outer, channels, &volume) || __builtin_mul_overflow(volume, inner, &volume)) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s: %lld x %lld x %lld elements overflow int64", op,
                              static_cast<long long>(outer), static_cast<long long>(channels),
                              static_cast<long long>(inner));
    }
    return volume;
}

}  // namespace nn::cpu
