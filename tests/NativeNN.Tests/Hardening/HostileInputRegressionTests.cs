// One test per defect the hostile-input test found, each the smallest call that showed it.
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Tests.Hardening;

[NonParallelizable]
public class HostileInputRegressionTests
{
    // A failed op used to leave the output it had allocated to the finalizer.
    [Test]
    public void FailedOpsFreeTheOutputsTheyAllocated()
    {
        using var labels = Tensor.Zeros([2, 3], DType.Int64);
        using var values = Tensor.Ones(2, 3);
        using var image = Tensor.Ones(1, 1, 4, 4);
        using var weight = Tensor.Ones(2, 1, 3, 3);
        using var wrongBias = Tensor.Ones(3);
        using var targets = Tensor.Zeros([3], DType.Int64);
        using var otherLabels = Tensor.Zeros([3, 2], DType.Int64);
        var disposed = Tensor.Ones(2, 3);
        disposed.Dispose();
        var failing = new (string Name, Action Call)[]
        {
            ("Mul of int64 tensors", () => labels.Mul(labels)),
            ("Add of a disposed tensor", () => values.Add(disposed)),
            ("Exp of a disposed tensor", () => disposed.Exp()),
            ("Clone of a disposed tensor", () => disposed.Clone()),
            ("MatMul of int64", () => labels.MatMul(otherLabels)),
            ("Linear with a disposed weight", () => F.Linear(values, disposed)),
            ("Relu of a disposed tensor", () => F.Relu(disposed)),
            ("Dropout of int64", () => F.Dropout(labels, 0.5f)),
            ("Conv2d with a wrong bias", () => F.Conv2d(image, weight, wrongBias)),
            ("MaxPool2d of a disposed tensor", () => F.MaxPool2d(disposed.Reshape(1, 1, 2, 3), 2)),
            ("CrossEntropy with a wrong batch", () => F.CrossEntropy(values, targets)),
            ("MseLoss of a disposed target", () => F.MseLoss(values, disposed)),
        };
        foreach (var (name, call) in failing)
        {
            var before = TensorMemory.LiveTensors;
            Assert.Catch(() => call(), name);
            Assert.That(TensorMemory.LiveTensors, Is.EqualTo(before), $"{name} left a native tensor alive");
        }
    }

    // The message named no property: "Only float32 tensors can require gradients".
    [Test]
    public void RequiresGradOnAnInt64TensorNamesTheProperty()
    {
        using var labels = Tensor.Zeros([3], DType.Int64);
        var error = Assert.Throws<InvalidOperationException>(() => labels.RequiresGrad = true)!;
        Assert.That(error.Message, Does.Contain("RequiresGrad").And.Contain("int64[3]"));
    }

    // A null entry in the parameter list threw NullReferenceException.
    [Test]
    public void NullParameterIsRefusedNamingTheList()
    {
        using var parameter = Tensor.Zeros(3);
        var error = Assert.Throws<ArgumentException>(() => new SGD([parameter, null!], lr: 0.1))!;
        Assert.That(error.ParamName, Is.EqualTo("parameters"));
    }

