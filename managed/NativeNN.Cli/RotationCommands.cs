// `nativenn pretrain-rotation` and `nativenn transfer --pretrained DIR`: the self-supervised
// rotation experiment on Fashion-MNIST.
using System.CommandLine;
using System.Globalization;
using NativeNN.Cli.Rotation;

namespace NativeNN.Cli;

internal static class RotationCommands
{
    // 1,500 steps of batch 64 bring LeNet-5 near its plateau on a few thousand images; fewer
    // leave the 1% subset undertrained, so small subsets get many epochs.
    private const int MinimumSteps = 1500;

    public static Command Pretrain()
    {
        var epochs = new Option<int>("--epochs") { Description = "passes over the 4 x 60,000 rotated training images", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--out") { Description = "folder for rotation.safetensors", DefaultValueFactory = _ => "runs/rotation" };
        var seed = SeedOption();
        var data = TrainCommands.DataOption();
        var (threads, isa, device) = TrainCommands.BackendOptions();
        var command = new Command("pretrain-rotation",
            "Pretrain LeNet-5 to predict the rotation (0/90/180/270 degrees) of Fashion-MNIST training images, without their labels.")
        {
            epochs, output, seed, data, threads, isa, device,
        };
        command.SetAction(result =>
        {
            TrainCommands.ApplyBackend(result.GetValue(threads), result.GetValue(isa), result.GetValue(device));
            RequirePositive(result.GetValue(epochs), "--epochs");
            RotationExperiment.Pretrain(result.GetValue(epochs), result.GetValue(output)!, result.GetValue(seed), result.GetValue(data), Console.Out);
            return 0;
        });
        return command;
    }

    public static Command Transfer()
    {
        var pretrained = new Option<string>("--pretrained") { Description = "folder written by nativenn pretrain-rotation", Required = true };
        var fractions = new Option<string>("--fractions")
        {
            Description = "comma-separated fractions of the training labels to learn from", DefaultValueFactory = _ => "0.01,0.1",
        };
        var epochs = new Option<int?>("--epochs")
        {
            Description = $"passes over each labelled subset (default: enough for {MinimumSteps} steps of batch 64)",
        };
        var seed = SeedOption();
        var data = TrainCommands.DataOption();
        var (threads, isa, device) = TrainCommands.BackendOptions();
        var command = new Command("transfer",
            "Train 10-class classifiers on a fraction of the labels from scratch, on the frozen pretrained convolutions, and fine-tuning them.")
        {
            pretrained, fractions, epochs, seed, data, threads, isa, device,
        };
        command.SetAction(result =>
        {
            TrainCommands.ApplyBackend(result.GetValue(threads), result.GetValue(isa), result.GetValue(device));
            if (result.GetValue(epochs) is { } count)
            {
                RequirePositive(count, "--epochs");
            }
            RotationExperiment.Transfer(result.GetValue(pretrained)!, ParseFractions(result.GetValue(fractions)!), result.GetValue(epochs), MinimumSteps,
                result.GetValue(seed), result.GetValue(data), Console.Out);
            return 0;
        });
        return command;
    }

    private static double[] ParseFractions(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var index = 0; index < parts.Length; index++)
        {
            if (!double.TryParse(parts[index], NumberStyles.Float, CultureInfo.InvariantCulture, out values[index]) ||
                !(values[index] > 0 && values[index] <= 1))
            {
                throw new ArgumentException($"--fractions takes numbers in (0, 1] separated by commas, like 0.01,0.1; '{parts[index]}' is not one.");
            }
        }
        if (values.Length == 0)
        {
            throw new ArgumentException("--fractions needs at least one fraction, like 0.01,0.1.");
        }
        return values;
    }

    private static void RequirePositive(int value, string option)
    {
        if (value < 1)
        {
            throw new ArgumentException($"{option} must be 1 or more, not {value}.");
        }
    }

    private static Option<ulong> SeedOption() =>
        new("--seed") { Description = "seed of initialisation, label subsets and shuffling", DefaultValueFactory = _ => 1 };
}
