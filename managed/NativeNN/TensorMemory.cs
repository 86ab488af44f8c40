// What native tensor storage costs right now: the numbers a leak test or a dashboard reads.
using NativeNN.Interop;

namespace NativeNN;

/// <summary>Native memory used by tensor storage, as the native caching allocator counts it.</summary>
public static class TensorMemory
{
    /// <summary>Bytes held by live tensors now.</summary>
    public static long LiveBytes => Read().live_bytes;

    /// <summary>Highest <see cref="LiveBytes"/> since start or since <see cref="ResetPeak"/>.</summary>
    public static long PeakBytes => Read().peak_bytes;

    /// <summary>Bytes the allocator keeps for reuse (freed by tensors, not yet returned to the OS).</summary>
    public static long CachedBytes => Read().cached_bytes;

    /// <summary>Native tensor handles alive now.</summary>
    public static long LiveTensors => Read().live_tensors;

    /// <summary>Tensors that nobody disposed and the finalizer freed. Set NATIVENN_LEAK_DIAGNOSTICS=1
    /// to also record where each was created (<see cref="FinalizedTensorOrigins"/>).</summary>
    public static long FinalizedTensors => LeakDiagnostics.FinalizedCount;

    /// <summary>Creation stack traces of finalized tensors (first 100; NATIVENN_LEAK_DIAGNOSTICS=1 only).</summary>
    public static IReadOnlyCollection<string> FinalizedTensorOrigins => LeakDiagnostics.RecordedStackTraces;

    /// <summary>All counters at once.</summary>
    public static TensorMemoryStatistics Statistics
    {
        get
        {
            var stats = Read();
            return new TensorMemoryStatistics(stats.live_bytes, stats.peak_bytes, stats.cached_bytes, stats.live_tensors,
                stats.cache_hits, stats.cache_misses);
        }
    }

    /// <summary>Sets <see cref="PeakBytes"/> to the current <see cref="LiveBytes"/>.</summary>
    public static void ResetPeak() => NativeStatus.Check(NativeMethods.nn_memory_reset_peak());

    /// <summary>Returns every cached block to the operating system.</summary>
    public static void ReleaseCached() => NativeStatus.Check(NativeMethods.nn_memory_release_cached());

    private static unsafe nn_memory_stats Read()
    {
        nn_memory_stats stats;
        NativeStatus.Check(NativeMethods.nn_memory_get_stats(&stats));
        return stats;
    }
}

/// <summary>A snapshot of <see cref="TensorMemory"/>'s counters.</summary>
public readonly record struct TensorMemoryStatistics(
    long LiveBytes, long PeakBytes, long CachedBytes, long LiveTensors, long CacheHits, long CacheMisses);
