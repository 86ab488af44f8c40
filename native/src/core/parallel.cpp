// The process-wide thread count kernels pass to OpenMP.
#include "core/parallel.h"

#include <sched.h>

#include <atomic>
#include <thread>

#include "core/log.h"

namespace nn::core {

namespace {

// An OpenMP team this large is a mistake (an unset field, a bad conversion), not a request.
constexpr int max_threads = 1024;

int cores_available() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    const unsigned int hardware = std::thread::hardware_concurrency();
    return hardware > 0 ? static_cast<int>(hardware) : 1;
}

std::atomic<int>& thread_count() {
    static std::atomic<int> count{cores_available()};
    return count;
}

}  // namespace

int num_threads() { return thread_count().load(std::memory_order_relaxed); }

void set_num_threads(int count) {
    if (count < 1 || count > max_threads) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "count is %d but must be between 1 and %d", count, max_threads);
    }
    thread_count().store(count, std::memory_order_relaxed);
}

}  // namespace nn::core
