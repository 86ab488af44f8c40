// Batches: shapes and counts, seeded shuffles, and that an epoch allocates nothing per batch.
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class DataLoaderTests
{
    [Test]
    public void MnistBatchesHaveImageAndLabelShapesAndAPartialLastBatch()
    {
        var train = MnistDataset.Load(TestData.MnistSlice, train: true, Normalize.Mnist);
        using var loader = new DataLoader(train, batchSize: 64);
        var inputShapes = new List<long[]>();
        var targetShapes = new List<long[]>();
        var firstLabels = Array.Empty<long>();
        foreach (var (input, target) in loader)
        {
            inputShapes.Add(input.Shape.ToArray());
            targetShapes.Add(target.Shape.ToArray());
            if (firstLabels.Length == 0)
            {
                firstLabels = target.ToInt64Array()[..10];
                Assert.That(input.DType, Is.EqualTo(DType.Float32));
                Assert.That(target.DType, Is.EqualTo(DType.Int64));
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(loader.Count, Is.EqualTo(16));
            Assert.That(inputShapes, Has.Count.EqualTo(16));
            Assert.That(inputShapes[0], Is.EqualTo(new long[] { 64, 1, 28, 28 }));
            Assert.That(targetShapes[0], Is.EqualTo(new long[] { 64 }));
            Assert.That(inputShapes[^1], Is.EqualTo(new long[] { 1000 - 15 * 64, 1, 28, 28 }));
            Assert.That(targetShapes[^1], Is.EqualTo(new long[] { 1000 - 15 * 64 }));
            Assert.That(firstLabels, Is.EqualTo(TestData.FirstTrainLabels), "without shuffling the order is the file's");
        });
    }

    [TestCase(97, 10, false, 10, 7)]
    [TestCase(97, 10, true, 9, 10)]
    [TestCase(1, 1, false, 1, 1)]
    [TestCase(1, 4, false, 1, 1)]
    [TestCase(1, 4, true, 0, 0)]
    [TestCase(13, 13, true, 1, 13)]
    [TestCase(0, 3, false, 0, 0)]
    public void BatchCountsAndLastBatchSize(int count, int batchSize, bool dropLast, int batches, int lastSize)
    {
        using var loader = new DataLoader(DatasetTests.Sequence(count), batchSize, shuffle: true, dropLast: dropLast, seed: 1);
        var sizes = new List<long>();
        foreach (var (input, target) in loader)
        {
            sizes.Add(target.Size(0));
            Assert.That(input.Shape.ToArray(), Is.EqualTo(new[] { target.Size(0), 3L }));
        }
        Assert.Multiple(() =>
        {
            Assert.That(loader.Count, Is.EqualTo(batches));
            Assert.That(sizes, Has.Count.EqualTo(batches));
            Assert.That(sizes.Take(Math.Max(batches - 1, 0)), Is.All.EqualTo(batchSize));
            Assert.That(sizes.LastOrDefault(), Is.EqualTo(lastSize));
        });
    }

    [Test]
    public void EveryIndexIsSeenExactlyOncePerEpochAndInputsMatchLabels()
    {
        using var loader = new DataLoader(DatasetTests.Sequence(1009), batchSize: 32, shuffle: true, seed: 11);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<long>();
            foreach (var (input, target) in loader)
            {
                var labels = target.ToInt64Array();
                var values = input.ToArray();
                for (var row = 0; row < labels.Length; row++)
                {
                    Assert.That(values[3 * row], Is.EqualTo((float)labels[row]), "an input and its target come from the same sample");
                }
                seen.AddRange(labels);
            }
            Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, 1009).Select(index => (long)index)), $"epoch {epoch}");
        }
    }

    [Test]
    public void ShufflesAreReproducibleFromSeedAndEpochAndDifferEachEpoch()
    {
        var dataset = DatasetTests.Sequence(200);
        using var first = new DataLoader(dataset, batchSize: 50, shuffle: true, seed: 42);
        using var second = new DataLoader(dataset, batchSize: 50, shuffle: true, seed: 42);
        using var otherSeed = new DataLoader(dataset, batchSize: 50, shuffle: true, seed: 43);
        using var resumed = new DataLoader(dataset, batchSize: 50, shuffle: true, seed: 42) { Epoch = 1 };
        var epoch0 = Order(first);
        var epoch1 = Order(first);
        Assert.Multiple(() =>
        {
            Assert.That(Order(second), Is.EqualTo(epoch0), "same seed, same first epoch");
            Assert.That(Order(second), Is.EqualTo(epoch1), "same seed, same second epoch");
            Assert.That(epoch1, Is.Not.EqualTo(epoch0), "a new permutation each epoch");
            Assert.That(epoch0, Is.Not.EqualTo(Enumerable.Range(0, 200).Select(index => (long)index)), "shuffled");
            Assert.That(Order(otherSeed), Is.Not.EqualTo(epoch0), "another seed, another order");
            Assert.That(Order(resumed), Is.EqualTo(epoch1), "epoch 1 depends on the seed and the epoch number alone");
            Assert.That(first.Epoch, Is.EqualTo(2));
        });
    }

    [Test]
    public void WithoutShuffleEveryEpochIsInOrder()
    {
        using var loader = new DataLoader(DatasetTests.Sequence(10), batchSize: 4);
        var expected = Enumerable.Range(0, 10).Select(index => (long)index);
        Assert.That(Order(loader), Is.EqualTo(expected));
        Assert.That(Order(loader), Is.EqualTo(expected));
    }

    [Test]
    public void AnEpochAllocatesNoManagedMemoryPerBatch()
    {
        var train = MnistDataset.Load(TestData.MnistSlice, train: true, Normalize.Mnist);
        using var loader = new DataLoader(train, batchSize: 1, shuffle: true, seed: 5);
        RunEpoch(loader);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var batches = RunEpoch(loader);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(batches, Is.EqualTo(1000));
        Assert.That(allocated, Is.LessThan(1024), $"{allocated} bytes allocated over an epoch of 1000 batches");
    }

    [Test]
    public void AnEpochLeavesNativeMemoryAsItFoundIt()
    {
        var train = MnistDataset.Load(TestData.MnistSlice, train: true, Normalize.Mnist);
        var beforeLoader = TensorMemory.LiveBytes;
        var tensorsBeforeLoader = TensorMemory.LiveTensors;
        var loader = new DataLoader(train, batchSize: 100, shuffle: true, seed: 5);
        var withLoader = TensorMemory.LiveBytes;
        RunEpoch(loader);
        RunEpoch(loader);
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(withLoader), "an epoch creates no tensors");
        loader.Dispose();
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(beforeLoader), "disposing the loader frees its batches");
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(tensorsBeforeLoader));
    }

    [Test]
    public void BatchTensorsOutliveTheScopeTheLoaderWasMadeIn()
    {
        DataLoader loader;
        Tensor firstInput;
        using (Tensor.Scope())
        {
            loader = new DataLoader(DatasetTests.Sequence(10), batchSize: 3);
            using var enumerator = loader.GetEnumerator();
            enumerator.MoveNext();
            firstInput = enumerator.Current.Input;
        }
        Assert.That(firstInput.IsDisposed, Is.False, "a scope must not dispose the loader's batch tensors");
        Assert.That(Order(loader), Has.Count.EqualTo(10));
        loader.Dispose();
        Assert.That(firstInput.IsDisposed, Is.True);
        Assert.That(() => loader.GetEnumerator(), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void BatchesAreRefilledInPlace()
    {
        using var loader = new DataLoader(DatasetTests.Sequence(9), batchSize: 3);
        var inputs = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (input, _) in loader)
        {
            inputs.Add(input);
        }
        foreach (var (input, _) in loader)
        {
            inputs.Add(input);
        }
        Assert.That(inputs, Has.Count.EqualTo(1), "one batch tensor for every batch of every epoch");
    }

    [Test]
    public void AnOlderEpochCannotContinueOnceANewOneStarts()
    {
        using var loader = new DataLoader(DatasetTests.Sequence(10), batchSize: 2);
        var older = loader.GetEnumerator();
        older.MoveNext();
        var newer = loader.GetEnumerator();
        Assert.That(newer.MoveNext(), Is.True);
        Assert.That(() => older.MoveNext(), Throws.InvalidOperationException.With.Message.Contain("another epoch"));
    }

    [Test]
    public void BatchSizeMustBePositive()
    {
        Assert.That(() => new DataLoader(DatasetTests.Sequence(3), batchSize: 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private static int RunEpoch(DataLoader loader)
    {
        var batches = 0;
        foreach (var (_, _) in loader)
        {
            batches++;
        }
        return batches;
    }

    private static List<long> Order(DataLoader loader)
    {
        var order = new List<long>();
        foreach (var (_, target) in loader)
        {
            order.AddRange(target.ToInt64Array());
        }
        return order;
    }
}
