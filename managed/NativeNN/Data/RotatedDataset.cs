// The pretext task of rotation prediction: every image of a data set four times, turned by 0, 90,
// 180 and 270 degrees, labelled with the turn. The turn is done while copying into the batch, so
// nothing is stored four times and the source's own labels are never read.
using System.Buffers;

namespace NativeNN.Data;

/// <summary>
/// Sample i * 4 + r is image i of <see cref="Source"/> turned counter-clockwise by r * 90 degrees
/// (torch.rot90(image, r, dims=(-2, -1))), with the int64 target r. The source's images must be
/// square: [channels, size, size].
/// </summary>
public sealed class RotatedDataset : Dataset
{
    /// <summary>Turns per image, and the number of classes of the task.</summary>
    public const int RotationCount = 4;

    // Images are read from the source in chunks of this many into one pooled buffer, so filling a
    // batch allocates nothing.
    private const int ChunkSize = 64;

    private readonly int size;

    public RotatedDataset(Dataset source)
        : base((source ?? throw new ArgumentNullException(nameof(source))).InputShape, [], DType.Int64)
    {
        var shape = source.InputShape;
        if (shape.Length != 3 || shape[1] != shape[2])
        {
            throw new ArgumentException(
                $"rotating needs square images [channels, size, size], but the source's samples are {ShapeMath.Describe(shape)}.", nameof(source));
        }
        Source = source;
        size = (int)shape[1];
        Count = checked(source.Count * RotationCount);
    }

    /// <summary>The data set whose images are turned.</summary>
    public Dataset Source { get; }

    public override int Count { get; }

    /// <summary>
    /// Writes <paramref name="image"/> ([channels, size, size], row-major) turned counter-clockwise by
    /// <paramref name="quarterTurns"/> * 90 degrees into <paramref name="destination"/>.
    /// </summary>
    public static void Rotate(ReadOnlySpan<float> image, Span<float> destination, int size, int quarterTurns)
    {
        var plane = size * size;
        if (size < 1 || image.Length % plane != 0 || destination.Length != image.Length)
        {
            throw new ArgumentException(
                $"Rotate needs whole {size}x{size} planes and a destination of the same length, got {image.Length} and {destination.Length} values.");
        }
        var turns = ((quarterTurns % RotationCount) + RotationCount) % RotationCount;
        var last = size - 1;
        for (var start = 0; start < image.Length; start += plane)
        {
            var from = image.Slice(start, plane);
            var to = destination.Slice(start, plane);
            for (var row = 0; row < size; row++)
            {
                for (var column = 0; column < size; column++)
                {
                    // Where output pixel (row, column) comes from: a counter-clockwise turn brings the
                    // right-hand column to the top row.
                    var (sourceRow, sourceColumn) = turns switch
                    {
                        0 => (row, column),
                        1 => (column, last - row),
                        2 => (last - row, last - column),
                        _ => (last - column, row),
                    };
                    to[row * size + column] = from[sourceRow * size + sourceColumn];
                }
            }
        }
    }

    protected internal override void FillInputs(ReadOnlySpan<int> indices, Span<float> destination)
    {
        var sampleSize = InputSize;
        Span<int> sources = stackalloc int[ChunkSize];
        var images = ArrayPool<float>.Shared.Rent(Math.Min(ChunkSize, indices.Length) * sampleSize);
        try
        {
            for (var start = 0; start < indices.Length; start += ChunkSize)
            {
                var length = Math.Min(ChunkSize, indices.Length - start);
                for (var index = 0; index < length; index++)
                {
                    sources[index] = indices[start + index] / RotationCount;
                }
                Source.FillInputs(sources[..length], images.AsSpan(0, length * sampleSize));
                for (var index = 0; index < length; index++)
                {
                    Rotate(images.AsSpan(index * sampleSize, sampleSize), destination.Slice((start + index) * sampleSize, sampleSize), size,
                        indices[start + index] % RotationCount);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(images);
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> indices, Span<long> destination)
    {
        for (var index = 0; index < indices.Length; index++)
        {
            destination[index] = indices[index] % RotationCount;
        }
    }
}
