// The caching allocator on private instances: size classes, alignment, reuse, the cache limit,
// huge-page advice, out-of-memory errors and concurrent use.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/allocator.h"
#include "core/log.h"

namespace {

using nn::core::Allocator;
using nn::core::Block;

constexpr std::size_t megabyte = std::size_t{1} << 20;

bool aligned_to(const void* data, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(data) % alignment == 0;
}

// The VmFlags line of the /proc/self/smaps mapping that holds address, or "" when none is found.
std::string mapping_flags(const void* address) {
    std::ifstream smaps("/proc/self/smaps");
    const auto target = reinterpret_cast<std::uintptr_t>(address);
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long long begin = 0, end = 0;
        char dash = 0;
        std::istringstream header(line);
        if (header >> std::hex >> begin >> dash >> end && dash == '-') {
            inside = begin <= target && target < end;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return line;
        }
    }
    return "";
}

TEST(AllocatorSizeClass, SmallRequestsRoundUpToMultiplesOf64) {
    EXPECT_EQ(Allocator::block_size(0), 64u);
    EXPECT_EQ(Allocator::block_size(1), 64u);
    EXPECT_EQ(Allocator::block_size(64), 64u);
    EXPECT_EQ(Allocator::block_size(65), 128u);
    EXPECT_EQ(Allocator::block_size(200), 256u);
    EXPECT_EQ(Allocator::block_size(256), 256u);
}

TEST(AllocatorSizeClass, MediumRequestsUseFourClassesPerPowerOfTwo) {
    EXPECT_EQ(Allocator::block_size(257), 320u);
    EXPECT_EQ(Allocator::block_size(512), 512u);
    EXPECT_EQ(Allocator::block_size(513), 640u);
    EXPECT_EQ(Allocator::block_size(1000), 1024u);
    EXPECT_EQ(Allocator::block_size(1025), 1280u);
    EXPECT_EQ(Allocator::block_size(600000), 655360u);
}

TEST(AllocatorSizeClass, LargeRequestsRoundUpToTwoMegabytes) {
    EXPECT_EQ(Allocator::block_size(2 * megabyte - 1), 2 * megabyte);
    EXPECT_EQ(Allocator::block_size(2 * megabyte), 2 * megabyte);
    EXPECT_EQ(Allocator::block_size(2 * megabyte + 1), 4 * megabyte);
    EXPECT_EQ(Allocator::block_size(9 * megabyte), 10 * megabyte);
}

TEST(AllocatorSizeClass, WasteIsBoundedAndClassesAreMonotonic) {
    std::size_t previous = 0;
    for (std::size_t request = 1; request < 3 * megabyte; request += request / 7 + 1) {
        const std::size_t block = Allocator::block_size(request);
        ASSERT_GE(block, request);
        ASSERT_EQ(block % 64, 0u) << request;
        ASSERT_GE(block, previous) << request;
        if (request > 256 && request < 2 * megabyte) {
            ASSERT_LE(block - request, request / 4) << request;
        }
        if (request >= 2 * megabyte) {
            ASSERT_LT(block - request, 2 * megabyte) << request;
        }
        previous = block;
    }
}

TEST(AllocatorSizeClass, AbsurdRequestIsOutOfMemoryNamingTheByteCount) {
    const std::size_t absurd = std::size_t{1} << 62;
    try {
        Allocator::block_size(absurd);
        FAIL() << "no error";
    } catch (const nn::core::Error& error) {
        EXPECT_EQ(error.status(), NN_ERROR_OUT_OF_MEMORY);
        EXPECT_NE(std::string(error.what()).find(std::to_string(absurd)), std::string::npos) << error.what();
    }
}

TEST(Allocator, EveryBlockIs64ByteAligned) {
    Allocator allocator(0);
    std::vector<Block> blocks;
    for (std::size_t request : {1ul, 3ul, 63ul, 65ul, 100ul, 1000ul, 4097ul, 77777ul, 1048577ul, 3000000ul}) {
        for (int repeat = 0; repeat < 4; ++repeat) {
            blocks.push_back(allocator.allocate(request));
            EXPECT_TRUE(aligned_to(blocks.back().data, 64)) << request;
            std::memset(blocks.back().data, 0xAB, request);
        }
    }
    for (const Block& block : blocks) allocator.deallocate(block.data, block.bytes);
    EXPECT_EQ(allocator.stats().live_bytes, 0);
}

