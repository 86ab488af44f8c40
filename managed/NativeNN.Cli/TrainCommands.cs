// `nativenn train`, `nativenn resume DIR` and `nativenn eval --checkpoint DIR`.
using System.CommandLine;
using System.Globalization;
using NativeNN.Cli.Training;

namespace NativeNN.Cli;

internal static class TrainCommands
{
    public static Command Train()
    {
        var defaults = new TrainingConfiguration();
        var model = new Option<string>("--model") { Description = "lenet5 or mlp", DefaultValueFactory = _ => defaults.Model };
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion-mnist", DefaultValueFactory = _ => defaults.Dataset };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training split", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "images per step", DefaultValueFactory = _ => defaults.BatchSize };
        var optimizer = new Option<string>("--optimizer")
        {
            Description = string.Join("|", TrainingConfiguration.OptimizerNames), DefaultValueFactory = _ => defaults.Optimizer,
        };
        var learningRate = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var weightDecay = new Option<double>("--weight-decay") { Description = "weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var schedule = new Option<string>("--schedule") { Description = "cosine or constant learning rate", DefaultValueFactory = _ => defaults.Schedule };
        var seed = new Option<ulong>("--seed") { Description = "seed of initialisation, split and shuffling", DefaultValueFactory = _ => defaults.Seed };
        var validation = new Option<int>("--val-split")
        {
            Description = "training images held out for validation", DefaultValueFactory = _ => defaults.ValidationCount,
        };
        var output = new Option<string>("--out") { Description = "run folder", DefaultValueFactory = _ => "runs/lenet5-mnist" };
        var data = DataOption();
        var (threads, isa, device) = BackendOptions();
        var command = new Command("train", "Train a model and keep the best checkpoint by validation accuracy.")
        {
            model, dataset, epochs, batchSize, optimizer, learningRate, schedule, weightDecay, seed, validation, output, data, threads, isa, device,
        };
        command.SetAction(result =>
        {
            ApplyBackend(result.GetValue(threads), result.GetValue(isa), result.GetValue(device));
            var configuration = new TrainingConfiguration
            {
                Model = result.GetValue(model)!,
                Dataset = result.GetValue(dataset)!,
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batchSize),
                Optimizer = result.GetValue(optimizer)!,
                LearningRate = result.GetValue(learningRate),
                Schedule = result.GetValue(schedule)!,
                WeightDecay = result.GetValue(weightDecay),
                Seed = result.GetValue(seed),
                ValidationCount = result.GetValue(validation),
                DataRoot = result.GetValue(data),
            };
            configuration.Validate();
            var folder = new RunFolder(result.GetValue(output)!);
            new Trainer(configuration, folder, Console.Out).Run(resume: false, CancellationToken.None);
            return 0;
        });
        return command;
    }

    public static Command Resume()
    {
        var folderArgument = new Argument<string>("DIR") { Description = "the run folder of an interrupted nativenn train" };
        var (threads, isa, device) = BackendOptions();
        var command = new Command("resume", "Continue an interrupted training run from its last checkpoint.") { folderArgument, threads, isa, device };
        command.SetAction(result =>
        {
            ApplyBackend(result.GetValue(threads), result.GetValue(isa), result.GetValue(device));
            var folder = new RunFolder(result.GetValue(folderArgument)!);
            var configuration = TrainingConfiguration.Load(folder.Path);
            new Trainer(configuration, folder, Console.Out).Run(resume: true, CancellationToken.None);
            return 0;
        });
        return command;
    }

    public static Command Evaluate()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "run folder written by nativenn train", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "mnist or fashion-mnist (default: the run's)" };
        var data = DataOption();
        var (threads, isa, device) = BackendOptions();
        var command = new Command("eval", "Test accuracy and confusion matrix of a trained model.") { checkpoint, dataset, data, threads, isa, device };
        command.SetAction(result =>
        {
            ApplyBackend(result.GetValue(threads), result.GetValue(isa), result.GetValue(device));
            var folder = new RunFolder(result.GetValue(checkpoint)!);
            var configuration = TrainingConfiguration.Load(folder.Path) with
            {
                ValidationCount = 0,
            };
            if (result.GetValue(dataset) is { } name)
            {
                configuration = configuration with { Dataset = name };
            }
            if (result.GetValue(data) is { } root)
            {
                configuration = configuration with { DataRoot = root };
            }
            configuration.Validate();
            var (_, _, test) = LoadTestOnly(configuration);
            using var model = Models.Models.Create(configuration.Model);
            folder.LoadModel(RunFolder.BestModelFile, model, configuration.Model);
            var evaluation = Evaluation.Evaluate(model, test, 10);
            Console.WriteLine($"{configuration.Model} from {folder.File(RunFolder.BestModelFile)} on the {configuration.Dataset} test set: " +
                              $"accuracy {evaluation.Accuracy.ToString("P2", CultureInfo.InvariantCulture)} ({evaluation.Correct}/{evaluation.Count})");
            Console.WriteLine("confusion matrix (rows: true class, columns: predicted):");
            Console.WriteLine("      " + string.Concat(Enumerable.Range(0, 10).Select(column => $"{column,6}")));
            for (var row = 0; row < 10; row++)
            {
                Console.WriteLine($"{row,6}" + string.Concat(Enumerable.Range(0, 10).Select(column => $"{evaluation.Confusion[row, column],6}")));
            }
            return 0;
        });
        return command;
    }

    private static (Data.Dataset, Data.Dataset, Data.Dataset) LoadTestOnly(TrainingConfiguration configuration)
    {
        var directory = Data.DataSets.DirectoryOf(configuration.Dataset, configuration.DataRoot);
        if (!Data.DataSets.IsCached(configuration.Dataset, configuration.DataRoot ?? Data.DataSets.DefaultRoot))
        {
            throw new DirectoryNotFoundException(
                $"{configuration.Dataset} is not in {directory}; run nativenn data fetch {configuration.Dataset} first.");
        }
        var normalize = configuration.Dataset == Data.DataSets.Mnist ? Data.Normalize.Mnist : Data.Normalize.FashionMnist;
        var test = Data.MnistDataset.Load(directory, train: false, normalize);
        return (test, test, test);
    }

    internal static Option<string?> DataOption() =>
        new("--data") { Description = "data cache folder (default: NATIVENN_DATA or ~/.cache/nativenn)" };

    internal static (Option<int?> Threads, Option<string> Isa, Option<string> Device) BackendOptions() =>
    (
        new Option<int?>("--threads") { Description = "threads for the native kernels (default: all cores)" },
        // No default: without the option, NATIVENN_BACKEND / NATIVENN_ISA (or the best level) stay in force.
        new Option<string>("--backend", "--isa") { Description = "auto|reference|avx2|avx512|managed (default: NATIVENN_BACKEND, else the best native level)" },
        new Option<string>("--device") { Description = "cpu, cuda or cuda:N (CUDA needs libnativenn_cuda.so and a GPU)", DefaultValueFactory = _ => "cpu" }
    );

    internal static void ApplyBackend(int? threads, string? isa, string? device)
    {
        if (threads is { } count)
        {
            Backends.Threads = count;
        }
        if (isa is not null)
        {
            Backends.Current = isa.ToLowerInvariant() switch
            {
                "auto" => Backends.All.Last(backend => backend != Backends.Managed),
                "reference" => Backends.Reference,
                "avx2" => Backends.Avx2,
                "avx512" => Backends.Avx512,
                "managed" => Backends.Managed,
                _ => throw new ArgumentException($"--backend must be auto, reference, avx2, avx512 or managed, not '{isa}'"),
            };
        }
        if (!Device.TryParse(device?.ToLowerInvariant() ?? "cpu", out var target))
        {
            throw new ArgumentException($"--device must be cpu, cuda or cuda:N, not '{device}'");
        }
        target.ThrowIfUnavailable("--device");
    }
}
