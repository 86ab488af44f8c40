// Counts native objects that were freed by the finalizer instead of by Dispose, and, when
// NATIVENN_LEAK_DIAGNOSTICS=1, remembers where each was created.
using System.Collections.Concurrent;

namespace NativeNN.Interop;

internal static class LeakDiagnostics
{
    private const int MaximumRecordedStackTraces = 100;
    private static long finalizedCount;
    private static readonly ConcurrentQueue<string> recordedStackTraces = new();

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("NATIVENN_LEAK_DIAGNOSTICS") == "1";

    public static long FinalizedCount => Interlocked.Read(ref finalizedCount);

    public static IReadOnlyCollection<string> RecordedStackTraces => recordedStackTraces.ToArray();

    public static void RecordFinalized(TensorHandle handle)
    {
        Interlocked.Increment(ref finalizedCount);
        if (handle.CreationStackTrace is { } stackTrace && recordedStackTraces.Count < MaximumRecordedStackTraces)
        {
            recordedStackTraces.Enqueue(stackTrace);
        }
    }
}
