/* The contract between libnativenn and libnativenn_cuda.so. The CPU library never links CUDA: the
 * first time a CUDA device is asked for, it dlopens libnativenn_cuda.so, calls the one exported
 * function below and checks the table's version before it touches any other field. The version
 * rises whenever a field is added, removed or changes meaning, so a library built from other
 * sources is refused by name instead of being called through the wrong layout.
 *
 * Plain C with fixed-width fields: both sides are our own code, but they are built by different
 * compilers (g++ and nvcc's host compiler) and may be built at different times. */
#ifndef NATIVENN_CUDA_ENTRY_POINTS_H
#define NATIVENN_CUDA_ENTRY_POINTS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_CUDA_ENTRY_POINTS_VERSION 1

/* The file name the loader looks for, and the symbol it resolves there. */
#define NN_CUDA_LIBRARY_NAME "libnativenn_cuda.so"
#define NN_CUDA_ENTRY_POINTS_SYMBOL "nativenn_cuda_entry_points"

/* What the CUDA library found when it looked for the driver and the devices. */
typedef enum nn_cuda_state {
    NN_CUDA_READY = 0,
    /* libcuda.so.1, the user-space half of the NVIDIA driver, could not be loaded. */
    NN_CUDA_NO_DRIVER = 1,
    /* The driver loaded but reports no CUDA device. */
    NN_CUDA_NO_DEVICE = 2,
    /* The CUDA runtime failed to start for another reason (for example a driver older than the
     * runtime); detail holds the runtime's own error name and text. */
    NN_CUDA_RUNTIME_ERROR = 3
} nn_cuda_state;

typedef struct nn_cuda_probe {
    int32_t state;          /* an nn_cuda_state */
    int32_t device_count;   /* devices usable when state is NN_CUDA_READY, else 0 */
    int32_t driver_version; /* CUDA version the driver supports, 1000 * major + 10 * minor; 0 if unknown */
    int32_t runtime_version; /* CUDA runtime the library was built with, same encoding; 0 if unknown */
    char detail[256];       /* the driver's or runtime's own words when state is not NN_CUDA_READY */
} nn_cuda_probe;

typedef struct nn_cuda_entry_points {
    /* First in every version, so a loader of any version can read it safely. */
    int32_t version;
    /* sizeof(nn_cuda_entry_points) as the library was compiled. */
    int32_t size;
    /* Looks for the driver and the devices. Never fails: the outcome is in *result. */
    void (*probe)(nn_cuda_probe* result);
} nn_cuda_entry_points;

/* The one symbol libnativenn_cuda.so exports; returns a table that lives as long as the library. */
typedef const nn_cuda_entry_points* (*nn_cuda_entry_points_function)(void);

#ifdef __cplusplus
}
#endif

#endif
