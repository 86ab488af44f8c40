// Loads libnativenn_cuda.so with dlopen and turns every way that can fail into one sentence.
#include "core/cuda_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

namespace nn::core {

namespace {

std::string cuda_version_text(std::int32_t version) {
    char text[32];
    std::snprintf(text, sizeof text, "%d.%d", version / 1000, (version % 1000) / 10);
    return text;
}

std::string joined(const std::vector<std::string>& paths) {
    std::string text;
    for (const std::string& path : paths) {
        if (!text.empty()) text += ", ";
        text += path;
    }
    return text;
}

// The library's detail field, read only up to its capacity: it comes from another binary.
std::string detail_of(const nn_cuda_probe& probe) {
    return std::string(probe.detail, strnlen(probe.detail, sizeof probe.detail));
}

CudaBackend from_probe(CudaBackend backend, const nn_cuda_probe& probe) {
    const std::string detail = detail_of(probe);
    switch (probe.state) {
    case NN_CUDA_READY:
        if (probe.device_count > 0) {
            backend.state = CudaState::Ready;
            backend.device_count = probe.device_count;
            return backend;
        }
        backend.state = CudaState::NoDevice;
        backend.reason = backend.library_path + " reports the CUDA runtime ready but no device";
        return backend;
    case NN_CUDA_NO_DRIVER:
        backend.state = CudaState::NoDriver;
        backend.reason = "the NVIDIA driver is missing: libcuda.so.1 could not be loaded (" + detail +
                         "); install the NVIDIA driver to use a GPU";
        return backend;
    case NN_CUDA_NO_DEVICE:
        backend.state = CudaState::NoDevice;
        backend.reason = "the NVIDIA driver";
        if (probe.driver_version > 0) backend.reason += " (CUDA " + cuda_version_text(probe.driver_version) + ")";
        backend.reason += " reports no CUDA device (" + detail + ")";
        return backend;
    case NN_CUDA_RUNTIME_ERROR:
        backend.state = CudaState::RuntimeError;
        backend.reason = "the CUDA runtime";
        if (probe.runtime_version > 0) backend.reason += " " + cuda_version_text(probe.runtime_version);
        backend.reason += " failed to start";
        if (probe.driver_version > 0) {
            backend.reason += " with a driver for CUDA " + cuda_version_text(probe.driver_version);
        }
        backend.reason += ": " + detail;
        return backend;
    default:
        backend.state = CudaState::EntryPointsMismatch;
        backend.reason = backend.library_path + " reported state " + std::to_string(probe.state) +
                         ", which this libnativenn does not know; build both libraries from the same sources";
        return backend;
    }
}

CudaBackend load_one(const std::string& path) {
    CudaBackend backend;
    backend.library_path = path;
    // Never closed, not even after a refusal: the CUDA runtime registers exit handlers inside the
    // library, and a library that has run its initializers may have done the same.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* error = dlerror();
        backend.state = CudaState::LibraryNotLoadable;
        backend.reason = path + " exists but could not be loaded: " + (error != nullptr ? error : "dlopen gave no reason");
        return backend;
    }
    void* symbol = dlsym(handle, NN_CUDA_ENTRY_POINTS_SYMBOL);
    if (symbol == nullptr) {
        backend.state = CudaState::NotNativeNNLibrary;
        backend.reason = path + " does not export " NN_CUDA_ENTRY_POINTS_SYMBOL ", so it is not a NativeNN CUDA library";
        return backend;
    }
    nn_cuda_entry_points_function entry;
    static_assert(sizeof entry == sizeof symbol, "function and object pointers have one size on the supported ABIs");
    std::memcpy(&entry, &symbol, sizeof entry);
    const nn_cuda_entry_points* table = entry();
    if (table == nullptr) {
        backend.state = CudaState::EntryPointsMismatch;
        backend.reason = path + " returned no entry-point table";
        return backend;
    }
    if (table->version != NN_CUDA_ENTRY_POINTS_VERSION) {
        backend.state = CudaState::EntryPointsMismatch;
        backend.reason = path + " has entry-point table version " + std::to_string(table->version) +
                         " but this libnativenn needs version " + std::to_string(NN_CUDA_ENTRY_POINTS_VERSION) +
                         "; build both libraries from the same sources";
        return backend;
    }
    if (table->size != static_cast<std::int32_t>(sizeof(nn_cuda_entry_points)) || table->probe == nullptr) {
        backend.state = CudaState::EntryPointsMismatch;
        backend.reason = path + " has an entry-point table of " + std::to_string(table->size) + " bytes where " +
                         std::to_string(sizeof(nn_cuda_entry_points)) +
                         " were expected for version " + std::to_string(NN_CUDA_ENTRY_POINTS_VERSION) +
                         "; build both libraries from the same sources";
        return backend;
    }
    nn_cuda_probe probe{};
    table->probe(&probe);
    backend.entry_points = table;
    backend = from_probe(std::move(backend), probe);
    if (backend.state != CudaState::Ready) backend.entry_points = nullptr;
    return backend;
}

std::mutex process_backend_mutex;
std::shared_ptr<const CudaBackend> process_backend;

}  // namespace

std::vector<std::string> cuda_library_candidates(const char* setting, const std::string& own_directory) {
    if (setting != nullptr && setting[0] != '\0') return {setting};
    return {own_directory + "/" NN_CUDA_LIBRARY_NAME};
}

CudaBackend load_cuda_backend(const std::vector<std::string>& candidates, bool from_setting) {
    for (const std::string& path : candidates) {
        if (::access(path.c_str(), F_OK) == 0) return load_one(path);
    }
    CudaBackend backend;
    backend.state = CudaState::LibraryNotFound;
    if (from_setting) {
        backend.reason = "NATIVENN_CUDA_LIBRARY is " + joined(candidates) + ", which does not exist";
    } else {
        backend.reason = NN_CUDA_LIBRARY_NAME " was not found (looked in " + joined(candidates) +
                         "). Build with -DNATIVENN_CUDA=ON on a machine with a CUDA toolkit, or set "
                         "NATIVENN_CUDA_LIBRARY to the library's path";
    }
    return backend;
}

std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&own_directory), &info) != 0 && info.dli_fname != nullptr) {
        std::string path = info.dli_fname;
        if (path.find('/') == std::string::npos) {
            // The main program may be named without its folder (found on PATH); /proc/self/exe has it.
            char buffer[4096];
            const ssize_t length = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
            if (length > 0) path.assign(buffer, static_cast<std::size_t>(length));
        } else if (path.front() != '/') {
            // A relative name ("./nativenn_tests") is relative to the folder the process started in.
            char* absolute = realpath(path.c_str(), nullptr);
            if (absolute != nullptr) {
                path = absolute;
                std::free(absolute);
            }
        }
        const std::size_t slash = path.rfind('/');
        if (slash != std::string::npos) return slash == 0 ? "/" : path.substr(0, slash);
    }
    return ".";
}

std::shared_ptr<const CudaBackend> cuda_backend() {
    std::lock_guard<std::mutex> lock(process_backend_mutex);
    if (process_backend == nullptr) {
        const char* setting = std::getenv("NATIVENN_CUDA_LIBRARY");
        const bool from_setting = setting != nullptr && setting[0] != '\0';
        process_backend = std::make_shared<const CudaBackend>(
            load_cuda_backend(cuda_library_candidates(setting, own_directory()), from_setting));
    }
    return process_backend;
}

void replace_cuda_backend(CudaBackend backend) {
    std::lock_guard<std::mutex> lock(process_backend_mutex);
    process_backend = std::make_shared<const CudaBackend>(std::move(backend));
}

}  // namespace nn::core
