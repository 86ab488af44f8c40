// Ways to make a tensor: from managed arrays, filled with a constant, or with seeded random values.
using NativeNN.Interop;

namespace NativeNN;

public sealed partial class Tensor
{
    /// <summary>A float32 tensor holding a copy of <paramref name="data"/> in the given shape.</summary>
    public static Tensor FromArray(float[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(data.AsSpan(), shape);
    }

    /// <summary>An int64 tensor (class labels, indices) holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(long[] data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(data.AsSpan(), shape);
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="data"/> in the given shape.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> data, params long[] shape)
    {
        RequireDataFitsShape(data.Length, shape, nameof(data));
        var tensor = Create(DType.Float32, shape);
        tensor.CopyFrom(data);
        return tensor;
    }

    /// <summary>An int64 tensor holding a copy of <paramref name="data"/> in the given shape.</summary>
    public static Tensor FromSpan(ReadOnlySpan<long> data, params long[] shape)
    {
        RequireDataFitsShape(data.Length, shape, nameof(data));
        var tensor = Create(DType.Int64, shape);
        tensor.CopyFrom(data);
        return tensor;
    }

    /// <summary>A float32 scalar (rank 0).</summary>
    public static Tensor Scalar(float value) => Create(DType.Float32, []).Fill(value);

    /// <summary>A float32 tensor of zeros.</summary>
    public static Tensor Zeros(params long[] shape) => Create(DType.Float32, shape);

    /// <summary>A tensor of zeros of the given dtype.</summary>
    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype) => Create(dtype, shape);

    /// <summary>A float32 tensor of ones.</summary>
    public static Tensor Ones(params long[] shape) => Create(DType.Float32, shape).Fill(1f);

    /// <summary>A float32 tensor with every element <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params long[] shape) => Create(DType.Float32, shape).Fill(value);

    /// <summary>A new tensor with the same dtype, shape and values, outside the graph.</summary>
    public Tensor Clone()
    {
        return Apply(Create(DType, Shape), this, static (source, copy) => copy.CopyFrom(source));
    }

    /// <summary>A tensor of zeros with <paramref name="other"/>'s shape and dtype.</summary>
    public static Tensor ZerosLike(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Create(other.DType, other.Shape);
    }

    /// <summary>
    /// Uniform samples in [<paramref name="low"/>, <paramref name="high"/>). Element i is a
    /// function of (seed, i) alone (SplitMix64 counter-based generator), so the same seed gives
    /// the same tensor on every machine and thread count.
    /// </summary>
    public static Tensor Rand(long[] shape, ulong seed, float low = 0f, float high = 1f)
    {
        if (!(low < high) || !float.IsFinite(low) || !float.IsFinite(high))
        {
            throw new ArgumentException($"Rand needs finite low < high, got low={low}, high={high}.");
        }
        var tensor = Create(DType.Float32, shape);
        NativeStatus.Check(NativeMethods.nn_tensor_fill_uniform(tensor.Handle, seed, low, high));
        return tensor;
    }

    /// <summary>
    /// Normal samples with the given mean and standard deviation (Box-Muller over the same
    /// counter-based generator as <see cref="Rand"/>): reproducible from the seed alone.
    /// </summary>
    public static Tensor RandN(long[] shape, ulong seed, float mean = 0f, float standardDeviation = 1f)
    {
        if (!float.IsFinite(mean) || !float.IsFinite(standardDeviation) || standardDeviation < 0f)
        {
            throw new ArgumentException(
                $"RandN needs a finite mean and a finite standardDeviation >= 0, got mean={mean}, standardDeviation={standardDeviation}.");
        }
        var tensor = Create(DType.Float32, shape);
        NativeStatus.Check(NativeMethods.nn_tensor_fill_normal(tensor.Handle, seed, mean, standardDeviation));
        return tensor;
    }

    internal static unsafe Tensor Create(DType dtype, ReadOnlySpan<long> shape)
    {
        ShapeMath.Validate(shape, dtype);
        TensorHandle handle;
        fixed (long* sizes = shape)
        {
            NativeStatus.Check(NativeMethods.nn_tensor_create((nn_dtype)dtype, shape.Length, sizes, out handle));
        }
        return new Tensor(handle);
    }

    private static void RequireDataFitsShape(int length, long[] shape, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ShapeMath.Validate(shape, DType.Float32);
        var count = ShapeMath.ElementCount(shape);
        if (count != length)
        {
            throw new ArgumentException(
                $"shape {ShapeMath.Describe(shape)} holds {count} elements but {parameterName} has {length}.", parameterName);
        }
    }
}
