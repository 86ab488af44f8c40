// `nativenn data fetch` as a user runs it: what it prints, and one line on failure.
using System.Diagnostics;
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class DataCommandTests
{
    private static string CliPath => Path.Combine(AppContext.BaseDirectory, "NativeNN.Cli.dll");

    [Test]
    public void FetchPrintsTheFilesAndSizesOfACompleteFolder()
    {
        using var folder = new TemporaryFolder();
        var mnist = Path.Combine(folder.Path, "mnist");
        Directory.CreateDirectory(mnist);
        // A real-sized folder would be 55 MB; the command only needs the marker and the sizes to agree.
        foreach (var (name, size) in DataSetSource.Mnist.ExpectedFiles())
        {
            using var file = File.Create(Path.Combine(mnist, name));
            file.SetLength(size);
        }
        File.WriteAllText(Path.Combine(mnist, DataSets.ChecksumsFile), "");
        var (exitCode, output, error) = Run(folder.Path, path: null);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(0), error);
            Assert.That(output, Does.Contain($"mnist: already in {mnist}"));
            Assert.That(output, Does.Match(@"train-images-idx3-ubyte\s+47,040,016 bytes"));
            Assert.That(output, Does.Match(@"t10k-labels-idx1-ubyte\s+10,008 bytes"));
        });
    }

    [Test]
    public void FailureIsOneLineThatSaysWhatToDo()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("PATH without npm is set up the Unix way here");
        }
        using var folder = new TemporaryFolder();
        var (exitCode, _, error) = Run(folder.Path, path: folder.Path);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(lines, Has.Length.EqualTo(1));
            Assert.That(error, Does.StartWith("nativenn: error: npm was not found on PATH"));
        });
    }

    private static (int ExitCode, string Output, string Error) Run(string dataFolder, string? path)
    {
        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { CliPath, "data", "fetch", "mnist", "--data", dataFolder })
        {
            start.ArgumentList.Add(argument);
        }
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("nativenn data fetch did not finish within 60 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
