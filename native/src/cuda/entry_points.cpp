// The entry-point table of libnativenn_cuda.so (see entry_points.h): how libnativenn learns
// whether a driver and a device are there. Host code only; it holds no kernel yet.
#include "cuda/entry_points.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <cstdio>

namespace {

void probe(nn_cuda_probe* result) {
    *result = nn_cuda_probe{};
    // With no driver installed the runtime answers cudaErrorInsufficientDriver, which reads like an
    // old driver; asking for libcuda.so.1 first lets the message name what is really missing. The
    // handle stays open: the runtime loads the same library next.
    if (dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) == nullptr) {
        const char* error = dlerror();
        result->state = NN_CUDA_NO_DRIVER;
        std::snprintf(result->detail, sizeof result->detail, "%s", error != nullptr ? error : "dlopen gave no reason");
        return;
    }
    int runtime_version = 0;
    int driver_version = 0;
    if (cudaRuntimeGetVersion(&runtime_version) == cudaSuccess) result->runtime_version = runtime_version;
    if (cudaDriverGetVersion(&driver_version) == cudaSuccess) result->driver_version = driver_version;
    int count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error == cudaErrorNoDevice || (error == cudaSuccess && count == 0)) {
        result->state = NN_CUDA_NO_DEVICE;
        std::snprintf(result->detail, sizeof result->detail, "%s: %s", cudaGetErrorName(cudaErrorNoDevice),
                      cudaGetErrorString(cudaErrorNoDevice));
        return;
    }
    if (error != cudaSuccess) {
        result->state = NN_CUDA_RUNTIME_ERROR;
        std::snprintf(result->detail, sizeof result->detail, "%s: %s", cudaGetErrorName(error), cudaGetErrorString(error));
        return;
    }
    result->state = NN_CUDA_READY;
    result->device_count = count;
}

const nn_cuda_entry_points table{NN_CUDA_ENTRY_POINTS_VERSION, sizeof(nn_cuda_entry_points), probe};

}  // namespace

extern "C" __attribute__((visibility("default"))) const nn_cuda_entry_points* nativenn_cuda_entry_points(void) {
    return &table;
}
