// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q], and every backward; conv_transpose2d on top of them.
// im2col + the managed GEMM per sample and group (a 1x1 kernel of stride 1 without padding reads x
// as it is). conv_transpose2d is the backward-data of the conv2d from its output's shape to its
// input's, and its backward-data that conv2d's forward, as in the native core. Samples run in
// parallel when there are enough of them, else the GEMM splits its own work.
using NativeNN.Interop;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    /// <summary>One conv2d's sizes; the output sizes are explicit because conv_transpose2d's
    /// output_padding can make them one more than the conv2d formula gives.</summary>
    private readonly record struct ConvGeometry(
        long Batch, long InChannels, long InHeight, long InWidth, long OutChannels, long KernelHeight, long KernelWidth,
        long StrideHeight, long StrideWidth, long PaddingHeight, long PaddingWidth, long DilationHeight, long DilationWidth,
        long Groups, long OutHeight, long OutWidth)
    {
        public long GroupInChannels => InChannels / Groups;
        public long GroupOutChannels => OutChannels / Groups;
        public long InPlane => InHeight * InWidth;
        public long OutPlane => OutHeight * OutWidth;
        public long ColumnRows => GroupInChannels * KernelHeight * KernelWidth;
        public long MultiplyAdds => Batch * OutChannels * OutPlane * ColumnRows;

        // The columns are x itself: every output position reads one input position.
        public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1 &&
                                   PaddingHeight == 0 && PaddingWidth == 0;
    }

    [ThreadStatic]
    private static float[]? columnBuffer;

    public unsafe void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        const string op = "Conv2dForward";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, C, H, W]");
        RequireFourDimensional(op, weight, "weight", DType.Float32, "[K, C/groups, R, S]");
        RequireFourDimensional(op, y, "y", DType.Float32, "[N, K, P, Q]");
        var g = Convolution(op, x.Shape, weight.Shape, geometry, "x");
        RequireConvShape(op, y, "y", [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], "conv2d of x and weight");
        RequireSeparate(y, "y", x, "x", op);
        RequireSeparate(y, "y", weight, "weight", op);
        var biases = OptionalBias(op, bias, g.OutChannels);
        ConvolutionForward(g, Data(x), Data(weight), biases, Data(y));
    }

    public unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        const string op = "Conv2dBackwardData";
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, K, P, Q]");
        RequireFourDimensional(op, weight, "weight", DType.Float32, "[K, C/groups, R, S]");
        RequireFourDimensional(op, dx, "dx", DType.Float32, "[N, C, H, W]");
        var g = Convolution(op, dx.Shape, weight.Shape, geometry, "dx");
        RequireConvShape(op, dy, "dy", [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], "conv2d of dx's shape and weight");
        RequireSeparate(dx, "dx", dy, "dy", op);
        RequireSeparate(dx, "dx", weight, "weight", op);
        ConvolutionBackwardData(g, Data(dy), Data(weight), Data(dx));
    }

    public unsafe void Conv2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        const string op = "Conv2dBackwardWeight";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, C, H, W]");
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, K, P, Q]");
        RequireFourDimensional(op, dweight, "dweight", DType.Float32, "[K, C/groups, R, S]");
        var g = Convolution(op, x.Shape, dweight.Shape, geometry, "x");
        RequireConvShape(op, dy, "dy", [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth], "conv2d of x and dweight's shape");
        RequireSeparate(dweight, "dweight", x, "x", op);
        RequireSeparate(dweight, "dweight", dy, "dy", op);
        ConvolutionBackwardWeight(g, Data(x), Data(dy), Data(dweight));
    }

    public unsafe void ConvTranspose2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        const string op = "ConvTranspose2dForward";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, Cin, H, W]");
        RequireFourDimensional(op, weight, "weight", DType.Float32, "[Cin, Cout/groups, R, S]");
        RequireFourDimensional(op, y, "y", DType.Float32, "[N, Cout, Ho, Wo]");
        var g = TransposedConvolution(op, x.Shape, weight.Shape, geometry, "x");
        RequireConvShape(op, y, "y", [g.Batch, g.InChannels, g.InHeight, g.InWidth], "conv_transpose2d of x and weight");
        RequireSeparate(y, "y", x, "x", op);
        RequireSeparate(y, "y", weight, "weight", op);
        var biases = OptionalBias(op, bias, g.InChannels);
        var output = Data(y);
        ConvolutionBackwardData(g, Data(x), Data(weight), output);
        if (biases is not null)
        {
            AddChannelBias(output, biases, g.Batch, g.InChannels, g.InPlane);
        }
    }

    public unsafe void ConvTranspose2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        const string op = "ConvTranspose2dBackwardData";
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, Cout, Ho, Wo]");
        RequireFourDimensional(op, weight, "weight", DType.Float32, "[Cin, Cout/groups, R, S]");
        RequireFourDimensional(op, dx, "dx", DType.Float32, "[N, Cin, H, W]");
        var g = TransposedConvolution(op, dx.Shape, weight.Shape, geometry, "dx");
        RequireConvShape(op, dy, "dy", [g.Batch, g.InChannels, g.InHeight, g.InWidth], "conv_transpose2d of dx's shape and weight");
        RequireSeparate(dx, "dx", dy, "dy", op);
        RequireSeparate(dx, "dx", weight, "weight", op);
        ConvolutionForward(g, Data(dy), Data(weight), null, Data(dx));
    }

    public unsafe void ConvTranspose2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        const string op = "ConvTranspose2dBackwardWeight";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, Cin, H, W]");
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, Cout, Ho, Wo]");
        RequireFourDimensional(op, dweight, "dweight", DType.Float32, "[Cin, Cout/groups, R, S]");
        var g = TransposedConvolution(op, x.Shape, dweight.Shape, geometry, "x");
        RequireConvShape(op, dy, "dy", [g.Batch, g.InChannels, g.InHeight, g.InWidth], "conv_transpose2d of x and dweight's shape");
        RequireSeparate(dweight, "dweight", x, "x", op);
        RequireSeparate(dweight, "dweight", dy, "dy", op);
        ConvolutionBackwardWeight(g, Data(dy), Data(x), Data(dweight));
    }

    // ---- The three passes over a conv2d geometry --------------------------------------------

    // y[n, group] [Kg, PQ] = W_group [Kg, Cg R S] columns(x[n, group]) [Cg R S, PQ] (+ bias)
    private static unsafe void ConvolutionForward(ConvGeometry g, float* x, float* weight, float* bias, float* y)
    {
        if (g.Batch == 0)
        {
            return;
        }
        var (sampleThreads, gemmThreads) = SplitThreads(g);
        ForRanges(g.Batch, sampleThreads, (first, end) =>
        {
            var columns = g.IsPointwise ? null : Columns(g.ColumnRows * g.OutPlane);
            for (var n = first; n < end; n++)
            {
                for (var group = 0L; group < g.Groups; group++)
                {
                    var input = x + (n * g.InChannels + group * g.GroupInChannels) * g.InPlane;
                    var source = input;
                    if (columns is not null)
                    {
                        ImageToColumns(g, input, columns);
                        source = columns;
                    }
                    ManagedGemm.Multiply(false, false, g.GroupOutChannels, g.OutPlane, g.ColumnRows, 1f,
                        weight + group * g.GroupOutChannels * g.ColumnRows, g.ColumnRows, source, g.OutPlane, 0f,
                        y + (n * g.OutChannels + group * g.GroupOutChannels) * g.OutPlane, g.OutPlane, gemmThreads);
                }
                if (bias is not null)
                {
                    AddChannelBias(y + n * g.OutChannels * g.OutPlane, bias, 1, g.OutChannels, g.OutPlane);
                }
            }
        });
    }

    // dx[n, group] = columns^-1(W_group^T [Cg R S, Kg] dy[n, group] [Kg, PQ]), overlapping windows summed
    private static unsafe void ConvolutionBackwardData(ConvGeometry g, float* dy, float* weight, float* dx)
    {
        if (g.Batch == 0)
        {
            return;
        }
        var (sampleThreads, gemmThreads) = SplitThreads(g);
        ForRanges(g.Batch, sampleThreads, (first, end) =>
        {
            var columns = g.IsPointwise ? null : Columns(g.ColumnRows * g.OutPlane);
            for (var n = first; n < end; n++)
            {
                for (var group = 0L; group < g.Groups; group++)
                {
                    var output = dx + (n * g.InChannels + group * g.GroupInChannels) * g.InPlane;
                    ManagedGemm.Multiply(true, false, g.ColumnRows, g.OutPlane, g.GroupOutChannels, 1f,
                        weight + group * g.GroupOutChannels * g.ColumnRows, g.ColumnRows,
                        dy + (n * g.OutChannels + group * g.GroupOutChannels) * g.OutPlane, g.OutPlane, 0f,
                        columns is null ? output : columns, g.OutPlane, gemmThreads);
                    if (columns is not null)
                    {
                        ColumnsToImage(g, columns, output);
                    }
                }
            }
        });
    }

    // dW_group [Kg, Cg R S] = sum over n of dy[n, group] [Kg, PQ] columns(x[n, group])^T [PQ, Cg R S];
    // each thread sums its own range of samples, then the partial sums are added in thread order.
    private static unsafe void ConvolutionBackwardWeight(ConvGeometry g, float* x, float* dy, float* dweight)
    {
        var weightCount = g.OutChannels * g.ColumnRows;
        if (g.Batch == 0)
        {
            new Span<float>(dweight, checked((int)weightCount)).Clear();
            return;
        }
        var (sampleThreads, gemmThreads) = SplitThreads(g);
        var partials = new float[Math.Max(0, (int)Math.Min(sampleThreads, g.Batch) - 1)][];
        ForChunks(g.Batch, sampleThreads, (chunk, first, end) =>
        {
            var columns = g.IsPointwise ? null : Columns(g.ColumnRows * g.OutPlane);
            var partial = chunk == 0 ? null : partials[chunk - 1] = GC.AllocateUninitializedArray<float>((int)weightCount, pinned: true);
            var target = partial is null ? dweight : (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref partial[0]);
            for (var n = first; n < end; n++)
            {
                for (var group = 0L; group < g.Groups; group++)
                {
                    var input = x + (n * g.InChannels + group * g.GroupInChannels) * g.InPlane;
                    var source = input;
                    if (columns is not null)
                    {
                        ImageToColumns(g, input, columns);
                        source = columns;
                    }
                    ManagedGemm.Multiply(false, true, g.GroupOutChannels, g.ColumnRows, g.OutPlane, 1f,
                        dy + (n * g.OutChannels + group * g.GroupOutChannels) * g.OutPlane, g.OutPlane, source, g.OutPlane,
                        n == first ? 0f : 1f, target + group * g.GroupOutChannels * g.ColumnRows, g.ColumnRows, gemmThreads);
                }
            }
        });
        var total = new Span<float>(dweight, (int)weightCount);
        foreach (var partial in partials)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(total, partial, total);
        }
    }

    // Samples in parallel (each GEMM on one thread) when there are at least as many as threads,
    // else one sample at a time with the GEMM on every thread.
    private static (int SampleThreads, int GemmThreads) SplitThreads(in ConvGeometry g)
    {
        var threads = ThreadsFor(g.MultiplyAdds, long.MaxValue, 1 << 20);
        return g.Batch >= threads ? (threads, 1) : (1, threads);
    }

    private static unsafe float* Columns(long count)
    {
        var buffer = columnBuffer;
        if (buffer is null || buffer.Length < count)
        {
            buffer = columnBuffer = GC.AllocateUninitializedArray<float>(checked((int)count), pinned: true);
        }
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }

    // x [Cg, H, W] -> columns [Cg R S, P Q]: row (c, r, s) holds x[c, oh sh - ph + r dh, ow sw - pw + s dw], zero outside.
    private static unsafe void ImageToColumns(in ConvGeometry g, float* x, float* columns)
    {
        var row = columns;
        for (var c = 0L; c < g.GroupInChannels; c++)
        {
            var plane = x + c * g.InPlane;
            for (var r = 0L; r < g.KernelHeight; r++)
            {
                for (var s = 0L; s < g.KernelWidth; s++)
                {
                    var (columnOffset, first, end) = ValidColumns(g, s);
                    for (var oh = 0L; oh < g.OutHeight; oh++)
                    {
                        var target = row + oh * g.OutWidth;
                        var ih = oh * g.StrideHeight - g.PaddingHeight + r * g.DilationHeight;
                        if (ih < 0 || ih >= g.InHeight)
                        {
                            new Span<float>(target, (int)g.OutWidth).Clear();
                            continue;
                        }
                        var source = plane + ih * g.InWidth + columnOffset;
                        new Span<float>(target, (int)first).Clear();
                        if (g.StrideWidth == 1)
                        {
                            new ReadOnlySpan<float>(source + first, (int)(end - first)).CopyTo(new Span<float>(target + first, (int)(end - first)));
                        }
                        else
                        {
                            for (var ow = first; ow < end; ow++)
                            {
                                target[ow] = source[ow * g.StrideWidth];
                            }
                        }
                        new Span<float>(target + end, (int)(g.OutWidth - end)).Clear();
                    }
                    row += g.OutPlane;
                }
            }
        }
    }

    // columns [Cg R S, P Q] -> x [Cg, H, W], written (zeroed first), every window's share added.
    private static unsafe void ColumnsToImage(in ConvGeometry g, float* columns, float* x)
    {
        new Span<float>(x, checked((int)(g.GroupInChannels * g.InPlane))).Clear();
        var row = columns;
        for (var c = 0L; c < g.GroupInChannels; c++)
        {
            var plane = x + c * g.InPlane;
            for (var r = 0L; r < g.KernelHeight; r++)
            {
                for (var s = 0L; s < g.KernelWidth; s++)
                {
                    var (columnOffset, first, end) = ValidColumns(g, s);
                    for (var oh = 0L; oh < g.OutHeight; oh++)
                    {
                        var ih = oh * g.StrideHeight - g.PaddingHeight + r * g.DilationHeight;
                        if (ih < 0 || ih >= g.InHeight)
                        {
                            continue;
                        }
                        var source = row + oh * g.OutWidth;
                        var target = plane + ih * g.InWidth + columnOffset;
                        if (g.StrideWidth == 1)
                        {
                            var span = new Span<float>(target + first, (int)(end - first));
                            System.Numerics.Tensors.TensorPrimitives.Add(span, new ReadOnlySpan<float>(source + first, (int)(end - first)), span);
                        }
                        else
                        {
                            for (var ow = first; ow < end; ow++)
                            {
                                target[ow * g.StrideWidth] += source[ow];
                            }
                        }
                    }
                    row += g.OutPlane;
                }
            }
        }
    }

    // For kernel column s: iw = ow sw + offset, and the outputs [first, end) whose iw lies in [0, W).
    private static (long Offset, long First, long End) ValidColumns(in ConvGeometry g, long s)
    {
        var offset = s * g.DilationWidth - g.PaddingWidth;
        var first = offset >= 0 ? 0 : (-offset + g.StrideWidth - 1) / g.StrideWidth;
        var end = g.InWidth - 1 - offset < 0 ? 0 : (g.InWidth - 1 - offset) / g.StrideWidth + 1;
        first = Math.Min(first, g.OutWidth);
        end = Math.Clamp(end, first, g.OutWidth);
        return (offset, first, end);
    }

    private static unsafe void AddChannelBias(float* y, float* bias, long batch, long channels, long plane)
    {
        for (var n = 0L; n < batch; n++)
        {
            for (var c = 0L; c < channels; c++)
            {
                var span = new Span<float>(y + (n * channels + c) * plane, (int)plane);
                System.Numerics.Tensors.TensorPrimitives.Add(span, bias[c], span);
            }
        }
    }

    private static unsafe float* OptionalBias(string op, Tensor? bias, long channels)
    {
        if (bias is null)
        {
            return null;
        }
        RequireFloat(bias, op, "bias");
        if (bias.Rank != 1 || bias.Shape[0] != channels)
        {
            throw new ShapeMismatchException($"{op}: bias is {bias.Description} but must be [{channels}], one value per output channel");
        }
        return Data(bias);
    }

    private static void RequireConvShape(string op, Tensor tensor, string name, long[] expected, string because)
    {
        if (!tensor.Shape.SequenceEqual(expected))
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but {because} gives [{string.Join(",", expected)}]");
        }
    }

    // ---- Geometry, checked as the native core checks it ---------------------------------------

    // x [N,C,H,W] and weight [K,C/g,R,S] -> the conv2d geometry.
    private static ConvGeometry Convolution(string op, ReadOnlySpan<long> x, ReadOnlySpan<long> weight, in nn_conv2d_params p, string xName)
    {
        if (p.output_padding_h != 0 || p.output_padding_w != 0)
        {
            throw new ArgumentException(
                $"{op}: output_padding is ({p.output_padding_h}, {p.output_padding_w}) but conv2d takes none (only conv_transpose2d does)");
        }
        RequireAtLeast(op, "groups", p.groups, 1);
        if (weight[1] * p.groups != x[1])
        {
            throw new ShapeMismatchException(
                $"{op}: {xName} has {x[1]} channels but weight [{string.Join(",", weight.ToArray())}] expects {weight[1]} input channels per group (groups={p.groups})");
        }
        CheckChannels(op, x[0], x[1], weight[0], p.groups);
        var outHeight = ConvOutputSize(op, "height", x[2], weight[2], p.stride_h, p.padding_h, p.dilation_h);
        var outWidth = ConvOutputSize(op, "width", x[3], weight[3], p.stride_w, p.padding_w, p.dilation_w);
        return new ConvGeometry(x[0], x[1], x[2], x[3], weight[0], weight[2], weight[3], p.stride_h, p.stride_w,
            p.padding_h, p.padding_w, p.dilation_h, p.dilation_w, p.groups, outHeight, outWidth);
    }

    // x [N,Cin,H,W] and weight [Cin,Cout/g,R,S] -> the conv2d whose input is the transposed output
    // [N,Cout,Ho,Wo] and whose output is x.
    private static ConvGeometry TransposedConvolution(string op, ReadOnlySpan<long> x, ReadOnlySpan<long> weight, in nn_conv2d_params p, string xName)
    {
        RequireAtLeast(op, "groups", p.groups, 1);
        if (weight[0] != x[1])
        {
            throw new ShapeMismatchException(
                $"{op}: {xName} has {x[1]} channels but weight [{string.Join(",", weight.ToArray())}] expects {weight[0]} (conv_transpose2d's weight is [in, out/groups, kh, kw])");
        }
        var outChannels = weight[1] * p.groups;
        CheckChannels(op, x[0], x[1], outChannels, p.groups);
        var outHeight = TransposedOutputSize(op, "height", x[2], weight[2], p.stride_h, p.padding_h, p.output_padding_h, p.dilation_h);
        var outWidth = TransposedOutputSize(op, "width", x[3], weight[3], p.stride_w, p.padding_w, p.output_padding_w, p.dilation_w);
        return new ConvGeometry(x[0], outChannels, outHeight, outWidth, x[1], weight[2], weight[3], p.stride_h, p.stride_w,
            p.padding_h, p.padding_w, p.dilation_h, p.dilation_w, p.groups, x[2], x[3]);
    }

    private static void CheckChannels(string op, long batch, long inChannels, long outChannels, long groups)
    {
        RequireAtLeast(op, "batch", batch, 0);
        RequireAtLeast(op, "in_channels", inChannels, 1);
        RequireAtLeast(op, "out_channels", outChannels, 1);
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"{op}: groups is {groups} but must divide in_channels ({inChannels}) and out_channels ({outChannels})");
        }
    }

    private static long ConvOutputSize(string op, string dimension, long input, long kernel, long stride, long padding, long dilation)
    {
        RequireConvDimension(op, dimension, input, kernel, stride, padding, dilation);
        var span = dilation * (kernel - 1) + 1;
        if (span > input + 2 * padding)
        {
            throw new ArgumentException(
                $"{op}: the dilated kernel_{dimension} {span} exceeds the padded input {dimension} {input + 2 * padding}");
        }
        return (input + 2 * padding - span) / stride + 1;
    }

    private static long TransposedOutputSize(string op, string dimension, long input, long kernel, long stride, long padding,
        long outputPadding, long dilation)
    {
        RequireConvDimension(op, dimension, input, kernel, stride, padding, dilation);
        RequireAtLeast(op, $"output_padding_{dimension}", outputPadding, 0);
        if (outputPadding >= stride && outputPadding >= dilation)
        {
            throw new ArgumentException(
                $"{op}: output_padding_{dimension} is {outputPadding}; it must be smaller than stride_{dimension} ({stride}) or dilation_{dimension} ({dilation})");
        }
        var output = (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
        if (output < 1)
        {
            throw new ArgumentException($"{op}: the output {dimension} would be {output}; padding_{dimension} {padding} is too large");
        }
        return output;
    }

    private static void RequireConvDimension(string op, string dimension, long input, long kernel, long stride, long padding, long dilation)
    {
        RequireAtLeast(op, $"in_{dimension}", input, 1);
        RequireAtLeast(op, $"kernel_{dimension}", kernel, 1);
        RequireAtLeast(op, $"stride_{dimension}", stride, 1);
        RequireAtLeast(op, $"padding_{dimension}", padding, 0);
        RequireAtLeast(op, $"dilation_{dimension}", dilation, 1);
    }
}
