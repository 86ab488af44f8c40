// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// Over dim 1 with the maximum subtracted first; each (outer, inner) position's channel sum in
// double as the reference keeps it. Rows of a [N, C] tensor (inner = 1) are contiguous and use
// TensorPrimitives.
using System.Numerics.Tensors;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    public void SoftmaxForward(Tensor x, Tensor y) => SoftmaxForward("SoftmaxForward", x, y, logarithm: false);

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => SoftmaxBackward("SoftmaxBackward", y, dy, dx, logarithm: false);

    public void LogSoftmaxForward(Tensor x, Tensor y) => SoftmaxForward("LogSoftmaxForward", x, y, logarithm: true);

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => SoftmaxBackward("LogSoftmaxBackward", y, dy, dx, logarithm: true);

    private unsafe void SoftmaxForward(string op, Tensor x, Tensor y, bool logarithm)
    {
        RequireAtLeastDimensions(x, 2, op, "x", "[N, C, ...], normalised over dim 1");
        RequireSameShape(x, "x", y, "y", op);
        RequireFloat(y, op, "y");
        var outer = x.Shape[0];
        var channels = x.Shape[1];
        var inner = TrailingVolume(x, 2);
        var input = Data(x);
        var output = Data(y);
        var positions = outer * inner;
        ForRanges(positions, ThreadsFor(x.ElementCount, positions), (first, end) =>
        {
            for (var position = first; position < end; position++)
            {
                var o = position / inner;
                var i = position % inner;
                var offset = o * channels * inner + i;
                SoftmaxPosition(input + offset, output + offset, channels, inner, logarithm);
            }
        });
    }

    private static unsafe void SoftmaxPosition(float* x, float* y, long channels, long inner, bool logarithm)
    {
        var maximum = float.NegativeInfinity;
        for (var c = 0L; c < channels; c++)
        {
            maximum = x[c * inner] > maximum ? x[c * inner] : maximum;
        }
        double sum = 0;
        for (var c = 0L; c < channels; c++)
        {
            sum += Math.Exp(x[c * inner] - maximum);
        }
        var logSum = (float)Math.Log(sum);
        for (var c = 0L; c < channels; c++)
        {
            var shifted = x[c * inner] - maximum;
            y[c * inner] = logarithm ? shifted - logSum : (float)(Math.Exp(shifted) / sum);
        }
    }

    // softmax: dx = y (dy - sum dy y); log_softmax: dx = dy - exp(y) sum dy
    private unsafe void SoftmaxBackward(string op, Tensor y, Tensor dy, Tensor dx, bool logarithm)
    {
        RequireAtLeastDimensions(y, 2, op, "y", "[N, C, ...], normalised over dim 1");
        RequireSameShape(y, "y", dy, "dy", op);
        RequireSameShape(y, "y", dx, "dx", op);
        RequireFloat(dy, op, "dy");
        RequireFloat(dx, op, "dx");
        var outer = y.Shape[0];
        var channels = y.Shape[1];
        var inner = TrailingVolume(y, 2);
        var outputs = Data(y);
        var gradients = Data(dy);
        var result = Data(dx);
        var positions = outer * inner;
        ForRanges(positions, ThreadsFor(y.ElementCount, positions), (first, end) =>
        {
            for (var position = first; position < end; position++)
            {
                var o = position / inner;
                var i = position % inner;
                var offset = o * channels * inner + i;
                var saved = outputs + offset;
                var incoming = gradients + offset;
                var target = result + offset;
                double sum = 0;
                if (inner == 1 && !logarithm)
                {
                    sum = TensorPrimitives.Dot(new ReadOnlySpan<float>(incoming, (int)channels), new ReadOnlySpan<float>(saved, (int)channels));
                }
                else
                {
                    for (var c = 0L; c < channels; c++)
                    {
                        sum += logarithm ? incoming[c * inner] : (double)incoming[c * inner] * saved[c * inner];
                    }
                }
                var total = (float)sum;
                for (var c = 0L; c < channels; c++)
                {
                    var value = saved[c * inner];
                    var gradient = incoming[c * inner];
                    target[c * inner] = logarithm ? gradient - MathF.Exp(value) * total : value * (gradient - total);
                }
            }
        });
    }
}
