/* NativeNN's C ABI: the single source of truth for the generated P/Invoke layer.
 *
 * Rules (see DESIGN.md): plain C11; fixed-width integer types, float, pointers and small blittable
 * structs only; every function returns nn_status and hands results back through out-parameters;
 * no C++ exception ever crosses this boundary; a failing call leaves a thread-local message that
 * nn_last_error() returns. Comments written with three slashes become XML docs in the bindings.
 */
#ifndef NATIVENN_H
#define NATIVENN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define NN_API __declspec(dllexport)
#else
#define NN_API __attribute__((visibility("default")))
#endif

/// Version of this ABI. Raised whenever a signature, enum value or struct layout changes; the
/// managed side refuses a native library whose nn_abi_version() differs from the value it was
/// generated against.
#define NN_ABI_VERSION 2

/// Most dimensions a tensor may have.
#define NN_MAX_DIMS 8

/// Alignment in bytes of every tensor's storage.
#define NN_STORAGE_ALIGNMENT 64

/// Outcome of every call. NN_OK is success; any other value means nn_last_error() explains.
typedef enum nn_status {
    /// The call succeeded.
    NN_OK = 0,
    /// An argument was null, out of range or otherwise not acceptable.
    NN_ERROR_INVALID_ARGUMENT = 1,
    /// Tensor shapes or dtypes do not fit together.
    NN_ERROR_SHAPE_MISMATCH = 2,
    /// Memory could not be allocated.
    NN_ERROR_OUT_OF_MEMORY = 3,
    /// The request is valid but not supported (for example an instruction set this CPU lacks).
    NN_ERROR_UNSUPPORTED = 4,
    /// A device (GPU) reported an error.
    NN_ERROR_DEVICE = 5,
    /// An internal error: a bug in NativeNN.
    NN_ERROR_INTERNAL = 6
} nn_status;

/// Element type of a tensor.
typedef enum nn_dtype {
    /// 32-bit IEEE float.
    NN_DTYPE_FLOAT32 = 0,
    /// 64-bit signed integer (class labels, indices).
    NN_DTYPE_INT64 = 1
} nn_dtype;

/// CPU instruction-set level of the kernels. NN_ISA_AUTO picks the best the CPU supports.
typedef enum nn_isa {
    /// Best level this CPU supports (the default).
    NN_ISA_AUTO = 0,
    /// Portable scalar reference kernels, always available.
    NN_ISA_REFERENCE = 1,
    /// AVX2 + FMA kernels.
    NN_ISA_AVX2 = 2,
    /// AVX-512 (F, BW, VL, DQ) kernels.
    NN_ISA_AVX512 = 3
} nn_isa;

/// Native memory accounting of tensor storage, in bytes.
typedef struct nn_memory_stats {
    /// Bytes held by live tensor storage now.
    int64_t live_bytes;
    /// Highest live_bytes since start or since nn_memory_reset_peak.
    int64_t peak_bytes;
    /// Bytes kept by the caching allocator for reuse (not live).
    int64_t cached_bytes;
    /// Number of live tensor handles.
    int64_t live_tensors;
    /// Storage requests served from the cache since start.
    int64_t cache_hits;
    /// Storage requests that had to ask the operating system since start.
    int64_t cache_misses;
} nn_memory_stats;

/// Opaque tensor: dtype, shape and a reference to contiguous, 64-byte aligned storage.
typedef struct nn_tensor nn_tensor;

/* ---- Library ---------------------------------------------------------------------------- */

/// Returns NN_ABI_VERSION as compiled into this library.
NN_API int32_t nn_abi_version(void);

/// Returns the message of the last failed call on this thread (empty if none). The text is owned
/// by the library and stays valid until the next failing call on the same thread.
NN_API const char* nn_last_error(void);

/// Returns the library's version text, for example "0.1.0". Owned by the library.
NN_API const char* nn_version(void);

/* ---- Threads and instruction sets ------------------------------------------------------- */

/// Sets how many threads kernels use (1 or more). The default is the number of cores.
NN_API nn_status nn_set_num_threads(int32_t count);

/// Reads how many threads kernels use.
NN_API nn_status nn_get_num_threads(int32_t* count);

/// Reads whether this CPU can run kernels of the given level (1) or not (0).
NN_API nn_status nn_cpu_supports_isa(nn_isa isa, int32_t* supported);

/// Forces the kernel level for the whole process; NN_ISA_AUTO returns to the best supported
/// level. Fails with NN_ERROR_UNSUPPORTED for a level this CPU cannot run. The environment
/// variable NATIVENN_ISA (auto, reference, avx2, avx512) sets it at start-up.
NN_API nn_status nn_set_isa(nn_isa isa);

