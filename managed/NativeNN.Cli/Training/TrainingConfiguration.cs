// What a training run was asked to do; saved as config.json in the run folder so eval and resume
// rebuild the same model and data.
using System.Text.Json;

namespace NativeNN.Cli.Training;

internal sealed record TrainingConfiguration
{
    public string Model { get; init; } = "lenet5";
    public string Dataset { get; init; } = "mnist";
    public int Epochs { get; init; } = 8;
    public int BatchSize { get; init; } = 64;
    public string Optimizer { get; init; } = "adam";
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; }
    public ulong Seed { get; init; } = 1;
    /// <summary>"cosine": the rate anneals from LearningRate towards 0 over the epochs; "constant": it stays.</summary>
    public string Schedule { get; init; } = "cosine";
    public int ValidationCount { get; init; } = 5000;
    public string? DataRoot { get; init; }

    public static IReadOnlyList<string> OptimizerNames { get; } = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];

    public void Validate()
    {
        Require(Models.Models.Names.Contains(Model), $"--model must be one of {string.Join(", ", Models.Models.Names)}, not '{Model}'");
        Require(Data.DataSets.Names.Contains(Dataset), $"--dataset must be one of {string.Join(", ", Data.DataSets.Names)}, not '{Dataset}'");
        Require(OptimizerNames.Contains(Optimizer), $"--optimizer must be one of {string.Join(", ", OptimizerNames)}, not '{Optimizer}'");
        Require(Schedule is "cosine" or "constant", $"--schedule must be cosine or constant, not '{Schedule}'");
        Require(Epochs >= 1, $"--epochs must be 1 or more, not {Epochs}");
        Require(BatchSize >= 1, $"--batch-size must be 1 or more, not {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr must be a positive number, not {LearningRate}");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"--weight-decay must be 0 or more, not {WeightDecay}");
        Require(ValidationCount >= 0, $"--val-split must be 0 or more images, not {ValidationCount}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (1-based).</summary>
    public double LearningRateOf(int epoch) => Schedule == "cosine"
        ? Optim.CosineAnnealingLR.LearningRateAt(LearningRate, 0, Epochs, epoch - 1)
        : LearningRate;

    public Optim.Optimizer CreateOptimizer(IEnumerable<Tensor> parameters) => Optimizer switch
    {
        "sgd" => new Optim.SGD(parameters, LearningRate, weightDecay: WeightDecay),
        "momentum" => new Optim.SGD(parameters, LearningRate, momentum: 0.9, weightDecay: WeightDecay),
        "nesterov" => new Optim.SGD(parameters, LearningRate, momentum: 0.9, weightDecay: WeightDecay, nesterov: true),
        "adagrad" => new Optim.Adagrad(parameters, LearningRate, weightDecay: WeightDecay),
        "rmsprop" => new Optim.RMSprop(parameters, LearningRate, weightDecay: WeightDecay),
        "adam" => new Optim.Adam(parameters, LearningRate, weightDecay: WeightDecay),
        "adamw" => new Optim.AdamW(parameters, LearningRate, weightDecay: WeightDecay),
        _ => throw new ArgumentException($"unknown optimizer '{Optimizer}'"),
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static TrainingConfiguration Load(string folder)
    {
        var path = Path.Combine(folder, RunFolder.ConfigurationFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{folder} is not a training run folder: it has no {RunFolder.ConfigurationFile} (train into it with nativenn train --out {folder}).", path);
        }
        try
        {
            var configuration = JsonSerializer.Deserialize<TrainingConfiguration>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path} is empty.");
            configuration.Validate();
            return configuration;
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path} is not a valid run configuration: {exception.Message}", exception);
        }
    }
}