TEST(Allocator, LargeBlocksStartOnHugePageBoundariesAndComeZeroed) {
    Allocator allocator(0);
    const Block block = allocator.allocate(5 * megabyte);
    EXPECT_EQ(block.bytes, 6 * megabyte);
    EXPECT_TRUE(aligned_to(block.data, 2 * megabyte));
    EXPECT_TRUE(block.zeroed);
    const auto* bytes = static_cast<const unsigned char*>(block.data);
    for (std::size_t offset = 0; offset < block.bytes; offset += 4096) ASSERT_EQ(bytes[offset], 0) << offset;
    allocator.deallocate(block.data, block.bytes);
}

TEST(Allocator, LargeBlocksAreAdvisedHugePages) {
    if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) {
        GTEST_SKIP() << "this kernel has no transparent huge pages";
    }
    Allocator allocator(0);
    const Block block = allocator.allocate(4 * megabyte);
    const std::string flags = mapping_flags(block.data);
    ASSERT_FALSE(flags.empty()) << "block not found in /proc/self/smaps";
    EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
    allocator.deallocate(block.data, block.bytes);
}

TEST(Allocator, FreedBlocksAreReusedForRequestsOfTheSameClass) {
    Allocator allocator(64 * megabyte);
    const Block first = allocator.allocate(1000);
    allocator.deallocate(first.data, first.bytes);
    EXPECT_EQ(allocator.stats().cached_bytes, 1024);

    const Block second = allocator.allocate(900);  // same 1024-byte class
    EXPECT_EQ(second.data, first.data);
    EXPECT_FALSE(second.zeroed);
    const Block third = allocator.allocate(1100);  // another class: from the system
    EXPECT_NE(third.data, first.data);

    const auto stats = allocator.stats();
    EXPECT_EQ(stats.cache_hits, 1);
    EXPECT_EQ(stats.cache_misses, 2);
    EXPECT_EQ(stats.cached_bytes, 0);
    EXPECT_EQ(stats.live_bytes, 1024 + 1280);
    allocator.deallocate(second.data, second.bytes);
    allocator.deallocate(third.data, third.bytes);
}

TEST(Allocator, LargeBlocksAreReusedToo) {
    Allocator allocator(64 * megabyte);
    const Block first = allocator.allocate(3 * megabyte);
    allocator.deallocate(first.data, first.bytes);
    const Block second = allocator.allocate(4 * megabyte);
    EXPECT_EQ(second.data, first.data);
    EXPECT_EQ(allocator.stats().cache_hits, 1);
    allocator.deallocate(second.data, second.bytes);
}

TEST(Allocator, CacheNeverGrowsPastItsLimit) {
    Allocator allocator(megabyte);
    const Block a = allocator.allocate(600 * 1024);
    const Block b = allocator.allocate(600 * 1024);
    ASSERT_EQ(a.bytes, 640u * 1024);
    allocator.deallocate(a.data, a.bytes);
    allocator.deallocate(b.data, b.bytes);  // would make the cache 1280 KiB
    auto stats = allocator.stats();
    EXPECT_EQ(stats.cached_bytes, 640 * 1024);
    EXPECT_EQ(stats.cached_blocks, 1);
    EXPECT_EQ(stats.live_bytes, 0);

    Allocator no_cache(0);
    const Block c = no_cache.allocate(100);
    no_cache.deallocate(c.data, c.bytes);
    EXPECT_EQ(no_cache.stats().cached_bytes, 0);
    no_cache.deallocate(no_cache.allocate(100).data, 128);
    EXPECT_EQ(no_cache.stats().cache_hits, 0);
}

TEST(Allocator, ReleaseCachedEmptiesTheCacheAndLaterRequestsMiss) {
    Allocator allocator(64 * megabyte);
    const Block small = allocator.allocate(100);
    const Block large = allocator.allocate(3 * megabyte);
    allocator.deallocate(small.data, small.bytes);
    allocator.deallocate(large.data, large.bytes);
    EXPECT_EQ(allocator.stats().cached_bytes, static_cast<std::int64_t>(128 + 4 * megabyte));
    allocator.release_cached();
    EXPECT_EQ(allocator.stats().cached_bytes, 0);
    EXPECT_EQ(allocator.stats().cached_blocks, 0);
    const Block again = allocator.allocate(100);
    EXPECT_EQ(allocator.stats().cache_hits, 0);
    EXPECT_EQ(allocator.stats().cache_misses, 3);
    allocator.deallocate(again.data, again.bytes);
}

