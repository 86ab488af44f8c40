// Naive C# versions of the ops, written from PyTorch's definitions, that the hostile-input test
// checks every successful call against (a second route that shares no code with the kernels).
namespace NativeNN.Tests.Hardening;

internal static class References
{
    // a [M,K] x b [K,N] -> [M,N]
    public static float[] MatMul(float[] a, float[] b, int m, int k, int n)
    {
        var c = new float[m * n];
        for (var row = 0; row < m; row++)
        {
            for (var column = 0; column < n; column++)
            {
                double sum = 0;
                for (var inner = 0; inner < k; inner++)
                {
                    sum += (double)a[row * k + inner] * b[inner * n + column];
                }
                c[row * n + column] = (float)sum;
            }
        }
        return c;
    }

    // x [N,C,H,W], w [K,C/g,R,S], bias [K] -> [N,K,P,Q]
    // With multiplyPadding the zero padding is multiplied like input (an im2col GEMM does that, so an
    // infinite weight facing padding gives NaN); without, taps over padding are skipped (direct
    // kernels do that). PyTorch's result depends on which of its kernels runs, so both are accepted.
    public static float[] Conv2d(float[] x, long[] xShape, float[] w, long[] wShape, float[]? bias, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, int groups, bool multiplyPadding, out long[] yShape)
    {
        var (n, c, h, wi) = ((int)xShape[0], (int)xShape[1], (int)xShape[2], (int)xShape[3]);
        var (k, cg, r, s) = ((int)wShape[0], (int)wShape[1], (int)wShape[2], (int)wShape[3]);
        var p = (h + 2 * padding.H - dilation.H * (r - 1) - 1) / stride.H + 1;
        var q = (wi + 2 * padding.W - dilation.W * (s - 1) - 1) / stride.W + 1;
        yShape = [n, k, p, q];
        var y = new float[n * k * p * q];
        var kg = k / groups;
        for (var batch = 0; batch < n; batch++)
        for (var output = 0; output < k; output++)
        for (var oy = 0; oy < p; oy++)
        for (var ox = 0; ox < q; ox++)
        {
            double sum = bias?[output] ?? 0;
            var group = output / kg;
            for (var channel = 0; channel < cg; channel++)
            for (var ky = 0; ky < r; ky++)
            for (var kx = 0; kx < s; kx++)
            {
                var iy = oy * stride.H - padding.H + ky * dilation.H;
                var ix = ox * stride.W - padding.W + kx * dilation.W;
                var weight = w[((output * cg + channel) * r + ky) * s + kx];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wi)
                {
                    sum += multiplyPadding ? 0.0 * weight : 0.0;
                    continue;
                }
                var input = group * cg + channel;
                sum += (double)x[((batch * c + input) * h + iy) * wi + ix] * weight;
            }
            y[((batch * k + output) * p + oy) * q + ox] = (float)sum;
        }
        return y;
    }

    // x [N,Cin,H,W], w [Cin,Cout/g,R,S], bias [Cout] -> [N,Cout,Ho,Wo]: every input scatters its
    // weighted kernel into the output.
    public static float[] ConvTranspose2d(float[] x, long[] xShape, float[] w, long[] wShape, float[]? bias, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) outputPadding, (int H, int W) dilation, int groups, out long[] yShape)
    {
        var (n, cin, h, wi) = ((int)xShape[0], (int)xShape[1], (int)xShape[2], (int)xShape[3]);
        var (coutGroup, r, s) = ((int)wShape[1], (int)wShape[2], (int)wShape[3]);
        var cout = coutGroup * groups;
        var cinGroup = cin / groups;
        var ho = (h - 1) * stride.H - 2 * padding.H + dilation.H * (r - 1) + outputPadding.H + 1;
        var wo = (wi - 1) * stride.W - 2 * padding.W + dilation.W * (s - 1) + outputPadding.W + 1;
        yShape = [n, cout, ho, wo];
        var sums = new double[n * cout * ho * wo];
        for (var batch = 0; batch < n; batch++)
        for (var input = 0; input < cin; input++)
        for (var iy = 0; iy < h; iy++)
        for (var ix = 0; ix < wi; ix++)
        {
            var value = (double)x[((batch * cin + input) * h + iy) * wi + ix];
            var group = input / cinGroup;
            for (var channel = 0; channel < coutGroup; channel++)
            for (var ky = 0; ky < r; ky++)
            for (var kx = 0; kx < s; kx++)
            {
                var oy = iy * stride.H - padding.H + ky * dilation.H;
                var ox = ix * stride.W - padding.W + kx * dilation.W;
                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo)
                {
                    continue;
                }
                var output = group * coutGroup + channel;
                sums[((batch * cout + output) * ho + oy) * wo + ox] += value * w[((input * coutGroup + channel) * r + ky) * s + kx];
            }
        }
        var y = new float[sums.Length];
        for (var index = 0; index < y.Length; index++)
        {
            var channel = index / (ho * wo) % cout;
            y[index] = (float)(sums[index] + (bias?[channel] ?? 0));
        }
        return y;
    }

    // x [N,C,H,W] -> [N,C,P,Q]; PyTorch's pooling: padding at most half the kernel, ceil mode drops a
    // last window that starts in the bottom padding, max propagates NaN, average divides by the
    // window clipped to the padded input (or to the input without countIncludePad).
    public static float[] Pool2d(bool max, float[] x, long[] xShape, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, bool ceilMode, bool countIncludePad, out long[] yShape)
    {
        var (n, c, h, wi) = ((int)xShape[0], (int)xShape[1], (int)xShape[2], (int)xShape[3]);
        var p = PoolSize(h, kernel.H, stride.H, padding.H, ceilMode);
        var q = PoolSize(wi, kernel.W, stride.W, padding.W, ceilMode);
        yShape = [n, c, p, q];
        var y = new float[n * c * p * q];
        for (var plane = 0; plane < n * c; plane++)
        for (var oy = 0; oy < p; oy++)
        for (var ox = 0; ox < q; ox++)
        {
            var y0 = oy * stride.H - padding.H;
            var x0 = ox * stride.W - padding.W;
            var y1 = Math.Min(y0 + kernel.H, h + padding.H);
            var x1 = Math.Min(x0 + kernel.W, wi + padding.W);
            var paddedCount = (y1 - y0) * (x1 - x0);
            var best = float.NegativeInfinity;
            double sum = 0;
            var count = 0;
            for (var iy = Math.Max(y0, 0); iy < Math.Min(y1, h); iy++)
            for (var ix = Math.Max(x0, 0); ix < Math.Min(x1, wi); ix++)
            {
                var value = x[(plane * h + iy) * wi + ix];
                if (!float.IsNaN(best) && (value > best || float.IsNaN(value)))
                {
                    best = value;
                }
                sum += value;
                count++;
            }
            y[(plane * p + oy) * q + ox] = max ? best : (float)(sum / (countIncludePad ? paddedCount : count));
        }
        return y;
    }

    public static int PoolSize(int input, int kernel, int stride, int padding, bool ceilMode)
    {
        var numerator = input + 2 * padding - kernel + (ceilMode ? stride - 1 : 0);
        var output = (int)Math.Floor((double)numerator / stride) + 1;
        if (ceilMode && (output - 1) * stride >= input + padding)
        {
            output--;
        }
        return output;
    }

    // Over dimension 1 of [N, C, inner...]: softmax, or log-softmax with log.
    public static float[] Softmax(float[] x, long[] shape, bool log)
    {
        var (outer, classes) = ((int)shape[0], (int)shape[1]);
        var inner = x.Length / Math.Max(1, outer * classes);
        var y = new float[x.Length];
        for (var o = 0; o < outer; o++)
        for (var i = 0; i < inner; i++)
        {
            var maximum = double.NegativeInfinity;
            for (var k = 0; k < classes; k++)
            {
                maximum = Math.Max(maximum, x[(o * classes + k) * inner + i]);
            }
            double total = 0;
            for (var k = 0; k < classes; k++)
            {
                total += Math.Exp(x[(o * classes + k) * inner + i] - maximum);
            }
            for (var k = 0; k < classes; k++)
            {
                var shifted = x[(o * classes + k) * inner + i] - maximum;
                y[(o * classes + k) * inner + i] = (float)(log ? shifted - Math.Log(total) : Math.Exp(shifted) / total);
            }
        }
        return y;
    }

    // Per-sample losses of scores [N, C, inner...] against class indices [N, inner...].
    public static float[] ClassLoss(float[] scores, long[] shape, long[] targets, bool crossEntropy)
    {
        var values = crossEntropy ? Softmax(scores, shape, log: true) : scores;
        var (outer, classes) = ((int)shape[0], (int)shape[1]);
        var inner = targets.Length / Math.Max(1, outer);
        var losses = new float[targets.Length];
        for (var o = 0; o < outer; o++)
        for (var i = 0; i < inner; i++)
        {
            losses[o * inner + i] = -values[(o * classes + (int)targets[o * inner + i]) * inner + i];
        }
        return losses;
    }

    public static float[] Reduce(float[] losses, Reduction reduction) => reduction switch
    {
        Reduction.None => losses,
        Reduction.Sum => [(float)losses.Sum(value => (double)value)],
        _ => [(float)(losses.Sum(value => (double)value) / losses.Length)],
    };
}
