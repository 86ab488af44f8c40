// Per-thread, grow-only scratch buffers of the conv family.
#include "cpu/conv/scratch.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace nn::cpu {
namespace {

constexpr std::size_t cache_line = 64;
constexpr std::size_t huge_page = std::size_t{2} << 20;

class ScratchBuffer {
public:
    ScratchBuffer() = default;
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    ~ScratchBuffer() { std::free(data_); }

    float* floats(std::size_t count) {
        const std::size_t bytes = count * sizeof(float);
        if (bytes > capacity_) {
            std::free(data_);
            data_ = nullptr;
            capacity_ = 0;
            const std::size_t alignment = bytes >= huge_page ? huge_page : cache_line;
            const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
            data_ = static_cast<float*>(std::aligned_alloc(alignment, rounded));
            if (data_ == nullptr) throw std::bad_alloc();
            if (alignment == huge_page) madvise(data_, rounded, MADV_HUGEPAGE);
            capacity_ = rounded;
        }
        return data_;
    }

private:
    float* data_ = nullptr;
    std::size_t capacity_ = 0;
};

thread_local ScratchBuffer buffers[static_cast<int>(ConvScratch::Count)];

}  // namespace

float* conv_scratch(ConvScratch slot, std::size_t count) {
    return buffers[static_cast<int>(slot)].floats(count == 0 ? 1 : count);
}

}  // namespace nn::cpu
