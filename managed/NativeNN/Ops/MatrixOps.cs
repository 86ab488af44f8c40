// Matrix product and shape views, each forward beside its backward.
using NativeNN.Autograd;

namespace NativeNN;

public sealed partial class Tensor
{
    /// <summary>Matrix product of 2-D tensors: [M,K] x [K,N] -> [M,N] (torch.mm).</summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireRank(2, "MatMul", "this");
        other.RequireRank(2, "MatMul", "other");
        if (Shape[1] != other.Shape[0])
        {
            throw new ShapeMismatchException(
                $"MatMul: {Description} x {other.Description}: the inner sizes {Shape[1]} and {other.Shape[0]} differ.");
        }
        var output = Apply(Zeros(Shape[0], other.Shape[1]), this, other, static (a, b, y) => Kernels.MatMul(a, false, b, false, 1f, 0f, y));
        return WillRecord(this, other) ? output.Record(new MatMulNode(this, other)) : output;
    }

    // d(A B)/dA = G Bᵀ, d(A B)/dB = Aᵀ G.
    private sealed class MatMulNode(Tensor left, Tensor right) : Node("MatMul", left, right)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                var gradient = ZerosLike(left);
                Kernels.MatMul(outputGradient, false, Saved(right, "right operand"), true, 1f, 0f, gradient);
                inputGradients[0] = gradient;
            }
            if (NeedsGradient(1))
            {
                var gradient = ZerosLike(right);
                Kernels.MatMul(Saved(left, "left operand"), true, outputGradient, false, 1f, 0f, gradient);
                inputGradients[1] = gradient;
            }
        }
    }

    /// <summary>Flattens dimensions start..end (inclusive; negative counts from the end) into one.</summary>
    public Tensor Flatten(int startDimension = 0, int endDimension = -1)
    {
        if (Rank == 0)
        {
            return Reshape(1);
        }
        var start = ShapeMath.NormalizeDimension(startDimension, Rank);
        var end = ShapeMath.NormalizeDimension(endDimension, Rank);
        if (start > end)
        {
            throw new ArgumentException($"Flatten of {Description}: startDimension {startDimension} comes after endDimension {endDimension}.");
        }
        var newShape = new long[Rank - (end - start)];
        for (var index = 0; index < start; index++)
        {
            newShape[index] = shape[index];
        }
        long merged = 1;
        for (var index = start; index <= end; index++)
        {
            merged *= shape[index];
        }
        newShape[start] = merged;
        for (var index = end + 1; index < Rank; index++)
        {
            newShape[index - (end - start)] = shape[index];
        }
        return Reshape(newShape);
    }

    // A reshape's gradient is the output gradient viewed in the input's shape.
    private sealed class ReshapeNode(Tensor input) : Node("Reshape", input)
    {
        private readonly long[] inputShape = input.Shape.ToArray();

        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients) =>
            inputGradients[0] = outputGradient.Reshape(inputShape);
    }

    internal void RequireRank(int rank, string operation, string argument)
    {
        if (Rank != rank)
        {
            throw new ShapeMismatchException($"{operation}: {argument} is {Description} but must have {rank} dimensions.");
        }
    }

    internal void RequireFloat(string operation, string argument)
    {
        if (DType != DType.Float32)
        {
            throw new ArgumentException($"{operation}: {argument} is {Description} but must be float32.");
        }
    }
}
