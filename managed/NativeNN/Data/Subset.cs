// A view of some samples of another data set, in a given order: train/validation splits share
// one copy of the images.
namespace NativeNN.Data;

/// <summary>Samples <see cref="Indices"/> of <see cref="Source"/>; sample i of the subset is
/// sample Indices[i] of the source. Nothing is copied.</summary>
public sealed class Subset : Dataset
{
    // Indices are translated in chunks of this many on the stack, so filling a batch allocates nothing.
    private const int ChunkSize = 256;

    private readonly int[] indices;

    public Subset(Dataset source, ReadOnlySpan<int> indices)
        : base((source ?? throw new ArgumentNullException(nameof(source))).InputShape, source.TargetShape, source.TargetDType)
    {
        foreach (var index in indices)
        {
            if ((uint)index >= (uint)source.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index,
                    $"subset index {index} is outside 0..{source.Count - 1} of the source's {source.Count} samples.");
            }
        }
        Source = source;
        this.indices = indices.ToArray();
    }

    /// <summary>The data set the samples come from.</summary>
    public Dataset Source { get; }

    /// <summary>Which samples of <see cref="Source"/> this subset holds, in order.</summary>
    public ReadOnlySpan<int> Indices => indices;

    public override int Count => indices.Length;

    protected internal override void FillInputs(ReadOnlySpan<int> batch, Span<float> destination)
    {
        Span<int> mapped = stackalloc int[ChunkSize];
        for (var start = 0; start < batch.Length; start += ChunkSize)
        {
            var chunk = Translate(batch, start, mapped);
            Source.FillInputs(chunk, destination.Slice(start * InputSize, chunk.Length * InputSize));
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> batch, Span<long> destination)
    {
        Span<int> mapped = stackalloc int[ChunkSize];
        for (var start = 0; start < batch.Length; start += ChunkSize)
        {
            var chunk = Translate(batch, start, mapped);
            Source.FillTargets(chunk, destination.Slice(start * TargetSize, chunk.Length * TargetSize));
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> batch, Span<float> destination)
    {
        Span<int> mapped = stackalloc int[ChunkSize];
        for (var start = 0; start < batch.Length; start += ChunkSize)
        {
            var chunk = Translate(batch, start, mapped);
            Source.FillTargets(chunk, destination.Slice(start * TargetSize, chunk.Length * TargetSize));
        }
    }

    private ReadOnlySpan<int> Translate(ReadOnlySpan<int> batch, int start, Span<int> mapped)
    {
        var length = Math.Min(ChunkSize, batch.Length - start);
        for (var index = 0; index < length; index++)
        {
            mapped[index] = indices[batch[start + index]];
        }
        return mapped[..length];
    }
}
