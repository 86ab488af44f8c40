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

    /// <summary>The job every ratio divides by.</summary>
    public const string Baseline = Avx512;

    /// <summary>NativeNN's own backends, baseline first.</summary>
    public static IReadOnlyList<string> Native { get; } = [Avx512, Avx2, Reference];

    /// <summary>The backend of this process (the baseline when no job set one).</summary>
    public static string Current => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } name ? name : Baseline;

    /// <summary>True when <see cref="Current"/> is one of NativeNN's backends rather than a peer library.</summary>
    public static bool IsNativeNN => Native.Contains(Current);

    /// <summary>Selects <see cref="Current"/> and the thread count for NativeNN's kernels.</summary>
    public static void Apply(int threads)
    {
        Backends.Isa = Current switch
        {
            Avx512 => CpuIsa.Avx512,
            Avx2 => CpuIsa.Avx2,
            Reference => CpuIsa.Reference,
            var other => throw new NotSupportedException(
                $"{Variable}={other} is not a NativeNN backend; the backends are {string.Join(", ", Native)}."),
        };
        Backends.Threads = threads;
    }
}
