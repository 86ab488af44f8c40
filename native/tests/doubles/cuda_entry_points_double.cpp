// A test double of libnativenn_cuda.so: it honours the loader's contract (cuda/entry_points.h) but
// runs no CUDA code, and reports whatever its compile definitions say. CMake builds it several
// times (no device, no driver, two devices, another table version, no entry point at all) so the
// loader's tests can reach every answer on a machine without a GPU. It is never installed or
// shipped; only native/tests loads it.
#include <cstdio>

#include "cuda/entry_points.h"

#ifndef NATIVENN_DOUBLE_NO_ENTRY_POINTS

namespace {

void probe(nn_cuda_probe* result) {
    *result = nn_cuda_probe{};
    result->state = NATIVENN_DOUBLE_STATE;
    result->device_count = NATIVENN_DOUBLE_DEVICES;
    result->driver_version = 13000;
    result->runtime_version = 13000;
    std::snprintf(result->detail, sizeof result->detail, "%s", NATIVENN_DOUBLE_DETAIL);
}

const nn_cuda_entry_points table{NATIVENN_DOUBLE_VERSION, sizeof(nn_cuda_entry_points), probe};

}  // namespace

extern "C" __attribute__((visibility("default"))) const nn_cuda_entry_points* nativenn_cuda_entry_points(void) {
    return &table;
}

#else

extern "C" __attribute__((visibility("default"))) int nativenn_cuda_double_without_entry_points(void) { return 0; }

#endif
