// conv2d forward, backward-data and backward-weight on the five shapes of the CPU-core issue (the
// same five the native conv benchmark runs against oneDNN).
using BenchmarkDotNet.Attributes;
using NativeNN.Interop;

namespace NativeNN.Benchmarks;

/// <summary>x [N,C,H,W], w [K,C,R,S] -> y [N,K,P,Q], square kernel, stride and padding on both axes.</summary>
public sealed record ConvolutionShape(string Name, int N, int C, int H, int W, int K, int R, int Stride, int Padding, bool Bias, bool Short)
{
    public int P => (H + 2 * Padding - R) / Stride + 1;

    public int Q => (W + 2 * Padding - R) / Stride + 1;

    /// <summary>Multiply-adds times two; the same for each of the three directions.</summary>
    public double Flops => 2.0 * N * K * P * Q * C * R * R;

    public override string ToString() => $"{Name} {N}x{C}x{H}x{W} w{K}x{C}x{R}x{R} s{Stride} p{Padding}";
}

public enum ConvolutionDirection { Forward, BackwardData, BackwardWeight }

public class ConvolutionBenchmarks
{
    private Tensor x = null!, weight = null!, bias = null!, y = null!, dy = null!, dx = null!, dweight = null!;
    private nn_conv2d_params geometry;
    private Action run = null!;

    public static IEnumerable<ConvolutionShape> Shapes() =>
    [
        new("A", 64, 1, 28, 28, 6, 5, 1, 0, Bias: true, Short: false),
        new("B", 64, 6, 12, 12, 16, 5, 1, 0, Bias: true, Short: true),
        new("C", 64, 3, 32, 32, 32, 3, 1, 1, Bias: true, Short: false),
        new("D", 32, 64, 56, 56, 64, 3, 1, 1, Bias: false, Short: true),
        new("E", 32, 64, 56, 56, 128, 3, 2, 1, Bias: false, Short: false),
    ];

    [ParamsSource(nameof(Shapes))]
    public ConvolutionShape Shape { get; set; } = null!;

    [Params(ConvolutionDirection.Forward, ConvolutionDirection.BackwardData, ConvolutionDirection.BackwardWeight)]
    public ConvolutionDirection Direction { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static Workload? Work(string method, Func<string, object?> parameter) =>
        Workload.Flops(((ConvolutionShape)parameter(nameof(Shape))!).Flops);

    public static bool InShortSet(Func<string, object?> parameter) => ((ConvolutionShape)parameter(nameof(Shape))!).Short && (int)parameter(nameof(Threads))! == 1;

    [GlobalSetup]
    public void SetUp()
    {
        var shape = Shape;
        if (!BenchmarkBackend.IsNativeNN)
        {
            run = Peer(shape, Direction);
            return;
        }
        BenchmarkBackend.Apply(Threads);
        x = Tensor.Rand([shape.N, shape.C, shape.H, shape.W], 1, -1f, 1f);
        weight = Tensor.Rand([shape.K, shape.C, shape.R, shape.R], 2, -0.1f, 0.1f);
        bias = Tensor.Rand([shape.K], 3, -0.1f, 0.1f);
        y = Tensor.Zeros(shape.N, shape.K, shape.P, shape.Q);
        dy = Tensor.Rand([shape.N, shape.K, shape.P, shape.Q], 4, -1f, 1f);
        dx = Tensor.ZerosLike(x);
        dweight = Tensor.ZerosLike(weight);
        geometry = new nn_conv2d_params
        {
            stride_h = shape.Stride, stride_w = shape.Stride,
            padding_h = shape.Padding, padding_w = shape.Padding,
            dilation_h = 1, dilation_w = 1, groups = 1,
        };
        var withBias = shape.Bias ? bias : null;
        run = Direction switch
        {
            ConvolutionDirection.Forward => () => Kernels.Conv2dForward(x, weight, withBias, geometry, y),
            ConvolutionDirection.BackwardData => () => Kernels.Conv2dBackwardData(dy, weight, geometry, dx),
            _ => () => Kernels.Conv2dBackwardWeight(x, dy, geometry, dweight),
        };
    }

    /// <summary>The same convolution in a peer library, for the peer's own project to supply.</summary>
    protected virtual Action Peer(ConvolutionShape shape, ConvolutionDirection direction) =>
        throw new NotSupportedException($"{BenchmarkBackend.Current} has no convolution in this project.");

    [Benchmark]
    public void Conv2d() => run();

    [GlobalCleanup]
    public virtual void CleanUp()
    {
        foreach (var tensor in new[] { x, weight, bias, y, dy, dx, dweight })
        {
            tensor?.Dispose();
        }
    }
}
