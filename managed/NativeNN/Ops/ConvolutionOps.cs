// Convolution, transposed convolution and pooling over [N, C, H, W], each forward beside its backward.
using NativeNN.Autograd;
using NativeNN.Interop;

namespace NativeNN;

public static partial class F
{
    /// <summary>2-D convolution (cross-correlation): input [N, C, H, W], weight [K, C/groups, R, S],
    /// bias [K] or null -> [N, K, P, Q] with PyTorch's floor-rule sizes.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, Size2D? stride = null, Size2D? padding = null,
        Size2D? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var geometry = Geometry(stride, padding, dilation, groups, outputPadding: null);
        var output = Tensor.Zeros(Kernels.Conv2dOutputShape(input, weight, geometry, transposed: false));
        try
        {
            Kernels.Conv2dForward(input, weight, bias, geometry, output);
        }
        catch
        {
            output.Dispose();
            throw;
        }
        return Tensor.WillRecord(input, weight, bias) ? output.Record(new ConvolutionNode("Conv2d", false, geometry, input, weight, bias)) : output;
    }

    /// <summary>Transposed 2-D convolution: input [N, Cin, H, W], weight [Cin, Cout/groups, R, S],
    /// bias [Cout] or null -> [N, Cout, (H-1)·stride - 2·padding + dilation·(R-1) + outputPadding + 1, ...].</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, Size2D? stride = null, Size2D? padding = null,
        Size2D? outputPadding = null, Size2D? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var geometry = Geometry(stride, padding, dilation, groups, outputPadding);
        var output = Tensor.Zeros(Kernels.Conv2dOutputShape(input, weight, geometry, transposed: true));
        try
        {
            Kernels.ConvTranspose2dForward(input, weight, bias, geometry, output);
        }
        catch
        {
            output.Dispose();
            throw;
        }
        return Tensor.WillRecord(input, weight, bias)
            ? output.Record(new ConvolutionNode("ConvTranspose2d", true, geometry, input, weight, bias))
            : output;
    }

    private static nn_conv2d_params Geometry(Size2D? stride, Size2D? padding, Size2D? dilation, int groups, Size2D? outputPadding)
    {
        var (strideValue, paddingValue, dilationValue, outputPaddingValue) = (stride ?? 1, padding ?? 0, dilation ?? 1, outputPadding ?? 0);
        return new nn_conv2d_params
        {
            stride_h = strideValue.Height, stride_w = strideValue.Width,
            padding_h = paddingValue.Height, padding_w = paddingValue.Width,
            dilation_h = dilationValue.Height, dilation_w = dilationValue.Width,
            groups = groups,
            output_padding_h = outputPaddingValue.Height, output_padding_w = outputPaddingValue.Width,
        };
    }

    // conv2d: dx = backward-data(dy, W), dW = backward-weight(x, dy), db = dy summed per channel.
    // conv_transpose2d has the same three with its own kernels.
    private sealed class ConvolutionNode(string name, bool transposed, nn_conv2d_params geometry, Tensor input, Tensor weight, Tensor? bias)
        : Node(name, input, weight, bias)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                var gradient = Tensor.ZerosLike(input);
                if (transposed)
                {
                    Kernels.ConvTranspose2dBackwardData(outputGradient, Saved(weight, "weight"), geometry, gradient);
                }
                else
                {
                    Kernels.Conv2dBackwardData(outputGradient, Saved(weight, "weight"), geometry, gradient);
                }
                inputGradients[0] = gradient;
            }
            if (NeedsGradient(1))
            {
                var gradient = Tensor.ZerosLike(weight);
                if (transposed)
                {
                    Kernels.ConvTranspose2dBackwardWeight(Saved(input, "input"), outputGradient, geometry, gradient);
                }
                else
                {
                    Kernels.Conv2dBackwardWeight(Saved(input, "input"), outputGradient, geometry, gradient);
                }
                inputGradients[1] = gradient;
            }
            if (NeedsGradient(2))
            {
                var gradient = Tensor.Zeros(bias!.Shape[0]);
                Kernels.BiasBackward(outputGradient, gradient);
                inputGradients[2] = gradient;
            }
        }
    }

    /// <summary>Max pooling over [N, C, H, W]; the stride defaults to the kernel size. The gradient
    /// goes to the first maximum of each window, as in PyTorch.</summary>
    public static Tensor MaxPool2d(Tensor input, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        var geometry = PoolGeometry(kernelSize, stride, padding, ceilMode, countIncludePad: true);
        var shape = Kernels.Pool2dOutputShape(input, geometry);
        var output = Tensor.Zeros(shape);
        var indices = Tensor.Zeros(shape, DType.Int64);
        try
        {
            Kernels.MaxPool2dForward(input, geometry, output, indices);
        }
        catch
        {
            output.Dispose();
            indices.Dispose();
            throw;
        }
        if (!Tensor.WillRecord(input))
        {
            indices.Dispose();
            return output;
        }
        return output.Record(new PoolNode("MaxPool2d", geometry, input, indices));
    }

    /// <summary>Average pooling over [N, C, H, W]; the stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false,
        bool countIncludePad = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        var geometry = PoolGeometry(kernelSize, stride, padding, ceilMode, countIncludePad);
        var output = Tensor.Zeros(Kernels.Pool2dOutputShape(input, geometry));
        try
        {
            Kernels.AvgPool2dForward(input, geometry, output);
        }
        catch
        {
            output.Dispose();
            throw;
        }
        return Tensor.WillRecord(input) ? output.Record(new PoolNode("AvgPool2d", geometry, input, null)) : output;
    }

    private static nn_pool2d_params PoolGeometry(Size2D kernelSize, Size2D? stride, Size2D? padding, bool ceilMode, bool countIncludePad)
    {
        var (strideValue, paddingValue) = (stride ?? kernelSize, padding ?? 0);
        return new nn_pool2d_params
        {
            kernel_h = kernelSize.Height, kernel_w = kernelSize.Width,
            stride_h = strideValue.Height, stride_w = strideValue.Width,
            padding_h = paddingValue.Height, padding_w = paddingValue.Width,
            ceil_mode = ceilMode ? 1 : 0,
            count_include_pad = countIncludePad ? 1 : 0,
        };
    }

    // Max pooling routes each output gradient to its recorded index; average pooling spreads it.
    private sealed class PoolNode(string name, nn_pool2d_params geometry, Tensor input, Tensor? indices) : Node(name, input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = Tensor.ZerosLike(input);
            if (indices is not null)
            {
                Kernels.MaxPool2dBackward(outputGradient, Saved(indices, "indices"), geometry, gradient);
            }
            else
            {
                Kernels.AvgPool2dBackward(outputGradient, geometry, gradient);
            }
            inputGradients[0] = gradient;
        }
    }
}
