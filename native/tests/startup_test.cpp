// Environment settings read while the library loads (NATIVENN_ISA, NATIVENN_CACHE_LIMIT_MB,
// NATIVENN_VERBOSE), checked by starting this test program again with them set.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>

#include "core/isa.h"

namespace {

struct ChildRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Starts this program with environment assignments prepended, listing tests only, so that nothing
// but the load-time code runs.
ChildRun run_self(const std::string& environment) {
    char path[4096] = {};
    const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
    EXPECT_GT(length, 0);
    const std::string command = "env " + environment + " '" + std::string(path) + "' --gtest_list_tests 2>&1";
    ChildRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        ADD_FAILURE() << "cannot start " << command;
        return run;
    }
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, read);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

std::string best() { return nn::core::isa_name(nn::core::best_supported_isa()); }

TEST(Startup, IsaSettingChoosesTheLevelCaseInsensitively) {
    const ChildRun run = run_self("NATIVENN_VERBOSE=1 NATIVENN_ISA=Reference");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.output.find("nativenn: kernel level reference (best supported: " + best() + ")\n"), std::string::npos)
        << run.output;
    EXPECT_EQ(run.output.find("warning"), std::string::npos) << run.output;
}

TEST(Startup, UnknownIsaWarnsOnceAndRunsAtTheBestLevel) {
    const ChildRun run = run_self("NATIVENN_VERBOSE=1 NATIVENN_ISA=sse9");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    const std::string warning =
        "nativenn: warning: NATIVENN_ISA=sse9 is not one of auto, reference, avx2, avx512; using auto (" + best() + ")\n";
    const auto first = run.output.find(warning);
    EXPECT_NE(first, std::string::npos) << run.output;
    EXPECT_EQ(run.output.find(warning, first + 1), std::string::npos) << "warned twice:\n" << run.output;
    EXPECT_NE(run.output.find("nativenn: kernel level " + best() + " "), std::string::npos) << run.output;
}

TEST(Startup, CacheLimitSettingIsReadAndNonsenseWarns) {
    ChildRun run = run_self("NATIVENN_VERBOSE=1 NATIVENN_CACHE_LIMIT_MB=64");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.output.find("nativenn: allocator: cache limit 64 MiB\n"), std::string::npos) << run.output;

    run = run_self("NATIVENN_CACHE_LIMIT_MB=plenty");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.output.find("nativenn: warning: NATIVENN_CACHE_LIMIT_MB=plenty is not a number of megabytes; "
                              "using the default of 1024\n"),
              std::string::npos)
        << run.output;
}

TEST(Startup, QuietUnlessVerbose) {
    const ChildRun run = run_self("NATIVENN_VERBOSE=0 NATIVENN_ISA=auto");
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.output.find("nativenn:"), std::string::npos) << run.output;
}

}  // namespace
