// Element-wise ops that autograd leans on, in a cache-sized and a memory-sized tensor.
using BenchmarkDotNet.Attributes;

namespace NativeNN.Benchmarks;

public class ElementwiseBenchmarks
{
    private Tensor a = null!, b = null!, output = null!;

    /// <summary>1 Mi floats (4 MiB, about the L2/L3 boundary) and 16 Mi floats (64 MiB, memory).</summary>
    [Params(1 << 20, 1 << 24)]
    public int Elements { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    // Bytes read and written: Add and Axpy touch three floats an element, the unary ops two.
    public static Workload? Work(string method, Func<string, object?> parameter)
    {
        var elements = (double)(int)parameter(nameof(Elements))!;
        return Workload.Bytes(method is nameof(Add) or nameof(Axpy) or nameof(ReluBackward) ? 12.0 * elements : 8.0 * elements);
    }

    public static bool InShortSet(Func<string, object?> parameter) => (int)parameter(nameof(Elements))! == 1 << 20 && (int)parameter(nameof(Threads))! == 1;

    [GlobalSetup]
    public void SetUp()
    {
        BenchmarkBackend.Apply(Threads);
        a = Tensor.Rand([Elements], 1, -1f, 1f);
        b = Tensor.Rand([Elements], 2, -1f, 1f);
        output = Tensor.Zeros(Elements);
    }

    [Benchmark]
    public void Add() => Kernels.Add(a, b, output);

    [Benchmark]
    public void Axpy() => Kernels.Axpy(0.5f, a, output);

    [Benchmark]
    public void ReluForward() => Kernels.ReluForward(a, output);

    [Benchmark]
    public void ReluBackward() => Kernels.ReluBackward(a, b, output);

    [Benchmark]
    public void Exp() => Kernels.Exp(a, output);

    [GlobalCleanup]
    public void CleanUp()
    {
        a.Dispose();
        b.Dispose();
        output.Dispose();
    }
}
