// Softmax and fused cross-entropy over the class dimension: LeNet's [64, 10] logits and an
// ImageNet-sized [256, 1000].
using BenchmarkDotNet.Attributes;

namespace NativeNN.Benchmarks;

public sealed record ClassScores(int Batch, int Classes, bool Short)
{
    public long Count => (long)Batch * Classes;

    public override string ToString() => $"{Batch}x{Classes}";
}

public class SoftmaxLossBenchmarks
{
    private Tensor logits = null!, targets = null!, probabilities = null!, gradient = null!, output = null!, loss = null!, dloss = null!;

    public static IEnumerable<ClassScores> Sizes() => [new(64, 10, Short: true), new(256, 1000, Short: true)];

    [ParamsSource(nameof(Sizes))]
    public ClassScores Size { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    // Softmax forward reads x and writes y; its backward reads y and dy and writes dx; the loss
    // forward reads the logits (and one target a row), its backward reads them and writes dlogits.
    public static Workload? Work(string method, Func<string, object?> parameter)
    {
        var size = (ClassScores)parameter(nameof(Size))!;
        return Workload.Bytes(method switch
        {
            nameof(SoftmaxBackward) => 12.0 * size.Count,
            nameof(CrossEntropyForward) => 4.0 * size.Count + 8.0 * size.Batch,
            _ => 8.0 * size.Count + (method == nameof(CrossEntropyBackward) ? 8.0 * size.Batch : 0),
        });
    }

    public static bool InShortSet(Func<string, object?> parameter) => ((ClassScores)parameter(nameof(Size))!).Short && (int)parameter(nameof(Threads))! == 1;

    [GlobalSetup]
    public void SetUp()
    {
        BenchmarkBackend.Apply(Threads);
        var size = Size;
        logits = Tensor.RandN([size.Batch, size.Classes], 1);
        targets = Tensor.FromArray(Enumerable.Range(0, size.Batch).Select(row => (long)(row * 7 % size.Classes)).ToArray(), size.Batch);
        probabilities = Tensor.Zeros(size.Batch, size.Classes);
        Kernels.SoftmaxForward(logits, probabilities);
        gradient = Tensor.RandN([size.Batch, size.Classes], 2);
        output = Tensor.Zeros(size.Batch, size.Classes);
        loss = Tensor.Scalar(0f);
        dloss = Tensor.Scalar(1f);
    }

    [Benchmark]
    public void SoftmaxForward() => Kernels.SoftmaxForward(logits, output);

    [Benchmark]
    public void SoftmaxBackward() => Kernels.SoftmaxBackward(probabilities, gradient, output);

    [Benchmark]
    public void CrossEntropyForward() => Kernels.CrossEntropyForward(logits, targets, Reduction.Mean, loss);

    [Benchmark]
    public void CrossEntropyBackward() => Kernels.CrossEntropyBackward(logits, targets, dloss, Reduction.Mean, output);

    [GlobalCleanup]
    public void CleanUp()
    {
        foreach (var tensor in new[] { logits, targets, probabilities, gradient, output, loss, dloss })
        {
            tensor.Dispose();
        }
    }
}
