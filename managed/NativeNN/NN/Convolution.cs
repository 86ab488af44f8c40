// Convolution layers: Conv2d and ConvTranspose2d. Defaults and initialisation are PyTorch's.
namespace NativeNN.NN;

/// <summary>2-D convolution over [N, C, H, W] (torch.nn.Conv2d): weight [out, in/groups, kh, kw].</summary>
public sealed class Conv2d : Module
{
    public Conv2d(int inChannels, int outChannels, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null,
        Size2D? dilation = null, int groups = 1, bool bias = true, Generator? generator = null)
    {
        ConvolutionChecks.Channels(inChannels, outChannels, groups, nameof(Conv2d));
        ConvolutionChecks.Geometry(kernelSize, stride ?? 1, padding ?? 0, dilation ?? 1, outputPadding: 0, nameof(Conv2d));
        generator ??= Generator.Default;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        Groups = groups;
        var fanIn = (long)inChannels / groups * kernelSize.Height * kernelSize.Width;
        Weight = RegisterParameter("weight",
            Init.KaimingUniform([outChannels, inChannels / groups, kernelSize.Height, kernelSize.Width], fanIn, generator));
        Bias = bias ? RegisterParameter("bias", Init.BiasUniform([outChannels], fanIn, generator)) : null;
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public Size2D KernelSize { get; }
    public Size2D Stride { get; }
    public Size2D Padding { get; }
    public Size2D Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    public override string ToString() =>
        $"Conv2d({InChannels}, {OutChannels}, kernelSize: {KernelSize}, stride: {Stride}, padding: {Padding}, dilation: {Dilation}, groups: {Groups})";
}

/// <summary>Transposed 2-D convolution (torch.nn.ConvTranspose2d): weight [in, out/groups, kh, kw].</summary>
public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(int inChannels, int outChannels, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null,
        Size2D? outputPadding = null, int groups = 1, bool bias = true, Size2D? dilation = null, Generator? generator = null)
    {
        ConvolutionChecks.Channels(inChannels, outChannels, groups, nameof(ConvTranspose2d));
        ConvolutionChecks.Geometry(kernelSize, stride ?? 1, padding ?? 0, dilation ?? 1, outputPadding ?? 0, nameof(ConvTranspose2d));
        generator ??= Generator.Default;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        OutputPadding = outputPadding ?? 0;
        Dilation = dilation ?? 1;
        Groups = groups;
        // PyTorch computes fan-in from the weight's dimension 1, which is out/groups here.
        var fanIn = (long)outChannels / groups * kernelSize.Height * kernelSize.Width;
        Weight = RegisterParameter("weight",
            Init.KaimingUniform([inChannels, outChannels / groups, kernelSize.Height, kernelSize.Width], fanIn, generator));
        Bias = bias ? RegisterParameter("bias", Init.BiasUniform([outChannels], fanIn, generator)) : null;
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public Size2D KernelSize { get; }
    public Size2D Stride { get; }
    public Size2D Padding { get; }
    public Size2D OutputPadding { get; }
    public Size2D Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) =>
        F.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);

    public override string ToString() =>
        $"ConvTranspose2d({InChannels}, {OutChannels}, kernelSize: {KernelSize}, stride: {Stride}, padding: {Padding}, outputPadding: {OutputPadding})";
}

internal static class ConvolutionChecks
{
    public static void Channels(int inChannels, int outChannels, int groups, string layer)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0)
        {
            throw new ArgumentException($"{layer}: inChannels ({inChannels}), outChannels ({outChannels}) and groups ({groups}) must be positive.");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"{layer}: groups ({groups}) must divide inChannels ({inChannels}) and outChannels ({outChannels}).");
        }
    }

    // Checked here rather than at the first Forward: a zero-sized kernel has no fan-in to initialise from.
    public static void Geometry(Size2D kernelSize, Size2D stride, Size2D padding, Size2D dilation, Size2D outputPadding, string layer)
    {
        static void Require(bool condition, string parameter, Size2D value, string rule, string layer)
        {
            if (!condition)
            {
                throw new ArgumentOutOfRangeException(parameter, value, $"{layer}: {parameter} is {value} but {rule}.");
            }
        }
        Require(kernelSize.Height >= 1 && kernelSize.Width >= 1, nameof(kernelSize), kernelSize, "must be 1 or more", layer);
        Require(stride.Height >= 1 && stride.Width >= 1, nameof(stride), stride, "must be 1 or more", layer);
        Require(padding.Height >= 0 && padding.Width >= 0, nameof(padding), padding, "must be 0 or more", layer);
        Require(dilation.Height >= 1 && dilation.Width >= 1, nameof(dilation), dilation, "must be 1 or more", layer);
        Require(outputPadding.Height >= 0 && outputPadding.Width >= 0 &&
            (outputPadding.Height < stride.Height || outputPadding.Height < dilation.Height) &&
            (outputPadding.Width < stride.Width || outputPadding.Width < dilation.Width),
            nameof(outputPadding), outputPadding, "must be 0 or more and smaller than stride or dilation", layer);
    }
}
