// Autograd: the engine's rules, every differentiable op against finite differences, and the
// worked examples users learn from.
namespace NativeNN.Tests;

public class AutogradTests
{
    internal static readonly Dictionary<string, (Func<Tensor[], Tensor> Function, long[][] Shapes)> Ops = new()
    {
        ["Add"] = (x => x[0] + x[1], [[3, 4], [3, 4]]),
        ["Sub"] = (x => x[0] - x[1], [[3, 4], [3, 4]]),
        ["Mul"] = (x => x[0] * x[1], [[3, 4], [3, 4]]),
        ["ScalarOps"] = (x => (2f - x[0] * 3f + 1f) / 4f, [[5]]),
        ["Exp"] = (x => x[0].Exp(), [[2, 3]]),
        ["Square"] = (x => x[0].Square(), [[2, 3]]),
        ["Sum"] = (x => x[0].Sum(), [[2, 3]]),
        ["Mean"] = (x => x[0].Mean(), [[2, 3]]),
        ["MatMul"] = (x => x[0].MatMul(x[1]), [[3, 5], [5, 2]]),
        ["Transpose"] = (x => x[0].Transpose(), [[3, 5]]),
        ["Reshape"] = (x => x[0].Reshape(x[0].Shape[0], -1) * x[0].Reshape(-1).Exp().Reshape(x[0].Shape[0], -1), [[2, 3, 2]]),
        ["Flatten"] = (x => x[0].Flatten(1), [[2, 3, 2]]),
        ["BiasBroadcast"] = (x => x[0] + x[1], [[2, 3, 2, 2], [3]]),
        ["Linear"] = (x => F.Linear(x[0], x[1], x[2]), [[4, 5], [3, 5], [3]]),
        ["LinearNoBias"] = (x => F.Linear(x[0], x[1]), [[4, 5], [3, 5]]),
        ["Relu"] = (x => F.Relu(x[0]), [[4, 5]]),
        ["LeakyRelu"] = (x => F.LeakyRelu(x[0], 0.2f), [[4, 5]]),
        ["Elu"] = (x => F.Elu(x[0], 0.7f), [[4, 5]]),
        ["Sigmoid"] = (x => F.Sigmoid(x[0]), [[4, 5]]),
        ["Tanh"] = (x => F.Tanh(x[0]), [[4, 5]]),
        ["Softmax"] = (x => F.Softmax(x[0], 1), [[3, 5]]),
        ["LogSoftmax"] = (x => F.LogSoftmax(x[0], -1), [[3, 5]]),
        ["SoftmaxOverChannels"] = (x => F.Softmax(x[0], 1), [[2, 3, 2, 2]]),
        ["MseLoss"] = (x => F.MseLoss(x[0], x[1]), [[4, 3], [4, 3]]),
        ["MseLossSum"] = (x => F.MseLoss(x[0], x[1], Reduction.Sum), [[4, 3], [4, 3]]),
        ["Conv2d"] = (x => F.Conv2d(x[0], x[1], x[2], padding: 1), [[2, 3, 7, 7], [4, 3, 3, 3], [4]]),
        ["Conv2dStrideThree"] = (x => F.Conv2d(x[0], x[1], stride: 3), [[1, 2, 7, 7], [3, 2, 3, 3]]),
        ["Conv2dGroupsDilation"] = (x => F.Conv2d(x[0], x[1], x[2], stride: (1, 2), padding: (2, 1), dilation: 2, groups: 2), [[2, 4, 6, 6], [6, 2, 3, 3], [6]]),
        ["ConvTranspose2d"] = (x => F.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1), [[2, 3, 4, 4], [3, 2, 3, 3], [2]]),
        ["MaxPool2d"] = (x => F.MaxPool2d(x[0], 2), [[2, 3, 6, 6]]),
        ["MaxPool2dPaddedCeil"] = (x => F.MaxPool2d(x[0], 3, stride: 2, padding: 1, ceilMode: true), [[1, 2, 6, 6]]),
        ["AvgPool2d"] = (x => F.AvgPool2d(x[0], 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false), [[2, 3, 5, 5]]),
    };

    // Groups must divide both channel counts, which the parity harness's size change would break.
    internal static readonly HashSet<string> FixedShapes = ["Conv2dGroupsDilation"];

    public static IEnumerable<string> OpNames => Ops.Keys;

    // Their derivative jumps at 0: a finite difference across the jump measures neither side.
    private static readonly HashSet<string> KinkedAtZero = ["Relu", "LeakyRelu", "Elu"];

    [TestCaseSource(nameof(OpNames))]
    public void GradientMatchesFiniteDifferences(string op)
    {
        var (function, shapes) = Ops[op];
        using var scope = Tensor.Scope();
        var inputs = shapes.Select((shape, index) => GradientCheck.Parameter(shape, (ulong)(17 + index))).ToArray();
        if (KinkedAtZero.Contains(op))
        {
            GradientCheck.MoveAwayFromZero(inputs[0], 0.1f);
        }
        if (op.StartsWith("MaxPool", StringComparison.Ordinal))
        {
            // The maximum of a window switches when two values come within the step of each other.
            GradientCheck.SpreadApart(inputs[0], 0.05f, seed: 3);
        }
        GradientCheck.Check(function, inputs);
    }

    [Test]
    public void LogGradientMatchesFiniteDifferencesOnPositiveInputs()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([2, 3], 5, low: 0.5f, high: 3f);
        GradientCheck.Check(inputs => inputs[0].Log(), [x]);
    }

    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.Sum)]
    [TestCase(Reduction.None)]
    public void CrossEntropyAndNllGradientsMatchFiniteDifferences(Reduction reduction)
    {
        using var scope = Tensor.Scope();
        var logits = GradientCheck.Parameter([4, 5], 8, -2f, 2f);
        var targets = Tensor.FromArray([0L, 4L, 2L, 2L], 4);
        GradientCheck.Check(inputs => F.CrossEntropy(inputs[0], targets, reduction), [logits]);
        GradientCheck.Check(inputs => F.NllLoss(F.LogSoftmax(inputs[0]), targets, reduction), [logits]);
    }

    [Test]
    public void BinaryCrossEntropyGradientMatchesFiniteDifferences()
    {
        using var scope = Tensor.Scope();
        var probabilities = GradientCheck.Parameter([3, 4], 9, 0.2f, 0.8f);
        var target = Tensor.Rand([3, 4], 10);
        GradientCheck.Check(inputs => F.BinaryCrossEntropy(inputs[0], target), [probabilities], step: 1e-3);
    }

    [Test]
    public void DropoutGradientUsesTheForwardMask()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([8, 8], 11);
        GradientCheck.Check(inputs => F.Dropout(inputs[0], 0.3f, training: true, seed: 1234), [x]);
    }

    [Test]
    public void SigmoidNeuronHasTheChainRuleGradients()
    {
        // f = sigmoid(w0 x0 + w1 x1 + w2) with w = (2, -3, -3), x = (-1, -2): the classic worked
        // example; the dot product is 1, f = 0.7311, and df/d(dot) = f (1 - f) = 0.1966.
        using var scope = Tensor.Scope();
        Tensor Value(float value)
        {
            var tensor = Tensor.FromArray([value], 1);
            tensor.RequiresGrad = true;
            return tensor;
        }
        var (w0, w1, w2, x0, x1) = (Value(2f), Value(-3f), Value(-3f), Value(-1f), Value(-2f));
        var f = F.Sigmoid(w0 * x0 + w1 * x1 + w2);
        f.Backward();
        const double local = 0.7310585786 * (1 - 0.7310585786);
        Assert.Multiple(() =>
        {
            Assert.That(f.ToArray()[0], Is.EqualTo(0.7310586f).Within(1e-6));
            Assert.That(w0.Grad!.ToArray()[0], Is.EqualTo(-local).Within(1e-6));
            Assert.That(w1.Grad!.ToArray()[0], Is.EqualTo(-2 * local).Within(1e-6));
            Assert.That(w2.Grad!.ToArray()[0], Is.EqualTo(local).Within(1e-6));
            Assert.That(x0.Grad!.ToArray()[0], Is.EqualTo(2 * local).Within(1e-6));
            Assert.That(x1.Grad!.ToArray()[0], Is.EqualTo(-3 * local).Within(1e-6));
        });
    }

    [Test]
    public void GradientDescentThroughAutogradFindsTheMinimumOfExpMinusXPlusXSquared()
    {
        // f(x) = e^-x + x²; f'(x) = -e^-x + 2x = 0 at x = 0.351734.
        using var x = Tensor.FromArray([2f], 1);
        x.RequiresGrad = true;
        for (var iteration = 0; iteration < 200; iteration++)
        {
            using var scope = Tensor.Scope();
            var f = (-x).Exp() + x.Square();
            x.ZeroGrad();
            f.Sum().Backward();
            using (Tensor.NoGrad())
            {
                x.AsSpan()[0] -= 0.1f * x.Grad!.ToArray()[0];
            }
        }
        Assert.That(x.ToArray()[0], Is.EqualTo(0.351734f).Within(1e-4));
    }

    [Test]
    public void GradientsAccumulateUntilZeroGrad()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 1);
        (x * 2f).Sum().Backward();
        (x * 3f).Sum().Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 5f, 5f, 5f }));
        x.ZeroGrad();
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void ATensorUsedTwiceGetsBothContributions()
    {
        using var scope = Tensor.Scope();
        var x = Tensor.FromArray([1f, 2f, 3f], 3);
        x.RequiresGrad = true;
        (x * x + x).Sum().Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 3f, 5f, 7f }));
    }

    [Test]
    public void NoGradRecordsNothing()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 2);
        Tensor y;
        using (Tensor.NoGrad())
        {
            y = x * 2f;
        }
        Assert.That(y.RequiresGrad, Is.False);
        Assert.That(y.IsLeaf, Is.True);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward())!;
        Assert.That(error.Message, Does.Contain("does not require a gradient"));
    }

    [Test]
    public void SecondBackwardThroughAFreedGraphSaysHowToKeepIt()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 3);
        var loss = x.Exp().Sum();
        loss.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => loss.Backward())!;
        Assert.That(error.Message, Does.Contain("retainGraph"));
    }

    [Test]
    public void RetainGraphAllowsASecondBackward()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 3);
        var loss = x.Exp().Sum();
        loss.Backward(retainGraph: true);
        var first = x.Grad!.ToArray();
        loss.Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(first.Select(value => 2 * value)).Within(1e-5));
    }

    [Test]
    public void DisposingASavedTensorBeforeBackwardNamesIt()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 4);
        var y = Tensor.FromArray([1f, 2f, 3f], 3);
        var loss = (x * y).Sum();
        y.Dispose();
        var error = Assert.Throws<ObjectDisposedException>(() => loss.Backward())!;
        Assert.That(error.Message, Does.Contain("Mul").And.Contain("float32[3]"));
    }

    [Test]
    public void NonScalarBackwardNeedsAnExplicitGradient()
    {
        using var scope = Tensor.Scope();
        var x = GradientCheck.Parameter([3], 5);
        var y = x * 2f;
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        y.Backward(Tensor.FromArray([1f, 0f, -1f], 3));
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 2f, 0f, -2f }));
    }

    [Test]
    public void LeafGradientsSurviveTheScopeOfTheStep()
    {
        using var x = GradientCheck.Parameter([3], 6);
        using (Tensor.Scope())
        {
            (x * 2f).Sum().Backward();
        }
        Assert.That(x.Grad, Is.Not.Null);
        Assert.That(x.Grad!.IsDisposed, Is.False);
        Assert.That(x.Grad.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f }));
    }

    [Test]
    public void ShapeErrorsNameTheOpAndBothShapes()
    {
        using var scope = Tensor.Scope();
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(3, 2);
        var add = Assert.Throws<ShapeMismatchException>(() => _ = a + b)!;
        Assert.That(add.Message, Does.Contain("Add").And.Contain("float32[2,3]").And.Contain("float32[3,2]"));
        var matmul = Assert.Throws<ShapeMismatchException>(() => a.MatMul(a))!;
        Assert.That(matmul.Message, Does.Contain("MatMul").And.Contain("3").And.Contain("2"));
        var linear = Assert.Throws<ShapeMismatchException>(() => F.Linear(a, Tensor.Zeros(4, 5)))!;
        Assert.That(linear.Message, Does.Contain("Linear").And.Contain("float32[4,5]"));
    }

    [Test]
    public void FloatTargetsForCrossEntropySayInt64IsExpected()
    {
        using var scope = Tensor.Scope();
        var error = Assert.Throws<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros(2, 3), Tensor.Zeros(2)))!;
        Assert.That(error.Message, Does.Contain("CrossEntropy").And.Contain("int64"));
    }

    [Test]
    public void OutOfRangeClassTargetIsANativeErrorNamingTheIndex()
    {
        using var scope = Tensor.Scope();
        var error = Assert.Catch<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros(2, 3), Tensor.FromArray([0L, 3L], 2)))!;
        Assert.That(error.Message, Does.Contain("3"));
    }
}
