// Native memory accounting, the caching allocator seen from C#, and leak detection.
using System.Runtime.CompilerServices;

namespace NativeNN.Tests;

public class MemoryTests
{
    [Test]
    public void LiveBytesRiseWithATensorAndFallWhenItIsDisposed()
    {
        var before = TensorMemory.LiveBytes;
        var tensor = Tensor.Zeros(1000, 1000);
        Assert.That(TensorMemory.LiveBytes - before, Is.GreaterThanOrEqualTo(4_000_000));
        tensor.Dispose();
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(before));
    }

    [Test]
    public void PeakRemembersTheHighestUseUntilReset()
    {
        TensorMemory.ResetPeak();
        var start = TensorMemory.PeakBytes;
        using (Tensor.Zeros(500_000))
        {
        }
        Assert.That(TensorMemory.PeakBytes, Is.GreaterThanOrEqualTo(start + 2_000_000));
        TensorMemory.ResetPeak();
        Assert.That(TensorMemory.PeakBytes, Is.EqualTo(TensorMemory.LiveBytes));
    }

    [Test]
    public void FreedStorageIsReusedFromTheCache()
    {
        using (Tensor.Zeros(123_457))
        {
        }
        var before = TensorMemory.Statistics;
        using (Tensor.Zeros(123_457))
        {
        }
        var after = TensorMemory.Statistics;
        Assert.That(after.CacheHits, Is.EqualTo(before.CacheHits + 1));
        Assert.That(after.CacheMisses, Is.EqualTo(before.CacheMisses));
    }

    [Test]
    public void ReleaseCachedEmptiesTheCache()
    {
        using (Tensor.Zeros(1 << 20))
        {
        }
        Assert.That(TensorMemory.CachedBytes, Is.GreaterThan(0));
        TensorMemory.ReleaseCached();
        Assert.That(TensorMemory.CachedBytes, Is.EqualTo(0));
    }

    [Test]
    public void ForgottenTensorIsFreedByTheFinalizerAndCounted()
    {
        CollectEverything();
        var liveBefore = TensorMemory.LiveBytes;
        var finalizedBefore = TensorMemory.FinalizedTensors;
        CreateAndForget();
        CollectEverything();
        Assert.That(TensorMemory.FinalizedTensors, Is.EqualTo(finalizedBefore + 1));
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveBefore));
    }

    private static void CollectEverything()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateAndForget() => _ = Tensor.Ones(10_000);

    [Test]
    public void TensorsCreatedAndDisposedOnManyThreadsBalanceOut()
    {
        var liveBefore = TensorMemory.LiveBytes;
        var tensorsBefore = TensorMemory.LiveTensors;
        var created = new System.Collections.Concurrent.ConcurrentQueue<Tensor>();
        Parallel.For(0, 8, worker =>
        {
            for (var index = 0; index < 200; index++)
            {
                created.Enqueue(Tensor.Full(worker, 17 + index % 5, 3));
            }
        });
        Parallel.ForEach(created, tensor => tensor.Dispose());
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveBefore));
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(tensorsBefore));
    }
}
