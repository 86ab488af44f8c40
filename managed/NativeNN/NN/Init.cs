// PyTorch's default initialisation of layer parameters.
namespace NativeNN.NN;

/// <summary>Parameter initialisers (torch.nn.init).</summary>
public static class Init
{
    /// <summary>
    /// PyTorch's default for Linear and Conv weights: kaiming_uniform_ with a = sqrt(5), i.e.
    /// uniform in ±gain·sqrt(3 / fanIn) with gain = sqrt(2 / (1 + a²)), which is ±1/sqrt(fanIn).
    /// </summary>
    public static Tensor KaimingUniform(long[] shape, long fanIn, Generator generator, double a = 2.2360679774997896964)
    {
        var gain = Math.Sqrt(2.0 / (1.0 + a * a));
        var bound = (float)(gain * Math.Sqrt(3.0 / fanIn));
        return Uniform(shape, bound, generator);
    }

    /// <summary>PyTorch's default bias: uniform in ±1/sqrt(fanIn).</summary>
    public static Tensor BiasUniform(long[] shape, long fanIn, Generator generator) =>
        Uniform(shape, fanIn > 0 ? (float)(1.0 / Math.Sqrt(fanIn)) : 0f, generator);

    private static Tensor Uniform(long[] shape, float bound, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return bound > 0f ? Tensor.Rand(shape, generator.NextSeed(), -bound, bound) : Tensor.Zeros(shape);
    }
}
