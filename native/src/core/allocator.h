// Caching allocator for tensor storage: 64-byte aligned blocks in size classes, freed blocks kept
// per class for reuse up to a cache limit, 2 MiB and larger blocks mapped with transparent huge pages.
//
// Accounting is in block bytes throughout: live_bytes is the sum of the blocks that live tensors
// hold (a request rounded up to its size class, so a 24-byte tensor counts 64), and cached_bytes the
// sum of the blocks kept for reuse; live_bytes + cached_bytes is exactly what NativeNN holds from
// the operating system for tensor storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nn::core {

struct Block {
    void* data = nullptr;
    std::size_t bytes = 0;  // size class, at least the requested bytes
    bool zeroed = false;    // fresh from the operating system and known to read as zeros
};

struct AllocatorStats {
    std::int64_t live_bytes = 0;
    std::int64_t peak_bytes = 0;
    std::int64_t cached_bytes = 0;
    std::int64_t cached_blocks = 0;
    std::int64_t cache_hits = 0;
    std::int64_t cache_misses = 0;
};

class Allocator {
public:
    // Below this a block comes from aligned_alloc; from it on, from mmap advised MADV_HUGEPAGE.
    static constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
    static constexpr std::size_t alignment = 64;
    // Larger requests fail at once with NN_ERROR_OUT_OF_MEMORY instead of asking the system.
    static constexpr std::size_t max_request_bytes = std::size_t{1} << 46;

    explicit Allocator(std::size_t cache_limit_bytes);
    ~Allocator();
    Allocator(const Allocator&) = delete;
    Allocator& operator=(const Allocator&) = delete;

    // Size class of a request: multiples of 64 up to 256 bytes, then four classes per power of two
    // (at most 25% waste) below 2 MiB, then multiples of 2 MiB. Throws NN_ERROR_OUT_OF_MEMORY when
    // the request exceeds max_request_bytes.
    static std::size_t block_size(std::size_t requested_bytes);

    // Throws nn::core::Error(NN_ERROR_OUT_OF_MEMORY) naming the byte count when no memory is left,
    // after first returning the cache to the system and trying once more.
    Block allocate(std::size_t requested_bytes);

    // Takes back a block from allocate: into the cache while the cache stays within its limit,
    // otherwise to the operating system.
    void deallocate(void* data, std::size_t block_bytes) noexcept;

    void release_cached() noexcept;
    void reset_peak() noexcept;
    AllocatorStats stats() const;
    std::size_t cache_limit() const noexcept { return cache_limit_bytes_; }

private:
    std::size_t cache_limit_bytes_;
    mutable std::mutex mutex_;
    std::map<std::size_t, std::vector<void*>> free_blocks_;  // by block size
    AllocatorStats stats_;
};

// The process-wide allocator: cache limit 1 GiB unless NATIVENN_CACHE_LIMIT_MB says otherwise.
// Never destroyed, so storage released during process exit still finds it.
Allocator& allocator();

// Cache limit from the text of NATIVENN_CACHE_LIMIT_MB (null when unset); a text that is not a
// whole number of megabytes leaves a one-line warning and gives the default.
std::size_t cache_limit_from_setting(const char* setting, std::string* warning);

}  // namespace nn::core
