// Caching allocator for tensor storage.
#include "core/allocator.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace nn::core {

namespace {

constexpr std::size_t default_cache_limit_bytes = std::size_t{1} << 30;
constexpr std::size_t megabyte = std::size_t{1} << 20;

std::size_t round_up(std::size_t value, std::size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

std::size_t highest_power_of_two_in(std::size_t value) {
    std::size_t power = 1;
    while (power <= value / 2) power *= 2;
    return power;
}

void* map_huge_block(std::size_t bytes) {
    // Over-map by one huge page and trim both ends so the block starts on a 2 MiB boundary, where
    // the kernel can back it with whole huge pages.
    const std::size_t mapped_bytes = bytes + Allocator::huge_page_bytes;
    void* mapped = mmap(nullptr, mapped_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return nullptr;
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = round_up(start, Allocator::huge_page_bytes);
    const std::size_t head = aligned - start;
    const std::size_t tail = mapped_bytes - head - bytes;
    if (head > 0) munmap(mapped, head);
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
    void* block = reinterpret_cast<void*>(aligned);
    if (madvise(block, bytes, MADV_HUGEPAGE) != 0) {
        verbose_log("madvise(MADV_HUGEPAGE) on %zu bytes failed: %s", bytes, std::strerror(errno));
    }
    return block;
}

Block allocate_from_system(std::size_t bytes) {
    if (bytes >= Allocator::huge_page_bytes) return Block{map_huge_block(bytes), bytes, true};
    return Block{std::aligned_alloc(Allocator::alignment, bytes), bytes, false};
}

void free_to_system(void* data, std::size_t bytes) noexcept {
    if (bytes >= Allocator::huge_page_bytes) {
        munmap(data, bytes);
    } else {
        std::free(data);
    }
}

}  // namespace

Allocator::Allocator(std::size_t cache_limit_bytes) : cache_limit_bytes_(cache_limit_bytes) {}

Allocator::~Allocator() { release_cached(); }

std::size_t Allocator::block_size(std::size_t requested_bytes) {
    if (requested_bytes > max_request_bytes) {
        throw_error(NN_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes: more than the %zu-byte limit of one block",
                    requested_bytes, max_request_bytes);
    }
    if (requested_bytes <= 4 * alignment) return requested_bytes == 0 ? alignment : round_up(requested_bytes, alignment);
    if (requested_bytes < huge_page_bytes) return round_up(requested_bytes, highest_power_of_two_in(requested_bytes) / 4);
    return round_up(requested_bytes, huge_page_bytes);
}

Block Allocator::allocate(std::size_t requested_bytes) {
    const std::size_t bytes = block_size(requested_bytes);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = free_blocks_.find(bytes);
        if (found != free_blocks_.end() && !found->second.empty()) {
            void* data = found->second.back();
            found->second.pop_back();
            stats_.cached_bytes -= static_cast<std::int64_t>(bytes);
            stats_.cached_blocks -= 1;
            stats_.cache_hits += 1;
            stats_.live_bytes += static_cast<std::int64_t>(bytes);
            if (stats_.live_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.live_bytes;
            return Block{data, bytes, false};
        }
        stats_.cache_misses += 1;
    }
    Block block = allocate_from_system(bytes);
    if (block.data == nullptr) {
        // Cached blocks of other sizes may be what stands between this request and success.
        release_cached();
        block = allocate_from_system(bytes);
    }
    if (block.data == nullptr) {
        throw_error(NN_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes (a %zu-byte block)", requested_bytes, bytes);
    }
    verbose_log("allocator: %zu-byte block from the system for a %zu-byte request", bytes, requested_bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.live_bytes += static_cast<std::int64_t>(bytes);
    if (stats_.live_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.live_bytes;
    return block;
}

void Allocator::deallocate(void* data, std::size_t block_bytes) noexcept {
    if (data == nullptr) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.live_bytes -= static_cast<std::int64_t>(block_bytes);
        if (static_cast<std::size_t>(stats_.cached_bytes) + block_bytes <= cache_limit_bytes_) {
            try {
                free_blocks_[block_bytes].push_back(data);
                stats_.cached_bytes += static_cast<std::int64_t>(block_bytes);
                stats_.cached_blocks += 1;
                return;
            } catch (const std::bad_alloc&) {
                // No room to remember the block: give it back below instead.
            }
        }
    }
    free_to_system(data, block_bytes);
}

void Allocator::release_cached() noexcept {
    std::map<std::size_t, std::vector<void*>> released;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        released.swap(free_blocks_);
        stats_.cached_bytes = 0;
        stats_.cached_blocks = 0;
    }
    for (auto& [bytes, blocks] : released) {
        for (void* data : blocks) free_to_system(data, bytes);
    }
}

void Allocator::reset_peak() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_bytes = stats_.live_bytes;
}

AllocatorStats Allocator::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

std::size_t cache_limit_from_setting(const char* setting, std::string* warning) {
    if (setting == nullptr || *setting == '\0') return default_cache_limit_bytes;
    errno = 0;
    char* end = nullptr;
    const long long megabytes = std::strtoll(setting, &end, 10);
    const bool valid = errno == 0 && end != setting && *end == '\0' && megabytes >= 0 &&
                       static_cast<unsigned long long>(megabytes) <= Allocator::max_request_bytes / megabyte;
    if (!valid) {
        if (warning != nullptr) {
            *warning = std::string("NATIVENN_CACHE_LIMIT_MB=") + setting +
                       " is not a number of megabytes; using the default of 1024";
        }
        return default_cache_limit_bytes;
    }
    return static_cast<std::size_t>(megabytes) * megabyte;
}

Allocator& allocator() {
    static Allocator* const instance = [] {
        std::string warning;
        const std::size_t limit = cache_limit_from_setting(std::getenv("NATIVENN_CACHE_LIMIT_MB"), &warning);
        if (!warning.empty()) std::fprintf(stderr, "nativenn: warning: %s\n", warning.c_str());
        verbose_log("allocator: cache limit %zu MiB", limit / megabyte);
        return new Allocator(limit);
    }();
    return *instance;
}

namespace {

// Reads NATIVENN_CACHE_LIMIT_MB while the library loads, so a bad value is reported at start-up.
[[maybe_unused]] const bool created_at_load = [] {
    allocator();
    return true;
}();

}  // namespace

}  // namespace nn::core
