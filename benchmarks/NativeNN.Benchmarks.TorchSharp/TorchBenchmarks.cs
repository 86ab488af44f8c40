// TorchSharp's side of the shared benchmark classes: each subclass supplies the peer's version of
// the same work when its job sets NATIVENN_BENCH_BACKEND=torchsharp; the NativeNN jobs run the
// base classes' code unchanged.
using NativeNN.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NativeNN.Benchmarks.Peers;

public static class TorchBackend
{
    public const string Name = "torchsharp";

    public static void Apply(int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(1);
    }
}

/// <summary>torch.mm on the same shapes; the result is a new tensor each call, as torch returns one.</summary>
public class TorchGemmBenchmarks : GemmBenchmarks
{
    private TorchTensor? a, b;

    protected override Action Peer(GemmShape shape)
    {
        TorchBackend.Apply(Threads);
        a = shape.TransposeA ? torch.rand(shape.K, shape.M).t() : torch.rand(shape.M, shape.K);
        b = shape.TransposeB ? torch.rand(shape.N, shape.K).t() : torch.rand(shape.K, shape.N);
        return () =>
        {
            using var c = a.mm(b);
        };
    }
}

/// <summary>conv2d forward under no_grad; each backward alone through autograd.grad on a kept graph,
/// which runs the convolution's backward node for that one input.</summary>
public class TorchConvolutionBenchmarks : ConvolutionBenchmarks
{
    private TorchTensor? x, weight, bias, y, dy;
    private IDisposable? noGrad;

    protected override Action Peer(ConvolutionShape shape, ConvolutionDirection direction)
    {
        TorchBackend.Apply(Threads);
        x = torch.rand(shape.N, shape.C, shape.H, shape.W) * 2 - 1;
        weight = torch.rand(shape.K, shape.C, shape.R, shape.R) * 0.2 - 0.1;
        bias = shape.Bias ? torch.rand(shape.K) * 0.2 - 0.1 : null;
        dy = torch.rand(shape.N, shape.K, shape.P, shape.Q) * 2 - 1;
        long[] stride = [shape.Stride, shape.Stride], padding = [shape.Padding, shape.Padding];
        if (direction == ConvolutionDirection.Forward)
        {
            noGrad = torch.no_grad();
            return () =>
            {
                using var output = torch.nn.functional.conv2d(x, weight, bias, stride, padding);
            };
        }
        x.requires_grad = direction == ConvolutionDirection.BackwardData;
        weight.requires_grad = direction == ConvolutionDirection.BackwardWeight;
        y = torch.nn.functional.conv2d(x, weight, bias, stride, padding);
        var wanted = direction == ConvolutionDirection.BackwardData ? x : weight;
        return () =>
        {
            foreach (var gradient in torch.autograd.grad([y], [wanted], [dy], retain_graph: true))
            {
                gradient.Dispose();
            }
        };
    }

    public override void CleanUp()
    {
        base.CleanUp();
        noGrad?.Dispose();
        foreach (var tensor in new[] { x, weight, bias, y, dy })
        {
            tensor?.Dispose();
        }
    }
}

/// <summary>The same LeNet-5 (ReLU and max pooling), Adam 1e-3, cross-entropy, batch 64, inputs as
/// NativeNN's; the step's temporaries freed by a dispose scope.</summary>
public class TorchLeNetTrainingBenchmarks : LeNetTrainingBenchmarks
{
    protected override Action Peer(int threads)
    {
        TorchBackend.Apply(threads);
        var model = nn.Sequential(
            ("conv1", nn.Conv2d(1, 6, 5, padding: 2)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(6, 16, 5)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(400, 120)), ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(120, 84)), ("relu4", nn.ReLU()),
            ("fc3", nn.Linear(84, 10)));
        var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
        var criterion = nn.CrossEntropyLoss();
        var images = torch.tensor(LeNetInputs.Images(LeNetInputs.TrainingBatch), [LeNetInputs.TrainingBatch, 1, 28, 28]);
        var labels = torch.tensor(LeNetInputs.Labels(LeNetInputs.TrainingBatch));
        void Step()
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = criterion.forward(model.forward(images), labels);
            loss.backward();
            optimizer.step();
        }
        Step();
        return Step;
    }
}
