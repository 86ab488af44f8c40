// nn_device_count and nn_device_check over each answer the CUDA loader can give. The process-wide
// outcome is swapped for one loaded from a test double (native/tests/doubles) and restored after.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/cuda_loader.h"
#include "nativenn.h"

namespace {

class DeviceApi : public ::testing::Test {
protected:
    void SetUp() override { saved_ = *nn::core::cuda_backend(); }
    void TearDown() override { nn::core::replace_cuda_backend(saved_); }

    static void use(const std::string& library) { nn::core::replace_cuda_backend(nn::core::load_cuda_backend({library}, false)); }

    static std::int32_t cuda_count() {
        std::int32_t count = -1;
        EXPECT_EQ(nn_device_count(NN_DEVICE_CUDA, &count), NN_OK) << nn_last_error();
        return count;
    }

private:
    nn::core::CudaBackend saved_;
};

TEST_F(DeviceApi, CpuIsAlwaysDeviceZero) {
    std::int32_t count = -1;
    ASSERT_EQ(nn_device_count(NN_DEVICE_CPU, &count), NN_OK);
    EXPECT_EQ(count, 1);
    EXPECT_EQ(nn_device_check(NN_DEVICE_CPU, 0), NN_OK);
    ASSERT_EQ(nn_device_check(NN_DEVICE_CPU, 1), NN_ERROR_UNSUPPORTED);
    EXPECT_STREQ(nn_last_error(), "nn_device_check: cpu:1 does not exist; the CPU is device 0");
}

TEST_F(DeviceApi, BadArgumentsAreNamed) {
    ASSERT_EQ(nn_device_count(NN_DEVICE_CUDA, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(nn_last_error(), "nn_device_count: count is null");
    ASSERT_EQ(nn_device_check(NN_DEVICE_CUDA, -1), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(nn_last_error(), "nn_device_check: index is -1; it must be 0 or more");
    const int raw = 7;
    nn_device_kind bad;
    static_assert(sizeof bad == sizeof raw, "C enums are int-sized");
    std::memcpy(&bad, &raw, sizeof bad);
    std::int32_t count = 0;
    ASSERT_EQ(nn_device_count(bad, &count), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(nn_last_error(), "nn_device_count: kind is 7, which is not an nn_device_kind");
}

TEST_F(DeviceApi, MissingLibraryMeansNoCudaDeviceAndSaysWhere) {
    const std::string path = NATIVENN_CUDA_DOUBLE_DIRECTORY "/absent/libnativenn_cuda.so";
    nn::core::replace_cuda_backend(nn::core::load_cuda_backend({path}, false));
    EXPECT_EQ(cuda_count(), 0);
    ASSERT_EQ(nn_device_check(NN_DEVICE_CUDA, 0), NN_ERROR_UNSUPPORTED);
    const std::string message = nn_last_error();
    EXPECT_EQ(message.rfind("nn_device_check: cuda:0 is not available: libnativenn_cuda.so was not found (looked in " +
                                path + ")",
                            0),
              0u)
        << message;
}

TEST_F(DeviceApi, NoDeviceIsTheReasonGiven) {
    use(NATIVENN_CUDA_DOUBLE_NO_DEVICE);
    EXPECT_EQ(cuda_count(), 0);
    ASSERT_EQ(nn_device_check(NN_DEVICE_CUDA, 0), NN_ERROR_UNSUPPORTED);
    EXPECT_STREQ(nn_last_error(),
                 "nn_device_check: cuda:0 is not available: the NVIDIA driver (CUDA 13.0) reports no CUDA device "
                 "(cudaErrorNoDevice: no CUDA-capable device is detected)");
}

TEST_F(DeviceApi, WrongTableVersionIsTheReasonGiven) {
    use(NATIVENN_CUDA_DOUBLE_NEXT_VERSION);
    EXPECT_EQ(cuda_count(), 0);
    ASSERT_EQ(nn_device_check(NN_DEVICE_CUDA, 0), NN_ERROR_UNSUPPORTED);
    EXPECT_NE(std::string(nn_last_error()).find("has entry-point table version 2 but this libnativenn needs version 1"),
              std::string::npos)
        << nn_last_error();
}

TEST_F(DeviceApi, PresentDevicesAreUsableAndTheNextIndexIsNot) {
    use(NATIVENN_CUDA_DOUBLE_TWO_DEVICES);
    EXPECT_EQ(cuda_count(), 2);
    EXPECT_EQ(nn_device_check(NN_DEVICE_CUDA, 0), NN_OK) << nn_last_error();
    EXPECT_EQ(nn_device_check(NN_DEVICE_CUDA, 1), NN_OK) << nn_last_error();
    ASSERT_EQ(nn_device_check(NN_DEVICE_CUDA, 2), NN_ERROR_UNSUPPORTED);
    EXPECT_STREQ(nn_last_error(), "nn_device_check: cuda:2 does not exist: 2 CUDA devices are present (cuda:0 to cuda:1)");
}

}  // namespace
