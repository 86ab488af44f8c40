// One optimizer step over LeNet-5's parameters (10 tensors, 61,706 floats), through the public
// optimizer classes: the fused kernel per parameter plus the managed loop around it.
using BenchmarkDotNet.Attributes;
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Benchmarks;

public class OptimizerBenchmarks
{
    private Sequential model = null!;
    private Adam adam = null!;
    private SGD momentum = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    // Adam reads parameter, gradient and both averages and writes back three of them (28 bytes a
    // parameter); SGD with momentum reads parameter, gradient and buffer and writes two (20 bytes).
    public static Workload? Work(string method, Func<string, object?> parameter) =>
        Workload.Bytes((method == nameof(Adam) ? 28.0 : 20.0) * LeNetParameterCount);

    public static bool InShortSet(Func<string, object?> parameter) => (int)parameter(nameof(Threads))! == 1;

    private const int LeNetParameterCount = 61_706;

    [GlobalSetup]
    public void SetUp()
    {
        BenchmarkBackend.Apply(Threads);
        model = Models.Models.LeNet5(generator: new Generator(1));
        var seed = 10UL;
        foreach (var parameter in model.Parameters())
        {
            parameter.Grad = Tensor.RandN(parameter.Shape.ToArray(), seed++, 0f, 0.01f);
        }
        adam = new Adam(model.Parameters(), lr: 1e-3);
        momentum = new SGD(model.Parameters(), lr: 0.01, momentum: 0.9);
        var count = model.Parameters().Sum(parameter => parameter.ElementCount);
        if (count != LeNetParameterCount)
        {
            throw new InvalidOperationException($"LeNet-5 has {count} parameters here, not {LeNetParameterCount}: update the byte count.");
        }
        adam.Step();
        momentum.Step();
    }

    [Benchmark]
    public void Adam() => adam.Step();

    [Benchmark]
    public void SgdMomentum() => momentum.Step();

    [GlobalCleanup]
    public void CleanUp()
    {
        adam.Dispose();
        momentum.Dispose();
        model.Dispose();
    }
}
