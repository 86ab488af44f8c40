// Per-thread scratch memory for the conv kernels: grow-only, 64-byte aligned (2 MiB aligned and
// offered transparent huge pages from 2 MiB on), kept for the life of the thread, because a first
// touch of a fresh page costs about 12 us on the machines this runs on and a conv call may need
// megabytes. Defined in a baseline file and only declared here, so AVX files can call it without
// the linker ever choosing an AVX copy for baseline callers.
#pragma once

#include <cstddef>

namespace nn::cpu {

// The buffers a thread may hold at once; a call must not ask for the same slot twice while it
// still uses the first answer.
enum class ConvScratch {
    Columns,   // im2col matrix, or a padded copy of the input
    Weights,   // repacked filters
    Outputs,   // an output tile before it is scattered to its place
    Stores,    // where each vector of a grid is stored, shared by a call's threads
    Count,
};

// This thread's buffer of the slot, at least count floats; its contents are whatever the previous
// user left there.
float* conv_scratch(ConvScratch slot, std::size_t count);

}  // namespace nn::cpu
