// Instruction-set levels and the process-wide choice of kernel level.
#pragma once

#include <cstdint>
#include <string>

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

// The cpuid and xgetbv words detection reads, split out so tests can describe CPUs other than
// the one they run on.
struct CpuidWords {
    std::uint32_t leaf1_ecx = 0;  // FMA, OSXSAVE, AVX
    std::uint32_t leaf7_ebx = 0;  // AVX2, AVX512F/DQ/BW/VL (zero when leaf 7 is absent)
    std::uint64_t xcr0 = 0;       // state the operating system saves (zero without OSXSAVE)
};

CpuidWords read_cpuid_words();

// Best level those words allow: AVX2 needs AVX, AVX2, FMA and OS-saved YMM state; AVX-512 needs
// F, BW, VL, DQ and OS-saved opmask and ZMM state as well.
Isa best_isa_from(const CpuidWords& words);

// Start-up level from the text of NATIVENN_ISA (null when unset): auto, reference, avx2 or avx512,
// case-insensitive. An unknown text or a level above best leaves a one-line warning and gives best.
Isa isa_from_setting(const char* setting, Isa best, std::string* warning);

// Pretends the CPU supports nothing above ceiling (lowering the active level if needed), so tests
// can reach the refusal paths on a CPU that supports every level. Raising it again restores the
// real support but not a previously active level.
void restrict_cpu_support(Isa ceiling);

}  // namespace nn::core
