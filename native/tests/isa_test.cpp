// Instruction-set detection from cpuid words, NATIVENN_ISA parsing, and forcing levels through the C ABI.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/isa.h"
#include "nativenn.h"

namespace {

using nn::core::CpuidWords;
using nn::core::Isa;

constexpr std::uint32_t fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
constexpr std::uint32_t avx2 = 1u << 5, avx512f = 1u << 16, avx512dq = 1u << 17, avx512bw = 1u << 30,
                        avx512vl = 1u << 31;

CpuidWords full_avx512() {
    CpuidWords words;
    words.leaf1_ecx = fma | osxsave | avx;
    words.leaf7_ebx = avx2 | avx512f | avx512dq | avx512bw | avx512vl;
    words.xcr0 = 0xE7;
    return words;
}

TEST(IsaDetection, EveryRequiredBitMatters) {
    EXPECT_EQ(nn::core::best_isa_from(full_avx512()), Isa::Avx512);
    EXPECT_EQ(nn::core::best_isa_from(CpuidWords{}), Isa::Reference);

    for (std::uint32_t missing : {avx512f, avx512dq, avx512bw, avx512vl}) {
        CpuidWords words = full_avx512();
        words.leaf7_ebx &= ~missing;
        EXPECT_EQ(nn::core::best_isa_from(words), Isa::Avx2) << std::hex << missing;
    }
    for (std::uint64_t missing_state : {0x20ull, 0x40ull, 0x80ull}) {
        CpuidWords words = full_avx512();
        words.xcr0 &= ~missing_state;
        EXPECT_EQ(nn::core::best_isa_from(words), Isa::Avx2) << "ZMM state bit " << std::hex << missing_state;
    }
    for (std::uint32_t missing : {fma, osxsave, avx}) {
        CpuidWords words = full_avx512();
        words.leaf1_ecx &= ~missing;
        EXPECT_EQ(nn::core::best_isa_from(words), Isa::Reference) << std::hex << missing;
    }
    CpuidWords without_avx2 = full_avx512();
    without_avx2.leaf7_ebx &= ~avx2;
    EXPECT_EQ(nn::core::best_isa_from(without_avx2), Isa::Reference);
    CpuidWords without_ymm_state = full_avx512();
    without_ymm_state.xcr0 = 0x3;
    EXPECT_EQ(nn::core::best_isa_from(without_ymm_state), Isa::Reference);
}

// /proc/cpuinfo lists a flag only when the CPU has it and the kernel enabled its state.
TEST(IsaDetection, AgreesWithTheKernelsCpuFlags) {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    std::set<std::string> flags;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        for (std::string flag; words >> flag;) flags.insert(flag);
        break;
    }
    if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
    auto has = [&](const char* flag) { return flags.count(flag) == 1; };
    Isa expected = Isa::Reference;
    if (has("avx") && has("avx2") && has("fma")) {
        expected = Isa::Avx2;
        if (has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq")) expected = Isa::Avx512;
    }
    EXPECT_EQ(nn::core::best_isa_from(nn::core::read_cpuid_words()), expected);
}

TEST(IsaSetting, ParsesLevelsCaseInsensitively) {
    std::string warning;
    EXPECT_EQ(nn::core::isa_from_setting(nullptr, Isa::Avx512, &warning), Isa::Avx512);
    EXPECT_EQ(nn::core::isa_from_setting("", Isa::Avx2, &warning), Isa::Avx2);
    EXPECT_EQ(nn::core::isa_from_setting("AUTO", Isa::Avx2, &warning), Isa::Avx2);
    EXPECT_EQ(nn::core::isa_from_setting("Reference", Isa::Avx512, &warning), Isa::Reference);
    EXPECT_EQ(nn::core::isa_from_setting("avx2", Isa::Avx512, &warning), Isa::Avx2);
    EXPECT_EQ(nn::core::isa_from_setting("AVX512", Isa::Avx512, &warning), Isa::Avx512);
    EXPECT_TRUE(warning.empty()) << warning;
}

TEST(IsaSetting, UnknownTextWarnsAndFallsBackToAuto) {
    std::string warning;
    EXPECT_EQ(nn::core::isa_from_setting("avx2x", Isa::Avx512, &warning), Isa::Avx512);
    EXPECT_EQ(warning, "NATIVENN_ISA=avx2x is not one of auto, reference, avx2, avx512; using auto (avx512)");
}

TEST(IsaSetting, LevelTheCpuLacksWarnsAndFallsBackToAuto) {
    std::string warning;
    EXPECT_EQ(nn::core::isa_from_setting("Avx512", Isa::Avx2, &warning), Isa::Avx2);
    EXPECT_EQ(warning, "NATIVENN_ISA=Avx512 but this CPU does not support avx512; using auto (avx2)");
}

class IsaApi : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(nn_get_isa(&saved_), NN_OK); }
    void TearDown() override {
        nn::core::restrict_cpu_support(Isa::Avx512);
        EXPECT_EQ(nn_set_isa(saved_), NN_OK);
    }
    nn_isa saved_ = NN_ISA_AUTO;
};

