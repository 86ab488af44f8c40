// Native memory accounting, the caching allocator seen from C#, and leak detection.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using NativeNN.NN;
using NativeNN.Optim;

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

    // The long run: 10,000 training steps of a small CNN (conv, ReLU, max pool, linear, Adam, cross
    // entropy, backward). Native memory must come back to the same bytes after every step, nothing
    // may be left to the finalizer, and the managed heap that survives a full collection must not
    // grow: a leak of even 32 bytes a step would add 320 KB.
    [Test]
    public void TenThousandTrainingStepsKeepNativeAndManagedMemoryFlat()
    {
        const int Steps = 10_000;
        const int WarmUp = 100;
        using var images = Tensor.RandN([8, 1, 8, 8], 1);
        using var labels = Tensor.FromArray([0L, 1L, 2L, 3L, 0L, 1L, 2L, 3L], 8);
        using var model = new Sequential(
            new Conv2d(1, 4, kernelSize: 3, generator: new Generator(1)), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 3 * 3, 4, generator: new Generator(2)));
        using var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        using var criterion = new CrossEntropyLoss();
        CollectEverything();
        var finalizedBefore = TensorMemory.FinalizedTensors;
        long liveAfterWarmUp = 0, heldAfterWarmUp = 0, heapAfterWarmUp = 0;
        long allocatedEarly = 0, allocatedLate = 0, allocatedMark = 0;
        var firstLoss = 0f;
        var lastLoss = 0f;
        var clock = Stopwatch.StartNew();
        for (var step = 0; step < Steps; step++)
        {
            if (step == WarmUp)
            {
                liveAfterWarmUp = TensorMemory.LiveBytes;
                heldAfterWarmUp = liveAfterWarmUp + TensorMemory.CachedBytes;
                heapAfterWarmUp = GC.GetTotalMemory(forceFullCollection: true);
            }
            if (step is WarmUp or WarmUp + 1000 or Steps - 1000)
            {
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                if (step == WarmUp + 1000)
                {
                    allocatedEarly = allocated - allocatedMark;
                }
                allocatedMark = allocated;
            }
            using (Tensor.Scope())
            {
                optimizer.ZeroGrad();
                var loss = criterion.Forward(model.Forward(images), labels);
                loss.Backward();
                optimizer.Step();
                if (step == 0 || step == Steps - 1)
                {
                    (step == 0 ? ref firstLoss : ref lastLoss) = loss.ToArray()[0];
                }
            }
        }
        allocatedLate = GC.GetAllocatedBytesForCurrentThread() - allocatedMark;
        clock.Stop();
        var liveAtEnd = TensorMemory.LiveBytes;
        var heldAtEnd = liveAtEnd + TensorMemory.CachedBytes;
        var heapAtEnd = GC.GetTotalMemory(forceFullCollection: true);
        CollectEverything();
        TestContext.Out.WriteLine(
            $"{Steps} steps in {clock.Elapsed.TotalSeconds:F1} s; native live {liveAtEnd} B (after warm-up {liveAfterWarmUp}), held " +
            $"{heldAtEnd} B ({heldAfterWarmUp}); managed heap {heapAtEnd} B ({heapAfterWarmUp}); allocated per step " +
            $"{allocatedEarly / 1000} B early, {allocatedLate / 1000} B late");
        Assert.Multiple(() =>
        {
            Assert.That(liveAtEnd, Is.EqualTo(liveAfterWarmUp), "native live bytes");
            Assert.That(heldAtEnd, Is.EqualTo(heldAfterWarmUp), "native bytes held from the system (live + cached)");
            Assert.That(TensorMemory.FinalizedTensors, Is.EqualTo(finalizedBefore), "no tensor was left to the finalizer");
            Assert.That(heapAtEnd - heapAfterWarmUp, Is.LessThan(256 * 1024), "managed heap growth after a full collection");
            Assert.That(allocatedLate, Is.LessThan(allocatedEarly * 1.05), "managed allocation per step does not grow");
            Assert.That(lastLoss, Is.LessThan(0.1f * firstLoss), "the CNN memorises its eight images");
        });
    }
}
