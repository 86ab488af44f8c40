// Run-time loading of libnativenn_cuda.so. The CPU library never links CUDA; the first CUDA
// question loads the CUDA library through its versioned entry-point table (cuda/entry_points.h)
// and keeps the outcome, including a sentence that says why CUDA cannot be used when it cannot.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cuda/entry_points.h"

namespace nn::core {

enum class CudaState {
    Ready,
    LibraryNotFound,       // no candidate file exists
    LibraryNotLoadable,    // a file exists but dlopen refused it (missing dependency, wrong format)
    NotNativeNNLibrary,    // loaded, but it does not export the entry-point function
    EntryPointsMismatch,   // its table has another version (built from other sources)
    NoDriver,              // libcuda.so.1 could not be loaded
    NoDevice,              // the driver sees no device
    RuntimeError,          // the CUDA runtime failed to start for another reason
};

struct CudaBackend {
    CudaState state = CudaState::LibraryNotFound;
    std::int32_t device_count = 0;
    // The library that was loaded; empty when none was.
    std::string library_path;
    // Why CUDA cannot be used, as a clause that completes "cuda:0 is not available: ..."; empty
    // when state is Ready.
    std::string reason;
    // Valid for the life of the process once state is Ready (the library is never unloaded).
    const nn_cuda_entry_points* entry_points = nullptr;
};

// The files to try, in order: only `setting` (the text of NATIVENN_CUDA_LIBRARY) when it is set
// and not empty, else libnativenn_cuda.so in own_directory.
std::vector<std::string> cuda_library_candidates(const char* setting, const std::string& own_directory);

// Tries the candidates in order and returns what the first existing one gave. `from_setting` says
// the list came from NATIVENN_CUDA_LIBRARY, so a miss names the variable rather than the build.
CudaBackend load_cuda_backend(const std::vector<std::string>& candidates, bool from_setting);

// The folder of the binary this code is linked into (libnativenn.so, or a test program that links
// the core objects directly).
std::string own_directory();

// The process-wide outcome, loaded on first use from NATIVENN_CUDA_LIBRARY or own_directory().
std::shared_ptr<const CudaBackend> cuda_backend();

// Replaces the process-wide outcome, so tests can see the API over a library of their choosing.
void replace_cuda_backend(CudaBackend backend);

}  // namespace nn::core
