// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// PyTorch's formulas, the reference's comparisons (so NaN and -0 come out as there), vectorised
// with Vector<float> or TensorPrimitives.
using System.Numerics;
using System.Numerics.Tensors;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    private static readonly Unary SigmoidSpans = TensorPrimitives.Sigmoid;
    private static readonly Unary TanhSpans = TensorPrimitives.Tanh;

    // y = x <= 0 ? 0 : x
    public unsafe void ReluForward(Tensor x, Tensor y)
    {
        RequireFloatsOfOneShape("ReluForward", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
        {
            var source = new ReadOnlySpan<float>(input + first, length);
            var target = new Span<float>(output + first, length);
            var index = 0;
            for (; index <= length - Vector<float>.Count; index += Vector<float>.Count)
            {
                var value = new Vector<float>(source[index..]);
                Vector.ConditionalSelect(Vector.LessThanOrEqual(value, Vector<float>.Zero), Vector<float>.Zero, value).CopyTo(target[index..]);
            }
            for (; index < length; index++)
            {
                target[index] = source[index] <= 0f ? 0f : source[index];
            }
        });
    }

    // dx = x <= 0 ? 0 : dy
    public unsafe void ReluBackward(Tensor x, Tensor dy, Tensor dx) =>
        MaskedBackward("ReluBackward", x, dy, 0f, dx);

    // y = x > 0 ? x : slope x
    public unsafe void LeakyReluForward(Tensor x, float slope, Tensor y)
    {
        RequireFloatsOfOneShape("LeakyReluForward", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
        {
            var source = new ReadOnlySpan<float>(input + first, length);
            var target = new Span<float>(output + first, length);
            var slopes = new Vector<float>(slope);
            var index = 0;
            for (; index <= length - Vector<float>.Count; index += Vector<float>.Count)
            {
                var value = new Vector<float>(source[index..]);
                Vector.ConditionalSelect(Vector.GreaterThan(value, Vector<float>.Zero), value, value * slopes).CopyTo(target[index..]);
            }
            for (; index < length; index++)
            {
                target[index] = source[index] > 0f ? source[index] : source[index] * slope;
            }
        });
    }

    // dx = x > 0 ? dy : slope dy
    public unsafe void LeakyReluBackward(Tensor x, Tensor dy, float slope, Tensor dx) =>
        MaskedBackward("LeakyReluBackward", x, dy, slope, dx);

    // y = x <= 0 ? alpha expm1(x) : x
    public unsafe void EluForward(Tensor x, float alpha, Tensor y)
    {
        RequireFloatsOfOneShape("EluForward", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
        {
            for (var index = first; index < first + length; index++)
            {
                var value = input[index];
                output[index] = value <= 0f ? alpha * (float)ExpMinusOne(value) : value;
            }
        });
    }

    // dx = x <= 0 ? dy alpha exp(x) : dy
    public unsafe void EluBackward(Tensor x, Tensor dy, float alpha, Tensor dx)
    {
        RequireFloatsOfOneShape("EluBackward", x, "x", dy, "dy", dx, "dx");
        var saved = Data(x);
        var gradient = Data(dy);
        var output = Data(dx);
        Ranges(x.ElementCount, (first, length) =>
        {
            for (var index = first; index < first + length; index++)
            {
                var value = saved[index];
                output[index] = value <= 0f ? gradient[index] * alpha * MathF.Exp(value) : gradient[index];
            }
        });
    }

    public void SigmoidForward(Tensor x, Tensor y) => UnaryOp("SigmoidForward", x, y, SigmoidSpans);

    // dx = dy (1 - y) y
    public unsafe void SigmoidBackward(Tensor y, Tensor dy, Tensor dx)
    {
        RequireFloatsOfOneShape("SigmoidBackward", y, "y", dy, "dy", dx, "dx");
        var saved = Data(y);
        var gradient = Data(dy);
        var output = Data(dx);
        Ranges(y.ElementCount, (first, length) =>
        {
            var outputs = new ReadOnlySpan<float>(saved + first, length);
            var gradients = new ReadOnlySpan<float>(gradient + first, length);
            var target = new Span<float>(output + first, length);
            var index = 0;
            for (; index <= length - Vector<float>.Count; index += Vector<float>.Count)
            {
                var value = new Vector<float>(outputs[index..]);
                (new Vector<float>(gradients[index..]) * (Vector<float>.One - value) * value).CopyTo(target[index..]);
            }
            for (; index < length; index++)
            {
                target[index] = gradients[index] * (1f - outputs[index]) * outputs[index];
            }
        });
    }

    public void TanhForward(Tensor x, Tensor y) => UnaryOp("TanhForward", x, y, TanhSpans);

    // dx = dy (1 - y y)
    public unsafe void TanhBackward(Tensor y, Tensor dy, Tensor dx)
    {
        RequireFloatsOfOneShape("TanhBackward", y, "y", dy, "dy", dx, "dx");
        var saved = Data(y);
        var gradient = Data(dy);
        var output = Data(dx);
        Ranges(y.ElementCount, (first, length) =>
        {
            var outputs = new ReadOnlySpan<float>(saved + first, length);
            var gradients = new ReadOnlySpan<float>(gradient + first, length);
            var target = new Span<float>(output + first, length);
            var index = 0;
            for (; index <= length - Vector<float>.Count; index += Vector<float>.Count)
            {
                var value = new Vector<float>(outputs[index..]);
                (new Vector<float>(gradients[index..]) * (Vector<float>.One - value * value)).CopyTo(target[index..]);
            }
            for (; index < length; index++)
            {
                target[index] = gradients[index] * (1f - outputs[index] * outputs[index]);
            }
        });
    }

    // dx = x > 0 ? dy : slope dy (ReLU is slope 0, where the reference writes 0 for x <= 0)
    private unsafe void MaskedBackward(string op, Tensor x, Tensor dy, float slope, Tensor dx)
    {
        RequireFloatsOfOneShape(op, x, "x", dy, "dy", dx, "dx");
        var saved = Data(x);
        var gradient = Data(dy);
        var output = Data(dx);
        var relu = slope == 0f;
        Ranges(x.ElementCount, (first, length) =>
        {
            var inputs = new ReadOnlySpan<float>(saved + first, length);
            var gradients = new ReadOnlySpan<float>(gradient + first, length);
            var target = new Span<float>(output + first, length);
            var slopes = new Vector<float>(slope);
            var index = 0;
            for (; index <= length - Vector<float>.Count; index += Vector<float>.Count)
            {
                var value = new Vector<float>(inputs[index..]);
                var incoming = new Vector<float>(gradients[index..]);
                var result = relu
                    ? Vector.ConditionalSelect(Vector.LessThanOrEqual(value, Vector<float>.Zero), Vector<float>.Zero, incoming)
                    : Vector.ConditionalSelect(Vector.GreaterThan(value, Vector<float>.Zero), incoming, incoming * slopes);
                result.CopyTo(target[index..]);
            }
            for (; index < length; index++)
            {
                target[index] = relu
                    ? inputs[index] <= 0f ? 0f : gradients[index]
                    : inputs[index] > 0f ? gradients[index] : gradients[index] * slope;
            }
        });
    }

    private static double ExpMinusOne(float value)
    {
        // In double, exp(x) - 1 keeps float precision down to |x| = 1e-5; below, the series does.
        double x = value;
        return Math.Abs(x) < 1e-5 ? x + x * x / 2 : Math.Exp(x) - 1;
    }
}
