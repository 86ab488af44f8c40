// The managed API's LeNet-5 step beside the same step written in C++ over nativenn.h
// (benchmarks/native/driver/lenet_step.cpp). Both are timed the same way, a step at a time for a
// few seconds after a warm-up, in alternating rounds so that a change in the machine's load
// reaches both; the table gives each round's medians and their ratio.
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NativeNN.Benchmarks;

public static class NativeDriverComparison
{
    private const int Rounds = 3;
    private const double Seconds = 3.0;
    private const int WarmupSteps = 20;

    public sealed record Timing(double MedianMicroseconds, double MeanMicroseconds, int Steps);

    /// <summary>Runs the comparison at each thread count and returns it as a markdown section.</summary>
    public static string Run(string driverPath, IReadOnlyList<int> threadCounts, TextWriter log)
    {
        if (!File.Exists(driverPath))
        {
            throw new FileNotFoundException(
                $"The native LeNet-5 driver '{driverPath}' does not exist; build it with CMake (target nativenn_lenet_step).", driverPath);
        }
        var text = new StringBuilder();
        text.AppendLine("| threads | round | managed API median (us) | C++ same calls median (us) | C++ preallocated median (us) | managed / C++ same calls | managed allocated bytes per step |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var threads in threadCounts)
        {
            var ratios = new List<double>();
            for (var round = 1; round <= Rounds; round++)
            {
                var sameCalls = Driver(driverPath, "api", threads);
                var (managed, allocated) = Managed(threads);
                var preallocated = Driver(driverPath, "preallocated", threads);
                var ratio = managed.MedianMicroseconds / sameCalls.MedianMicroseconds;
                ratios.Add(ratio);
                var row = string.Create(CultureInfo.InvariantCulture,
                    $"| {threads} | {round} | {managed.MedianMicroseconds:0.0} | {sameCalls.MedianMicroseconds:0.0} | {preallocated.MedianMicroseconds:0.0} | {ratio:0.000} | {allocated:0} |");
                text.AppendLine(row);
                log.WriteLine(row);
            }
            ratios.Sort();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {threads} | median of rounds | | | | {ratios[ratios.Count / 2]:0.000} | |"));
        }
        return text.ToString();
    }

    private static Timing Driver(string driverPath, string mode, int threads)
    {
        var start = new ProcessStartInfo(driverPath)
        {
            ArgumentList = { "--mode", mode, "--isa", BenchmarkBackend.Baseline, "--threads", threads.ToString(CultureInfo.InvariantCulture),
                "--seconds", Seconds.ToString(CultureInfo.InvariantCulture), "--warmup", WarmupSteps.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {driverPath}");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{driverPath} --mode {mode} exited {process.ExitCode}: {error}{output}");
        }
        var fields = output.Trim().Split(' ').Select(field => field.Split('=')).Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1]);
        return new Timing(
            double.Parse(fields["median_us"], CultureInfo.InvariantCulture),
            double.Parse(fields["mean_us"], CultureInfo.InvariantCulture),
            int.Parse(fields["steps"], CultureInfo.InvariantCulture));
    }

    // The benchmark class's own step, in this process, on the baseline backend.
    private static (Timing Timing, double AllocatedBytesPerStep) Managed(int threads)
    {
        var benchmark = new LeNetTrainingBenchmarks { Threads = threads };
        benchmark.SetUp();
        try
        {
            for (var step = 1; step < WarmupSteps; step++)
            {
                benchmark.Step();
            }
            var micros = new List<double>();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < Seconds)
            {
                var begin = Stopwatch.GetTimestamp();
                benchmark.Step();
                micros.Add(Stopwatch.GetElapsedTime(begin).TotalMicroseconds);
            }
            var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)micros.Count;
            var sorted = micros.Order().ToList();
            return (new Timing(sorted[sorted.Count / 2], micros.Average(), micros.Count), allocated);
        }
        finally
        {
            benchmark.CleanUp();
        }
    }
}
