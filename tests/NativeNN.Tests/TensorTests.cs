// Tensor creation, round trips, views, errors and seeded random fills.
namespace NativeNN.Tests;

public class TensorTests
{
    [Test]
    public void FloatArrayRoundTripsThroughNativeStorage()
    {
        var data = new[] { 1f, -2.5f, 3f, float.MaxValue, float.Epsilon, -0f };
        using var tensor = Tensor.FromArray(data, 2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(tensor.Shape.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
            Assert.That(tensor.DType, Is.EqualTo(DType.Float32));
            Assert.That(tensor.ElementCount, Is.EqualTo(6));
            Assert.That(tensor.Rank, Is.EqualTo(2));
            Assert.That(tensor.ToArray(), Is.EqualTo(data));
        });
    }

    [Test]
    public void Int64ArrayRoundTripsThroughNativeStorage()
    {
        var labels = new[] { 0L, 9L, long.MaxValue, long.MinValue, -1L };
        using var tensor = Tensor.FromArray(labels, 5);
        Assert.That(tensor.DType, Is.EqualTo(DType.Int64));
        Assert.That(tensor.ToInt64Array(), Is.EqualTo(labels));
    }

    [Test]
    public void ZerosOnesAndFullHoldTheirValue()
    {
        using var zeros = Tensor.Zeros(3, 4);
        using var ones = Tensor.Ones(2, 2, 2);
        using var full = Tensor.Full(0.25f, 5);
        using var labels = Tensor.Zeros([7], DType.Int64);
        Assert.Multiple(() =>
        {
            Assert.That(zeros.ToArray(), Is.EqualTo(Enumerable.Repeat(0f, 12)));
            Assert.That(ones.ToArray(), Is.EqualTo(Enumerable.Repeat(1f, 8)));
            Assert.That(full.ToArray(), Is.EqualTo(Enumerable.Repeat(0.25f, 5)));
            Assert.That(labels.ToInt64Array(), Is.EqualTo(Enumerable.Repeat(0L, 7)));
        });
    }

    [Test]
    public void ScalarHasRankZeroAndOneElement()
    {
        using var scalar = Tensor.Scalar(4.5f);
        Assert.That(scalar.Rank, Is.EqualTo(0));
        Assert.That(scalar.ElementCount, Is.EqualTo(1));
        Assert.That(scalar.ToArray(), Is.EqualTo(new[] { 4.5f }));
    }

    [Test]
    public void ZeroSizeTensorHasNoElements()
    {
        using var empty = Tensor.Zeros(0, 5);
        Assert.That(empty.ElementCount, Is.EqualTo(0));
        Assert.That(empty.ToArray(), Is.Empty);
    }

