// The shared parts of the kernel benchmarks (see harness.h); this file registers no rows.
#include "harness.h"

#include <emmintrin.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <thread>
#include <vector>

#include "core/parallel.h"
#include "peak_kernels.h"

namespace nn::benchmarks {

namespace {

constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

float* allocate_touched(int64_t count) {
    const std::size_t bytes = (static_cast<std::size_t>(count) * sizeof(float) + huge_page_bytes - 1) /
                              huge_page_bytes * huge_page_bytes;
    void* data = std::aligned_alloc(huge_page_bytes, bytes);
    if (data == nullptr) throw std::bad_alloc();
    madvise(data, bytes, MADV_HUGEPAGE);
    std::memset(data, 0, bytes);
    return static_cast<float*>(data);
}

struct PoolSlot {
    float* data = nullptr;
    int64_t capacity = 0;
};

PoolSlot pool[pool_slots];

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

// Read once: a PinnedTeam narrows the calling thread's set while it lives, and teams made later
// must still see every CPU.
const std::vector<int>& process_cpus() {
    static const std::vector<int> cpus = allowed_cpus();
    return cpus;
}

void pin_to(pthread_t thread, int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(thread, sizeof(set), &set);
}

void triad_best_level(float* a, const float* b, const float* c, float scalar, int64_t count) {
    if (nn::core::cpu_supports(nn::core::Isa::Avx512)) {
        triad_avx512(a, b, c, scalar, count);
    } else if (nn::core::cpu_supports(nn::core::Isa::Avx2)) {
        triad_avx2(a, b, c, scalar, count);
    } else {
        for (int64_t i = 0; i < count; ++i) a[i] = b[i] + scalar * c[i];
    }
}

struct TriadArrays {
    float* a = nullptr;
    float* b = nullptr;
    float* c = nullptr;
};

float* allocate_untouched(int64_t count) {
    const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(float);
    void* data = std::aligned_alloc(huge_page_bytes, bytes);
    if (data == nullptr) throw std::bad_alloc();
    madvise(data, bytes, MADV_HUGEPAGE);
    return static_cast<float*>(data);
}

// Thread part of the triad arrays, in whole cache lines.
int64_t part_begin(int part, int parts) {
    return triad_count / parts * part / 16 * 16;
}

}  // namespace

float* pooled_floats(int slot, int64_t count) {
    PoolSlot& entry = pool[slot];
    if (entry.capacity < count) {
        std::free(entry.data);
        entry.data = allocate_touched(count);
        entry.capacity = count;
    }
    return entry.data;
}

void fill_uniform(float* data, int64_t count, float low, float high, uint32_t seed) {
    const float step = (high - low) / 16777216.0f;
    for (int64_t i = 0; i < count; ++i) {
        uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B9u ^ seed * 0x85EBCA6Bu;
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        data[i] = low + static_cast<float>(h >> 8) * step;
    }
}

PinnedTeam::PinnedTeam(int threads) : threads_(threads) {
    const std::vector<int>& cpus = process_cpus();
    if (threads < 1 || static_cast<std::size_t>(threads) > cpus.size()) return;
    ready_ = true;
    restore_affinity_ = pthread_getaffinity_np(pthread_self(), sizeof(previous_affinity_), &previous_affinity_) == 0;
    pin_to(pthread_self(), cpus[0]);
    helpers_.reserve(static_cast<std::size_t>(threads - 1));
    for (int index = 1; index < threads; ++index) {
        helpers_.emplace_back([this, index] { serve(index); });
        pin_to(helpers_.back().native_handle(), cpus[static_cast<std::size_t>(index)]);
    }
}

PinnedTeam::~PinnedTeam() {
    stop_.store(true, std::memory_order_release);
    for (std::thread& helper : helpers_) helper.join();
    if (restore_affinity_) pthread_setaffinity_np(pthread_self(), sizeof(previous_affinity_), &previous_affinity_);
}

void PinnedTeam::serve(int index) {
    int64_t seen = 0;
    for (;;) {
        int64_t generation = generation_.load(std::memory_order_acquire);
        while (generation == seen) {
            if (stop_.load(std::memory_order_acquire)) return;
            _mm_pause();
            generation = generation_.load(std::memory_order_acquire);
        }
        seen = generation;
        (*body_)(index);
        remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void PinnedTeam::run(const std::function<void(int)>& body) {
    body_ = &body;
    remaining_.store(threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    body(0);
    while (remaining_.load(std::memory_order_acquire) != 0) _mm_pause();
}

void triad_passes(PinnedTeam& team, int passes) {
    static TriadArrays arrays;
    const int threads = team.threads();
    if (arrays.a == nullptr) {
        arrays.a = allocate_untouched(triad_count);
        arrays.b = allocate_untouched(triad_count);
        arrays.c = allocate_untouched(triad_count);
        team.run([threads](int part) {
            const int64_t begin = part_begin(part, threads);
            const int64_t end = part + 1 == threads ? triad_count : part_begin(part + 1, threads);
            const std::size_t bytes = static_cast<std::size_t>(end - begin) * sizeof(float);
            std::memset(arrays.a + begin, 0, bytes);
            fill_uniform(arrays.b + begin, end - begin, 0.0f, 1.0f, 1);
            fill_uniform(arrays.c + begin, end - begin, 0.0f, 1.0f, 2);
        });
    }
    team.run([threads, passes](int part) {
        const int64_t begin = part_begin(part, threads);
        const int64_t end = part + 1 == threads ? triad_count : part_begin(part + 1, threads);
        for (int pass = 0; pass < passes; ++pass) {
            triad_best_level(arrays.a + begin, arrays.b + begin, arrays.c + begin, 0.5f, end - begin);
        }
    });
}

double triad_bytes_per_second(int threads) {
    static std::map<int, double> measured;
    const auto known = measured.find(threads);
    if (known != measured.end()) return known->second;
    using clock = std::chrono::steady_clock;
    PinnedTeam team(threads);
    if (!team.ready()) return 0.0;
    triad_passes(team, 1);
    double best_seconds = 1e30;
    // Half a second of calls: enough for the clock to settle and for one undisturbed call.
    const auto until = clock::now() + std::chrono::milliseconds(500);
    for (int call = 0; call < 5 || clock::now() < until; ++call) {
        const auto start = clock::now();
        triad_passes(team, triad_passes_per_call);
        const double seconds = std::chrono::duration<double>(clock::now() - start).count();
        if (seconds < best_seconds) best_seconds = seconds;
    }
    const double bandwidth =
        4.0 * sizeof(float) * static_cast<double>(triad_count) * triad_passes_per_call / best_seconds;
    measured[threads] = bandwidth;
    return bandwidth;
}

void register_warm_up(const std::string& family) {
    benchmark::RegisterBenchmark((family + "/warm_up").c_str(), [](benchmark::State& state) {
        for (auto _ : state) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
            volatile double sink = 0.0;
            while (std::chrono::steady_clock::now() < until) sink = sink + 1.0;
        }
    })->Iterations(1)->Unit(benchmark::kMillisecond);
}

const Level levels[3] = {
    {"avx512", nn::core::Isa::Avx512},
    {"avx2", nn::core::Isa::Avx2},
    {"reference", nn::core::Isa::Reference},
};

void time_kernel(benchmark::State& state, nn::core::Isa isa, int threads, double bytes, const std::function<void()>& call) {
    if (isa != nn::core::Isa::Reference && !nn::core::cpu_supports(isa)) {
        state.SkipWithError("this CPU cannot run this instruction-set level");
        return;
    }
    const double bandwidth = triad_bytes_per_second(threads);
    if (bandwidth <= 0.0) {
        state.SkipWithError("the process has fewer CPUs than threads");
        return;
    }
    nn::core::set_num_threads(threads);
    call();
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    for (auto _ : state) {
        call();
        benchmark::ClobberMemory();
    }
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    const double per_call = seconds / static_cast<double>(state.iterations());
    state.counters["GB"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["x_bound"] = per_call / (bytes / bandwidth);
    state.counters["triad_GB"] = bandwidth / 1e9;
}

void register_levels(const std::string& prefix, const std::string& suffix,
                     const std::function<void(benchmark::State&, const Level&, int)>& run) {
    for (int threads : {1, 2}) {
        for (const Level& level : levels) {
            if (level.isa == nn::core::Isa::Reference && threads > 1) continue;
            const std::string name =
                prefix + "/" + level.name + "/" + suffix + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), [run, &level, threads](benchmark::State& state) {
                run(state, level, threads);
            })->Unit(benchmark::kMicrosecond)->UseRealTime();
        }
    }
}

std::string size_name(int64_t count) {
    if (count % (int64_t{1} << 20) == 0) return std::to_string(count >> 20) + "Mi";
    if (count % (int64_t{1} << 10) == 0) return std::to_string(count >> 10) + "Ki";
    return std::to_string(count);
}

}  // namespace nn::benchmarks
