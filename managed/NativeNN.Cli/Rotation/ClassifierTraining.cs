// The plain training loop the rotation experiment shares between its pretext task and its
// classifiers: shuffled batches, cross-entropy, one optimizer step per batch, nothing saved.
using System.Diagnostics;
using NativeNN.Cli.Training;
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Cli.Rotation;

public static class ClassifierTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> on the class labels of <paramref name="dataset"/> for
    /// <paramref name="epochs"/> passes; with <paramref name="output"/>, one progress line per epoch
    /// under <paramref name="label"/>. Returns the mean loss of the last epoch.
    /// </summary>
    public static double Train(Module model, Optim.Optimizer optimizer, Dataset dataset, int epochs, int batchSize, ulong seed,
        TextWriter? output = null, string label = "training", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        using var criterion = new CrossEntropyLoss();
        using var loader = new DataLoader(dataset, batchSize, shuffle: true, seed: seed);
        model.Train();
        var lastLoss = double.NaN;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var progress = output is null ? null : new ProgressLine(output, $"{label} epoch {epoch}/{epochs}", loader.Count);
            var totals = EpochPass.Run(model, optimizer, criterion, loader, progress, clock,
                (value, batch) => $"{label}: the loss became {value} at epoch {epoch}, batch {batch}; lower the learning rate ({optimizer.LearningRate}).",
                cancellationToken);
            lastLoss = totals.MeanLoss;
            progress?.Finish($"loss {lastLoss:F4}, train accuracy {totals.Accuracy:P2}, {totals.Seen / clock.Elapsed.TotalSeconds:F0} samples/s, " +
                             $"{clock.Elapsed.TotalSeconds:F1} s");
        }
        return lastLoss;
    }
}
