// How the three classifiers of the transfer comparison are built from one LeNet-5 layout: the
// convolutional layers (everything before Flatten) come fresh, pretrained and frozen, or
// pretrained and trainable; the fully connected layers are always fresh.
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Cli.Rotation;

/// <summary>Where a classifier's convolutional layers come from, and whether they learn.</summary>
public enum TransferMode
{
    Scratch,
    Frozen,
    FineTuned,
}

public static class TransferLearning
{
    /// <summary>Fashion-MNIST's classes.</summary>
    public const int Classes = 10;

    public static IReadOnlyList<TransferMode> Modes { get; } = [TransferMode.Scratch, TransferMode.Frozen, TransferMode.FineTuned];

    /// <summary>The state-dict names of the parameters of the layers before the first
    /// <see cref="Flatten"/>: the convolutional feature extractor that the pretext task trains.</summary>
    public static IReadOnlyList<string> FeatureParameterNames(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = new List<string>();
        for (var index = 0; index < model.Count && model[index] is not Flatten; index++)
        {
            names.AddRange(model[index].NamedParameters().Select(named => $"{index}.{named.Name}"));
        }
        return names;
    }

    /// <summary>
    /// A 10-class LeNet-5 whose fresh layers are initialised from <paramref name="seed"/> (the same
    /// for every mode, so the modes differ only in the convolutional layers); for
    /// <see cref="TransferMode.Frozen"/> and <see cref="TransferMode.FineTuned"/> those are copied
    /// by name from <paramref name="pretrained"/>, and frozen ones no longer require gradients.
    /// </summary>
    public static Sequential CreateClassifier(TransferMode mode, IReadOnlyDictionary<string, Tensor> pretrained, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pretrained);
        var model = Models.Models.LeNet5(Classes, new Generator(seed));
        if (mode == TransferMode.Scratch)
        {
            return model;
        }
        try
        {
            var features = FeatureParameterNames(model);
            var missing = features.Where(name => !pretrained.ContainsKey(name)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidDataException(
                    $"the pretrained weights lack [{string.Join(", ", missing)}]; they must come from nativenn pretrain-rotation.");
            }
            model.LoadStateDict(features.ToDictionary(name => name, name => pretrained[name]), strict: false);
            if (mode == TransferMode.Frozen)
            {
                var parameters = model.StateDict();
                foreach (var name in features)
                {
                    parameters[name].RequiresGrad = false;
                }
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The parameters an optimizer should update: those that still require gradients.</summary>
    public static IEnumerable<Tensor> TrainableParameters(Module model) =>
        (model ?? throw new ArgumentNullException(nameof(model))).Parameters().Where(parameter => parameter.RequiresGrad);

    /// <summary>
    /// The labelled part of a semi-supervised setting: <paramref name="fraction"/> of
    /// <paramref name="train"/>'s samples (rounded, at least one), drawn by a permutation seeded with
    /// <paramref name="seed"/>, so the same seed gives the same images.
    /// </summary>
    public static Subset LabelledSubset(Dataset train, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentException($"a label fraction must lie in (0, 1], not {fraction}.", nameof(fraction));
        }
        var count = Math.Clamp((int)Math.Round(fraction * train.Count), 1, train.Count);
        return Dataset.RandomSplit(train, [count, train.Count - count], seed)[0];
    }

    /// <summary>Enough passes over <paramref name="samples"/> for at least <paramref name="minimumSteps"/> batches.</summary>
    public static int EpochsFor(int samples, int batchSize, int minimumSteps)
    {
        var batches = (samples + batchSize - 1) / batchSize;
        return Math.Max(1, (minimumSteps + batches - 1) / batches);
    }
}
