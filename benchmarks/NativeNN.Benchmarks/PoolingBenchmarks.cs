// Max and average pooling, forward and backward, on LeNet's first pool and a VGG-sized one.
using BenchmarkDotNet.Attributes;
using NativeNN.Interop;

namespace NativeNN.Benchmarks;

/// <summary>x [N,C,H,W] pooled by a k x k window at stride k (no padding).</summary>
public sealed record PoolShape(string Name, int N, int C, int H, int Kernel, bool Short)
{
    public int P => (H - Kernel) / Kernel + 1;

    public long InputCount => (long)N * C * H * H;

    public long OutputCount => (long)N * C * P * P;

    public override string ToString() => $"{Name} {N}x{C}x{H}x{H} k{Kernel}s{Kernel}";
}

public class PoolingBenchmarks
{
    private Tensor x = null!, y = null!, indices = null!, dy = null!, dx = null!;
    private nn_pool2d_params geometry;

    public static IEnumerable<PoolShape> Shapes() =>
    [
        new("lenet", 64, 6, 28, 2, Short: false),
        new("vgg", 32, 64, 56, 2, Short: true),
    ];

    [ParamsSource(nameof(Shapes))]
    public PoolShape Shape { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    // The bytes each op cannot avoid, as the native pool benchmark counts them: max forward reads x
    // and writes y and its int64 indices; backward reads dy (and indices for max) and writes dx.
    public static Workload? Work(string method, Func<string, object?> parameter)
    {
        var shape = (PoolShape)parameter(nameof(Shape))!;
        return Workload.Bytes(method switch
        {
            nameof(MaxForward) => 4.0 * shape.InputCount + 12.0 * shape.OutputCount,
            nameof(MaxBackward) => 4.0 * shape.InputCount + 12.0 * shape.OutputCount,
            _ => 4.0 * shape.InputCount + 4.0 * shape.OutputCount,
        });
    }

    public static bool InShortSet(Func<string, object?> parameter) => ((PoolShape)parameter(nameof(Shape))!).Short && (int)parameter(nameof(Threads))! == 1;

    [GlobalSetup]
    public void SetUp()
    {
        BenchmarkBackend.Apply(Threads);
        var shape = Shape;
        x = Tensor.Rand([shape.N, shape.C, shape.H, shape.H], 1, -1f, 1f);
        y = Tensor.Zeros(shape.N, shape.C, shape.P, shape.P);
        indices = Tensor.Zeros([shape.N, shape.C, shape.P, shape.P], DType.Int64);
        dy = Tensor.Rand([shape.N, shape.C, shape.P, shape.P], 2, -1f, 1f);
        dx = Tensor.ZerosLike(x);
        geometry = new nn_pool2d_params
        {
            kernel_h = shape.Kernel, kernel_w = shape.Kernel,
            stride_h = shape.Kernel, stride_w = shape.Kernel,
            count_include_pad = 1,
        };
        Kernels.MaxPool2dForward(x, geometry, y, indices);
    }

    [Benchmark]
    public void MaxForward() => Kernels.MaxPool2dForward(x, geometry, y, indices);

    [Benchmark]
    public void MaxBackward() => Kernels.MaxPool2dBackward(dy, indices, geometry, dx);

    [Benchmark]
    public void AvgForward() => Kernels.AvgPool2dForward(x, geometry, y);

    [Benchmark]
    public void AvgBackward() => Kernels.AvgPool2dBackward(dy, geometry, dx);

    [GlobalCleanup]
    public void CleanUp()
    {
        foreach (var tensor in new[] { x, y, indices, dy, dx })
        {
            tensor.Dispose();
        }
    }
}
