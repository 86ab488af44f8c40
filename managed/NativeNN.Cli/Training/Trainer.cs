// One training run: data, model and optimizer from the configuration; per epoch a pass over the
// training split, validation accuracy, metrics and curves, the best model by validation accuracy,
// and the last state for resuming; the test split is evaluated once, at the end.
using System.Diagnostics;
using System.Globalization;
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Cli.Training;

internal sealed class Trainer(TrainingConfiguration configuration, RunFolder folder, TextWriter output)
{
    private const int Classes = 10;

    public static (Dataset Train, Dataset Validation, Dataset Test) LoadData(TrainingConfiguration configuration, TextWriter output)
    {
        var root = configuration.DataRoot;
        if (!DataSets.IsCached(configuration.Dataset, root ?? DataSets.DefaultRoot))
        {
            output.WriteLine($"fetching {configuration.Dataset} into {DataSets.DirectoryOf(configuration.Dataset, root)} (once)");
            DataSets.Fetch(configuration.Dataset, root ?? DataSets.DefaultRoot, new Progress<string>(output.WriteLine));
        }
        var directory = DataSets.DirectoryOf(configuration.Dataset, root);
        var normalize = configuration.Dataset == DataSets.Mnist ? Normalize.Mnist : Normalize.FashionMnist;
        var full = MnistDataset.Load(directory, train: true, normalize);
        var test = MnistDataset.Load(directory, train: false, normalize);
        if (configuration.ValidationCount >= full.Count)
        {
            throw new ArgumentException($"--val-split {configuration.ValidationCount} leaves no training images out of {full.Count}.");
        }
        var parts = Dataset.RandomSplit(full, [full.Count - configuration.ValidationCount, configuration.ValidationCount], configuration.Seed);
        return (parts[0], parts[1], test);
    }

    public double Run(bool resume, CancellationToken cancellationToken)
    {
        var (train, validation, test) = LoadData(configuration, output);
        using var model = Models.Models.Create(configuration.Model, Classes, new Generator(configuration.Seed));
        using var optimizer = configuration.CreateOptimizer(model.Parameters());
        using var criterion = new CrossEntropyLoss();
        using var loader = new DataLoader(train, configuration.BatchSize, shuffle: true, seed: configuration.Seed);
        var metrics = new List<EpochMetrics>();
        var firstEpoch = 1;
        var bestValidation = -1.0;
        if (resume)
        {
            folder.LoadModel(RunFolder.LastModelFile, model, configuration.Model);
            (var finished, bestValidation) = folder.LoadOptimizer(optimizer);
            metrics.AddRange(folder.ReadMetrics().Where(row => row.Epoch <= finished));
            firstEpoch = finished + 1;
            loader.Epoch = finished;
            output.WriteLine($"resuming {folder.Path} after epoch {finished} (best validation accuracy {bestValidation:P2})");
        }
        else
        {
            folder.WriteConfiguration(configuration);
        }
        output.WriteLine($"training {configuration.Model} on {configuration.Dataset}: {train.Count} training, {validation.Count} validation, {test.Count} test images; " +
                         $"{configuration.Optimizer} lr {configuration.LearningRate.ToString(CultureInfo.InvariantCulture)} ({configuration.Schedule}), batch {configuration.BatchSize}, " +
                         $"{Backends.Threads} threads, {Backends.Current} kernels");
        for (var epoch = firstEpoch; epoch <= configuration.Epochs; epoch++)
        {
            optimizer.LearningRate = configuration.LearningRateOf(epoch);
            var row = TrainEpoch(epoch, model, optimizer, criterion, loader, validation, cancellationToken);
            metrics.Add(row);
            var metadata = new Dictionary<string, string>
            {
                ["model"] = configuration.Model,
                ["dataset"] = configuration.Dataset,
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["validation_accuracy"] = row.ValidationAccuracy.ToString("R", CultureInfo.InvariantCulture),
            };
            if (row.ValidationAccuracy > bestValidation)
            {
                bestValidation = row.ValidationAccuracy;
                folder.SaveModel(RunFolder.BestModelFile, model, metadata);
            }
            folder.SaveModel(RunFolder.LastModelFile, model, metadata);
            folder.SaveOptimizer(optimizer, epoch, bestValidation);
            folder.WriteMetrics(metrics);
            folder.WriteCurves(metrics, $"{configuration.Model} on {configuration.Dataset}");
        }
        folder.LoadModel(RunFolder.BestModelFile, model, configuration.Model);
        var result = Evaluation.Evaluate(model, test, Classes);
        output.WriteLine($"test accuracy of the best model (validation {bestValidation:P2}): {result.Accuracy:P2} ({result.Correct}/{result.Count})");
        output.WriteLine($"saved {folder.File(RunFolder.BestModelFile)}, {RunFolder.MetricsFile}, {RunFolder.CurvesFile} in {folder.Path}");
        return result.Accuracy;
    }

    private EpochMetrics TrainEpoch(int epoch, Module model, Optim.Optimizer optimizer, Loss criterion, DataLoader loader,
        Dataset validation, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var progress = new ProgressLine(output, $"epoch {epoch}/{configuration.Epochs}", loader.Count);
        model.Train();
        var totals = EpochPass.Run(model, optimizer, criterion, loader, progress, clock,
            (value, batch) => $"the loss became {value} at epoch {epoch}, batch {batch}: the learning rate ({configuration.LearningRate}) is probably too high. Nothing of this epoch was saved.",
            cancellationToken);
        var trainingSeconds = clock.Elapsed.TotalSeconds;
        var validationAccuracy = validation.Count > 0 ? Evaluation.Evaluate(model, validation, Classes).Accuracy : double.NaN;
        progress.Finish($"loss {totals.MeanLoss:F4}, train accuracy {totals.Accuracy:P2}, validation accuracy {validationAccuracy:P2}, " +
                        $"{totals.Seen / trainingSeconds:F0} samples/s, {clock.Elapsed.TotalSeconds:F1} s");
        return new EpochMetrics(epoch, totals.MeanLoss, totals.Accuracy, validationAccuracy, clock.Elapsed.TotalSeconds, totals.Seen / trainingSeconds);
    }
}
