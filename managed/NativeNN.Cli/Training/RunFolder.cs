// The files of a run folder, each written atomically (temporary file, flush, rename) so an
// interrupted run never leaves a half-written checkpoint or metrics file behind.
using System.Globalization;
using System.Text;
using NativeNN.IO;
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Cli.Training;

internal sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationAccuracy, double Seconds, double SamplesPerSecond);

internal sealed class RunFolder(string path)
{
    public const string ConfigurationFile = "config.json";
    public const string BestModelFile = "model.safetensors";
    public const string LastModelFile = "last.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string MetricsFile = "metrics.csv";
    public const string CurvesFile = "curves.png";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void WriteConfiguration(TrainingConfiguration configuration) => WriteText(ConfigurationFile, configuration.ToJson());

    public void SaveModel(string name, Module model, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensors.Save(File(name), model.StateDict(), metadata);

    public void LoadModel(string name, Module model, string modelName)
    {
        using var file = SafeTensors.Load(File(name));
        if (file.Metadata.TryGetValue("model", out var saved) && saved != modelName)
        {
            throw new InvalidDataException($"{File(name)} holds a {saved} model, but this run builds {modelName}.");
        }
        try
        {
            model.LoadStateDict(file.Tensors);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"{File(name)} does not fit the {modelName} model: {exception.Message}", exception);
        }
    }

    public void SaveOptimizer(Optimizer optimizer, int epoch, double bestValidationAccuracy)
    {
        using var state = optimizer.SaveState();
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = state.Optimizer,
            ["learning_rate"] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["steps"] = string.Join(",", state.Steps),
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["best_validation_accuracy"] = bestValidationAccuracy.ToString("R", CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(File(OptimizerFile), state.Buffers, metadata);
    }

    /// <summary>Restores the optimizer; returns the last finished epoch and the best validation accuracy.</summary>
    public (int Epoch, double BestValidationAccuracy) LoadOptimizer(Optimizer optimizer)
    {
        using var file = SafeTensors.Load(File(OptimizerFile));
        try
        {
            var steps = file.Metadata["steps"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
            var state = new OptimizerState(file.Metadata["optimizer"], double.Parse(file.Metadata["learning_rate"], CultureInfo.InvariantCulture),
                steps, file.Tensors);
            optimizer.LoadState(state);
            return (int.Parse(file.Metadata["epoch"], CultureInfo.InvariantCulture),
                double.Parse(file.Metadata["best_validation_accuracy"], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is KeyNotFoundException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{File(OptimizerFile)} is not optimizer state of this run: {exception.Message}", exception);
        }
    }

    public IReadOnlyList<EpochMetrics> ReadMetrics()
    {
        var path = File(MetricsFile);
        if (!System.IO.File.Exists(path))
        {
            return [];
        }
        return System.IO.File.ReadAllLines(path).Skip(1).Where(line => line.Length > 0).Select(line =>
        {
            var fields = line.Split(',').Select(field => double.Parse(field, CultureInfo.InvariantCulture)).ToArray();
            return new EpochMetrics((int)fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
        }).ToList();
    }

    public void WriteMetrics(IReadOnlyList<EpochMetrics> metrics)
    {
        var text = new StringBuilder("epoch,train_loss,train_accuracy,validation_accuracy,seconds,samples_per_second\n");
        foreach (var row in metrics)
        {
            text.AppendLine(string.Join(",", new[] { row.Epoch, row.TrainLoss, row.TrainAccuracy, row.ValidationAccuracy, row.Seconds, row.SamplesPerSecond }
                .Select(value => value.ToString("0.######", CultureInfo.InvariantCulture))));
        }
        WriteText(MetricsFile, text.ToString());
    }

    public void WriteCurves(IReadOnlyList<EpochMetrics> metrics, string title)
    {
        var plot = new ScottPlot.Plot();
        var epochs = metrics.Select(row => (double)row.Epoch).ToArray();
        var loss = plot.Add.Scatter(epochs, metrics.Select(row => row.TrainLoss).ToArray());
        loss.LegendText = "training loss";
        var training = plot.Add.Scatter(epochs, metrics.Select(row => row.TrainAccuracy * 100).ToArray());
        training.LegendText = "training accuracy (%)";
        training.Axes.YAxis = plot.Axes.Right;
        var validation = plot.Add.Scatter(epochs, metrics.Select(row => row.ValidationAccuracy * 100).ToArray());
        validation.LegendText = "validation accuracy (%)";
        validation.Axes.YAxis = plot.Axes.Right;
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Right.Label.Text = "accuracy (%)";
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        var temporary = File($".{CurvesFile}.{Environment.ProcessId}.tmp.png");
        plot.SavePng(temporary, 900, 500);
        System.IO.File.Move(temporary, File(CurvesFile), overwrite: true);
    }

    private void WriteText(string name, string text)
    {
        Directory.CreateDirectory(Path);
        var temporary = File($".{name}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        System.IO.File.Move(temporary, File(name), overwrite: true);
    }
}
