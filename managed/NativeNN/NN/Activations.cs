// Parameter-free modules: activations, softmax and dropout, each a thin wrapper over F.
namespace NativeNN.NN;

public sealed class ReLU : Module
{
    public override Tensor Forward(Tensor input) => F.Relu(input);
}

public sealed class LeakyReLU(float negativeSlope = 0.01f) : Module
{
    public float NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor input) => F.LeakyRelu(input, NegativeSlope);
}

public sealed class ELU(float alpha = 1f) : Module
{
    public float Alpha { get; } = alpha;

    public override Tensor Forward(Tensor input) => F.Elu(input, Alpha);
}

public sealed class Sigmoid : Module
{
    public override Tensor Forward(Tensor input) => F.Sigmoid(input);
}

public sealed class Tanh : Module
{
    public override Tensor Forward(Tensor input) => F.Tanh(input);
}

public sealed class Softmax(int dimension = 1) : Module
{
    public override Tensor Forward(Tensor input) => F.Softmax(input, dimension);
}

public sealed class LogSoftmax(int dimension = 1) : Module
{
    public override Tensor Forward(Tensor input) => F.LogSoftmax(input, dimension);
}

/// <summary>Zeroes each element with probability p in training mode and scales the rest by
/// 1/(1-p); passes values through in evaluation mode.</summary>
public sealed class Dropout : Module
{
    private readonly Generator generator;

    public Dropout(float p = 0.5f, Generator? generator = null)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be between 0 and 1.");
        }
        P = p;
        this.generator = generator ?? Generator.Default;
    }

    public float P { get; }

    public override Tensor Forward(Tensor input) => F.Dropout(input, P, IsTraining, generator.NextSeed());
}