TEST_F(IsaApi, QueryReportsReferenceAndAutoAlwaysSupported) {
    int32_t supported = -1;
    ASSERT_EQ(nn_cpu_supports_isa(NN_ISA_REFERENCE, &supported), NN_OK);
    EXPECT_EQ(supported, 1);
    ASSERT_EQ(nn_cpu_supports_isa(NN_ISA_AUTO, &supported), NN_OK);
    EXPECT_EQ(supported, 1);
    const Isa best = nn::core::best_supported_isa();
    ASSERT_EQ(nn_cpu_supports_isa(NN_ISA_AVX512, &supported), NN_OK);
    EXPECT_EQ(supported, best == Isa::Avx512 ? 1 : 0);
    ASSERT_EQ(nn_cpu_supports_isa(NN_ISA_AVX2, &supported), NN_OK);
    EXPECT_EQ(supported, best == Isa::Reference ? 0 : 1);
}

TEST_F(IsaApi, ForcingReferenceWorksAndAutoReturnsToTheBest) {
    ASSERT_EQ(nn_set_isa(NN_ISA_REFERENCE), NN_OK);
    nn_isa active = NN_ISA_AUTO;
    ASSERT_EQ(nn_get_isa(&active), NN_OK);
    EXPECT_EQ(active, NN_ISA_REFERENCE);
    EXPECT_EQ(nn::core::active_isa(), Isa::Reference);

    ASSERT_EQ(nn_set_isa(NN_ISA_AUTO), NN_OK);
    ASSERT_EQ(nn_get_isa(&active), NN_OK);
    EXPECT_NE(active, NN_ISA_AUTO);
    EXPECT_EQ(active, static_cast<nn_isa>(nn::core::best_supported_isa()));
}

TEST_F(IsaApi, ForcingALevelTheCpuLacksIsUnsupported) {
    // On a CPU with every level, pretend it stops at AVX2 so the refusal path still runs.
    if (nn::core::best_supported_isa() == Isa::Avx512) nn::core::restrict_cpu_support(Isa::Avx2);
    const Isa best = nn::core::best_supported_isa();
    ASSERT_NE(best, Isa::Avx512);
    nn_isa active = NN_ISA_AUTO;
    ASSERT_EQ(nn_get_isa(&active), NN_OK);
    EXPECT_LE(static_cast<int>(active), static_cast<int>(best)) << "active level above what the CPU supports";

    int32_t supported = -1;
    ASSERT_EQ(nn_cpu_supports_isa(NN_ISA_AVX512, &supported), NN_OK);
    EXPECT_EQ(supported, 0);
    EXPECT_EQ(nn_set_isa(NN_ISA_AVX512), NN_ERROR_UNSUPPORTED);
    EXPECT_EQ(std::string(nn_last_error()), std::string("nn_set_isa: this CPU does not support avx512 (best supported: ") +
                                                nn::core::isa_name(best) + ")");
    ASSERT_EQ(nn_get_isa(&active), NN_OK);
    EXPECT_LE(static_cast<int>(active), static_cast<int>(best)) << "a refused level became active";
}

TEST_F(IsaApi, RejectsValuesOutsideTheEnum) {
    EXPECT_EQ(nn_set_isa(static_cast<nn_isa>(7)), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_set_isa: isa is 7, which is not an nn_isa");
    int32_t supported = 0;
    EXPECT_EQ(nn_cpu_supports_isa(static_cast<nn_isa>(-1), &supported), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(nn_cpu_supports_isa(NN_ISA_AVX2, nullptr), NN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(nn_last_error()), "nn_cpu_supports_isa: supported is null");
    EXPECT_EQ(nn_get_isa(nullptr), NN_ERROR_INVALID_ARGUMENT);
}

}  // namespace
