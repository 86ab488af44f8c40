// The thread-safety rules README's Guarantees section states, each tested: one model in evaluation
// mode serves inference from many threads at once with the single-thread answers; tensors may be
// created on one thread and disposed (or finalized) on another; the native allocator stays exact
// under concurrent allocation; NoGrad follows the code (across awaits, into tasks it starts) and
// never leaks to other threads; a tensor scope belongs to its thread.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using NativeNN.Models;

namespace NativeNN.Tests.Hardening;

[NonParallelizable]
public class ConcurrencyTests
{
    private const int Threads = 8;

    [Test]
    public void OneLeNet5ServesEightThreadsWithTheSingleThreadAnswersBitForBit()
    {
        const int BatchesPerThread = 12;
        using var model = Models.Models.LeNet5(generator: new Generator(3));
        model.Eval();
        float[] Infer(int batch)
        {
            using var scope = Tensor.Scope();
            using var noGrad = Tensor.NoGrad();
            var images = Tensor.RandN([4, 1, 28, 28], (ulong)batch + 1);
            return model.Forward(images).ToArray();
        }
        var batches = Threads * BatchesPerThread;
        var expected = Enumerable.Range(0, batches).Select(Infer).ToArray();
        var mismatches = new ConcurrentQueue<string>();
        var compared = 0;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(worker => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                // Each thread walks every batch from its own starting point, so at any moment the
                // eight threads run different batches through the same parameters.
                for (var index = 0; index < batches; index++)
                {
                    var batch = (worker * BatchesPerThread + index) % batches;
                    if (!Infer(batch).SequenceEqual(expected[batch]))
                    {
                        mismatches.Enqueue($"thread {worker}, batch {batch}");
                    }
                    Interlocked.Increment(ref compared);
                }
            }
            catch (Exception error)
            {
                mismatches.Enqueue($"thread {worker}: {error}");
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }
        foreach (var worker in workers)
        {
            worker.Join();
        }
        Assert.That(mismatches, Is.Empty);
        Assert.That(compared, Is.EqualTo(Threads * batches));
    }

