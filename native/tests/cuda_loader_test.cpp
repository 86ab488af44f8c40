// The CUDA loader on a machine without a GPU: every way libnativenn_cuda.so can be missing or
// unusable ends in a sentence that names the cause. The libraries loaded here are test doubles
// (native/tests/doubles) built by CMake; they follow the loader's contract but run no CUDA code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/cuda_loader.h"

namespace {

using nn::core::CudaBackend;
using nn::core::CudaState;
using nn::core::load_cuda_backend;

TEST(CudaLoader, MissingLibraryListsEveryPathTriedAndHowToBuildIt) {
    const std::vector<std::string> paths{NATIVENN_CUDA_DOUBLE_DIRECTORY "/nowhere/libnativenn_cuda.so",
                                         NATIVENN_CUDA_DOUBLE_DIRECTORY "/elsewhere/libnativenn_cuda.so"};
    const CudaBackend backend = load_cuda_backend(paths, false);
    EXPECT_EQ(backend.state, CudaState::LibraryNotFound);
    EXPECT_EQ(backend.device_count, 0);
    EXPECT_EQ(backend.entry_points, nullptr);
    EXPECT_NE(backend.reason.find("libnativenn_cuda.so was not found"), std::string::npos) << backend.reason;
    EXPECT_NE(backend.reason.find(paths[0]), std::string::npos) << backend.reason;
    EXPECT_NE(backend.reason.find(paths[1]), std::string::npos) << backend.reason;
    EXPECT_NE(backend.reason.find("-DNATIVENN_CUDA=ON"), std::string::npos) << backend.reason;
}

TEST(CudaLoader, MissingLibraryNamedByTheVariableSaysSo) {
    const std::string path = NATIVENN_CUDA_DOUBLE_DIRECTORY "/typo.so";
    const CudaBackend backend = load_cuda_backend({path}, true);
    EXPECT_EQ(backend.state, CudaState::LibraryNotFound);
    EXPECT_EQ(backend.reason, "NATIVENN_CUDA_LIBRARY is " + path + ", which does not exist");
}

TEST(CudaLoader, CandidatesAreTheVariableAloneOrTheLibraryBesideUs) {
    EXPECT_EQ(nn::core::cuda_library_candidates("/opt/x.so", "/lib/here"), std::vector<std::string>{"/opt/x.so"});
    EXPECT_EQ(nn::core::cuda_library_candidates("", "/lib/here"),
              std::vector<std::string>{"/lib/here/libnativenn_cuda.so"});
    EXPECT_EQ(nn::core::cuda_library_candidates(nullptr, "/lib/here"),
              std::vector<std::string>{"/lib/here/libnativenn_cuda.so"});
}

TEST(CudaLoader, FirstExistingCandidateIsTheOneLoaded) {
    const CudaBackend backend =
        load_cuda_backend({NATIVENN_CUDA_DOUBLE_DIRECTORY "/absent.so", NATIVENN_CUDA_DOUBLE_TWO_DEVICES}, false);
    EXPECT_EQ(backend.state, CudaState::Ready) << backend.reason;
    EXPECT_EQ(backend.library_path, NATIVENN_CUDA_DOUBLE_TWO_DEVICES);
    EXPECT_EQ(backend.device_count, 2);
    EXPECT_NE(backend.entry_points, nullptr);
    EXPECT_TRUE(backend.reason.empty()) << backend.reason;
}

TEST(CudaLoader, FileThatIsNotALibraryIsNamedWithTheLoadersReason) {
    // A source file exists but is no ELF object: dlopen refuses it, and says why.
    const std::string path = NATIVENN_CUDA_DOUBLE_DIRECTORY "/../CMakeCache.txt";
    const CudaBackend backend = load_cuda_backend({path}, false);
    EXPECT_EQ(backend.state, CudaState::LibraryNotLoadable);
    EXPECT_NE(backend.reason.find(path + " exists but could not be loaded: "), std::string::npos) << backend.reason;
    EXPECT_GT(backend.reason.size(), path.size() + 32) << "dlerror's text follows";
}

TEST(CudaLoader, LibraryWithoutTheEntryPointIsRefused) {
    const CudaBackend backend = load_cuda_backend({NATIVENN_CUDA_DOUBLE_NO_ENTRY_POINTS}, false);
    EXPECT_EQ(backend.state, CudaState::NotNativeNNLibrary);
    EXPECT_EQ(backend.reason, std::string(NATIVENN_CUDA_DOUBLE_NO_ENTRY_POINTS) +
                                  " does not export nativenn_cuda_entry_points, so it is not a NativeNN CUDA library");
}

TEST(CudaLoader, OtherTableVersionIsRefusedWithBothVersions) {
    const CudaBackend backend = load_cuda_backend({NATIVENN_CUDA_DOUBLE_NEXT_VERSION}, false);
    EXPECT_EQ(backend.state, CudaState::EntryPointsMismatch);
    EXPECT_EQ(backend.device_count, 0);
    EXPECT_EQ(backend.entry_points, nullptr);
    EXPECT_EQ(backend.reason, std::string(NATIVENN_CUDA_DOUBLE_NEXT_VERSION) +
                                  " has entry-point table version 2 but this libnativenn needs version 1; "
                                  "build both libraries from the same sources");
}

TEST(CudaLoader, NoDriverNamesTheDriverLibrary) {
    const CudaBackend backend = load_cuda_backend({NATIVENN_CUDA_DOUBLE_NO_DRIVER}, false);
    EXPECT_EQ(backend.state, CudaState::NoDriver);
    EXPECT_EQ(backend.entry_points, nullptr);
    EXPECT_EQ(backend.reason,
              "the NVIDIA driver is missing: libcuda.so.1 could not be loaded (libcuda.so.1: cannot open shared object "
              "file: No such file or directory); install the NVIDIA driver to use a GPU");
}

TEST(CudaLoader, NoDeviceSaysTheDriverSeesNone) {
    const CudaBackend backend = load_cuda_backend({NATIVENN_CUDA_DOUBLE_NO_DEVICE}, false);
    EXPECT_EQ(backend.state, CudaState::NoDevice);
    EXPECT_EQ(backend.device_count, 0);
    EXPECT_EQ(backend.reason,
              "the NVIDIA driver (CUDA 13.0) reports no CUDA device (cudaErrorNoDevice: no CUDA-capable device is detected)");
}

TEST(CudaLoader, RuntimeFailureCarriesTheRuntimesWords) {
    const CudaBackend backend = load_cuda_backend({NATIVENN_CUDA_DOUBLE_RUNTIME_ERROR}, false);
    EXPECT_EQ(backend.state, CudaState::RuntimeError);
    EXPECT_EQ(backend.reason,
              "the CUDA runtime 13.0 failed to start with a driver for CUDA 13.0: cudaErrorInsufficientDriver: CUDA "
              "driver version is insufficient for CUDA runtime version");
}

TEST(CudaLoader, OwnDirectoryIsTheFolderOfThisProgram) {
    const std::string directory = nn::core::own_directory();
    ASSERT_FALSE(directory.empty());
    EXPECT_EQ(directory.front(), '/') << directory;
    EXPECT_EQ(NATIVENN_CUDA_DOUBLE_DIRECTORY, directory + "/test-doubles");
}

}  // namespace
