// The work one benchmark invocation does, so the report can show a rate beside the time.
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NativeNN.Benchmarks;

/// <summary><paramref name="Amount"/> units of work per invocation; <paramref name="Rate"/> names the
/// rate printed (GFLOP/s divides floating-point operations by 1e9 per second, GB/s bytes, images/s
/// images).</summary>
public readonly record struct Workload(double Amount, string Rate)
{
    public static Workload Flops(double flops) => new(flops, "GFLOP/s");

    public static Workload Bytes(double bytes) => new(bytes, "GB/s");

    public static Workload Images(double images) => new(images, "images/s");

    public string Format(double nanoseconds)
    {
        var perSecond = Amount / (nanoseconds * 1e-9);
        return Rate switch
        {
            "GFLOP/s" or "GB/s" => $"{perSecond / 1e9:0.0} {Rate}",
            _ => $"{perSecond:0} {Rate}",
        };
    }

    /// <summary>The work of <paramref name="benchmarkCase"/>: its class's static
    /// <c>Workload? Work(string method, Func&lt;string, object?&gt; parameter)</c>, or null.</summary>
    public static Workload? Of(BenchmarkCase benchmarkCase)
    {
        var descriptor = benchmarkCase.Descriptor;
        var work = descriptor.Type.GetMethod("Work", BindingFlags.Public | BindingFlags.Static | BindingFlags.FlattenHierarchy);
        if (work is null)
        {
            return null;
        }
        object? Parameter(string name) => benchmarkCase.Parameters.Items.FirstOrDefault(item => item.Name == name)?.Value;
        return (Workload?)work.Invoke(null, [descriptor.WorkloadMethod.Name, (Func<string, object?>)Parameter]);
    }
}

/// <summary>A column with each row's rate: mean time divided into the row's <see cref="Workload"/>.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);
    public string ColumnName => "Throughput";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => false;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Work per invocation divided by the mean time (GFLOP/s: 2·M·N·K and the like; GB/s: bytes the op must move)";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 && Workload.Of(benchmarkCase) is { } work ? work.Format(mean.Value) : "-";
    }
}
