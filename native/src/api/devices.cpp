// extern "C" shims for the device functions of nativenn.h: how many devices of a kind exist, and
// whether one can be used (and, through nn_last_error, why not).
#include <string>

#include "api/guard.h"
#include "core/cuda_loader.h"

using nn::api::guard;
using nn::api::require;

namespace {

nn_device_kind checked_kind(const nn_device_kind& kind) {
    const int value = nn::api::raw_enum(kind);
    if (value != NN_DEVICE_CPU && value != NN_DEVICE_CUDA) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "kind is %d, which is not an nn_device_kind", value);
    }
    return static_cast<nn_device_kind>(value);
}

// "1 CUDA device is present (cuda:0)", "2 CUDA devices are present (cuda:0 to cuda:1)".
std::string devices_present(std::int32_t count) {
    if (count == 1) return "1 CUDA device is present (cuda:0)";
    return std::to_string(count) + " CUDA devices are present (cuda:0 to cuda:" + std::to_string(count - 1) + ")";
}

}  // namespace

extern "C" {

nn_status nn_device_count(nn_device_kind kind, int32_t* count) {
    return guard("nn_device_count", [&] {
        auto& result = require(count, "count");
        result = checked_kind(kind) == NN_DEVICE_CPU ? 1 : nn::core::cuda_backend()->device_count;
    });
}

nn_status nn_device_check(nn_device_kind kind, int32_t index) {
    return guard("nn_device_check", [&] {
        const nn_device_kind checked = checked_kind(kind);
        if (index < 0) nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "index is %d; it must be 0 or more", index);
        if (checked == NN_DEVICE_CPU) {
            if (index != 0) nn::core::throw_error(NN_ERROR_UNSUPPORTED, "cpu:%d does not exist; the CPU is device 0", index);
            return;
        }
        const auto backend = nn::core::cuda_backend();
        if (backend->state != nn::core::CudaState::Ready) {
            nn::core::throw_error(NN_ERROR_UNSUPPORTED, "cuda:%d is not available: %s", index, backend->reason.c_str());
        }
        if (index >= backend->device_count) {
            nn::core::throw_error(NN_ERROR_UNSUPPORTED, "cuda:%d does not exist: %s", index,
                                  devices_present(backend->device_count).c_str());
        }
    });
}

}  // extern "C"
