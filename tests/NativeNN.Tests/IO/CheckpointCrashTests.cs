// A process killed with SIGKILL in the middle of saving never leaves a damaged checkpoint: the
// files under their final names are always one whole generation, and what the interrupted write
// left behind is a ".partial" file that no loader takes for a checkpoint.
using System.Diagnostics;
using NativeNN.Data;
using NativeNN.IO;

namespace NativeNN.Tests.IO;

public class CheckpointCrashTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("nativenn-crash-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void WriterKilledAtRandomMomentsLeavesTheLastWholeCheckpoint()
    {
        var random = new Random(8);
        var leftovers = new HashSet<string>();
        for (var round = 0; round < 6; round++)
        {
            var (reported, killedAfter) = RunAndKill(random.Next(0, 400));
            var model = Path.Combine(folder, "model.safetensors");
            using (var file = SafeTensors.Load(model, requireChecksum: true))
            {
                var generation = long.Parse(file.Metadata["generation"], System.Globalization.CultureInfo.InvariantCulture);
                // The writer may have renamed generation N + 1 into place and died before printing it.
                Assert.That(generation, Is.InRange(reported, reported + 1),
                    $"round {round}: killed {killedAfter} ms after generation 1, last reported {reported}");
                Assert.That(file.Tensors["layer.weight"].ToArray().Distinct(), Is.EqualTo(new[] { (float)generation }),
                    "every value comes from the same generation");
            }
            var (state, _) = OptimizerStateFile.Load(Path.Combine(folder, "optimizer.safetensors"));
            using (state)
            {
                Assert.That(state.Steps[0], Is.InRange(reported, reported + 1));
                Assert.That(state.Buffers["0.exp_avg"].ToArray().Distinct(), Is.EqualTo(new[] { (float)state.Steps[0] }));
            }
            foreach (var path in Directory.GetFiles(folder))
            {
                var name = Path.GetFileName(path);
                if (name is "model.safetensors" or "optimizer.safetensors")
                {
                    continue;
                }
                Assert.That(name, Does.StartWith(".").And.EndWith(AtomicFile.PartialSuffix),
                    "anything besides the checkpoints is a hidden .partial file, which no loader opens");
                leftovers.Add(name);
            }
        }
        TestContext.Out.WriteLine($"{leftovers.Count} interrupted writes left .partial files over 6 kills");
        AtomicFile.DeleteLeftovers(folder);
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "model.safetensors", "optimizer.safetensors" }));
    }

    // Starts the writer, waits for its first whole generation, lets it run on for the given time,
    // then sends SIGKILL; returns the last generation it reported as saved.
    private (long Reported, int KilledAfter) RunAndKill(int milliseconds)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NativeNN.CheckpointWriter.dll"));
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        long reported = 0;
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        var reader = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lines.Add(line);
            }
            lines.CompleteAdding();
        });
        try
        {
            if (!lines.TryTake(out var first, TimeSpan.FromSeconds(60)))
            {
                Assert.Fail($"the writer saved nothing within 60 s: {(process.HasExited ? error.Result : "still running")}");
            }
            Assert.That(first, Is.EqualTo("saved 1"), error.IsCompleted ? error.Result : "");
            Thread.Sleep(milliseconds);
        }
        finally
        {
            // Process.Kill sends SIGKILL on Unix: no handler, finalizer or flush runs.
            process.Kill();
            process.WaitForExit();
        }
        reader.Wait();
        foreach (var line in lines)
        {
            reported = long.Parse(line["saved ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.That(process.ExitCode, Is.EqualTo(137), "the writer died of SIGKILL, not by finishing");
        return (Math.Max(reported, 1), milliseconds);
    }
}
