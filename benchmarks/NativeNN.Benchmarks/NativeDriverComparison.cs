// The managed API's LeNet-5 step beside the same step written in C++ over nativenn.h
// (benchmarks/native/driver/lenet_step.cpp). Both are timed the same way, a step at a time for a
// few seconds after a warm-up, in alternating rounds so that a change in the machine's load
// reaches both; the table gives each round's figures and their ratios.
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace NativeNN.Benchmarks;

public static class NativeDriverComparison
{
    private const int Rounds = 5;
    private const double Seconds = 2.0;
    // Enough steps for the JIT's tiered compilation to settle before the managed side is timed.
    private const int WarmupSteps = 200;

    /// <summary>Per step: the median and the fastest wall time, and the process's CPU time (user +
    /// system) over the timed steps divided by their count.</summary>
    public sealed record Timing(double Median, double Minimum, double Cpu);

    /// <summary>Runs the comparison at each thread count and returns it as a markdown table.</summary>
    public static string Run(string driverPath, IReadOnlyList<int> threadCounts, TextWriter log)
    {
        if (!File.Exists(driverPath))
        {
            throw new FileNotFoundException(
                $"The native LeNet-5 driver '{driverPath}' does not exist; build it with CMake (target nativenn_lenet_step).", driverPath);
        }
        var text = new StringBuilder();
        text.AppendLine("Microseconds per LeNet-5 training step (batch 64, AVX-512): median wall / fastest wall / CPU time.");
        text.AppendLine();
        text.AppendLine("| threads | round | managed API | C++, the same calls | C++, preallocated | managed / C++ same calls: median, fastest, CPU | managed bytes allocated per step |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var threads in threadCounts)
        {
            var ratios = new List<(double Median, double Minimum, double Cpu)>();
            for (var round = 1; round <= Rounds; round++)
            {
                var sameCalls = Driver(driverPath, "api", threads);
                var (managed, allocated) = Managed(threads);
                var preallocated = Driver(driverPath, "preallocated", threads);
                var ratio = (managed.Median / sameCalls.Median, managed.Minimum / sameCalls.Minimum, managed.Cpu / sameCalls.Cpu);
                ratios.Add(ratio);
                var row = string.Create(CultureInfo.InvariantCulture,
                    $"| {threads} | {round} | {Format(managed)} | {Format(sameCalls)} | {Format(preallocated)} | {ratio.Item1:0.000}, {ratio.Item2:0.000}, {ratio.Item3:0.000} | {allocated:0} |");
                text.AppendLine(row);
                log.WriteLine(row);
            }
            static double Middle(IEnumerable<double> values) => values.Order().ElementAt(Rounds / 2);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {threads} | median of rounds | | | | {Middle(ratios.Select(r => r.Median)):0.000}, {Middle(ratios.Select(r => r.Minimum)):0.000}, {Middle(ratios.Select(r => r.Cpu)):0.000} | |"));
        }
        text.AppendLine();
        text.AppendLine("CPU time counts every thread of the process: on one thread it is the least disturbed by other work on the machine; " +
            "on two, threads that spin while waiting at a barrier count too.");
        return text.ToString();
    }

    private static string Format(Timing timing) =>
        string.Create(CultureInfo.InvariantCulture, $"{timing.Median:0} / {timing.Minimum:0} / {timing.Cpu:0}");

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
        double Field(string name) => double.Parse(fields[name], CultureInfo.InvariantCulture);
        return new Timing(Field("median_us"), Field("min_us"), Field("cpu_us"));
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
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
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
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalMicroseconds / micros.Count;
            var sorted = micros.Order().ToList();
            return (new Timing(sorted[sorted.Count / 2], sorted[0], cpu), allocated);
        }
        finally
        {
            benchmark.CleanUp();
        }
    }
}
