// Output sizes of convolution and pooling along one axis, with the part of the input no window
// reaches: PyTorch's floor rule silently drops it when the stride does not tile the input.
namespace NativeNN.NN;

/// <summary>The result along one axis: the output size, and how many input rows (or columns) at
/// the far end of the padded input no window covers.</summary>
public readonly record struct AxisGeometry(long OutputSize, long UncoveredBorder);

/// <summary>Shape arithmetic of convolution and pooling, exactly as PyTorch computes it.</summary>
public static class ConvolutionGeometry
{
    /// <summary>
    /// out = floor((in + 2 padding - dilation (kernel - 1) - 1) / stride) + 1 (ceil instead of floor
    /// with <paramref name="ceilMode"/>, where the last window must start inside the input or its
    /// left padding, as PyTorch's pooling requires). UncoveredBorder counts the padded input's
    /// trailing positions that no window reaches: for a 7-wide input, kernel 3, stride 3, the
    /// output is 2 and the last column is unused.
    /// </summary>
    public static AxisGeometry Convolution(long inputSize, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        bool ceilMode = false)
    {
        if (inputSize < 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || dilation <= 0)
        {
            throw new ArgumentException(
                $"Convolution geometry needs inputSize >= 0, kernelSize, stride and dilation > 0 and padding >= 0; got inputSize {inputSize}, kernelSize {kernelSize}, stride {stride}, padding {padding}, dilation {dilation}.");
        }
        var padded = inputSize + 2L * padding;
        var span = (long)dilation * (kernelSize - 1) + 1;
        if (span > padded)
        {
            throw new ArgumentException(
                $"The kernel spans {span} positions (kernelSize {kernelSize}, dilation {dilation}) but the padded input has only {padded} (inputSize {inputSize}, padding {padding}).");
        }
        var reach = padded - span;
        var output = (ceilMode ? (reach + stride - 1) / stride : reach / stride) + 1;
        if (ceilMode && (output - 1) * stride >= inputSize + padding)
        {
            output--;
        }
        var covered = Math.Min(padded, (output - 1) * stride + span);
        return new AxisGeometry(output, padded - covered);
    }

    /// <summary>out = (in - 1) stride - 2 padding + dilation (kernel - 1) + outputPadding + 1.</summary>
    public static long TransposedConvolution(long inputSize, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int dilation = 1)
    {
        if (inputSize < 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || dilation <= 0 || outputPadding < 0 ||
            (outputPadding >= stride && outputPadding >= dilation))
        {
            throw new ArgumentException(
                $"Transposed convolution geometry needs outputPadding smaller than stride or dilation and positive sizes; got kernelSize {kernelSize}, stride {stride}, padding {padding}, outputPadding {outputPadding}, dilation {dilation}.");
        }
        return (inputSize - 1) * stride - 2L * padding + (long)dilation * (kernelSize - 1) + outputPadding + 1;
    }
}
