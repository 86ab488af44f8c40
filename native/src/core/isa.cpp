// CPU feature detection (cpuid + xgetbv) and the process-wide kernel level.
#include "core/isa.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/log.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace nn::core {

namespace {

constexpr std::uint32_t leaf1_fma = 1u << 12;
constexpr std::uint32_t leaf1_osxsave = 1u << 27;
constexpr std::uint32_t leaf1_avx = 1u << 28;
constexpr std::uint32_t leaf7_avx2 = 1u << 5;
constexpr std::uint32_t leaf7_avx512f = 1u << 16;
constexpr std::uint32_t leaf7_avx512dq = 1u << 17;
constexpr std::uint32_t leaf7_avx512bw = 1u << 30;
constexpr std::uint32_t leaf7_avx512vl = 1u << 31;
// XCR0: SSE (bit 1) and AVX upper halves (bit 2); AVX-512 adds opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7).
constexpr std::uint64_t xcr0_ymm = 0x6;
constexpr std::uint64_t xcr0_zmm = 0xE6;

bool has_all(std::uint64_t word, std::uint64_t bits) { return (word & bits) == bits; }

std::atomic<int>& support_ceiling() {
    static std::atomic<int> ceiling{static_cast<int>(Isa::Avx512)};
    return ceiling;
}

Isa detected_isa() {
    static const Isa detected = best_isa_from(read_cpuid_words());
    return detected;
}

std::atomic<int>& active_level() {
    static std::atomic<int> level = [] {
        std::string warning;
        const Isa best = best_supported_isa();
        const Isa chosen = isa_from_setting(std::getenv("NATIVENN_ISA"), best, &warning);
        if (!warning.empty()) std::fprintf(stderr, "nativenn: warning: %s\n", warning.c_str());
        verbose_log("kernel level %s (best supported: %s)", isa_name(chosen), isa_name(best));
        return static_cast<int>(chosen);
    }();
    return level;
}

// Reads NATIVENN_ISA while the library loads, so a bad value is reported at start-up rather than
// at the first kernel call.
[[maybe_unused]] const bool read_at_load = [] {
    active_level();
    return true;
}();

bool equals_ignoring_case(const char* text, const char* expected) {
    for (; *text != '\0' && *expected != '\0'; ++text, ++expected) {
        if (std::tolower(static_cast<unsigned char>(*text)) != *expected) return false;
    }
    return *text == '\0' && *expected == '\0';
}

}  // namespace

CpuidWords read_cpuid_words() {
    CpuidWords words;
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return words;
    words.leaf1_ecx = ecx;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0) words.leaf7_ebx = ebx;
    if (has_all(words.leaf1_ecx, leaf1_osxsave)) {
        std::uint32_t low = 0, high = 0;
        __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
        words.xcr0 = (static_cast<std::uint64_t>(high) << 32) | low;
    }
#endif
    return words;
}

Isa best_isa_from(const CpuidWords& words) {
    const bool avx2 = has_all(words.leaf1_ecx, leaf1_fma | leaf1_osxsave | leaf1_avx) &&
                      has_all(words.leaf7_ebx, leaf7_avx2) && has_all(words.xcr0, xcr0_ymm);
    if (!avx2) return Isa::Reference;
    const bool avx512 =
        has_all(words.leaf7_ebx, leaf7_avx512f | leaf7_avx512dq | leaf7_avx512bw | leaf7_avx512vl) &&
        has_all(words.xcr0, xcr0_zmm);
    return avx512 ? Isa::Avx512 : Isa::Avx2;
}

Isa isa_from_setting(const char* setting, Isa best, std::string* warning) {
    if (setting == nullptr || *setting == '\0' || equals_ignoring_case(setting, "auto")) return best;
    Isa requested;
    if (equals_ignoring_case(setting, "reference")) {
        requested = Isa::Reference;
    } else if (equals_ignoring_case(setting, "avx2")) {
        requested = Isa::Avx2;
    } else if (equals_ignoring_case(setting, "avx512")) {
        requested = Isa::Avx512;
    } else {
        if (warning != nullptr) {
            *warning = std::string("NATIVENN_ISA=") + setting +
                       " is not one of auto, reference, avx2, avx512; using auto (" + isa_name(best) + ")";
        }
        return best;
    }
    if (static_cast<int>(requested) > static_cast<int>(best)) {
        if (warning != nullptr) {
            *warning = std::string("NATIVENN_ISA=") + setting + " but this CPU does not support " +
                       isa_name(requested) + "; using auto (" + isa_name(best) + ")";
        }
        return best;
    }
    return requested;
}

bool cpu_supports(Isa isa) {
    const int level = static_cast<int>(isa);
    return level <= static_cast<int>(detected_isa()) && level <= support_ceiling().load();
}

Isa best_supported_isa() {
    const int level = std::min(static_cast<int>(detected_isa()), support_ceiling().load());
    return static_cast<Isa>(level);
}

Isa active_isa() { return static_cast<Isa>(active_level().load(std::memory_order_relaxed)); }

void set_active_isa(Isa isa) {
    const int level = static_cast<int>(isa);
    if (level < static_cast<int>(Isa::Reference) || level > static_cast<int>(Isa::Avx512)) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "isa %d is not a kernel level", level);
    }
    if (!cpu_supports(isa)) {
        throw_error(NN_ERROR_UNSUPPORTED, "this CPU does not support %s (best supported: %s)", isa_name(isa),
                    isa_name(best_supported_isa()));
    }
    active_level().store(level);
    verbose_log("kernel level set to %s", isa_name(isa));
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Reference: return "reference";
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
    }
    return "unknown";
}

void restrict_cpu_support(Isa ceiling) {
    support_ceiling().store(static_cast<int>(ceiling));
    int active = active_level().load();
    while (active > static_cast<int>(ceiling) &&
           !active_level().compare_exchange_weak(active, static_cast<int>(best_supported_isa()))) {
    }
}

}  // namespace nn::core
