// Does libtorch compute the same convolution gradients as NativeNN here? Both get identical inputs;
// the largest difference is printed relative to the largest magnitude of NativeNN's result. Run it
// with and without ONEDNN_MAX_CPU_ISA=AVX (oneDNN reads the variable once, when it starts, so each
// setting needs its own process): ./build.sh bench torchsharp does both.
using System.Globalization;
using NativeNN.Benchmarks;
using TorchSharp;

namespace NativeNN.Benchmarks.Peers;

public static class ConvolutionCheck
{
    /// <summary>Relative differences above this are reported as disagreement (float32 sums of up to
    /// 576 products differ by a few 1e-6 between summation orders).</summary>
    private const double Tolerance = 1e-4;

    public static int Run()
    {
        Backends.Current = Backends.Avx512;
        Backends.Threads = 1;
        torch.set_num_threads(1);
        var setting = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is { Length: > 0 } isa ? isa : "(unset)";
        var failures = 0;
        foreach (var shape in ConvolutionBenchmarks.Shapes())
        {
            var (data, weights) = Compare(shape);
            failures += data > Tolerance || weights > Tolerance ? 1 : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"conv check ONEDNN_MAX_CPU_ISA={setting} shape {shape}: backward-data {data:0.0e+00}, backward-weight {weights:0.0e+00} {(data > Tolerance || weights > Tolerance ? "DISAGREE" : "agree")}"));
        }
        return failures == 0 ? 0 : 1;
    }

    private static (double Data, double Weights) Compare(ConvolutionShape shape)
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Rand([shape.N, shape.C, shape.H, shape.W], 1, -1f, 1f);
        var weight = Tensor.Rand([shape.K, shape.C, shape.R, shape.R], 2, -0.1f, 0.1f);
        var dy = Tensor.Rand([shape.N, shape.K, shape.P, shape.Q], 4, -1f, 1f);
        x.RequiresGrad = true;
        weight.RequiresGrad = true;
        F.Conv2d(x, weight, null, shape.Stride, shape.Padding).Backward(dy);

        using var torchScope = torch.NewDisposeScope();
        var torchX = torch.tensor(x.ToArray(), [shape.N, shape.C, shape.H, shape.W]).requires_grad_(true);
        var torchWeight = torch.tensor(weight.ToArray(), [shape.K, shape.C, shape.R, shape.R]).requires_grad_(true);
        var torchDy = torch.tensor(dy.ToArray(), [shape.N, shape.K, shape.P, shape.Q]);
        var y = torch.nn.functional.conv2d(torchX, torchWeight, null, [shape.Stride, shape.Stride], [shape.Padding, shape.Padding]);
        y.backward([torchDy]);
        return (Relative(torchX.grad!.data<float>().ToArray(), x.Grad!.ToArray()),
            Relative(torchWeight.grad!.data<float>().ToArray(), weight.Grad!.ToArray()));
    }

    private static double Relative(float[] theirs, float[] ours)
    {
        double largest = 0, difference = 0;
        for (var index = 0; index < ours.Length; index++)
        {
            largest = Math.Max(largest, Math.Abs(ours[index]));
            difference = Math.Max(difference, Math.Abs(ours[index] - theirs[index]));
        }
        return difference / largest;
    }
}
