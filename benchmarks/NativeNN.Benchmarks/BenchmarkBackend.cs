// Which kernels a benchmark process runs. Each BenchmarkDotNet job is one backend and names it in an
// environment variable, so every backend runs in its own process and the jobs line up as columns
// of one table, with native AVX-512 as the baseline.
namespace NativeNN.Benchmarks;

public static class BenchmarkBackend
{
    /// <summary>The variable a job sets to pick its backend.</summary>
    public const string Variable = "NATIVENN_BENCH_BACKEND";

    public const string Avx512 = "avx512";
    public const string Avx2 = "avx2";
    public const string Reference = "reference";
    public const string Managed = "managed";

    /// <summary>The job every ratio divides by.</summary>
    public const string Baseline = Avx512;

    /// <summary>NativeNN's backends this build and machine can run, baseline first (the managed one
    /// once it is available).</summary>
    public static IReadOnlyList<string> NativeNN { get; } =
        [.. new[] { Avx512, Avx2, Managed, Reference }.Where(name => Backends.All.Any(backend => backend.Name == name))];

    /// <summary>The backend of this process (the baseline when no job set one).</summary>
    public static string Current => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } name ? name : Baseline;

    /// <summary>True when <see cref="Current"/> is one of NativeNN's backends rather than a peer library.</summary>
    public static bool IsNativeNN => Current is Avx512 or Avx2 or Reference or Managed;

    /// <summary>Selects <see cref="Current"/> and the thread count for NativeNN's kernels.</summary>
    public static void Apply(int threads)
    {
        Backends.Current = Backends.All.FirstOrDefault(backend => backend.Name == Current) ?? throw new NotSupportedException(
            $"{Variable}={Current} is not a NativeNN backend this machine runs; it runs {string.Join(", ", Backends.All)}.");
        Backends.Threads = threads;
    }
}
