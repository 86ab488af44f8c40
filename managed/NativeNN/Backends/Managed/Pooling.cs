// x [N,C,H,W] -> y [N,C,P,Q] (and int64 indices for max); dy -> dx
// PyTorch's CPU loops as the native reference writes them: windows in row-major order, the first
// maximum wins ties, a NaN wins and propagates, average sums in float with PyTorch's divisor and
// ceil_mode rule. Each plane is one thread's, so results never depend on the thread count.
using NativeNN.Interop;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    private readonly record struct PoolGeometry(
        long Batch, long Channels, long InHeight, long InWidth, long KernelHeight, long KernelWidth,
        long StrideHeight, long StrideWidth, long PaddingHeight, long PaddingWidth, bool CountIncludePad,
        long OutHeight, long OutWidth)
    {
        public long Planes => Batch * Channels;
        public long InPlane => InHeight * InWidth;
        public long OutPlane => OutHeight * OutWidth;
    }

    public unsafe void MaxPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y, Tensor indices)
    {
        const string op = "MaxPool2dForward";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, C, H, W]");
        RequireFourDimensional(op, y, "y", DType.Float32, "[N, C, P, Q]");
        RequireFourDimensional(op, indices, "indices", DType.Int64, "[N, C, P, Q]");
        var g = Pool(op, x.Shape, geometry);
        RequirePooledShape(op, y, "y", g, "x");
        RequirePooledShape(op, indices, "indices", g, "x");
        RequireSeparate(y, "y", x, "x", op);
        var input = Data(x);
        var output = Data(y);
        var positions = Int64Data(indices);
        ForRanges(g.Planes, ThreadsFor(g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, g.Planes), (first, end) =>
        {
            for (var plane = first; plane < end; plane++)
            {
                var source = input + plane * g.InPlane;
                for (var oh = 0L; oh < g.OutHeight; oh++)
                {
                    var ih0 = oh * g.StrideHeight - g.PaddingHeight;
                    var ih1 = Math.Min(ih0 + g.KernelHeight, g.InHeight);
                    ih0 = Math.Max(ih0, 0);
                    for (var ow = 0L; ow < g.OutWidth; ow++)
                    {
                        var iw0 = ow * g.StrideWidth - g.PaddingWidth;
                        var iw1 = Math.Min(iw0 + g.KernelWidth, g.InWidth);
                        iw0 = Math.Max(iw0, 0);
                        var maximum = float.NegativeInfinity;
                        var index = ih0 * g.InWidth + iw0;
                        for (var ih = ih0; ih < ih1; ih++)
                        {
                            for (var iw = iw0; iw < iw1; iw++)
                            {
                                var value = source[ih * g.InWidth + iw];
                                if (value > maximum || float.IsNaN(value))
                                {
                                    maximum = value;
                                    index = ih * g.InWidth + iw;
                                }
                            }
                        }
                        var outputIndex = plane * g.OutPlane + oh * g.OutWidth + ow;
                        output[outputIndex] = maximum;
                        positions[outputIndex] = index;
                    }
                }
            }
        });
    }

    public unsafe void MaxPool2dBackward(Tensor dy, Tensor indices, in nn_pool2d_params geometry, Tensor dx)
    {
        const string op = "MaxPool2dBackward";
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, C, P, Q]");
        RequireFourDimensional(op, indices, "indices", DType.Int64, "[N, C, P, Q]");
        RequireFourDimensional(op, dx, "dx", DType.Float32, "[N, C, H, W]");
        var g = Pool(op, dx.Shape, geometry);
        RequirePooledShape(op, dy, "dy", g, "dx's shape");
        RequirePooledShape(op, indices, "indices", g, "dx's shape");
        RequireSeparate(dx, "dx", dy, "dy", op);
        var incoming = Data(dy);
        var positions = Int64Data(indices);
        var output = Data(dx);
        for (var j = 0L; j < indices.ElementCount; j++)
        {
            if (positions[j] < 0 || positions[j] >= g.InPlane)
            {
                throw new ArgumentException(
                    $"{op}: indices[{j}] is {positions[j]} but must be in [0, {g.InPlane}) of its plane; indices must come from MaxPool2dForward of the same shape");
            }
        }
        ForRanges(g.Planes, ThreadsFor(dx.ElementCount, g.Planes), (first, end) =>
        {
            for (var plane = first; plane < end; plane++)
            {
                var target = output + plane * g.InPlane;
                new Span<float>(target, (int)g.InPlane).Clear();
                for (var j = plane * g.OutPlane; j < (plane + 1) * g.OutPlane; j++)
                {
                    target[positions[j]] += incoming[j];
                }
            }
        });
    }

    public unsafe void AvgPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y)
    {
        const string op = "AvgPool2dForward";
        RequireFourDimensional(op, x, "x", DType.Float32, "[N, C, H, W]");
        RequireFourDimensional(op, y, "y", DType.Float32, "[N, C, P, Q]");
        var g = Pool(op, x.Shape, geometry);
        RequirePooledShape(op, y, "y", g, "x");
        RequireSeparate(y, "y", x, "x", op);
        var input = Data(x);
        var output = Data(y);
        ForRanges(g.Planes, ThreadsFor(g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, g.Planes), (first, end) =>
        {
            for (var plane = first; plane < end; plane++)
            {
                var source = input + plane * g.InPlane;
                var target = output + plane * g.OutPlane;
                for (var oh = 0L; oh < g.OutHeight; oh++)
                {
                    for (var ow = 0L; ow < g.OutWidth; ow++)
                    {
                        var (ih0, ih1, iw0, iw1, divisor) = AverageWindow(g, oh, ow);
                        var sum = 0f;
                        for (var ih = ih0; ih < ih1; ih++)
                        {
                            for (var iw = iw0; iw < iw1; iw++)
                            {
                                sum += source[ih * g.InWidth + iw];
                            }
                        }
                        target[oh * g.OutWidth + ow] = divisor == 0 ? 0f : sum / divisor;
                    }
                }
            }
        });
    }

    public unsafe void AvgPool2dBackward(Tensor dy, in nn_pool2d_params geometry, Tensor dx)
    {
        const string op = "AvgPool2dBackward";
        RequireFourDimensional(op, dy, "dy", DType.Float32, "[N, C, P, Q]");
        RequireFourDimensional(op, dx, "dx", DType.Float32, "[N, C, H, W]");
        var g = Pool(op, dx.Shape, geometry);
        RequirePooledShape(op, dy, "dy", g, "dx's shape");
        RequireSeparate(dx, "dx", dy, "dy", op);
        var incoming = Data(dy);
        var output = Data(dx);
        ForRanges(g.Planes, ThreadsFor(g.Planes * g.OutPlane * g.KernelHeight * g.KernelWidth, g.Planes), (first, end) =>
        {
            for (var plane = first; plane < end; plane++)
            {
                var source = incoming + plane * g.OutPlane;
                var target = output + plane * g.InPlane;
                new Span<float>(target, (int)g.InPlane).Clear();
                for (var oh = 0L; oh < g.OutHeight; oh++)
                {
                    for (var ow = 0L; ow < g.OutWidth; ow++)
                    {
                        var (ih0, ih1, iw0, iw1, divisor) = AverageWindow(g, oh, ow);
                        if (divisor == 0)
                        {
                            continue;
                        }
                        var share = source[oh * g.OutWidth + ow] / divisor;
                        for (var ih = ih0; ih < ih1; ih++)
                        {
                            for (var iw = iw0; iw < iw1; iw++)
                            {
                                target[ih * g.InWidth + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }

    // PyTorch's window of an average: rows [ih0, ih1) and columns [iw0, iw1) inside the input, and
    // its divisor (0 for a window with no input element, whose output is 0).
    private static (long Ih0, long Ih1, long Iw0, long Iw1, float Divisor) AverageWindow(in PoolGeometry g, long oh, long ow)
    {
        var ih0 = oh * g.StrideHeight - g.PaddingHeight;
        var iw0 = ow * g.StrideWidth - g.PaddingWidth;
        var ih1 = Math.Min(ih0 + g.KernelHeight, g.InHeight + g.PaddingHeight);
        var iw1 = Math.Min(iw0 + g.KernelWidth, g.InWidth + g.PaddingWidth);
        var poolSize = (ih1 - ih0) * (iw1 - iw0);
        ih0 = Math.Max(ih0, 0);
        iw0 = Math.Max(iw0, 0);
        ih1 = Math.Min(ih1, g.InHeight);
        iw1 = Math.Min(iw1, g.InWidth);
        if (ih0 >= ih1 || iw0 >= iw1)
        {
            return (ih0, ih0, iw0, iw0, 0);
        }
        return (ih0, ih1, iw0, iw1, g.CountIncludePad ? poolSize : (ih1 - ih0) * (iw1 - iw0));
    }

    // x_shape [N,C,H,W] under the parameters -> the complete geometry, checked as the native one is.
    private static PoolGeometry Pool(string op, ReadOnlySpan<long> x, in nn_pool2d_params p)
    {
        var ceilMode = Flag(op, "ceil_mode", p.ceil_mode);
        var countIncludePad = Flag(op, "count_include_pad", p.count_include_pad);
        if (x[1] < 1)
        {
            throw new ArgumentException($"{op}: channels is {x[1]}; it must be 1 or more");
        }
        var outHeight = PoolOutputSize(op, "height", x[2], p.kernel_h, p.stride_h, p.padding_h, ceilMode);
        var outWidth = PoolOutputSize(op, "width", x[3], p.kernel_w, p.stride_w, p.padding_w, ceilMode);
        return new PoolGeometry(x[0], x[1], x[2], x[3], p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.padding_h, p.padding_w,
            countIncludePad, outHeight, outWidth);
    }

    private static long PoolOutputSize(string op, string dimension, long input, long kernel, long stride, long padding, bool ceilMode)
    {
        RequireAtLeast(op, $"in_{dimension}", input, 1);
        RequireAtLeast(op, $"kernel_{dimension}", kernel, 1);
        RequireAtLeast(op, $"stride_{dimension}", stride, 1);
        RequireAtLeast(op, $"padding_{dimension}", padding, 0);
        if (2 * padding > kernel)
        {
            throw new ArgumentException($"{op}: padding_{dimension} is {padding}; it must be at most half of kernel_{dimension} ({kernel})");
        }
        var numerator = input + 2 * padding - kernel + (ceilMode ? stride - 1 : 0);
        // Rounded toward negative infinity, as PyTorch's div_rtn.
        var output = (long)Math.Floor(numerator / (double)stride) + 1;
        // The last window must start inside the input or the top padding.
        if (ceilMode && (output - 1) * stride >= input + padding)
        {
            output--;
        }
        if (output < 1)
        {
            throw new ArgumentException(
                $"{op}: the output {dimension} would be {output} (kernel_{dimension} {kernel} exceeds the padded input {dimension} {input + 2 * padding})");
        }
        return output;
    }

    private static void RequireAtLeast(string op, string name, long value, long least)
    {
        if (value < least)
        {
            throw new ArgumentException($"{op}: {name} is {value}; it must be {least} or more");
        }
    }

    private static void RequireFourDimensional(string op, Tensor tensor, string name, DType dtype, string layout)
    {
        if (tensor.DType != dtype)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must be {dtype.Name()}");
        }
        if (tensor.Rank != 4)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must be 4-D {layout}");
        }
    }

    private static void RequirePooledShape(string op, Tensor tensor, string name, in PoolGeometry g, string source)
    {
        var shape = tensor.Shape;
        if (shape[0] != g.Batch || shape[1] != g.Channels || shape[2] != g.OutHeight || shape[3] != g.OutWidth)
        {
            throw new ShapeMismatchException(
                $"{op}: {name} is {tensor.Description} but pooling {source} gives [{g.Batch},{g.Channels},{g.OutHeight},{g.OutWidth}]");
        }
    }
}
