// The fully connected layer. Defaults and initialisation are PyTorch's.
namespace NativeNN.NN;

/// <summary>y = x Wᵀ + b, with W [outFeatures, inFeatures] (torch.nn.Linear).</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        generator ??= Generator.Default;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.KaimingUniform([outFeatures, inFeatures], inFeatures, generator));
        Bias = bias ? RegisterParameter("bias", Init.BiasUniform([outFeatures], inFeatures, generator)) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);

    public override string ToString() => $"Linear(inFeatures: {InFeatures}, outFeatures: {OutFeatures}, bias: {Bias is not null})";
}
