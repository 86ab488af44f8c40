// The run's configuration: one job per backend (AVX-512 the baseline), the short or the full
// measurement, the throughput column, and the reports as GitHub markdown and CSV.
using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace NativeNN.Benchmarks;

public static class SuiteConfiguration
{
    /// <summary>Options this program reads itself; everything else goes to BenchmarkDotNet.</summary>
    public sealed record Options(bool Full, IReadOnlyList<string> Backends, string? NativeDriver, string Artifacts, string[] Rest);

    public static Options Parse(string[] args, IReadOnlyList<string> defaultBackends)
    {
        var full = false;
        var backends = defaultBackends;
        string? nativeDriver = null;
        var artifacts = "BenchmarkDotNet.Artifacts";
        var rest = new List<string>();
        for (var index = 0; index < args.Length; index++)
        {
            switch (args[index])
            {
                case "--full":
                    full = true;
                    break;
                case "--backends" when index + 1 < args.Length:
                    backends = args[++index].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--artifacts" when index + 1 < args.Length:
                    artifacts = args[index + 1];
                    rest.Add(args[index]);
                    break;
                case "--native-driver" when index + 1 < args.Length:
                    nativeDriver = args[++index];
                    break;
                default:
                    rest.Add(args[index]);
                    break;
            }
        }
        if (!backends.Contains(BenchmarkBackend.Baseline))
        {
            throw new ArgumentException($"--backends must include the baseline '{BenchmarkBackend.Baseline}', got {string.Join(",", backends)}.");
        }
        return new Options(full, backends, nativeDriver, artifacts, rest.ToArray());
    }

    /// <summary>The configuration; <paramref name="environment"/> adds variables to one backend's job
    /// (a peer library's settings); <paramref name="shortSet"/>, when given, replaces the classes' own
    /// choice of rows for the short run.</summary>
    public static IConfig Create(Options options, Func<string, IEnumerable<(string Name, string Value)>>? environment = null,
        Func<BenchmarkCase, bool>? shortSet = null)
    {
        // Short: one launch, 3 warm-up and 3 measured iterations of about 100 ms each, which puts a
        // row at 1-3 s; full: BenchmarkDotNet's defaults, which stop when the error is small.
        var measurement = options.Full
            ? Job.Default
            : Job.ShortRun.WithIterationTime(TimeInterval.FromMilliseconds(100));
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new ThroughputColumn())
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddExporter(new CsvExporter(CsvSeparator.Comma,
                new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Microsecond,
                    printUnitsInContent: false)))
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48))
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared))
            .HideColumns(Column.EnvironmentVariables)
            // The generated project copies libtorch (about 1 GB) in the peer's run, and the machine
            // may be shared: two minutes, the default, is not always enough.
            .WithBuildTimeout(TimeSpan.FromMinutes(15))
            .WithOptions(ConfigOptions.DisableLogFile);
        foreach (var backend in options.Backends)
        {
            var variables = new List<EnvironmentVariable> { new(BenchmarkBackend.Variable, backend) };
            variables.AddRange((environment?.Invoke(backend) ?? []).Select(pair => new EnvironmentVariable(pair.Name, pair.Value)));
            var job = measurement.WithEnvironmentVariables(variables.ToArray()).WithId(backend);
            config.AddJob(backend == BenchmarkBackend.Baseline ? job.AsBaseline() : job);
        }
        config.AddFilter(new SimpleFilter(benchmarkCase => Includes(benchmarkCase, options.Full, shortSet)));
        return config;
    }

    // The portable reference kernels run about a hundred times slower than AVX-512: rows above this
    // much arithmetic would take minutes each and are left to the native benchmarks.
    private const double ReferenceFlopLimitShort = 3e8;
    private const double ReferenceFlopLimitFull = 2.5e9;

    private static bool Includes(BenchmarkCase benchmarkCase, bool full, Func<BenchmarkCase, bool>? shortSet)
    {
        var type = benchmarkCase.Descriptor.Type;
        var backend = benchmarkCase.Job.Id;
        if (type.GetCustomAttribute<NativeBaselineOnlyAttribute>() is not null && backend != BenchmarkBackend.Baseline)
        {
            return false;
        }
        object? Parameter(string name) => benchmarkCase.Parameters.Items.FirstOrDefault(item => item.Name == name)?.Value;
        if (!full && shortSet is not null && !shortSet(benchmarkCase))
        {
            return false;
        }
        if (!full && shortSet is null && type.GetMethod("InShortSet", BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy) is { } inShortSet &&
            !(bool)inShortSet.Invoke(null, [(Func<string, object?>)Parameter])!)
        {
            return false;
        }
        if (backend == BenchmarkBackend.Reference && Workload.Of(benchmarkCase) is { Rate: "GFLOP/s" } work &&
            work.Amount > (full ? ReferenceFlopLimitFull : ReferenceFlopLimitShort))
        {
            return false;
        }
        return true;
    }
}
