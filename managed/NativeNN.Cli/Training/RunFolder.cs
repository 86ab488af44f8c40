// The files of a run folder, each written atomically (temporary file, flush, rename) so an
// interrupted run never leaves a half-written checkpoint or metrics file behind; a run killed in the
// middle of a write leaves only a ".partial" file that nothing reads and the next run deletes.
// Checkpoints here are always written by NativeNN, so loading them requires their checksum.
using System.Globalization;
using System.Text;
using NativeNN.Data;
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

    public void WriteConfiguration(TrainingConfiguration configuration)
    {
        DeleteLeftovers();
        WriteText(ConfigurationFile, configuration.ToJson());
    }

    /// <summary>Deletes what writes interrupted by a crash left behind; only one run writes a folder.</summary>
    public void DeleteLeftovers()
    {
        if (Directory.Exists(Path))
        {
            AtomicFile.DeleteLeftovers(Path);
        }
    }

    public void SaveModel(string name, Module model, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensors.Save(File(name), model.StateDict(), metadata);

    public void LoadModel(string name, Module model, string modelName)
    {
        using var file = SafeTensors.Load(File(name), requireChecksum: true);
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
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["best_validation_accuracy"] = bestValidationAccuracy.ToString("R", CultureInfo.InvariantCulture),
        };
        OptimizerStateFile.Save(File(OptimizerFile), state, metadata);
    }

    /// <summary>Restores the optimizer; returns the last finished epoch and the best validation accuracy.</summary>
    public (int Epoch, double BestValidationAccuracy) LoadOptimizer(Optimizer optimizer)
    {
        DeleteLeftovers();
        var path = File(OptimizerFile);
        var (state, metadata) = OptimizerStateFile.Load(path);
        using (state)
        {
            try
            {
                optimizer.LoadState(state);
            }
            catch (ArgumentException exception)
            {
                throw new InvalidDataException($"{path} is not optimizer state of this run: {exception.Message}", exception);
            }
        }
        if (!metadata.TryGetValue("epoch", out var epochText) ||
            !int.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            throw new InvalidDataException($"{path}: metadata 'epoch' is missing or not an integer >= 0.");
        }
        if (!metadata.TryGetValue("best_validation_accuracy", out var bestText) ||
            !double.TryParse(bestText, NumberStyles.Float, CultureInfo.InvariantCulture, out var best) || !(best is >= 0 and <= 1))
        {
            throw new InvalidDataException($"{path}: metadata 'best_validation_accuracy' is missing or not a number from 0 to 1.");
        }
        return (epoch, best);
    }

    public IReadOnlyList<EpochMetrics> ReadMetrics()
    {
        var path = File(MetricsFile);
        if (!System.IO.File.Exists(path))
        {
            return [];
        }
        var lines = System.IO.File.ReadAllLines(path);
        var rows = new List<EpochMetrics>();
        for (var index = 1; index < lines.Length; index++)
        {
            if (lines[index].Length == 0)
            {
                continue;
            }
            var fields = lines[index].Split(',');
            var values = new double[fields.Length];
            if (fields.Length != 6 || !fields.Select((field, column) =>
                    double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out values[column])).All(parsed => parsed) ||
                values[0] is < 0 or > int.MaxValue || values[0] != Math.Floor(values[0]))
            {
                throw new InvalidDataException(
                    $"{path}, line {index + 1}: '{lines[index]}' is not a row of {lines[0]} (six numbers, the first a whole epoch).");
            }
            rows.Add(new EpochMetrics((int)values[0], values[1], values[2], values[3], values[4], values[5]));
        }
        return rows;
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
        var png = plot.GetImageBytes(900, 500, ScottPlot.ImageFormat.Png);
        Directory.CreateDirectory(Path);
        AtomicFile.Write(File(CurvesFile), stream => stream.Write(png));
    }

    private void WriteText(string name, string text)
    {
        Directory.CreateDirectory(Path);
        AtomicFile.Write(File(name), stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }
}
