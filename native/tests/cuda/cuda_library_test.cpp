// The real libnativenn_cuda.so, built only where CMake found a CUDA toolkit: its answer through the
// loader must agree with the CUDA runtime asked directly. Skips, saying why, where the runtime sees
// no device.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include "core/cuda_loader.h"

namespace {

TEST(CudaLibrary, LoaderAgreesWithTheRuntime) {
    int runtime_count = 0;
    const cudaError_t error = cudaGetDeviceCount(&runtime_count);
    const nn::core::CudaBackend backend = nn::core::load_cuda_backend({NATIVENN_CUDA_LIBRARY_FILE}, false);
    if (error != cudaSuccess || runtime_count == 0) {
        EXPECT_NE(backend.state, nn::core::CudaState::Ready);
        EXPECT_FALSE(backend.reason.empty());
        GTEST_SKIP() << "no CUDA device (" << cudaGetErrorName(error) << "); the loader says: " << backend.reason;
    }
    ASSERT_EQ(backend.state, nn::core::CudaState::Ready) << backend.reason;
    EXPECT_EQ(backend.device_count, runtime_count);
    EXPECT_EQ(backend.library_path, NATIVENN_CUDA_LIBRARY_FILE);
    ASSERT_NE(backend.entry_points, nullptr);
    EXPECT_EQ(backend.entry_points->version, NN_CUDA_ENTRY_POINTS_VERSION);
}

}  // namespace
