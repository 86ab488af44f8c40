// Self-supervised pretraining by rotation prediction on Fashion-MNIST, then the question it is
// for: with few labels, do its convolutional layers beat training from scratch, frozen or tuned?
using System.Diagnostics;
using System.Globalization;
using NativeNN.Cli.Training;
using NativeNN.Data;
using NativeNN.IO;

namespace NativeNN.Cli.Rotation;

internal sealed record TransferResult(double Fraction, int LabelledCount, int Epochs, IReadOnlyDictionary<TransferMode, double> Accuracies);

internal static class RotationExperiment
{
    public const string PretrainedFile = "rotation.safetensors";
    public const string Task = "rotation";

    // One optimizer for every run, so the comparison is of the starting weights alone.
    private const int BatchSize = 64;
    private const double LearningRate = 1e-3;

    public static double Pretrain(int epochs, string outputFolder, ulong seed, string? dataRoot, TextWriter output)
    {
        var (train, test) = LoadFashionMnist(dataRoot, seed, output);
        var rotatedTrain = new RotatedDataset(train);
        var rotatedTest = new RotatedDataset(test);
        using var model = Models.Models.LeNet5(RotatedDataset.RotationCount, new Generator(seed));
        using var optimizer = new Optim.Adam(model.Parameters(), LearningRate);
        output.WriteLine($"pretraining lenet5 to tell 4 rotations of {train.Count} Fashion-MNIST training images apart (labels unused): " +
                         $"{rotatedTrain.Count} samples, {epochs} epochs, adam lr {LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {BatchSize}");
        var clock = Stopwatch.StartNew();
        ClassifierTraining.Train(model, optimizer, rotatedTrain, epochs, BatchSize, seed, output, "rotation");
        var result = Evaluation.Evaluate(model, rotatedTest, RotatedDataset.RotationCount);
        var path = Path.Combine(Path.GetFullPath(outputFolder), PretrainedFile);
        SafeTensors.Save(path, model.StateDict(), new Dictionary<string, string>
        {
            ["model"] = "lenet5",
            ["task"] = Task,
            ["epochs"] = epochs.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["test_rotation_accuracy"] = result.Accuracy.ToString("R", CultureInfo.InvariantCulture),
        });
        output.WriteLine($"rotation accuracy on the {rotatedTest.Count} rotated test images: {Accuracy(result.Accuracy)} ({result.Correct}/{result.Count}); " +
                         $"{clock.Elapsed.TotalSeconds:F0} s");
        output.WriteLine($"saved {path}");
        return result.Accuracy;
    }

    public static IReadOnlyList<TransferResult> Transfer(string pretrainedFolder, IReadOnlyList<double> fractions, int? epochs, int minimumSteps,
        ulong seed, string? dataRoot, TextWriter output)
    {
        var path = Path.Combine(Path.GetFullPath(pretrainedFolder), PretrainedFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist; run nativenn pretrain-rotation --out {pretrainedFolder} first.", path);
        }
        using var pretrained = SafeTensors.Load(path);
        if (!pretrained.Metadata.TryGetValue("task", out var task) || task != Task)
        {
            throw new InvalidDataException($"{path} was not written by nativenn pretrain-rotation (its metadata has no task '{Task}').");
        }
        var (train, test) = LoadFashionMnist(dataRoot, seed, output);
        var results = new List<TransferResult>();
        foreach (var fraction in fractions)
        {
            var labelled = TransferLearning.LabelledSubset(train, fraction, seed);
            var runEpochs = epochs ?? TransferLearning.EpochsFor(labelled.Count, BatchSize, minimumSteps);
            var steps = runEpochs * ((labelled.Count + BatchSize - 1) / BatchSize);
            output.WriteLine($"{Percent(fraction)} of the labels: {labelled.Count} images, {runEpochs} epochs ({steps} steps) per classifier");
            var accuracies = new Dictionary<TransferMode, double>();
            foreach (var mode in TransferLearning.Modes)
            {
                var clock = Stopwatch.StartNew();
                using var model = TransferLearning.CreateClassifier(mode, pretrained.Tensors, seed);
                using var optimizer = new Optim.Adam(TransferLearning.TrainableParameters(model), LearningRate);
                var loss = ClassifierTraining.Train(model, optimizer, labelled, runEpochs, BatchSize, seed);
                accuracies[mode] = Evaluation.Evaluate(model, test, TransferLearning.Classes).Accuracy;
                output.WriteLine($"  {Name(mode),-10} final training loss {loss:F4}, test accuracy {Accuracy(accuracies[mode])}, {clock.Elapsed.TotalSeconds:F0} s");
            }
            results.Add(new TransferResult(fraction, labelled.Count, runEpochs, accuracies));
        }
        WriteTable(results, test.Count, output);
        return results;
    }

    public static string Name(TransferMode mode) => mode switch
    {
        TransferMode.Scratch => "scratch",
        TransferMode.Frozen => "frozen",
        _ => "fine-tuned",
    };

    private static void WriteTable(IReadOnlyList<TransferResult> results, int testCount, TextWriter output)
    {
        output.WriteLine($"test accuracy on the {testCount} Fashion-MNIST test images:");
        output.WriteLine($"{"fraction",8}  {"labelled",8}  {"epochs",6}" + string.Concat(TransferLearning.Modes.Select(mode => $"  {Name(mode),10}")));
        foreach (var row in results)
        {
            output.WriteLine($"{Percent(row.Fraction),8}  {row.LabelledCount,8}  {row.Epochs,6}" +
                             string.Concat(TransferLearning.Modes.Select(mode => $"  {Accuracy(row.Accuracies[mode]),10}")));
        }
    }

    private static (Dataset Train, Dataset Test) LoadFashionMnist(string? dataRoot, ulong seed, TextWriter output)
    {
        var configuration = new TrainingConfiguration { Dataset = DataSets.FashionMnist, DataRoot = dataRoot, ValidationCount = 0, Seed = seed };
        var (train, _, test) = Trainer.LoadData(configuration, output);
        return (train, test);
    }

    private static string Percent(double value) => value.ToString("0.##%", CultureInfo.InvariantCulture);

    private static string Accuracy(double value) => value.ToString("0.00%", CultureInfo.InvariantCulture);
}
