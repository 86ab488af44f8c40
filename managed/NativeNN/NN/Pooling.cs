// Pooling layers over [N, C, H, W].
namespace NativeNN.NN;

public sealed class MaxPool2d(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false) : Module
{
    public Size2D KernelSize { get; } = kernelSize;
    public Size2D Stride { get; } = stride ?? kernelSize;
    public Size2D Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;

    public override Tensor Forward(Tensor input) => F.MaxPool2d(input, KernelSize, Stride, Padding, CeilMode);
}

public sealed class AvgPool2d(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false,
    bool countIncludePad = true) : Module
{
    public Size2D KernelSize { get; } = kernelSize;
    public Size2D Stride { get; } = stride ?? kernelSize;
    public Size2D Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;

    public override Tensor Forward(Tensor input) => F.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);
}