/// Reads the level kernels run at now (never NN_ISA_AUTO).
NN_API nn_status nn_get_isa(nn_isa* isa);

/* ---- Memory ----------------------------------------------------------------------------- */

/// Reads the current memory accounting.
NN_API nn_status nn_memory_get_stats(nn_memory_stats* stats);

/// Sets peak_bytes to the current live_bytes.
NN_API nn_status nn_memory_reset_peak(void);

/// Returns every cached (not live) block to the operating system.
NN_API nn_status nn_memory_release_cached(void);

/* ---- Tensors ---------------------------------------------------------------------------- */

/// Creates a zero-filled tensor of the given dtype and shape (ndim 0..NN_MAX_DIMS; ndim 0 is a
/// scalar; every size 0 or more). The caller owns the result and frees it with nn_tensor_release.
NN_API nn_status nn_tensor_create(nn_dtype dtype, int32_t ndim, const int64_t* shape, nn_tensor** result);

/// Releases a tensor handle; its storage is freed (returned to the cache) when no view shares it.
/// Releasing null is allowed and does nothing.
NN_API nn_status nn_tensor_release(nn_tensor* tensor);

/// Creates a new handle that shares the tensor's storage under another shape with the same
/// element count (like torch.reshape on a contiguous tensor).
NN_API nn_status nn_tensor_reshape(const nn_tensor* tensor, int32_t ndim, const int64_t* shape, nn_tensor** result);

/// Reads the tensor's element type.
NN_API nn_status nn_tensor_dtype(const nn_tensor* tensor, nn_dtype* dtype);

/// Reads the number of dimensions.
NN_API nn_status nn_tensor_ndim(const nn_tensor* tensor, int32_t* ndim);

/// Copies the shape into sizes, which has room for capacity entries (at least ndim).
NN_API nn_status nn_tensor_shape(const nn_tensor* tensor, int64_t* sizes, int32_t capacity);

/// Reads the number of elements (the product of the shape; 1 for a scalar).
NN_API nn_status nn_tensor_numel(const nn_tensor* tensor, int64_t* count);

/// Reads the address of the tensor's first element (CPU tensors). Valid while the tensor lives.
NN_API nn_status nn_tensor_data(const nn_tensor* tensor, void** data);

/// Copies byte_count bytes from source into the tensor; byte_count must equal its size in bytes.
NN_API nn_status nn_tensor_copy_from(nn_tensor* tensor, const void* source, int64_t byte_count);

/// Copies the tensor into destination; byte_count must equal its size in bytes.
NN_API nn_status nn_tensor_copy_to(const nn_tensor* tensor, void* destination, int64_t byte_count);

/// Copies the elements of source into destination (same dtype and element count).
NN_API nn_status nn_tensor_copy(const nn_tensor* source, nn_tensor* destination);

/// Sets every element of a float32 tensor to value.
NN_API nn_status nn_tensor_fill_float32(nn_tensor* tensor, float value);

/// Sets every element of an int64 tensor to value.
NN_API nn_status nn_tensor_fill_int64(nn_tensor* tensor, int64_t value);

/// Fills a float32 tensor with samples uniform in [low, high). Element i depends only on seed
/// and i (a counter-based generator: SplitMix64 of seed and i), so results do not depend on the
/// thread count.
NN_API nn_status nn_tensor_fill_uniform(nn_tensor* tensor, uint64_t seed, float low, float high);

/// Fills a float32 tensor with normal samples of the given mean and standard deviation
/// (Box-Muller over the same counter-based generator as nn_tensor_fill_uniform).
NN_API nn_status nn_tensor_fill_normal(nn_tensor* tensor, uint64_t seed, float mean, float std);

/* ---- Matrix multiplication --------------------------------------------------------------- */

/// C = alpha * op(A) op(B) + beta * C on 2-D float32 tensors, where op transposes its argument
/// when the matching flag is 1: A is [M,K] ([K,M] when transpose_a is 1), B is [K,N] ([N,K] when
/// transpose_b is 1) and C is [M,N]. With beta = 0 the previous contents of C are not read (NaN in
/// C does not propagate). C must not share storage with A or B.
NN_API nn_status nn_matmul(const nn_tensor* a, int32_t transpose_a, const nn_tensor* b, int32_t transpose_b,
                           float alpha, float beta, nn_tensor* c);

#ifdef __cplusplus
}
#endif

#endif /* NATIVENN_H */
