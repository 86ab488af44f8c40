// What the kernel benchmarks of benchmarks/native share: a pool of reused buffers, pinned threads,
// the triad bandwidth that "x_bound" divides by, the warm-up row and the per-level registration.
//
// Rows read <family>/<op>/<level>/<size>/threads:<t>. Each reports GB (the bytes one call moves
// between memory and the cores, over the time: printed as GB=.../s) and x_bound, the time per call
// over bytes / triad bandwidth at the same thread count, both measured in the same run: 1 means the
// op streams as fast as the triad, 2 takes twice as long, below 1 means its data came from the
// caches. Bytes count write-allocate on both sides (see stream_bytes), because ordinary stores to a
// line first read it: a[i] = b[i] + c[i] moves 16 bytes per element, a[i] += c[i] only 12, and a
// 3 x 4 byte count would rate in-place updates above the bound they actually share.
#pragma once

#include <benchmark/benchmark.h>

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/isa.h"

namespace nn::benchmarks {

// A float buffer of count elements from pool slot 0..3, 64-byte aligned (2 MiB in fact) and advised
// to use huge pages as the library's allocator does for large tensors. Slots are kept for the whole
// run and touched when they grow, so each page faults once: a first touch costs about 12 us per
// 4 KiB page on this machine kind, which would swamp a 64 MiB benchmark set up afresh each time.
float* pooled_floats(int slot, int64_t count);
constexpr int pool_slots = 4;

// data[i] = a value in [low, high) from a hash of (seed, i); cheap enough to refill 64 MiB per row.
void fill_uniform(float* data, int64_t count, float low, float high, uint32_t seed);

// Threads pinned one per CPU of the process's affinity set, index 0 being the calling thread
// (pinned while the team lives). Between calls the others spin instead of sleeping: a vCPU left
// idle between calls wakes slowly and at a low clock, which cost the 2-thread triad a third of its
// bandwidth when each call started fresh threads.
class PinnedTeam {
public:
    explicit PinnedTeam(int threads);
    ~PinnedTeam();
    PinnedTeam(const PinnedTeam&) = delete;
    PinnedTeam& operator=(const PinnedTeam&) = delete;

    // False when the process has fewer CPUs than threads; run must not be called then.
    bool ready() const { return ready_; }
    int threads() const { return threads_; }

    // Runs body(index) for index = 0 .. threads - 1 at once and returns when all are done.
    void run(const std::function<void(int)>& body);

private:
    void serve(int index);

    int threads_;
    bool ready_ = false;
    bool restore_affinity_ = false;
    cpu_set_t previous_affinity_;
    std::vector<std::thread> helpers_;
    const std::function<void(int)>* body_ = nullptr;
    std::atomic<int64_t> generation_{0};
    std::atomic<int> remaining_{0};
    std::atomic<bool> stop_{false};
};

// Elements per triad array: 64 MiB each, far beyond any last-level cache this runs on.
constexpr int64_t triad_count = int64_t{16} << 20;

// Streams the triad over the triad arrays `passes` times, split among the team's threads, at the
// best level the CPU has; each thread repeats its own part without waiting for the others. The
// arrays are allocated and first touched on first use.
void triad_passes(PinnedTeam& team, int passes);

// Passes per call: a few milliseconds of streaming per call, so a call's start and end are noise.
constexpr int triad_passes_per_call = 4;

// Bytes per second of the triad at this thread count, counting 4 x 4 bytes per element (two loads,
// the write-allocate read of a[i] and its store; STREAM's convention of 3 x 4 is 3/4 of this): the
// best of at least 5 calls of triad_passes_per_call passes and half a second, measured the first
// time it is asked for and remembered for the rest of the run.
double triad_bytes_per_second(int threads);

// Bytes an op moves over `elements` floats of each stream: 4 for each stream it only reads, 8 for
// each stream it writes, whether in place (read, then written) or fresh (write-allocate read, then
// written).
inline double stream_bytes(int64_t elements, int read_streams, int written_streams) {
    return static_cast<double>(elements) * (4.0 * read_streams + 8.0 * written_streams);
}

// A row that keeps a core busy for 0.8 s: the vCPU reaches full clock only after about half a
// second of load. Register one before each family's rows so a filtered run still warms up.
void register_warm_up(const std::string& family);

struct Level {
    const char* name;
    nn::core::Isa isa;
};
// Fastest first, as the dispatch lists are.
extern const Level levels[3];

// The implementation of that level among three with the same signature.
template <class Function>
Function choose(const Level& level, Function reference, Function avx2, Function avx512) {
    switch (level.isa) {
        case nn::core::Isa::Avx512: return avx512;
        case nn::core::Isa::Avx2: return avx2;
        default: return reference;
    }
}

// Times call in the benchmark loop at `threads` kernel threads, after one untimed call (the OpenMP
// team exists and the buffers are cached as they will be), and reports GB and x_bound for `bytes`
// per call, and triad_GB, the bandwidth x_bound divides by. Skips the row with an error when the
// CPU cannot run the level.
void time_kernel(benchmark::State& state, nn::core::Isa isa, int threads, double bytes, const std::function<void()>& call);

// Registers "<prefix>/<level>/<suffix>/threads:<t>" for every level at 1 and 2 threads; the
// reference once, at one thread, since it runs on one thread whatever the setting.
void register_levels(const std::string& prefix, const std::string& suffix,
                     const std::function<void(benchmark::State&, const Level&, int)>& run);

// "64Ki", "16Mi" or the plain number.
std::string size_name(int64_t count);

}  // namespace nn::benchmarks
