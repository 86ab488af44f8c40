// Optimizer state as a safetensors file: the buffers are the tensors ("0.exp_avg", ...), the kind,
// learning rate and per-parameter step counts are metadata. It is always written by NativeNN, so
// loading requires the checksum, and every field is checked before an optimizer sees it.
using System.Globalization;

namespace NativeNN.IO;

/// <summary>Saves and loads <see cref="Optim.OptimizerState"/> (for resuming training) with any
/// extra string metadata the caller keeps beside it (epoch, best accuracy, ...).</summary>
public static class OptimizerStateFile
{
    /// <summary>Metadata key of the optimizer's kind ("Adam", ...).</summary>
    public const string OptimizerKey = "optimizer";

    /// <summary>Metadata key of the learning rate (invariant culture, round-trip format).</summary>
    public const string LearningRateKey = "learning_rate";

    /// <summary>Metadata key of the per-parameter step counts, comma separated.</summary>
    public const string StepsKey = "steps";

    /// <summary>Writes <paramref name="state"/> atomically (see <see cref="SafeTensors.Save"/>).</summary>
    public static void Save(string path, Optim.OptimizerState state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>());
        foreach (var key in new[] { OptimizerKey, LearningRateKey, StepsKey })
        {
            if (all.ContainsKey(key))
            {
                throw new ArgumentException($"metadata key '{key}' is written by OptimizerStateFile itself.", nameof(metadata));
            }
        }
        all[OptimizerKey] = state.Optimizer;
        all[LearningRateKey] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture);
        all[StepsKey] = string.Join(",", state.Steps.Select(step => step.ToString(CultureInfo.InvariantCulture)));
        SafeTensors.Save(path, state.Buffers, all);
    }

    /// <summary>Reads state written by <see cref="Save"/>; the caller disposes it. Any damage or
    /// inconsistency is an <see cref="InvalidDataException"/> naming the file and the field.</summary>
    public static (Optim.OptimizerState State, IReadOnlyDictionary<string, string> Metadata) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No optimizer state at {path}.", path);
        }
        return FromFile(SafeTensors.Load(path, requireChecksum: true), path);
    }

    /// <summary>Validates a loaded file as optimizer state; takes ownership of <paramref name="file"/>.</summary>
    internal static (Optim.OptimizerState State, IReadOnlyDictionary<string, string> Metadata) FromFile(SafeTensorsFile file, string source)
    {
        try
        {
            var metadata = file.Metadata;
            string Field(string key) => metadata.TryGetValue(key, out var value)
                ? value
                : throw new InvalidDataException($"{source} is not optimizer state: its metadata has no '{key}'.");
            var optimizer = Field(OptimizerKey);
            if (optimizer.Length == 0)
            {
                throw new InvalidDataException($"{source}: '{OptimizerKey}' is empty; expected the optimizer's kind (Adam, SGD, ...).");
            }
            var learningRateText = Field(LearningRateKey);
            if (!double.TryParse(learningRateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var learningRate) ||
                !(learningRate >= 0) || double.IsInfinity(learningRate))
            {
                throw new InvalidDataException($"{source}: '{LearningRateKey}' is '{learningRateText}'; expected a finite number >= 0.");
            }
            var stepsText = Field(StepsKey);
            var parts = stepsText.Split(',');
            var steps = new long[parts.Length];
            for (var index = 0; index < parts.Length; index++)
            {
                if (!long.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out steps[index]))
                {
                    throw new InvalidDataException(
                        $"{source}: '{StepsKey}' entry {index} is '{parts[index]}'; expected a comma-separated list of step counts (integers >= 0), one per parameter.");
                }
            }
            foreach (var (name, tensor) in file.Tensors)
            {
                var dot = name.IndexOf('.');
                if (dot <= 0 || !int.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ||
                    index >= steps.Length || dot == name.Length - 1)
                {
                    throw new InvalidDataException(
                        $"{source}: buffer '{name}' is not named 'parameter.buffer' with a parameter index below the {steps.Length} in '{StepsKey}'.");
                }
                if (tensor.DType != DType.Float32)
                {
                    throw new InvalidDataException($"{source}: buffer '{name}' is {tensor.Description}; optimizer buffers are float32.");
                }
            }
            return (new Optim.OptimizerState(optimizer, learningRate, steps, file.Tensors), metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
