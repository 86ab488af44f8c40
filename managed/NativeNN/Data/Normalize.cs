// Per-channel standardisation of images already scaled to [0, 1] (torchvision's Normalize with
// one channel): the network then sees inputs of mean about 0 and deviation about 1.
namespace NativeNN.Data;

/// <summary>Maps x to (x - <see cref="Mean"/>) / <see cref="StandardDeviation"/>.</summary>
public sealed class Normalize
{
    public Normalize(float mean, float standardDeviation)
    {
        if (!float.IsFinite(mean) || !float.IsFinite(standardDeviation) || standardDeviation <= 0f)
        {
            throw new ArgumentException(
                $"Normalize needs a finite mean and a finite standardDeviation > 0, got mean={mean}, standardDeviation={standardDeviation}.");
        }
        Mean = mean;
        StandardDeviation = standardDeviation;
    }

    /// <summary>MNIST's training-set pixel statistics after scaling to [0, 1] (the values PyTorch's examples use).</summary>
    public static Normalize Mnist { get; } = new(0.1307f, 0.3081f);

    /// <summary>The pixel statistics of the Fashion-MNIST training set <see cref="DataSets"/> writes
    /// (measured with <see cref="Measure"/> on its 60,000 training images).</summary>
    public static Normalize FashionMnist { get; } = new(0.2862f, 0.3530f);

    public float Mean { get; }

    public float StandardDeviation { get; }

    /// <summary>The normalised value of <paramref name="value"/>.</summary>
    public float Apply(float value) => (value - Mean) / StandardDeviation;

    /// <summary>Normalises <paramref name="values"/> in place.</summary>
    public void Apply(Span<float> values)
    {
        foreach (ref var value in values)
        {
            value = Apply(value);
        }
    }

    /// <summary>The mean and (population) standard deviation of <paramref name="pixels"/> / 255,
    /// for a data set without published statistics.</summary>
    public static Normalize Measure(ReadOnlySpan<byte> pixels)
    {
        if (pixels.IsEmpty)
        {
            throw new ArgumentException("cannot measure the statistics of no pixels.", nameof(pixels));
        }
        Span<long> histogram = stackalloc long[256];
        foreach (var pixel in pixels)
        {
            histogram[pixel]++;
        }
        double sum = 0, squares = 0;
        for (var value = 0; value < 256; value++)
        {
            var scaled = value / 255.0;
            sum += histogram[value] * scaled;
            squares += histogram[value] * scaled * scaled;
        }
        var mean = sum / pixels.Length;
        return new Normalize((float)mean, (float)Math.Sqrt(Math.Max(squares / pixels.Length - mean * mean, 0)));
    }

    public override string ToString() => $"Normalize(mean: {Mean}, standardDeviation: {StandardDeviation})";
}
