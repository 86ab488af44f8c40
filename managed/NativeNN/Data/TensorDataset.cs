// Samples held in managed arrays: a data set made in memory, a test's fixture, a tabular file
// read by the caller.
namespace NativeNN.Data;

/// <summary>Samples whose inputs (float32) and targets (int64 labels or float32 values) are in
/// managed arrays, sample after sample. The arrays are used in place, not copied: changing them
/// changes the data set.</summary>
public sealed class TensorDataset : Dataset
{
    private readonly float[] inputs;
    private readonly long[]? labels;
    private readonly float[]? targets;

    /// <summary>A classification data set: <paramref name="labels"/>.Length samples, each an input of
    /// <paramref name="inputShape"/> and one int64 label.</summary>
    public TensorDataset(float[] inputs, long[] inputShape, long[] labels)
        : base(inputShape ?? throw new ArgumentNullException(nameof(inputShape)), [], DType.Int64)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        RequireInputs(inputs, labels.Length);
        this.inputs = inputs;
        this.labels = labels;
        Count = labels.Length;
    }

    /// <summary>A data set of float32 targets of <paramref name="targetShape"/> (regression, autoencoders).</summary>
    public TensorDataset(float[] inputs, long[] inputShape, float[] targets, long[] targetShape)
        : base(inputShape ?? throw new ArgumentNullException(nameof(inputShape)),
            targetShape ?? throw new ArgumentNullException(nameof(targetShape)), DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (TargetSize == 0 || targets.Length % TargetSize != 0)
        {
            throw new ArgumentException(
                $"targets has {targets.Length} values, not a whole number of targets of shape {ShapeMath.Describe(targetShape)}.",
                nameof(targets));
        }
        var count = targets.Length / TargetSize;
        RequireInputs(inputs, count);
        this.inputs = inputs;
        this.targets = targets;
        Count = count;
    }

    public override int Count { get; }

    protected internal override void FillInputs(ReadOnlySpan<int> indices, Span<float> destination)
    {
        var size = InputSize;
        for (var index = 0; index < indices.Length; index++)
        {
            inputs.AsSpan(indices[index] * size, size).CopyTo(destination.Slice(index * size, size));
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> indices, Span<long> destination)
    {
        if (labels is null)
        {
            base.FillTargets(indices, destination);
            return;
        }
        for (var index = 0; index < indices.Length; index++)
        {
            destination[index] = labels[indices[index]];
        }
    }

    protected internal override void FillTargets(ReadOnlySpan<int> indices, Span<float> destination)
    {
        if (targets is null)
        {
            base.FillTargets(indices, destination);
            return;
        }
        var size = TargetSize;
        for (var index = 0; index < indices.Length; index++)
        {
            targets.AsSpan(indices[index] * size, size).CopyTo(destination.Slice(index * size, size));
        }
    }

    private void RequireInputs(float[] values, int count)
    {
        if (values.Length != (long)count * InputSize)
        {
            throw new ArgumentException(
                $"inputs has {values.Length} values but {count} samples of shape {ShapeMath.Describe(InputShape)} need {(long)count * InputSize}.",
                nameof(inputs));
        }
    }
}
