// Instruction-set levels and the process-wide choice of kernel level.
#pragma once

#include "nativenn.h"

namespace nn::core {

// Ordered: a kernel of level L runs on any CPU whose active level is L or above.
enum class Isa : int { Reference = NN_ISA_REFERENCE, Avx2 = NN_ISA_AVX2, Avx512 = NN_ISA_AVX512 };

// Whether the CPU and the operating system can run code of this level (cpuid + xgetbv).
bool cpu_supports(Isa isa);

// Best level the CPU supports.
Isa best_supported_isa();

// The level kernels run at now: NATIVENN_ISA at start-up, else the best supported, unless
// set_active_isa changed it.
Isa active_isa();

// Throws nn::core::Error(NN_ERROR_UNSUPPORTED) for a level the CPU cannot run.
void set_active_isa(Isa isa);

const char* isa_name(Isa isa);

}  // namespace nn::core
