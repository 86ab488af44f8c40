// SGEMM C = op(A) op(B): squares from 64 to 2048 in the three layouts the layers use, and the
// skinny products of LeNet-5's fully connected layers at batch 64.
using BenchmarkDotNet.Attributes;

namespace NativeNN.Benchmarks;

/// <summary>C [M,N] = op(A) op(B) with K the inner size; NT transposes B (Linear forward), TN
/// transposes A (a weight gradient).</summary>
public sealed record GemmShape(int M, int N, int K, bool TransposeA, bool TransposeB, bool Short, string Label = "")
{
    public double Flops => 2.0 * M * N * K;

    public override string ToString() =>
        $"{M}x{N}x{K} {(TransposeA ? 'T' : 'N')}{(TransposeB ? 'T' : 'N')}{(Label.Length > 0 ? " " + Label : "")}";
}

public class GemmBenchmarks
{
    private Tensor a = null!, b = null!, c = null!;
    private Action run = null!;

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(64, 64, 64, false, false, Short: false),
        new(256, 256, 256, false, false, Short: true),
        new(512, 512, 512, false, false, Short: false),
        new(1024, 1024, 1024, false, false, Short: true),
        new(1024, 1024, 1024, false, true, Short: false),
        new(1024, 1024, 1024, true, false, Short: false),
        new(2048, 2048, 2048, false, false, Short: false),
        new(64, 120, 400, false, true, Short: true, "lenet fc1"),
        new(64, 400, 120, false, false, Short: false, "lenet fc1 dx"),
        new(120, 400, 64, true, false, Short: false, "lenet fc1 dW"),
        new(64, 84, 120, false, true, Short: false, "lenet fc2"),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    public static Workload? Work(string method, Func<string, object?> parameter) =>
        Workload.Flops(((GemmShape)parameter(nameof(Shape))!).Flops);

    public static bool InShortSet(Func<string, object?> parameter) => ((GemmShape)parameter(nameof(Shape))!).Short;

    [GlobalSetup]
    public void SetUp()
    {
        var shape = Shape;
        a = shape.TransposeA ? Tensor.Rand([shape.K, shape.M], 1, -1f, 1f) : Tensor.Rand([shape.M, shape.K], 1, -1f, 1f);
        b = shape.TransposeB ? Tensor.Rand([shape.N, shape.K], 2, -1f, 1f) : Tensor.Rand([shape.K, shape.N], 2, -1f, 1f);
        c = Tensor.Zeros(shape.M, shape.N);
        run = BenchmarkBackend.IsNativeNN ? NativeNN : Peer(shape);
        if (BenchmarkBackend.IsNativeNN)
        {
            BenchmarkBackend.Apply(Threads);
        }
    }

    /// <summary>The same product in a peer library, for the peer's own project to supply.</summary>
    protected virtual Action Peer(GemmShape shape) =>
        throw new NotSupportedException($"{BenchmarkBackend.Current} has no GEMM in this project.");

    private void NativeNN() => Kernels.MatMul(a, Shape.TransposeA, b, Shape.TransposeB, 1f, 0f, c);

    [Benchmark]
    public void MatMul() => run();

    [GlobalCleanup]
    public void CleanUp()
    {
        a.Dispose();
        b.Dispose();
        c.Dispose();
    }
}
