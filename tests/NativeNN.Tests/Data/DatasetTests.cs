// MnistDataset, Normalize, TensorDataset, Subset and RandomSplit.
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class DatasetTests
{
    [Test]
    public void NormalizeMapsZeroAndOneByMnistStatistics()
    {
        var normalize = Normalize.Mnist;
        var values = new[] { 0f, 0.1307f, 1f };
        normalize.Apply(values);
        Assert.Multiple(() =>
        {
            Assert.That(normalize.Apply(0f), Is.EqualTo(-0.1307f / 0.3081f).Within(1e-6f));
            Assert.That(normalize.Apply(1f), Is.EqualTo((1f - 0.1307f) / 0.3081f).Within(1e-6f));
            Assert.That(values, Is.EqualTo(new[] { -0.4242129f, 0f, 2.8214867f }).Within(1e-5f));
        });
    }

    [Test]
    public void NormalizeRefusesAZeroOrInfiniteDeviation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Normalize(0.5f, 0f), Throws.ArgumentException.With.Message.Contain("standardDeviation > 0"));
            Assert.That(() => new Normalize(float.NaN, 1f), Throws.ArgumentException);
            Assert.That(() => new Normalize(0f, float.PositiveInfinity), Throws.ArgumentException);
        });
    }

    [Test]
    public void MeasureGivesMeanAndPopulationDeviation()
    {
        var measured = Normalize.Measure([0, 255, 0, 255]);
        Assert.That((measured.Mean, measured.StandardDeviation), Is.EqualTo((0.5f, 0.5f)));
    }

    [Test]
    public void MnistDatasetScalesAndNormalisesPixelsAndGivesInt64Labels()
    {
        var train = MnistDataset.Load(TestData.MnistSlice, train: true, Normalize.Mnist);
        var raw = MnistDataset.Load(TestData.MnistSlice, train: true);
        using var inputs = Tensor.Zeros(2, 1, 28, 28);
        using var targets = Tensor.Zeros([2], DType.Int64);
        train.FillBatch([0, 3], inputs, targets);
        var values = inputs.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(train.Count, Is.EqualTo(1000));
            Assert.That(train.InputShape.ToArray(), Is.EqualTo(new long[] { 1, 28, 28 }));
            Assert.That(train.TargetShape.ToArray(), Is.Empty);
            Assert.That(train.TargetDType, Is.EqualTo(DType.Int64));
            Assert.That(targets.ToInt64Array(), Is.EqualTo(new long[] { 5, 1 }));
            Assert.That(values[0], Is.EqualTo(Normalize.Mnist.Apply(0f)).Within(1e-6f));
            Assert.That(values[14 * 28 + 14], Is.EqualTo(Normalize.Mnist.Apply(240f / 255f)).Within(1e-6f));
            Assert.That(train.Image(0)[14 * 28 + 14], Is.EqualTo(240));
            Assert.That(train.Label(3), Is.EqualTo(1));
        });
        raw.FillBatch([0, 3], inputs, targets);
        Assert.Multiple(() =>
        {
            Assert.That(inputs.ToArray().Min(), Is.EqualTo(0f));
            Assert.That(inputs.ToArray().Max(), Is.LessThanOrEqualTo(1f));
            Assert.That(inputs.ToArray()[14 * 28 + 14], Is.EqualTo(240f / 255f));
        });
    }

    [Test]
    public void MnistTestSplitHasTheKnownFirstLabels()
    {
        var test = MnistDataset.Load(TestData.MnistSlice, train: false, Normalize.Mnist);
        var labels = new long[10];
        test.FillBatch(Enumerable.Range(0, 10).ToArray(), new float[10 * 784], labels);
        Assert.That(test.Count, Is.EqualTo(200));
        Assert.That(labels, Is.EqualTo(TestData.FirstTestLabels));
    }

    [Test]
    public void MnistDatasetNamesTheMissingFilesAndTheFetchCommand()
    {
        using var folder = new TemporaryFolder();
        Assert.That(() => MnistDataset.Load(folder.Path, train: true),
            Throws.InstanceOf<FileNotFoundException>().With.Message.Contain("train-images-idx3-ubyte.gz")
                .And.Message.Contain("nativenn data fetch mnist"));
    }

    [Test]
    public void FillBatchChecksIndicesAndBufferSizes()
    {
        var dataset = Sequence(5);
        using var inputs = Tensor.Zeros(2, 3);
        using var wrongTargets = Tensor.Zeros(2);
        using var targets = Tensor.Zeros([2], DType.Int64);
        Assert.Multiple(() =>
        {
            Assert.That(() => dataset.FillBatch([0, 5], inputs, targets),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contain("sample index 5 is outside 0..4"));
            Assert.That(() => dataset.FillBatch([0, 1], inputs, wrongTargets),
                Throws.ArgumentException.With.Message.Contain("int64[2]"));
            Assert.That(() => dataset.FillBatch([0], new float[3], new long[2]),
                Throws.ArgumentException.With.Message.Contain("targets has 2 elements"));
            Assert.That(() => dataset.FillBatch([0], new float[3], new float[1]),
                Throws.ArgumentException.With.Message.Contain("int64 targets"));
        });
    }

    [Test]
    public void TensorDatasetHoldsFloatTargetsToo()
    {
        var dataset = new TensorDataset([1, 2, 3, 4, 5, 6], [1], [10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61], [2]);
        var inputs = new float[2];
        var targets = new float[4];
        dataset.FillBatch([5, 1], inputs, targets);
        Assert.Multiple(() =>
        {
            Assert.That(dataset.Count, Is.EqualTo(6));
            Assert.That(dataset.TargetDType, Is.EqualTo(DType.Float32));
            Assert.That(inputs, Is.EqualTo(new float[] { 6, 2 }));
            Assert.That(targets, Is.EqualTo(new float[] { 60, 61, 20, 21 }));
        });
        Assert.That(() => new TensorDataset([1, 2, 3], [2], [0L, 1L]),
            Throws.ArgumentException.With.Message.Contain("2 samples of shape [2] need 4"));
    }

    [Test]
    public void RandomSplitIsDisjointCompleteAndSeeded()
    {
        var dataset = Sequence(101);
        var parts = Dataset.RandomSplit(dataset, [70, 20, 11], seed: 3);
        var again = Dataset.RandomSplit(dataset, [70, 20, 11], seed: 3);
        var other = Dataset.RandomSplit(dataset, [70, 20, 11], seed: 4);
        var all = parts.SelectMany(part => part.Indices.ToArray()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(parts.Select(part => part.Count), Is.EqualTo(new[] { 70, 20, 11 }));
            Assert.That(all, Is.EquivalentTo(Enumerable.Range(0, 101)), "every sample in exactly one part");
            Assert.That(again[0].Indices.ToArray(), Is.EqualTo(parts[0].Indices.ToArray()));
            Assert.That(other[0].Indices.ToArray(), Is.Not.EqualTo(parts[0].Indices.ToArray()));
            Assert.That(all.Take(20), Is.Not.EqualTo(Enumerable.Range(0, 20)), "the split is shuffled");
        });
        Assert.That(() => Dataset.RandomSplit(dataset, [50, 50], seed: 3),
            Throws.ArgumentException.With.Message.Contain("add up to 100, but the data set has 101"));
    }

    [Test]
    public void SubsetReadsItsSourceThroughItsIndices()
    {
        var dataset = Sequence(600);
        // More indices than the subset translates at once, to cross its chunk boundary.
        var indices = Enumerable.Range(0, 600).Select(index => 599 - index).ToArray();
        var subset = new Subset(dataset, indices);
        var inputs = new float[600 * 3];
        var labels = new long[600];
        subset.FillBatch(Enumerable.Range(0, 600).ToArray(), inputs, labels);
        Assert.Multiple(() =>
        {
            Assert.That(labels, Is.EqualTo(indices.Select(index => (long)index)));
            Assert.That(inputs[3 * 10], Is.EqualTo(589f));
            Assert.That(() => new Subset(dataset, [600]), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    /// <summary>Sample i has the input [i, i, i] and the label i.</summary>
    internal static TensorDataset Sequence(int count) =>
        new(Enumerable.Range(0, count).SelectMany(index => Enumerable.Repeat((float)index, 3)).ToArray(), [3],
            Enumerable.Range(0, count).Select(index => (long)index).ToArray());
}