    [Test]
    public void SpanViewWritesThroughToTheTensor()
    {
        using var tensor = Tensor.Zeros(2, 2);
        var view = tensor.AsSpan();
        view[3] = 7f;
        Assert.That(tensor.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 7f }));
    }

    [Test]
    public void ReshapeSharesStorageAndInfersOneSize()
    {
        using var tensor = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var reshaped = tensor.Reshape(3, -1);
        Assert.That(reshaped.Shape.ToArray(), Is.EqualTo(new long[] { 3, 2 }));
        reshaped.AsSpan()[0] = 10f;
        Assert.That(tensor.ToArray()[0], Is.EqualTo(10f), "a reshape is a view of the same storage");
        tensor.Dispose();
        Assert.That(reshaped.ToArray(), Is.EqualTo(new[] { 10f, 2f, 3f, 4f, 5f, 6f }),
            "the view keeps the storage alive after the original is disposed");
    }

    [Test]
    public void ReshapeToAnotherElementCountNamesBothShapes()
    {
        using var tensor = Tensor.Zeros(2, 3);
        var error = Assert.Throws<ArgumentException>(() => tensor.Reshape(4, 2))!;
        Assert.That(error.Message, Does.Contain("float32[2,3]").And.Contain("[4,2]"));
    }

    [Test]
    public void DataThatDoesNotFitTheShapeNamesTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3))!;
        Assert.That(error.Message, Does.Contain("[2,3]").And.Contain("6").And.Contain("5"));
    }

    [Test]
    public void NegativeSizeIsRejectedWithTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -1))!;
        Assert.That(error.Message, Does.Contain("[2,-1]"));
    }

    [Test]
    public void TooManyDimensionsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros(1, 1, 1, 1, 1, 1, 1, 1, 1))!;
        Assert.That(error.Message, Does.Contain("at most 8"));
    }

    [Test]
    public void WrongDTypeAccessSaysWhatToUseInstead()
    {
        using var labels = Tensor.FromArray([1L, 2L], 2);
        var error = Assert.Throws<InvalidOperationException>(() => labels.ToArray())!;
        Assert.That(error.Message, Does.Contain("ToInt64Array"));
    }

    [Test]
    public void UseAfterDisposeThrowsObjectDisposedExceptionNamingTheTensor()
    {
        var tensor = Tensor.Zeros(2, 3);
        tensor.Dispose();
        tensor.Dispose();
        Assert.That(tensor.IsDisposed, Is.True);
        var error = Assert.Throws<ObjectDisposedException>(() => tensor.ToArray())!;
        Assert.That(error.Message, Does.Contain("float32[2,3]"));
        Assert.Throws<ObjectDisposedException>(() => tensor.Fill(1f));
        Assert.Throws<ObjectDisposedException>(() => tensor.Reshape(6));
    }

    [Test]
    public void CopyFromTensorCopiesValues()
    {
        using var source = Tensor.FromArray([1f, 2f, 3f], 3);
        using var destination = Tensor.Zeros(3);
        destination.CopyFrom(source);
        Assert.That(destination.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
    }

    [Test]
    public void CopyFromTensorOfAnotherDTypeIsANativeErrorWithBothTensorsNamed()
    {
        using var source = Tensor.FromArray([1L, 2L, 3L], 3);
        using var destination = Tensor.Zeros(3);
        var error = Assert.Catch<ArgumentException>(() => destination.CopyFrom(source))!;
        Assert.That(error.Message, Does.Contain("nn_tensor_copy").And.Contain("int64[3]").And.Contain("float32[3]"));
    }

    [Test]
    public void RandIsReproducibleFromTheSeedAndInRange()
    {
        using var first = Tensor.Rand([1000], seed: 7, low: -2f, high: 3f);
        using var second = Tensor.Rand([1000], seed: 7, low: -2f, high: 3f);
        using var other = Tensor.Rand([1000], seed: 8, low: -2f, high: 3f);
        var values = first.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(second.ToArray(), Is.EqualTo(values));
            Assert.That(other.ToArray(), Is.Not.EqualTo(values));
            Assert.That(values, Is.All.GreaterThanOrEqualTo(-2f).And.All.LessThan(3f));
            Assert.That(values.Average(), Is.EqualTo(0.5).Within(0.2));
        });
    }

    [Test]
    public void RandNHasTheRequestedMomentsAndDoesNotDependOnThreads()
    {
        var threads = Backends.Threads;
        try
        {
            Backends.Threads = 1;
            using var single = Tensor.RandN([200_000], seed: 3, mean: 1f, standardDeviation: 2f);
            Backends.Threads = 2;
            using var parallel = Tensor.RandN([200_000], seed: 3, mean: 1f, standardDeviation: 2f);
            var values = single.ToArray();
            var mean = values.Average();
            var variance = values.Select(value => (value - mean) * (value - mean)).Average();
            Assert.Multiple(() =>
            {
                Assert.That(parallel.ToArray(), Is.EqualTo(values));
                Assert.That(mean, Is.EqualTo(1.0).Within(0.02));
                Assert.That(Math.Sqrt(variance), Is.EqualTo(2.0).Within(0.02));
            });
        }
        finally
        {
            Backends.Threads = threads;
        }
    }

    [Test]
    public void ToStringShowsDTypeShapeAndFirstValues()
    {
        using var tensor = Tensor.FromArray([1f, 2.5f], 1, 2);
        Assert.That(tensor.ToString(), Is.EqualTo("Tensor float32[1,2] [1, 2.5]"));
    }
}