TEST(Allocator, PeakFollowsLiveBytesAndResets) {
    Allocator allocator(64 * megabyte);
    const Block a = allocator.allocate(4096);
    const Block b = allocator.allocate(8192);
    allocator.deallocate(a.data, a.bytes);
    auto stats = allocator.stats();
    EXPECT_EQ(stats.live_bytes, 8192);
    EXPECT_EQ(stats.peak_bytes, 4096 + 8192);
    allocator.reset_peak();
    EXPECT_EQ(allocator.stats().peak_bytes, 8192);
    allocator.deallocate(b.data, b.bytes);
    stats = allocator.stats();
    EXPECT_EQ(stats.live_bytes, 0);
    EXPECT_EQ(stats.peak_bytes, 8192);
}

TEST(Allocator, RequestTheSystemCannotMeetIsOutOfMemory) {
    std::ifstream overcommit("/proc/sys/vm/overcommit_memory");
    int mode = -1;
    overcommit >> mode;
    if (mode == 1) GTEST_SKIP() << "overcommit_memory=1 lets any mapping succeed";
    Allocator allocator(0);
    const std::size_t huge = std::size_t{1} << 45;
    try {
        allocator.allocate(huge);
        FAIL() << "a 32 TiB block was granted";
    } catch (const nn::core::Error& error) {
        EXPECT_EQ(error.status(), NN_ERROR_OUT_OF_MEMORY);
        EXPECT_NE(std::string(error.what()).find(std::to_string(huge)), std::string::npos) << error.what();
    }
    EXPECT_EQ(allocator.stats().live_bytes, 0);
}

TEST(Allocator, ConcurrentAllocateAndDeallocateKeepTheBooksBalanced) {
    Allocator allocator(8 * megabyte);
    constexpr int thread_count = 4;
    constexpr int rounds = 3000;
    std::vector<std::thread> threads;
    for (int thread = 0; thread < thread_count; ++thread) {
        threads.emplace_back([&allocator, thread] {
            std::vector<Block> held;
            for (int round = 0; round < rounds; ++round) {
                const std::size_t request = static_cast<std::size_t>((round * 7919 + thread * 104729) % 300000 + 1);
                held.push_back(allocator.allocate(request));
                // A block handed to two owners at once would show up as a torn pattern.
                std::memset(held.back().data, thread + 1, 64);
                if (held.size() > 8) {
                    const Block block = held.front();
                    held.erase(held.begin());
                    const auto* bytes = static_cast<const unsigned char*>(block.data);
                    for (int offset = 0; offset < 64; ++offset) ASSERT_EQ(bytes[offset], thread + 1);
                    allocator.deallocate(block.data, block.bytes);
                }
            }
            for (const Block& block : held) allocator.deallocate(block.data, block.bytes);
        });
    }
    for (auto& thread : threads) thread.join();
    const auto stats = allocator.stats();
    EXPECT_EQ(stats.live_bytes, 0);
    EXPECT_EQ(stats.cache_hits + stats.cache_misses, thread_count * rounds);
    EXPECT_GT(stats.cache_hits, 0);
    EXPECT_LE(stats.cached_bytes, static_cast<std::int64_t>(8 * megabyte));
    EXPECT_GT(stats.peak_bytes, 0);
}

TEST(AllocatorSetting, CacheLimitParsesMegabytesAndWarnsOnNonsense) {
    std::string warning;
    EXPECT_EQ(nn::core::cache_limit_from_setting(nullptr, &warning), std::size_t{1} << 30);
    EXPECT_EQ(nn::core::cache_limit_from_setting("256", &warning), 256 * megabyte);
    EXPECT_EQ(nn::core::cache_limit_from_setting("0", &warning), 0u);
    EXPECT_TRUE(warning.empty()) << warning;
    for (const char* nonsense : {"lots", "12x", "-5", "99999999999999999999"}) {
        warning.clear();
        EXPECT_EQ(nn::core::cache_limit_from_setting(nonsense, &warning), std::size_t{1} << 30) << nonsense;
        EXPECT_NE(warning.find(nonsense), std::string::npos) << warning;
    }
}

}  // namespace