    // Step after Dispose made new state buffers that nothing would free.
    [Test]
    public void DisposedOptimizerRefusesToStep()
    {
        using var parameter = Tensor.Ones(3);
        parameter.RequiresGrad = true;
        using (var loss = parameter.Sum())
        {
            loss.Backward();
        }
        var optimizer = new Adam([parameter]);
        optimizer.Dispose();
        var before = TensorMemory.LiveTensors;
        Assert.Throws<ObjectDisposedException>(() => optimizer.Step());
        Assert.Throws<ObjectDisposedException>(() => optimizer.SaveState());
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(before));
        Assert.That(parameter.ToArray(), Is.All.EqualTo(1f));
    }

    // A null value in a state dict, and a null input to Flatten, threw NullReferenceException.
    [Test]
    public void NullStateValueAndNullFlattenInputAreNamed()
    {
        using var model = new Linear(3, 2);
        var state = new Dictionary<string, Tensor>(model.StateDict()) { ["bias"] = null! };
        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state))!;
        Assert.That(error.ParamName, Is.EqualTo("state"));
        Assert.That(error.Message, Does.Contain("'bias'"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => new Flatten().Forward(null!))!.ParamName, Is.EqualTo("input"));
    }

    // Reshape to sizes whose product passes 2^63 threw OverflowException, and the parameter was
    // called "requested" where Reshape calls it newShape.
    [Test]
    public void ReshapeToUncountableSizesIsAnArgumentException()
    {
        using var tensor = Tensor.Zeros(4);
        var error = Assert.Throws<ArgumentException>(() => tensor.Reshape(1L << 62, 1L << 62, -1))!;
        Assert.That(error.ParamName, Is.EqualTo("newShape"));
        Assert.That(error.Message, Does.Contain("multiply past"));
        Assert.That(Assert.Throws<ArgumentException>(() => tensor.Reshape(3, -1))!.ParamName, Is.EqualTo("newShape"));
    }

    // Conv2d(kernelSize: 0) failed inside the initialiser with "Rand needs finite low < high".
    [Test]
    public void ConvolutionLayersCheckTheirGeometryWhenBuilt()
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 2, kernelSize: 0))!.ParamName, Is.EqualTo("kernelSize"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 2, kernelSize: 3, stride: (1, 0)))!.ParamName, Is.EqualTo("stride"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 2, kernelSize: 3, padding: -1))!.ParamName, Is.EqualTo("padding"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(1, 2, kernelSize: 3, dilation: 0))!.ParamName, Is.EqualTo("dilation"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new ConvTranspose2d(1, 2, kernelSize: 3, stride: 2, outputPadding: 2))!.ParamName,
            Is.EqualTo("outputPadding"));
        using var valid = new ConvTranspose2d(1, 2, kernelSize: 3, stride: 2, outputPadding: 1);
    }

    // ToArray of a tensor with more than int.MaxValue elements threw OverflowException. The tensor is
    // 8 GiB of zeros that nothing touches; where the system refuses even to reserve it, there is
    // nothing to check.
    [Test]
    public void TensorTooLargeForAnArrayIsRefusedWithItsSize()
    {
        Tensor huge;
        try
        {
            huge = Tensor.Zeros(1L << 31);
        }
        catch (OutOfMemoryException)
        {
            Assert.Ignore("this machine cannot reserve 8 GiB of address space for one tensor");
            return;
        }
        using (huge)
        {
            var error = Assert.Throws<NotSupportedException>(() => huge.ToArray())!;
            Assert.That(error.Message, Does.Contain("2147483648 elements"));
            Assert.Throws<NotSupportedException>(() => huge.AsSpan());
        }
    }

    // A backward function that threw used to leave the gradients it had made to the finalizer.
    [Test]
    public void FailedBackwardFreesTheGradientsItMade()
    {
        var input = Tensor.RandN([3, 4], 1);
        input.RequiresGrad = true;
        using var weight = Tensor.RandN([2, 4], 2);
        weight.RequiresGrad = true;
        using var output = F.Linear(input, weight);
        using var loss = output.Sum();
        input.Dispose();
        var before = TensorMemory.LiveTensors;
        Assert.Throws<ObjectDisposedException>(() => loss.Backward());
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(before));
    }
    // The managed backend read no storage for an empty tensor, and so accepted a disposed one.
    [Test]
    public void DisposedEmptyTensorIsRefusedOnEveryBackend()
    {
        foreach (var backend in Backends.All)
        {
            var empty = Tensor.Zeros(0, 0);
            empty.Dispose();
            BackendTests.On(backend, () => Assert.Throws<ObjectDisposedException>(() => empty.Exp(), backend.Name));
        }
    }

    // The managed cross-entropy took an empty batch's missing per-sample storage for a reduction.
    [Test]
    public void CrossEntropyOfAnEmptyBatchWithoutReductionIsEmptyOnEveryBackend()
    {
        foreach (var backend in Backends.All)
        {
            BackendTests.On(backend, () =>
            {
                using var scope = Tensor.Scope();
                var losses = F.CrossEntropy(Tensor.Zeros(0, 4), Tensor.Zeros([0], DType.Int64), Reduction.None);
                Assert.That(losses.Shape.ToArray(), Is.EqualTo(new long[] { 0 }), backend.Name);
            });
        }
    }
}
