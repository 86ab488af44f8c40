// Element-wise arithmetic, scalar operands, per-channel bias broadcasting and reductions, each
// forward beside its backward. Binary ops take equal shapes, or a [C] bias against [N, C, ...].
using NativeNN.Autograd;

namespace NativeNN;

public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator +(Tensor a, float b) => a.AddScalar(b);
    public static Tensor operator +(float a, Tensor b) => b.AddScalar(a);
    public static Tensor operator -(Tensor a, float b) => a.AddScalar(-b);
    public static Tensor operator -(float a, Tensor b) => b.Scale(-1f).AddScalar(a);
    public static Tensor operator *(Tensor a, float b) => a.Scale(b);
    public static Tensor operator *(float a, Tensor b) => b.Scale(a);
    public static Tensor operator /(Tensor a, float b) => a.Scale(1f / b);
    public static Tensor operator -(Tensor a) => a.Scale(-1f);

    /// <summary>a + b for equal shapes, or a [N, C, ...] + b [C] (a per-channel bias).</summary>
    public Tensor Add(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (IsChannelBias(other))
        {
            RequireFloat("Add", "a");
            other.RequireFloat("Add", "b (a per-channel bias)");
            var biased = Apply(ZerosLike(this), this, other, Kernels.BiasAdd);
            return WillRecord(this, other) ? biased.Record(new BiasAddNode(this, other)) : biased;
        }
        RequireSameShape(other, "Add");
        var output = Apply(ZerosLike(this), this, other, Kernels.Add);
        return WillRecord(this, other) ? output.Record(new AddNode(this, other, subtract: false)) : output;
    }

    /// <summary>a - b for equal shapes.</summary>
    public Tensor Sub(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameShape(other, "Sub");
        var output = Apply(ZerosLike(this), this, other, Kernels.Sub);
        return WillRecord(this, other) ? output.Record(new AddNode(this, other, subtract: true)) : output;
    }

    // d(a ± b) = (g, ±g)
    private sealed class AddNode(Tensor left, Tensor right, bool subtract) : Node(subtract ? "Sub" : "Add", left, right)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                inputGradients[0] = outputGradient.Clone();
            }
            if (NeedsGradient(1))
            {
                var gradient = ZerosLike(outputGradient);
                Kernels.Scale(outputGradient, subtract ? -1f : 1f, gradient);
                inputGradients[1] = gradient;
            }
        }
    }

    // d(x + b[c]) = (g, sum of g over every dimension but the channel one)
    private sealed class BiasAddNode(Tensor input, Tensor bias) : Node("BiasAdd", input, bias)
    {
        private readonly long channels = bias.ElementCount;

        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                inputGradients[0] = outputGradient.Clone();
            }
            if (NeedsGradient(1))
            {
                var gradient = Zeros(channels);
                Kernels.BiasBackward(outputGradient, gradient);
                inputGradients[1] = gradient;
            }
        }
    }

    /// <summary>a * b element-wise, equal shapes.</summary>
    public Tensor Mul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameShape(other, "Mul");
        var output = Apply(ZerosLike(this), this, other, Kernels.Mul);
        return WillRecord(this, other) ? output.Record(new MulNode(this, other)) : output;
    }

    // d(a b) = (g b, g a)
    private sealed class MulNode(Tensor left, Tensor right) : Node("Mul", left, right)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                var gradient = ZerosLike(outputGradient);
                Kernels.Mul(outputGradient, Saved(right, "right operand"), gradient);
                inputGradients[0] = gradient;
            }
            if (NeedsGradient(1))
            {
                var gradient = ZerosLike(outputGradient);
                Kernels.Mul(outputGradient, Saved(left, "left operand"), gradient);
                inputGradients[1] = gradient;
            }
        }
    }

    /// <summary>x * factor.</summary>
    public Tensor Scale(float factor)
    {
        RequireFloat("Scale", "x");
        var output = Apply(ZerosLike(this), this, factor, Kernels.Scale);
        return WillRecord(this) ? output.Record(new ScaleNode(this, factor)) : output;
    }

    private sealed class ScaleNode(Tensor input, float factor) : Node("Scale", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = ZerosLike(outputGradient);
            Kernels.Scale(outputGradient, factor, gradient);
            inputGradients[0] = gradient;
        }
    }

    /// <summary>x + value.</summary>
    public Tensor AddScalar(float value)
    {
        RequireFloat("AddScalar", "x");
        var output = Apply(ZerosLike(this), this, value, Kernels.AddScalar);
        return WillRecord(this) ? output.Record(new IdentityGradientNode("AddScalar", this)) : output;
    }

    private sealed class IdentityGradientNode(string name, Tensor input) : Node(name, input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients) =>
            inputGradients[0] = outputGradient.Clone();
    }

    /// <summary>e^x.</summary>
    public Tensor Exp()
    {
        RequireFloat("Exp", "x");
        var output = Apply(ZerosLike(this), this, Kernels.Exp);
        return WillRecord(this) ? output.Record(new ExpNode(this, output)) : output;
    }

    // d e^x = g e^x, from the saved output.
    private sealed class ExpNode(Tensor input, Tensor output) : Node("Exp", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = ZerosLike(outputGradient);
            Kernels.Mul(outputGradient, Saved(output, "output"), gradient);
            inputGradients[0] = gradient;
        }
    }

    /// <summary>Natural logarithm.</summary>
    public Tensor Log()
    {
        RequireFloat("Log", "x");
        var output = Apply(ZerosLike(this), this, Kernels.Log);
        return WillRecord(this) ? output.Record(new LogNode(this, output)) : output;
    }

    // d log x = g / x, computed as g e^(-log x) from the saved output, so no division kernel is needed.
    private sealed class LogNode(Tensor input, Tensor output) : Node("Log", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            using var reciprocal = ZerosLike(outputGradient);
            Kernels.Scale(Saved(output, "output"), -1f, reciprocal);
            Kernels.Exp(reciprocal, reciprocal);
            var gradient = ZerosLike(outputGradient);
            Kernels.Mul(outputGradient, reciprocal, gradient);
            inputGradients[0] = gradient;
        }
    }

    /// <summary>x².</summary>
    public Tensor Square()
    {
        RequireFloat("Square", "x");
        var output = Apply(ZerosLike(this), this, Kernels.Square);
        return WillRecord(this) ? output.Record(new SquareNode(this)) : output;
    }

    // d x² = 2 g x
    private sealed class SquareNode(Tensor input) : Node("Square", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = ZerosLike(outputGradient);
            Kernels.Mul(outputGradient, Saved(input, "input"), gradient);
            Kernels.Scale(gradient, 2f, gradient);
            inputGradients[0] = gradient;
        }
    }

    /// <summary>Sum of every element, as a scalar.</summary>
    public Tensor Sum()
    {
        RequireFloat("Sum", "x");
        var output = Apply(Create(DType.Float32, []), this, Kernels.Sum);
        return WillRecord(this) ? output.Record(new ReduceNode("Sum", this, 1f)) : output;
    }

    /// <summary>Mean of every element, as a scalar.</summary>
    public Tensor Mean()
    {
        RequireFloat("Mean", "x");
        if (ElementCount == 0)
        {
            throw new InvalidOperationException($"Mean of {Description}: the tensor has no elements.");
        }
        var output = Apply(Create(DType.Float32, []), this, Kernels.Mean);
        return WillRecord(this) ? output.Record(new ReduceNode("Mean", this, 1f / ElementCount)) : output;
    }

    // d sum = g everywhere; d mean = g / n everywhere.
    private sealed class ReduceNode(string name, Tensor input, float factor) : Node(name, input)
    {
        private readonly long[] inputShape = input.Shape.ToArray();

        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients) =>
            inputGradients[0] = Full(outputGradient.ToArray()[0] * factor, inputShape);
    }

    /// <summary>The transpose of a 2-D tensor, as a new contiguous tensor.</summary>
    public Tensor Transpose()
    {
        RequireRank(2, "Transpose", "x");
        RequireFloat("Transpose", "x");
        var output = Apply(Zeros(Shape[1], Shape[0]), this, Kernels.Transpose);
        return WillRecord(this) ? output.Record(new TransposeNode(this)) : output;
    }

    private sealed class TransposeNode(Tensor input) : Node("Transpose", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = Zeros(outputGradient.Shape[1], outputGradient.Shape[0]);
            Kernels.Transpose(outputGradient, gradient);
            inputGradients[0] = gradient;
        }
    }

    /// <summary>this += other, in place, outside the graph (gradient accumulation, updates).</summary>
    internal void AddInPlace(Tensor other) => Kernels.Axpy(1f, other, this);

    private bool IsChannelBias(Tensor other) =>
        other.Rank == 1 && Rank >= 2 && other.Shape[0] == Shape[1] && !other.Shape.SequenceEqual(Shape);

    private void RequireSameShape(Tensor other, string operation)
    {
        if (!Shape.SequenceEqual(other.Shape) || DType != other.DType)
        {
            throw new ShapeMismatchException(
                $"{operation}: {Description} and {other.Description} must have the same shape and dtype (or the second must be a [C] bias for a [N, C, ...] first).");
        }
    }
}
