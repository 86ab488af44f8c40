// Loss modules: a prediction and a target in, a loss out (reduced by mean unless told otherwise).
namespace NativeNN.NN;

/// <summary>A loss: <see cref="Forward(Tensor, Tensor)"/> takes the prediction and the target.</summary>
public abstract class Loss(Reduction reduction) : Module
{
    public Reduction Reduction { get; } = reduction;

    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>A loss needs a target: use <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException($"{GetType().Name} needs a target: call Forward(input, target).");
}

public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

/// <summary>Cross-entropy of logits [N, C] against int64 class indices [N] (log-softmax + NLL, fused).</summary>
public sealed class CrossEntropyLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.CrossEntropy(input, target, Reduction);
}

/// <summary>Negative log-likelihood of log-probabilities [N, C] against int64 class indices [N].</summary>
public sealed class NLLLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.NllLoss(input, target, Reduction);
}

/// <summary>Binary cross-entropy of probabilities in [0, 1] against targets of the same shape.</summary>
public sealed class BCELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.BinaryCrossEntropy(input, target, Reduction);
}
