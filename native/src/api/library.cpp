// extern "C" shims for the library, thread, instruction-set and memory functions of nativenn.h.
#include <string>

#include "api/guard.h"
#include "core/allocator.h"
#include "core/isa.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace nn::api {

namespace {

thread_local std::string last_error_text;
thread_local const char* last_error_message = "";

}  // namespace

namespace {

void record(const char* function, const char* kind, const char* message) noexcept {
    try {
        last_error_text.assign(function);
        last_error_text += ": ";
        last_error_text += kind;
        last_error_text += message;
        last_error_message = last_error_text.c_str();
    } catch (...) {
        last_error_message = "nativenn: out of memory while recording an error message";
    }
}

}  // namespace

void set_last_error(const char* function, const char* message) noexcept { record(function, "", message); }

void set_internal_error(const char* function, const char* message) noexcept {
    record(function, "internal error: ", message);
}

}  // namespace nn::api

using nn::api::guard;
using nn::api::require;

namespace {

nn::core::Isa checked_level(const nn_isa& isa) {
    const int value = nn::api::raw_enum(isa);
    if (value < NN_ISA_AUTO || value > NN_ISA_AVX512) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "isa is %d, which is not an nn_isa", value);
    }
    return value == NN_ISA_AUTO ? nn::core::best_supported_isa() : static_cast<nn::core::Isa>(value);
}

}  // namespace

extern "C" {

int32_t nn_abi_version(void) { return NN_ABI_VERSION; }

const char* nn_last_error(void) { return nn::api::last_error_message; }

const char* nn_version(void) { return NATIVENN_VERSION; }

nn_status nn_set_num_threads(int32_t count) {
    return guard("nn_set_num_threads", [&] { nn::core::set_num_threads(count); });
}

nn_status nn_get_num_threads(int32_t* count) {
    return guard("nn_get_num_threads", [&] { require(count, "count") = nn::core::num_threads(); });
}

nn_status nn_cpu_supports_isa(nn_isa isa, int32_t* supported) {
    return guard("nn_cpu_supports_isa", [&] {
        auto& answer = require(supported, "supported");
        answer = nn::core::cpu_supports(checked_level(isa)) ? 1 : 0;
    });
}

nn_status nn_set_isa(nn_isa isa) {
    return guard("nn_set_isa", [&] { nn::core::set_active_isa(checked_level(isa)); });
}

nn_status nn_get_isa(nn_isa* isa) {
    return guard("nn_get_isa", [&] { require(isa, "isa") = static_cast<nn_isa>(nn::core::active_isa()); });
}

nn_status nn_memory_get_stats(nn_memory_stats* stats) {
    return guard("nn_memory_get_stats", [&] {
        auto& result = require(stats, "stats");
        const nn::core::AllocatorStats allocator = nn::core::allocator().stats();
        result.live_bytes = allocator.live_bytes;
        result.peak_bytes = allocator.peak_bytes;
        result.cached_bytes = allocator.cached_bytes;
        result.live_tensors = nn::core::live_tensor_count();
        result.cache_hits = allocator.cache_hits;
        result.cache_misses = allocator.cache_misses;
    });
}

nn_status nn_memory_reset_peak(void) {
    return guard("nn_memory_reset_peak", [] { nn::core::allocator().reset_peak(); });
}

nn_status nn_memory_release_cached(void) {
    return guard("nn_memory_release_cached", [] { nn::core::allocator().release_cached(); });
}

}  // extern "C"
