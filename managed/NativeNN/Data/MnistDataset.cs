// MNIST-shaped image classification from IDX files: the bytes stay as they are in memory (a
// quarter of the floats' size) and become floats only when a batch is filled.
namespace NativeNN.Data;

/// <summary>
/// The images and labels of MNIST, Fashion-MNIST, or any data set in their IDX layout: inputs
/// float32 [1, rows, columns] (pixels / 255, then <see cref="Normalization"/> when given), targets
/// int64 class labels 0..9.
/// </summary>
public sealed class MnistDataset : Dataset
{
    /// <summary>Labels lie in 0..ClassCount-1.</summary>
    public const int ClassCount = 10;

    private readonly byte[] pixels;
    private readonly byte[] labels;
    // Every byte maps to one float, so the conversion is a table lookup.
    private readonly float[] table = new float[256];

    private MnistDataset(IdxImages images, IdxLabels labels, Normalize? normalize)
        : base([1, images.Rows, images.Columns], [], DType.Int64)
    {
        pixels = images.Pixels;
        this.labels = labels.Labels;
        Count = images.Count;
        Rows = images.Rows;
        Columns = images.Columns;
        Normalization = normalize;
        for (var value = 0; value < table.Length; value++)
        {
            var scaled = value / 255f;
            table[value] = normalize?.Apply(scaled) ?? scaled;
        }
    }

    /// <summary>
    /// Reads train-images-idx3-ubyte and train-labels-idx1-ubyte (or t10k-... when
    /// <paramref name="train"/> is false) from <paramref name="folder"/>, each raw or with a .gz suffix.
    /// </summary>
    /// <param name="folder">A folder as <see cref="DataSets.Fetch(string, IProgress{string}?, CancellationToken)"/> leaves it.</param>
    /// <param name="train">The training split (60,000 images) or the test split (10,000).</param>
    /// <param name="normalize">Applied after scaling to [0, 1]: <see cref="Normalize.Mnist"/> for MNIST;
    /// null keeps [0, 1].</param>
    public static MnistDataset Load(string folder, bool train, Normalize? normalize = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var imagesPath = Find(folder, train ? DataSets.TrainImagesFile : DataSets.TestImagesFile);
        var labelsPath = Find(folder, train ? DataSets.TrainLabelsFile : DataSets.TestLabelsFile);
        var (images, labels) = IdxReader.ReadImagesAndLabels(imagesPath, labelsPath, ClassCount);
        return new MnistDataset(images, labels, normalize);
    }

    public override int Count { get; }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>The normalisation applied after scaling to [0, 1]; null for none.</summary>
    public Normalize? Normalization { get; }

    /// <summary>The raw bytes of image <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<byte> Image(int index) => pixels.AsSpan(checked(index * Rows * Columns), Rows * Columns);

    /// <summary>The class label of sample <paramref name="index"/>.</summary>
    public int Label(int index) => labels[index];

    /// <summary>All images' raw bytes, one image after another (e.g. for <see cref="Normalize.Measure"/>).</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    protected internal override void FillInputs(ReadOnlySpan<int> indices, Span<float> destination)
    {
        var size = InputSize;
        var lookup = table.AsSpan();
        for (var sample = 0; sample < indices.Length; sample++)
        {
            var source = pixels.AsSpan(indices[sample] * size, size);
            var target = destination.Slice(sample * size, size);
            for (var index = 0; index < source.Length; index++)
            {
                target[index] = lookup[source[index]];
            }
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> indices, Span<long> destination)
    {
        for (var sample = 0; sample < indices.Length; sample++)
        {
            destination[sample] = labels[indices[sample]];
        }
    }

    private static string Find(string folder, string name)
    {
        var raw = Path.Combine(folder, name);
        if (File.Exists(raw))
        {
            return raw;
        }
        var gzipped = raw + ".gz";
        if (File.Exists(gzipped))
        {
            return gzipped;
        }
        throw new FileNotFoundException(
            $"{folder} has neither {name} nor {name}.gz; fetch the data set with `nativenn data fetch mnist` " +
            "(or fashion-mnist), or copy the IDX files there.", raw);
    }
}
