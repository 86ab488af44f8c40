// Modules: PyTorch's initialisation, parameter naming, state dicts, modes, freezing, training
// that makes a loss fall, and native memory that stays flat over many steps.
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Tests;

public class ModuleTests
{
    [Test]
    public void LinearInitialisesWithinPyTorchsBounds()
    {
        using var layer = new Linear(400, 120, generator: new Generator(1));
        var bound = 1 / Math.Sqrt(400);
        var weights = layer.Weight.ToArray();
        var biases = layer.Bias!.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(layer.Weight.Shape.ToArray(), Is.EqualTo(new long[] { 120, 400 }));
            Assert.That(weights.Max(), Is.LessThan(bound).And.GreaterThan(0.95 * bound));
            Assert.That(weights.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.95 * bound));
            Assert.That(biases, Is.All.InRange(-bound, bound));
            // A uniform distribution on ±b has variance b²/3.
            Assert.That(weights.Select(value => (double)value * value).Average(), Is.EqualTo(bound * bound / 3).Within(0.03 * bound * bound));
        });
    }

    [Test]
    public void SameSeedBuildsTheSameModel()
    {
        using var first = new Linear(10, 5, generator: new Generator(7));
        using var second = new Linear(10, 5, generator: new Generator(7));
        using var other = new Linear(10, 5, generator: new Generator(8));
        Assert.That(second.Weight.ToArray(), Is.EqualTo(first.Weight.ToArray()));
        Assert.That(other.Weight.ToArray(), Is.Not.EqualTo(first.Weight.ToArray()));
    }

    [Test]
    public void SequentialNamesParametersAsPyTorchDoes()
    {
        using var model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2, bias: false));
        Assert.That(model.NamedParameters().Select(named => named.Name), Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight" }));
        Assert.That(model.Parameters().Sum(parameter => parameter.ElementCount), Is.EqualTo(4 * 3 + 3 + 3 * 2));
    }

    [Test]
    public void StateDictRoundTripsIntoAFreshModel()
    {
        using var source = new Sequential(new Linear(4, 3, generator: new Generator(1)), new Tanh(), new Linear(3, 2, generator: new Generator(2)));
        using var target = new Sequential(new Linear(4, 3, generator: new Generator(3)), new Tanh(), new Linear(3, 2, generator: new Generator(4)));
        target.LoadStateDict(source.StateDict());
        using var input = Tensor.RandN([5, 4], 9);
        using var scope = Tensor.Scope();
        Assert.That(target.Forward(input).ToArray(), Is.EqualTo(source.Forward(input).ToArray()));
    }

    [Test]
    public void StateDictWithWrongShapesOrKeysIsRefusedClearly()
    {
        using var model = new Linear(4, 3);
        using var other = new Linear(5, 3);
        var shape = Assert.Throws<ShapeMismatchException>(() => model.LoadStateDict(other.StateDict()))!;
        Assert.That(shape.Message, Does.Contain("weight").And.Contain("float32[3,5]").And.Contain("float32[3,4]"));
        using var noBias = new Linear(4, 3, bias: false);
        var keys = Assert.Throws<ArgumentException>(() => model.LoadStateDict(noBias.StateDict()))!;
        Assert.That(keys.Message, Does.Contain("missing keys [bias]"));
    }

    [Test]
    public void EvalModeTurnsDropoutIntoIdentityAndTrainModeBack()
    {
        using var model = new Sequential(new Dropout(0.5f, new Generator(3)));
        using var input = Tensor.Ones(1000);
        using var scope = Tensor.Scope();
        model.Eval();
        Assert.That(model.Forward(input).ToArray(), Is.All.EqualTo(1f));
        model.Train();
        var values = model.Forward(input).ToArray();
        Assert.That(values, Is.All.EqualTo(0f).Or.EqualTo(2f));
        Assert.That(values.Count(value => value == 0f), Is.InRange(400, 600));
    }

    [Test]
    public void FrozenParameterGetsNoGradientAndKeepsItsValue()
    {
        using var model = new Sequential(new Linear(3, 4, generator: new Generator(1)), new ReLU(), new Linear(4, 2, generator: new Generator(2)));
        var first = (Linear)model[0];
        first.Weight.RequiresGrad = false;
        first.Bias!.RequiresGrad = false;
        var frozen = first.Weight.ToArray();
        using var optimizer = new SGD(model.Parameters(), lr: 0.1);
        using (Tensor.Scope())
        {
            var loss = model.Forward(Tensor.RandN([8, 3], 5)).Square().Mean();
            loss.Backward();
            optimizer.Step();
        }
        Assert.That(first.Weight.Grad, Is.Null);
        Assert.That(first.Weight.ToArray(), Is.EqualTo(frozen));
        Assert.That(((Linear)model[2]).Weight.Grad, Is.Not.Null);
    }

    [Test]
    public void TenFiveByFiveFiltersOnA32By32By3InputGive32By32By10With760Parameters()
    {
        using var layer = new Conv2d(3, 10, kernelSize: 5, padding: 2);
        using var input = Tensor.RandN([1, 3, 32, 32], 1);
        using var output = layer.Forward(input);
        Assert.That(output.Shape.ToArray(), Is.EqualTo(new long[] { 1, 10, 32, 32 }));
        Assert.That(layer.Parameters().Sum(parameter => parameter.ElementCount), Is.EqualTo(760));
    }

    [Test]
    public void SevenBySevenInputUnderAStrideThreeFilterGivesTwoByTwoAsPyTorchDoes()
    {
        using var layer = new Conv2d(1, 1, kernelSize: 3, stride: 3, bias: false);
        using var input = Tensor.Ones(1, 1, 7, 7);
        using var output = layer.Forward(input);
        Assert.That(output.Shape.ToArray(), Is.EqualTo(new long[] { 1, 1, 2, 2 }));
        Assert.That(NN.ConvolutionGeometry.Convolution(7, 3, 3).UncoveredBorder, Is.EqualTo(1));
    }

    [Test]
    public void MaxPoolTwoByTwoOnAFourByFourMapKeepsEachWindowsMaximum()
    {
        using var input = Tensor.FromArray([1f, 1f, 2f, 4f, 5f, 6f, 7f, 8f, 3f, 2f, 1f, 0f, 1f, 2f, 3f, 4f], 1, 1, 4, 4);
        using var pool = new MaxPool2d(2);
        using var output = pool.Forward(input);
        Assert.That(output.ToArray(), Is.EqualTo(new[] { 6f, 8f, 3f, 4f }));
    }

    [Test]
    public void ConvolutionWithMismatchedChannelsNamesBothShapes()
    {
        using var layer = new Conv2d(3, 4, kernelSize: 3);
        using var input = Tensor.Zeros(1, 2, 8, 8);
        var error = Assert.Catch<ArgumentException>(() => layer.Forward(input))!;
        Assert.That(error.Message, Does.Contain("2 channels").And.Contain("[4,3,3,3]"));
    }

    [Test]
    public void LossModuleWithoutTargetSaysWhatToCall()
    {
        using var loss = new CrossEntropyLoss();
        using var input = Tensor.Zeros(2, 3);
        var error = Assert.Throws<NotSupportedException>(() => loss.Forward(input))!;
        Assert.That(error.Message, Does.Contain("Forward(input, target)"));
    }

    [Test]
    public void CudaDeviceIsRefusedWithTheReason()
    {
        using var model = new Linear(2, 2);
        var error = Assert.Throws<NotSupportedException>(() => model.To(Device.Cuda(0)))!;
        Assert.That(error.Message, Does.StartWith("Linear.To(cuda:0): cuda:0 "));
    }

    [Test]
    public void TrainingAnMlpMakesTheLossFall()
    {
        // Two Gaussian blobs per class in 2-D, four classes: learnable, not trivially.
        var (inputs, labels) = Blobs(256);
        using var inputTensor = Tensor.FromArray(inputs, 256, 2);
        using var labelTensor = Tensor.FromArray(labels, 256);
        using var model = new Sequential(new Linear(2, 32, generator: new Generator(1)), new ReLU(), new Linear(32, 4, generator: new Generator(2)));
        using var optimizer = new Adam(model.Parameters(), lr: 0.02);
        using var criterion = new CrossEntropyLoss();
        var losses = new List<float>();
        for (var step = 0; step < 150; step++)
        {
            using var scope = Tensor.Scope();
            optimizer.ZeroGrad();
            var loss = criterion.Forward(model.Forward(inputTensor), labelTensor);
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.ToArray()[0]);
        }
        Assert.That(losses[0], Is.GreaterThan(1.0f), "an untrained 4-class model starts near ln 4 = 1.39");
        Assert.That(losses[^1], Is.LessThan(0.2f * losses[0]));
    }

    [Test]
    public void NativeMemoryStaysFlatOverThousandsOfTrainingSteps()
    {
        var (inputs, labels) = Blobs(32);
        using var inputTensor = Tensor.FromArray(inputs, 32, 2);
        using var labelTensor = Tensor.FromArray(labels, 32);
        using var model = new Sequential(new Linear(2, 16), new Tanh(), new Dropout(0.1f), new Linear(16, 4));
        using var optimizer = new SGD(model.Parameters(), lr: 0.05, momentum: 0.9);
        using var criterion = new CrossEntropyLoss();
        var finalizedBefore = TensorMemory.FinalizedTensors;
        long liveAfterWarmUp = 0;
        for (var step = 0; step < 5000; step++)
        {
            using (var scope = Tensor.Scope())
            {
                optimizer.ZeroGrad();
                criterion.Forward(model.Forward(inputTensor), labelTensor).Backward();
                optimizer.Step();
            }
            if (step == 10)
            {
                liveAfterWarmUp = TensorMemory.LiveBytes;
            }
        }
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveAfterWarmUp), "live native bytes after 5,000 steps equal those after 10");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(TensorMemory.FinalizedTensors, Is.EqualTo(finalizedBefore), "no tensor was left to the finalizer");
    }

    private static (float[] Inputs, long[] Labels) Blobs(int count)
    {
        var random = new Random(42);
        var inputs = new float[count * 2];
        var labels = new long[count];
        for (var index = 0; index < count; index++)
        {
            var label = index % 4;
            labels[index] = label;
            var (centerX, centerY) = label switch { 0 => (1.5, 1.5), 1 => (-1.5, 1.5), 2 => (-1.5, -1.5), _ => (1.5, -1.5) };
            inputs[2 * index] = (float)(centerX + 0.5 * (random.NextDouble() - 0.5));
            inputs[2 * index + 1] = (float)(centerY + 0.5 * (random.NextDouble() - 0.5));
        }
        return (inputs, labels);
    }
}
