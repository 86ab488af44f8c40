// End to end: one LeNet-5 training step at batch 64 (zero the gradients, forward, cross-entropy,
// backward, Adam step) and inference at batch 1, 64 and 1000, through the public API.
using BenchmarkDotNet.Attributes;
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Benchmarks;

/// <summary>Fixed inputs: 28x28 single-channel images with values like normalised MNIST, labels 0-9.</summary>
public static class LeNetInputs
{
    public const int TrainingBatch = 64;

    public static float[] Images(int batch) => Enumerable.Range(0, batch * 28 * 28)
        .Select(index => (float)Math.Sin(index * 0.37) * 1.5f).ToArray();

    public static long[] Labels(int batch) => Enumerable.Range(0, batch).Select(index => (long)(index * 7 % 10)).ToArray();
}

[MemoryDiagnoser]
public class LeNetTrainingBenchmarks
{
    private Sequential model = null!;
    private Adam optimizer = null!;
    private CrossEntropyLoss criterion = null!;
    private Tensor images = null!, labels = null!;
    private Action run = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    public static Workload? Work(string method, Func<string, object?> parameter) => Workload.Images(LeNetInputs.TrainingBatch);

    public static bool InShortSet(Func<string, object?> parameter) => true;

    [GlobalSetup]
    public void SetUp()
    {
        if (!BenchmarkBackend.IsNativeNN)
        {
            run = Peer(Threads);
            return;
        }
        BenchmarkBackend.Apply(Threads);
        model = Models.Models.LeNet5(generator: new Generator(1));
        optimizer = new Adam(model.Parameters(), lr: 1e-3);
        criterion = new CrossEntropyLoss();
        images = Tensor.FromArray(LeNetInputs.Images(LeNetInputs.TrainingBatch), LeNetInputs.TrainingBatch, 1, 28, 28);
        labels = Tensor.FromArray(LeNetInputs.Labels(LeNetInputs.TrainingBatch), LeNetInputs.TrainingBatch);
        run = Step;
        // The first step allocates Adam's buffers; the measured steps reuse them.
        Step();
    }

    /// <summary>The same step in a peer library, for the peer's own project to supply.</summary>
    protected virtual Action Peer(int threads) =>
        throw new NotSupportedException($"{BenchmarkBackend.Current} has no LeNet-5 in this project.");

    /// <summary>One training step as README's loop writes it.</summary>
    public void Step()
    {
        using var scope = Tensor.Scope();
        optimizer.ZeroGrad();
        var loss = criterion.Forward(model.Forward(images), labels);
        loss.Backward();
        optimizer.Step();
    }

    [Benchmark]
    public void TrainingStep() => run();

    [GlobalCleanup]
    public void CleanUp()
    {
        optimizer?.Dispose();
        model?.Dispose();
        images?.Dispose();
        labels?.Dispose();
    }
}

[MemoryDiagnoser]
public class LeNetInferenceBenchmarks
{
    private Sequential model = null!;
    private Tensor images = null!;
    private Action run = null!;

    [Params(1, 64, 1000)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static Workload? Work(string method, Func<string, object?> parameter) => Workload.Images((int)parameter(nameof(Batch))!);

    public static bool InShortSet(Func<string, object?> parameter) => true;

    [GlobalSetup]
    public void SetUp()
    {
        if (!BenchmarkBackend.IsNativeNN)
        {
            run = Peer(Batch, Threads);
            return;
        }
        BenchmarkBackend.Apply(Threads);
        model = Models.Models.LeNet5(generator: new Generator(1));
        model.Eval();
        images = Tensor.FromArray(LeNetInputs.Images(Batch), Batch, 1, 28, 28);
        run = Forward;
    }

    protected virtual Action Peer(int batch, int threads) =>
        throw new NotSupportedException($"{BenchmarkBackend.Current} has no LeNet-5 in this project.");

    private void Forward()
    {
        using var noGrad = Tensor.NoGrad();
        using var scope = Tensor.Scope();
        model.Forward(images);
    }

    [Benchmark]
    public void Inference() => run();

    [GlobalCleanup]
    public void CleanUp()
    {
        model?.Dispose();
        images?.Dispose();
    }
}
