// logits [outer, classes, inner], int64 targets [outer, inner] -> loss; x [n], target [n] -> loss;
// and their backwards. PyTorch's formulas and reductions as the reference writes them: per-sample
// losses in double, the mean and sum reduced in double in sample order.
namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    public unsafe void CrossEntropyForward(Tensor logits, Tensor targets, Reduction reduction, Tensor loss)
    {
        const string op = "CrossEntropyForward";
        var (outer, classes, inner) = CheckClasses(op, logits, "logits", targets);
        CheckReduced(op, loss, "loss", reduction, targets, "targets");
        RequireSeparate(loss, "loss", logits, "logits", op);
        var scores = Data(logits);
        var labels = Int64Data(targets);
        var output = Data(loss);
        var samples = outer * inner;
        // Decided by the reduction, not by the pointer: an empty batch has no per-sample storage.
        var perSample = reduction == Reduction.None ? output : null;
        var losses = reduction == Reduction.None ? null : new double[samples];
        ForRanges(samples, ThreadsFor(logits.ElementCount, samples), (first, end) =>
        {
            for (var sample = first; sample < end; sample++)
            {
                var o = sample / inner;
                var i = sample % inner;
                var x = scores + o * classes * inner + i;
                var (maximum, sum) = LogSumExpParts(x, classes, inner);
                var value = Math.Log(sum) - (double)(x[labels[sample] * inner] - maximum);
                if (losses is null)
                {
                    perSample[sample] = (float)value;
                }
                else
                {
                    losses![sample] = value;
                }
            }
        });
        if (losses is not null)
        {
            output[0] = Reduced(reduction, losses);
        }
    }

    public unsafe void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dloss, Reduction reduction, Tensor dlogits)
    {
        const string op = "CrossEntropyBackward";
        var (outer, classes, inner) = CheckClasses(op, logits, "logits", targets);
        CheckReduced(op, dloss, "dloss", reduction, targets, "targets");
        RequireSameShape(logits, "logits", dlogits, "dlogits", op);
        RequireFloat(dlogits, op, "dlogits");
        RequireSeparate(dlogits, "dlogits", logits, "logits", op);
        RequireSeparate(dlogits, "dlogits", dloss, "dloss", op);
        var scores = Data(logits);
        var labels = Int64Data(targets);
        var incoming = Data(dloss);
        var output = Data(dlogits);
        var samples = outer * inner;
        ForRanges(samples, ThreadsFor(logits.ElementCount, samples), (first, end) =>
        {
            for (var sample = first; sample < end; sample++)
            {
                var o = sample / inner;
                var i = sample % inner;
                var offset = o * classes * inner + i;
                var gradient = SampleGradient(reduction, incoming, sample, samples);
                var (maximum, sum) = LogSumExpParts(scores + offset, classes, inner);
                for (var c = 0L; c < classes; c++)
                {
                    var probability = Math.Exp(scores[offset + c * inner] - maximum) / sum;
                    var onehot = c == labels[sample] ? 1.0 : 0.0;
                    output[offset + c * inner] = (float)((probability - onehot) * gradient);
                }
            }
        });
    }

    public unsafe void NllForward(Tensor input, Tensor targets, Reduction reduction, Tensor loss)
    {
        const string op = "NllForward";
        var (outer, classes, inner) = CheckClasses(op, input, "input", targets);
        CheckReduced(op, loss, "loss", reduction, targets, "targets");
        RequireSeparate(loss, "loss", input, "input", op);
        var values = Data(input);
        var labels = Int64Data(targets);
        var output = Data(loss);
        double total = 0;
        for (var o = 0L; o < outer; o++)
        {
            for (var i = 0L; i < inner; i++)
            {
                var sample = o * inner + i;
                var value = -values[(o * classes + labels[sample]) * inner + i];
                if (reduction == Reduction.None)
                {
                    output[sample] = value;
                }
                else
                {
                    total += value;
                }
            }
        }
        if (reduction != Reduction.None)
        {
            output[0] = Reduced(reduction, total, outer * inner);
        }
    }

    public unsafe void NllBackward(Tensor targets, Tensor dloss, Reduction reduction, Tensor dinput)
    {
        const string op = "NllBackward";
        var (outer, classes, inner) = CheckClasses(op, dinput, "dinput", targets);
        CheckReduced(op, dloss, "dloss", reduction, targets, "targets");
        RequireSeparate(dinput, "dinput", dloss, "dloss", op);
        var labels = Int64Data(targets);
        var incoming = Data(dloss);
        var output = Data(dinput);
        new Span<float>(output, checked((int)dinput.ElementCount)).Clear();
        for (var o = 0L; o < outer; o++)
        {
            for (var i = 0L; i < inner; i++)
            {
                var sample = o * inner + i;
                output[(o * classes + labels[sample]) * inner + i] = -SampleGradient(reduction, incoming, sample, outer * inner);
            }
        }
    }

    // (x - target)^2
    public unsafe void MseForward(Tensor x, Tensor target, Reduction reduction, Tensor loss)
    {
        const string op = "MseForward";
        CheckPointwise(op, x, target, reduction, loss, "loss");
        var input = Data(x);
        var expected = Data(target);
        var output = Data(loss);
        double total = 0;
        for (var index = 0L; index < x.ElementCount; index++)
        {
            var difference = input[index] - expected[index];
            var value = difference * difference;
            if (reduction == Reduction.None)
            {
                output[index] = value;
            }
            else
            {
                total += value;
            }
        }
        if (reduction != Reduction.None)
        {
            output[0] = Reduced(reduction, total, x.ElementCount);
        }
    }

    // dx = 2 (x - target) dloss, with the mean folded into the constant as PyTorch does
    public unsafe void MseBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx)
    {
        const string op = "MseBackward";
        CheckPointwiseBackward(op, x, target, dloss, reduction, dx);
        var input = Data(x);
        var expected = Data(target);
        var incoming = Data(dloss);
        var output = Data(dx);
        var norm = reduction == Reduction.Mean ? (float)(2.0 / x.ElementCount) : 2f;
        for (var index = 0L; index < x.ElementCount; index++)
        {
            var gradient = reduction == Reduction.None ? incoming[index] : incoming[0];
            output[index] = norm * (input[index] - expected[index]) * gradient;
        }
    }

    // -(target log p + (1 - target) log(1 - p)), each log clamped at -100
    public unsafe void BinaryCrossEntropyForward(Tensor x, Tensor target, Reduction reduction, Tensor loss)
    {
        const string op = "BinaryCrossEntropyForward";
        CheckPointwise(op, x, target, reduction, loss, "loss");
        var input = Data(x);
        var expected = Data(target);
        var output = Data(loss);
        for (var index = 0L; index < x.ElementCount; index++)
        {
            if (!(input[index] >= 0f && input[index] <= 1f))
            {
                throw new ArgumentException($"{op}: x[{index}] is {input[index]} but must be in [0, 1]");
            }
        }
        double total = 0;
        for (var index = 0L; index < x.ElementCount; index++)
        {
            var probability = input[index];
            var label = expected[index];
            var value = (label - 1f) * MathF.Max((float)Math.Log(1.0 - probability), -100f) -
                        label * MathF.Max(MathF.Log(probability), -100f);
            if (reduction == Reduction.None)
            {
                output[index] = value;
            }
            else
            {
                total += value;
            }
        }
        if (reduction != Reduction.None)
        {
            output[0] = Reduced(reduction, total, x.ElementCount);
        }
    }

    // dx = dloss (p - target) / max(p (1 - p), 1e-12)
    public unsafe void BinaryCrossEntropyBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx)
    {
        const string op = "BinaryCrossEntropyBackward";
        CheckPointwiseBackward(op, x, target, dloss, reduction, dx);
        var input = Data(x);
        var expected = Data(target);
        var incoming = Data(dloss);
        var output = Data(dx);
        for (var index = 0L; index < x.ElementCount; index++)
        {
            var probability = input[index];
            var gradient = reduction == Reduction.None ? incoming[index] : incoming[0];
            var value = gradient * (probability - expected[index]) / MathF.Max((1f - probability) * probability, 1e-12f);
            if (reduction == Reduction.Mean)
            {
                value /= x.ElementCount;
            }
            output[index] = value;
        }
    }

    // ---- Shared -------------------------------------------------------------------------

    private static unsafe (float Maximum, double Sum) LogSumExpParts(float* x, long classes, long inner)
    {
        var maximum = float.NegativeInfinity;
        for (var c = 0L; c < classes; c++)
        {
            maximum = x[c * inner] > maximum ? x[c * inner] : maximum;
        }
        double sum = 0;
        for (var c = 0L; c < classes; c++)
        {
            sum += Math.Exp(x[c * inner] - maximum);
        }
        return (maximum, sum);
    }

    private static float Reduced(Reduction reduction, double sum, long count) =>
        reduction == Reduction.Sum ? (float)sum : count == 0 ? float.NaN : (float)(sum / count);

    private static float Reduced(Reduction reduction, double[] losses)
    {
        double sum = 0;
        foreach (var value in losses)
        {
            sum += value;
        }
        return Reduced(reduction, sum, losses.Length);
    }

    private static unsafe float SampleGradient(Reduction reduction, float* dloss, long sample, long count) =>
        reduction == Reduction.None ? dloss[sample] : reduction == Reduction.Mean ? dloss[0] / count : dloss[0];

    // scores [N, C, d1, ...] float32 and targets [N, d1, ...] int64 with every value in [0, C).
    private static unsafe (long Outer, long Classes, long Inner) CheckClasses(string op, Tensor scores, string scoresName, Tensor targets)
    {
        RequireAtLeastDimensions(scores, 2, op, scoresName, "[N, C, ...] with classes in dim 1");
        RequireInt64(targets, op, "targets");
        var fits = targets.Rank == scores.Rank - 1 && targets.Shape[0] == scores.Shape[0];
        for (var dimension = 1; fits && dimension < targets.Rank; dimension++)
        {
            fits = targets.Shape[dimension] == scores.Shape[dimension + 1];
        }
        if (!fits)
        {
            throw new ShapeMismatchException(
                $"{op}: {scoresName} is {scores.Description} but targets is {targets.Description}; targets must be {scoresName} without dim 1");
        }
        var classes = scores.Shape[1];
        var labels = Int64Data(targets);
        for (var index = 0L; index < targets.ElementCount; index++)
        {
            if (labels[index] < 0 || labels[index] >= classes)
            {
                throw new ArgumentException($"{op}: targets[{index}] is {labels[index]} but must be in [0, {classes})");
            }
        }
        return (scores.Shape[0], classes, TrailingVolume(scores, 2));
    }

    // One value for mean and sum, the samples' shape for none.
    private static void CheckReduced(string op, Tensor tensor, string name, Reduction reduction, Tensor samples, string samplesName)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentException($"{op}: reduction is {(int)reduction}, which is not a Reduction");
        }
        if (reduction == Reduction.None)
        {
            RequireFloat(tensor, op, name);
            if (!tensor.Shape.SequenceEqual(samples.Shape))
            {
                throw new ShapeMismatchException(
                    $"{op}: {name} is {tensor.Description} but {samplesName} is {samples.Description}; with reduction none they have one shape");
            }
        }
        else
        {
            RequireOneFloat(tensor, op, name);
        }
    }

    private static void CheckPointwise(string op, Tensor x, Tensor target, Reduction reduction, Tensor loss, string lossName)
    {
        RequireFloatsOfOneShape(op, x, "x", target, "target");
        CheckReduced(op, loss, lossName, reduction, x, "x");
        RequireSeparate(loss, lossName, x, "x", op);
        RequireSeparate(loss, lossName, target, "target", op);
    }

    private static void CheckPointwiseBackward(string op, Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx)
    {
        RequireFloatsOfOneShape(op, x, "x", target, "target", dx, "dx");
        CheckReduced(op, dloss, "dloss", reduction, x, "x");
        RequireSeparate(dx, "dx", x, "x", op);
        RequireSeparate(dx, "dx", target, "target", op);
        RequireSeparate(dx, "dx", dloss, "dloss", op);
    }
}