    [Test]
    public void TensorsMadeOnOneThreadAreDisposedOrFinalizedOnAnotherWithoutALeak()
    {
        Collect();
        var liveBytes = TensorMemory.LiveBytes;
        var liveTensors = TensorMemory.LiveTensors;
        var finalized = TensorMemory.FinalizedTensors;
        const int PerProducer = 500;
        using var handOver = new BlockingCollection<Tensor>();
        var producers = Enumerable.Range(0, Threads).Select(worker => Task.Run(() =>
        {
            for (var index = 0; index < PerProducer; index++)
            {
                handOver.Add(Tensor.Full(worker, 1 + index % 7, 33));
            }
        })).ToArray();
        var consumer = Task.Run(() =>
        {
            var disposed = 0;
            foreach (var tensor in handOver.GetConsumingEnumerable())
            {
                var values = tensor.ToArray();
                Assert.That(values, Is.All.EqualTo(values[0]), "a tensor reached the consumer intact");
                tensor.Dispose();
                disposed++;
            }
            return disposed;
        });
        Task.WaitAll(producers);
        handOver.CompleteAdding();
        Assert.That(consumer.Result, Is.EqualTo(Threads * PerProducer));
        var forgotten = Enumerable.Range(0, Threads).Select(_ => Task.Run(ForgetTensors)).ToArray();
        Task.WaitAll(forgotten);
        Collect();
        Assert.Multiple(() =>
        {
            Assert.That(TensorMemory.FinalizedTensors - finalized, Is.EqualTo(Threads * 50), "the finalizer freed every forgotten tensor");
            Assert.That(TensorMemory.LiveTensors, Is.EqualTo(liveTensors));
            Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveBytes));
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForgetTensors()
    {
        for (var index = 0; index < 50; index++)
        {
            _ = Tensor.Ones(100 + index);
        }
    }

    // Sizes from four classes below and above the 2 MiB mmap line, so threads take blocks of one class
    // from the shared cache and give them back at once; a block handed to two tensors would show as
    // one thread's fill in another's tensor.
    [Test]
    public void ConcurrentAllocationAndFreeKeepEveryBlockPrivateAndTheCountsExact()
    {
        var liveBytes = TensorMemory.LiveBytes;
        var liveTensors = TensorMemory.LiveTensors;
        long[] sizes = [16, 1000, 70_000, 600_000];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, worker =>
        {
            var random = new Random(worker);
            var held = new List<(Tensor Tensor, float Value)>();
            for (var index = 0; index < 1500; index++)
            {
                if (held.Count > 6 || (held.Count > 0 && random.Next(2) == 0))
                {
                    var slot = random.Next(held.Count);
                    var (tensor, value) = held[slot];
                    var span = tensor.AsSpan();
                    if (span[0] != value || span[^1] != value)
                    {
                        Assert.Fail($"thread {worker}: a tensor filled with {value} holds {span[0]} and {span[^1]}");
                    }
                    tensor.Dispose();
                    held.RemoveAt(slot);
                }
                else
                {
                    var fill = worker * 10_000 + index;
                    held.Add((Tensor.Full(fill, sizes[random.Next(sizes.Length)]), fill));
                }
            }
            foreach (var (tensor, _) in held)
            {
                tensor.Dispose();
            }
        });
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(liveTensors));
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveBytes));
    }

    [Test]
    public void NoGradOnOneThreadDoesNotTouchAnother()
    {
        using var parameter = Tensor.Ones(3);
        parameter.RequiresGrad = true;
        using var insideNoGrad = new ManualResetEventSlim();
        using var checkedOther = new ManualResetEventSlim();
        bool? otherEnabled = null;
        bool? otherRecorded = null;
        var holder = new Thread(() =>
        {
            using (Tensor.NoGrad())
            {
                insideNoGrad.Set();
                checkedOther.Wait();
            }
        });
        holder.Start();
        insideNoGrad.Wait();
        var other = new Thread(() =>
        {
            otherEnabled = Tensor.IsGradEnabled;
            using var output = parameter * 2f;
            otherRecorded = output.RequiresGrad;
        });
        other.Start();
        other.Join();
        checkedOther.Set();
        holder.Join();
        Assert.That(otherEnabled, Is.True);
        Assert.That(otherRecorded, Is.True, "an op on another thread recorded its graph while the first was in NoGrad");
    }

    // With a thread-static depth, a NoGrad block whose end ran on another thread after an await left
    // one pool thread disabled for good and drove another below zero.
    [Test]
    public async Task NoGradFollowsAnAwaitAndLeavesNoThreadDisabled()
    {
        for (var round = 0; round < 50; round++)
        {
            using (Tensor.NoGrad())
            {
                await Task.Yield();
                Assert.That(Tensor.IsGradEnabled, Is.False, "NoGrad holds after an await");
                var seenInTask = await Task.Run(() => Tensor.IsGradEnabled);
                Assert.That(seenInTask, Is.False, "a task started inside NoGrad runs without recording");
            }
            Assert.That(Tensor.IsGradEnabled, Is.True);
        }
        var enabledEverywhere = new ConcurrentBag<bool>();
        Parallel.For(0, 256, _ => enabledEverywhere.Add(Tensor.IsGradEnabled));
        Assert.That(enabledEverywhere, Is.All.True, "every pool thread records again");
    }

    [Test]
    public void AScopeOwnsOnlyItsOwnThreadsTensors()
    {
        Tensor? madeElsewhere = null;
        using (var scope = Tensor.Scope())
        {
            var other = new Thread(() => madeElsewhere = Tensor.Ones(2));
            other.Start();
            other.Join();
            Assert.That(scope.Count, Is.EqualTo(0));
        }
        Assert.That(madeElsewhere!.IsDisposed, Is.False, "another thread's tensor outlives this thread's scope");
        madeElsewhere.Dispose();
    }

    // Disposing a scope from another thread used to leave it as its thread's innermost scope for good:
    // every tensor that thread made afterwards was adopted by a scope nobody would dispose again.
    [Test]
    public void AScopeDisposedFromAnotherThreadFreesItsTensorsAndStopsAdopting()
    {
        TensorScope? scope = null;
        Tensor? inScope = null;
        Tensor? afterwards = null;
        using var opened = new ManualResetEventSlim();
        using var disposedElsewhere = new ManualResetEventSlim();
        var owner = new Thread(() =>
        {
            scope = Tensor.Scope();
            inScope = Tensor.Ones(3);
            opened.Set();
            disposedElsewhere.Wait();
            afterwards = Tensor.Ones(3);
        });
        owner.Start();
        opened.Wait();
        var error = Assert.Throws<InvalidOperationException>(() => scope!.Dispose())!;
        disposedElsewhere.Set();
        owner.Join();
        Assert.That(error.Message, Does.Contain("another thread"));
        Assert.That(inScope!.IsDisposed, Is.True, "the scope's tensors are freed anyway");
        Assert.That(afterwards!.scope, Is.Null, "the owner thread no longer adopts into the ended scope");
        afterwards.Dispose();
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
