// A data set is a count and a way to copy chosen samples into buffers the caller owns, so a
// loader can refill the same batch tensors every step instead of allocating new ones.
namespace NativeNN.Data;

/// <summary>
/// Samples of one input shape (float32) and one target shape (int64 class labels or float32
/// values). Subclasses implement <see cref="FillInputs"/> and the <c>FillTargets</c> overload of their
/// <see cref="TargetDType"/>; callers use <see cref="FillBatch(ReadOnlySpan{int}, Tensor, Tensor)"/>
/// or its span overloads, which check the indices and buffer sizes first.
/// </summary>
public abstract class Dataset
{
    private readonly long[] inputShape;
    private readonly long[] targetShape;

    /// <param name="inputShape">Shape of one sample's input, e.g. [1, 28, 28].</param>
    /// <param name="targetShape">Shape of one sample's target: [] for a class label.</param>
    /// <param name="targetDType">Int64 for class labels, Float32 for regression targets.</param>
    protected Dataset(ReadOnlySpan<long> inputShape, ReadOnlySpan<long> targetShape, DType targetDType)
    {
        this.inputShape = inputShape.ToArray();
        this.targetShape = targetShape.ToArray();
        InputSize = checked((int)ShapeMath.ElementCount(inputShape));
        TargetSize = checked((int)ShapeMath.ElementCount(targetShape));
        TargetDType = targetDType;
    }

    /// <summary>Number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>Shape of one sample's input; a batch of n is [n, ..InputShape].</summary>
    public ReadOnlySpan<long> InputShape => inputShape;

    /// <summary>Shape of one sample's target ([] for a class label); a batch of n is [n, ..TargetShape].</summary>
    public ReadOnlySpan<long> TargetShape => targetShape;

    /// <summary>Int64 (class labels) or Float32.</summary>
    public DType TargetDType { get; }

    /// <summary>Elements in one sample's input.</summary>
    public int InputSize { get; }

    /// <summary>Elements in one sample's target (1 for a class label).</summary>
    public int TargetSize { get; }

    /// <summary>Copies samples <paramref name="indices"/> into a float32 input tensor [n, ..InputShape]
    /// and a target tensor [n, ..TargetShape] of <see cref="TargetDType"/>, n = indices.Length.</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        RequireBatchShape(inputs, indices.Length, inputShape, DType.Float32, nameof(inputs));
        RequireBatchShape(targets, indices.Length, targetShape, TargetDType, nameof(targets));
        if (TargetDType == DType.Int64)
        {
            FillBatch(indices, inputs.AsSpan(), targets.AsInt64Span());
        }
        else
        {
            FillBatch(indices, inputs.AsSpan(), targets.AsSpan());
        }
    }

    /// <summary>Copies samples <paramref name="indices"/> into <paramref name="inputs"/>
    /// (indices.Length x InputSize values) and their class labels into <paramref name="targets"/>.</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Span<float> inputs, Span<long> targets)
    {
        RequireTargetDType(DType.Int64);
        RequireIndices(indices);
        RequireLength(inputs.Length, indices.Length, InputSize, nameof(inputs));
        RequireLength(targets.Length, indices.Length, TargetSize, nameof(targets));
        FillInputs(indices, inputs);
        FillTargets(indices, targets);
    }

    /// <summary>Copies samples <paramref name="indices"/> into <paramref name="inputs"/> and their
    /// float32 targets into <paramref name="targets"/>.</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Span<float> inputs, Span<float> targets)
    {
        RequireTargetDType(DType.Float32);
        RequireIndices(indices);
        RequireLength(inputs.Length, indices.Length, InputSize, nameof(inputs));
        RequireLength(targets.Length, indices.Length, TargetSize, nameof(targets));
        FillInputs(indices, inputs);
        FillTargets(indices, targets);
    }

    /// <summary>
    /// Splits <paramref name="dataset"/> into disjoint subsets of the given lengths, which must add
    /// up to its <see cref="Count"/> (torch.utils.data.random_split): a seeded permutation of all
    /// indices is cut into consecutive pieces, so the same seed gives the same split everywhere.
    /// Use it to hold out validation data on which to choose hyper-parameters.
    /// </summary>
    public static Subset[] RandomSplit(Dataset dataset, ReadOnlySpan<int> lengths, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        long total = 0;
        foreach (var length in lengths)
        {
            if (length < 0)
            {
                throw new ArgumentException($"split lengths must be 0 or more, got [{string.Join(", ", lengths.ToArray())}].",
                    nameof(lengths));
            }
            total += length;
        }
        if (total != dataset.Count)
        {
            throw new ArgumentException(
                $"split lengths [{string.Join(", ", lengths.ToArray())}] add up to {total}, but the data set has {dataset.Count} samples.",
                nameof(lengths));
        }
        var order = new int[dataset.Count];
        SplitMix64.Permutation(order, seed);
        var subsets = new Subset[lengths.Length];
        var start = 0;
        for (var part = 0; part < lengths.Length; part++)
        {
            subsets[part] = new Subset(dataset, order.AsSpan(start, lengths[part]));
            start += lengths[part];
        }
        return subsets;
    }

    /// <summary>Writes the inputs of samples <paramref name="indices"/> (all valid) one after another.</summary>
    protected internal abstract void FillInputs(ReadOnlySpan<int> indices, Span<float> destination);

    /// <summary>Writes the class labels of samples <paramref name="indices"/>; override when
    /// <see cref="TargetDType"/> is Int64.</summary>
    protected internal virtual void FillTargets(ReadOnlySpan<int> indices, Span<long> destination) =>
        throw new NotSupportedException($"{GetType().Name} has {TargetDType.Name()} targets but does not fill int64 ones.");

    /// <summary>Writes the float32 targets of samples <paramref name="indices"/>; override when
    /// <see cref="TargetDType"/> is Float32.</summary>
    protected internal virtual void FillTargets(ReadOnlySpan<int> indices, Span<float> destination) =>
        throw new NotSupportedException($"{GetType().Name} has {TargetDType.Name()} targets but does not fill float32 ones.");

    private void RequireIndices(ReadOnlySpan<int> indices)
    {
        var count = Count;
        foreach (var index in indices)
        {
            if ((uint)index >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index,
                    $"sample index {index} is outside 0..{count - 1} of this {GetType().Name} of {count} samples.");
            }
        }
    }

    private void RequireTargetDType(DType expected)
    {
        if (TargetDType != expected)
        {
            throw new ArgumentException(
                $"this {GetType().Name} has {TargetDType.Name()} targets; pass a Span<{(TargetDType == DType.Int64 ? "long" : "float")}> for them.");
        }
    }

    private static void RequireLength(int length, int batch, int size, string parameterName)
    {
        if (length != (long)batch * size)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} elements but {batch} samples of {size} need {(long)batch * size}.", parameterName);
        }
    }

    private static void RequireBatchShape(Tensor tensor, int batch, long[] sampleShape, DType dtype, string parameterName)
    {
        var shape = tensor.Shape;
        if (tensor.DType != dtype || shape.Length != sampleShape.Length + 1 || shape[0] != batch || !shape[1..].SequenceEqual(sampleShape))
        {
            throw new ArgumentException(
                $"{parameterName} is {tensor.Description} but a batch of {batch} needs {dtype.Name()}[{string.Join(",", sampleShape.Prepend((long)batch))}].",
                parameterName);
        }
    }
}
