// Loss functions: prediction and target in, a loss out; the gradient flows to the prediction.
using NativeNN.Autograd;

namespace NativeNN;

public static partial class F
{
    /// <summary>Cross-entropy of logits [N, C] (or [N, C, ...]) against int64 class indices [N]
    /// (or [N, ...]): log-softmax and negative log-likelihood fused.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean) =>
        ClassLoss(logits, targets, reduction, LossKind.CrossEntropy);

    /// <summary>Negative log-likelihood of log-probabilities [N, C] against int64 class indices [N].</summary>
    public static Tensor NllLoss(Tensor logProbabilities, Tensor targets, Reduction reduction = Reduction.Mean) =>
        ClassLoss(logProbabilities, targets, reduction, LossKind.NegativeLogLikelihood);

    /// <summary>Mean squared error between equal-shaped tensors.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss(input, target, reduction, LossKind.MeanSquaredError);

    /// <summary>Binary cross-entropy of probabilities in [0, 1] against targets in [0, 1]; each log is
    /// clamped at -100 as in PyTorch.</summary>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor target, Reduction reduction = Reduction.Mean) =>
        PointwiseLoss(probabilities, target, reduction, LossKind.BinaryCrossEntropy);

    private enum LossKind { CrossEntropy, NegativeLogLikelihood, MeanSquaredError, BinaryCrossEntropy }

    private static Tensor ClassLoss(Tensor scores, Tensor targets, Reduction reduction, LossKind kind)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(targets);
        var name = kind == LossKind.CrossEntropy ? "CrossEntropy" : "NllLoss";
        scores.RequireFloat(name, "input");
        if (targets.DType != DType.Int64)
        {
            throw new ArgumentException(
                $"{name}: targets are {targets.Description} but must be int64 class indices (Tensor.FromArray(long[] ...)).", nameof(targets));
        }
        var loss = ReducedLoss(reduction, targets);
        try
        {
            if (kind == LossKind.CrossEntropy)
            {
                Kernels.CrossEntropyForward(scores, targets, reduction, loss);
            }
            else
            {
                Kernels.NllForward(scores, targets, reduction, loss);
            }
        }
        catch
        {
            loss.Dispose();
            throw;
        }
        return Tensor.WillRecord(scores) ? loss.Record(new LossNode(name, kind, reduction, scores, targets)) : loss;
    }

    private static Tensor PointwiseLoss(Tensor input, Tensor target, Reduction reduction, LossKind kind)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var name = kind == LossKind.MeanSquaredError ? "MseLoss" : "BinaryCrossEntropy";
        input.RequireFloat(name, "input");
        target.RequireFloat(name, "target");
        if (kind == LossKind.BinaryCrossEntropy && target.RequiresGrad && Tensor.IsGradEnabled)
        {
            throw new NotSupportedException("BinaryCrossEntropy: the gradient with respect to the target is not defined here (as in PyTorch); detach the target.");
        }
        var loss = ReducedLoss(reduction, input);
        try
        {
            if (kind == LossKind.MeanSquaredError)
            {
                Kernels.MseForward(input, target, reduction, loss);
            }
            else
            {
                Kernels.BinaryCrossEntropyForward(input, target, reduction, loss);
            }
        }
        catch
        {
            loss.Dispose();
            throw;
        }
        return Tensor.WillRecord(input, target) ? loss.Record(new LossNode(name, kind, reduction, input, target)) : loss;
    }

    // A scalar for mean and sum; one value per sample (the shape of `samples`) for none.
    private static Tensor ReducedLoss(Reduction reduction, Tensor samples) =>
        reduction == Reduction.None ? Tensor.Zeros(samples.Shape, DType.Float32) : Tensor.Create(DType.Float32, []);

    // The gradient reaches the prediction, and for MSE also the target (its gradient is the
    // negated prediction gradient), as in PyTorch; class indices have none.
    private sealed class LossNode(string name, LossKind kind, Reduction reduction, Tensor input, Tensor target)
        : Node(name, input, target.DType == DType.Float32 ? target : null)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = Tensor.ZerosLike(input);
            var prediction = Saved(input, "input");
            var expected = Saved(target, "target");
            switch (kind)
            {
                case LossKind.CrossEntropy: Kernels.CrossEntropyBackward(prediction, expected, outputGradient, reduction, gradient); break;
                case LossKind.NegativeLogLikelihood: Kernels.NllBackward(expected, outputGradient, reduction, gradient); break;
                case LossKind.MeanSquaredError: Kernels.MseBackward(prediction, expected, outputGradient, reduction, gradient); break;
                case LossKind.BinaryCrossEntropy: Kernels.BinaryCrossEntropyBackward(prediction, expected, outputGradient, reduction, gradient); break;
            }
            if (kind == LossKind.MeanSquaredError && NeedsGradient(1))
            {
                var targetGradient = Tensor.ZerosLike(gradient);
                Kernels.Scale(gradient, -1f, targetGradient);
                inputGradients[1] = targetGradient;
            }
            if (NeedsGradient(0))
            {
                inputGradients[0] = gradient;
            }
            else
            {
                gradient.Dispose();
            }
        }
    }
}
