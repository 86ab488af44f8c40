// Shape arithmetic and the "float32[2,3]" notation shared by every error message.
using NativeNN.Interop;

namespace NativeNN;

internal static class ShapeMath
{
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var size in shape)
        {
            count = checked(count * size);
        }
        return count;
    }

    public static string Describe(ReadOnlySpan<long> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public static string Describe(DType dtype, ReadOnlySpan<long> shape) => dtype.Name() + Describe(shape);

    /// <summary>Rank and sizes a tensor can have; the message names the whole shape.</summary>
    public static void Validate(ReadOnlySpan<long> shape, DType dtype)
    {
        if (shape.Length > NativeMethods.NN_MAX_DIMS)
        {
            throw new ArgumentException(
                $"shape {Describe(shape)} has {shape.Length} dimensions; a tensor has at most {NativeMethods.NN_MAX_DIMS}.", nameof(shape));
        }
        foreach (var size in shape)
        {
            if (size < 0)
            {
                throw new ArgumentException(
                    $"shape {Describe(shape)} has a negative size; every size must be 0 or more.", nameof(shape));
            }
        }
        try
        {
            checked
            {
                _ = ElementCount(shape) * dtype.ElementSize();
            }
        }
        catch (OverflowException)
        {
            throw new ArgumentException(
                $"shape {Describe(shape)} of {dtype.Name()} needs more than {long.MaxValue} bytes.", nameof(shape));
        }
    }

    public static int NormalizeDimension(int dimension, int rank)
    {
        var normalized = dimension < 0 ? dimension + rank : dimension;
        if (normalized < 0 || normalized >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension,
                $"dimension {dimension} is out of range for a tensor of rank {rank} (valid: {-rank}..{rank - 1}).");
        }
        return normalized;
    }

    /// <summary>Resolves one -1 in <paramref name="newShape"/> and checks the element count.</summary>
    public static long[] ResolveReshape(ReadOnlySpan<long> current, long[] newShape, DType dtype)
    {
        var total = ElementCount(current);
        var resolved = (long[])newShape.Clone();
        var inferred = -1;
        long known = 1;
        for (var index = 0; index < resolved.Length; index++)
        {
            if (resolved[index] == -1)
            {
                if (inferred >= 0)
                {
                    throw new ArgumentException(
                        $"cannot reshape {Describe(dtype, current)} to {Describe(newShape)}: only one size may be -1.", nameof(newShape));
                }
                inferred = index;
            }
            else if (resolved[index] < 0)
            {
                throw new ArgumentException(
                    $"cannot reshape {Describe(dtype, current)} to {Describe(newShape)}: sizes must be 0 or more (or one -1).", nameof(newShape));
            }
            else if (resolved[index] != 0 && known > long.MaxValue / resolved[index])
            {
                throw new ArgumentException(
                    $"cannot reshape {Describe(dtype, current)} to {Describe(newShape)}: the sizes multiply past {long.MaxValue}.", nameof(newShape));
            }
            else
            {
                known *= resolved[index];
            }
        }
        if (inferred >= 0)
        {
            if (known == 0 || total % known != 0)
            {
                throw new ArgumentException(
                    $"cannot reshape {Describe(dtype, current)} ({total} elements) to {Describe(newShape)}.", nameof(newShape));
            }
            resolved[inferred] = total / known;
        }
        Validate(resolved, dtype);
        if (ElementCount(resolved) != total)
        {
            throw new ArgumentException(
                $"cannot reshape {Describe(dtype, current)} ({total} elements) to {Describe(newShape)} ({ElementCount(resolved)} elements).",
                nameof(newShape));
        }
        return resolved;
    }
}
