// One training pass over a loader, shared by the main job and the rotation experiment: per batch,
// zero the gradients, forward, loss, backward, one optimizer step, and the running loss and
// accuracy on the progress line. A loss that stops being finite ends the pass with the caller's message.
using System.Diagnostics;
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Cli.Training;

internal static class EpochPass
{
    /// <summary>Sums over the samples one pass saw.</summary>
    public readonly record struct Totals(double LossSum, long Seen, long Correct)
    {
        public double MeanLoss => LossSum / Seen;

        public double Accuracy => (double)Correct / Seen;
    }

    /// <summary>Trains on every batch of <paramref name="loader"/>; <paramref name="clock"/> times the
    /// samples per second the progress line shows; <paramref name="nonFiniteMessage"/> gets the loss and
    /// the batch number (from 1) when the loss is NaN or infinite.</summary>
    public static Totals Run(Module model, Optim.Optimizer optimizer, Loss criterion, DataLoader loader, ProgressLine? progress,
        Stopwatch clock, Func<float, int, string> nonFiniteMessage, CancellationToken cancellationToken)
    {
        double lossSum = 0;
        long seen = 0;
        long correct = 0;
        var batch = 0;
        foreach (var (input, target) in loader)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = Tensor.Scope();
            optimizer.ZeroGrad();
            var logits = model.Forward(input);
            var loss = criterion.Forward(logits, target);
            loss.Backward();
            optimizer.Step();
            var value = loss.ToArray()[0];
            if (!float.IsFinite(value))
            {
                throw new InvalidOperationException(nonFiniteMessage(value, batch + 1));
            }
            var count = (int)input.Shape[0];
            lossSum += value * count;
            seen += count;
            correct += Evaluation.Count(logits, target);
            batch++;
            progress?.Report(batch, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds);
        }
        return new Totals(lossSum, seen, correct);
    }
}
