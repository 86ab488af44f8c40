// Three steps of each optimizer against sequences computed here, in double, from the algorithms in
// the torch.optim documentation. The gradient at step t is c_t, made by loss = sum(param * c_t).
using NativeNN.Optim;

namespace NativeNN.Tests;

public class OptimizerTests
{
    private static readonly double[] Start = [0.5, -1.5, 2.0];
    private static readonly double[][] Gradients = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.6, 0.2]];

    private static double[] Run(Func<Tensor, Optimizer> create)
    {
        using var parameter = Tensor.FromArray(Start.Select(value => (float)value).ToArray(), 3);
        parameter.RequiresGrad = true;
        using var optimizer = create(parameter);
        foreach (var gradient in Gradients)
        {
            using var scope = Tensor.Scope();
            optimizer.ZeroGrad();
            (parameter * Tensor.FromArray(gradient.Select(value => (float)value).ToArray(), 3)).Sum().Backward();
            optimizer.Step();
        }
        return parameter.ToArray().Select(value => (double)value).ToArray();
    }

    private static void AssertClose(double[] actual, double[] expected) =>
        Assert.That(actual, Is.EqualTo(expected).Within(2e-6));

    [TestCase(0.0, 0.0, 0.0, false)]
    [TestCase(0.9, 0.0, 0.0, false)]
    [TestCase(0.9, 0.1, 0.01, false)]
    [TestCase(0.9, 0.0, 0.01, true)]
    public void SgdMatchesTheDocumentedAlgorithm(double momentum, double dampening, double weightDecay, bool nesterov)
    {
        const double lr = 0.1;
        var theta = (double[])Start.Clone();
        var buffer = new double[3];
        for (var t = 1; t <= 3; t++)
        {
            for (var i = 0; i < 3; i++)
            {
                var g = Gradients[t - 1][i] + weightDecay * theta[i];
                if (momentum != 0)
                {
                    buffer[i] = t == 1 ? g : momentum * buffer[i] + (1 - dampening) * g;
                    g = nesterov ? g + momentum * buffer[i] : buffer[i];
                }
                theta[i] -= lr * g;
            }
        }
        AssertClose(Run(p => new SGD([p], lr, momentum, dampening, weightDecay, nesterov)), theta);
    }

    [TestCase(0.0, 0.0, 0.0)]
    [TestCase(0.1, 0.01, 0.5)]
    public void AdagradMatchesTheDocumentedAlgorithm(double lrDecay, double weightDecay, double initialAccumulator)
    {
        const double lr = 0.1, eps = 1e-10;
        var theta = (double[])Start.Clone();
        var sum = Enumerable.Repeat(initialAccumulator, 3).ToArray();
        for (var t = 1; t <= 3; t++)
        {
            var clr = lr / (1 + (t - 1) * lrDecay);
            for (var i = 0; i < 3; i++)
            {
                var g = Gradients[t - 1][i] + weightDecay * theta[i];
                sum[i] += g * g;
                theta[i] -= clr * g / (Math.Sqrt(sum[i]) + eps);
            }
        }
        AssertClose(Run(p => new Adagrad([p], lr, lrDecay, weightDecay, initialAccumulator)), theta);
    }

    [TestCase(0.0, 0.0, false)]
    [TestCase(0.9, 0.01, false)]
    [TestCase(0.5, 0.0, true)]
    public void RmspropMatchesTheDocumentedAlgorithm(double momentum, double weightDecay, bool centered)
    {
        const double lr = 0.01, alpha = 0.99, eps = 1e-8;
        var theta = (double[])Start.Clone();
        var v = new double[3];
        var average = new double[3];
        var buffer = new double[3];
        for (var t = 1; t <= 3; t++)
        {
            for (var i = 0; i < 3; i++)
            {
                var g = Gradients[t - 1][i] + weightDecay * theta[i];
                v[i] = alpha * v[i] + (1 - alpha) * g * g;
                var denominator = v[i];
                if (centered)
                {
                    average[i] = alpha * average[i] + (1 - alpha) * g;
                    denominator -= average[i] * average[i];
                }
                denominator = Math.Sqrt(denominator) + eps;
                if (momentum > 0)
                {
                    buffer[i] = momentum * buffer[i] + g / denominator;
                    theta[i] -= lr * buffer[i];
                }
                else
                {
                    theta[i] -= lr * g / denominator;
                }
            }
        }
        AssertClose(Run(p => new RMSprop([p], lr, alpha, eps, weightDecay, momentum, centered)), theta);
    }

    [TestCase(false, 0.0, false)]
    [TestCase(false, 0.1, true)]
    [TestCase(true, 0.1, false)]
    [TestCase(true, 0.1, true)]
    public void AdamAndAdamWMatchTheDocumentedAlgorithms(bool decoupled, double weightDecay, bool amsgrad)
    {
        const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var theta = (double[])Start.Clone();
        var m = new double[3];
        var v = new double[3];
        var vMax = new double[3];
        for (var t = 1; t <= 3; t++)
        {
            for (var i = 0; i < 3; i++)
            {
                var g = Gradients[t - 1][i];
                if (decoupled)
                {
                    theta[i] *= 1 - lr * weightDecay;
                }
                else
                {
                    g += weightDecay * theta[i];
                }
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                var mHat = m[i] / (1 - Math.Pow(beta1, t));
                vMax[i] = Math.Max(vMax[i], v[i]);
                var vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Math.Pow(beta2, t));
                theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        var actual = decoupled
            ? Run(p => new AdamW([p], lr, beta1, beta2, eps, weightDecay, amsgrad))
            : Run(p => new Adam([p], lr, beta1, beta2, eps, weightDecay, amsgrad));
        AssertClose(actual, theta);
    }

    [Test]
    public void ParametersWithoutGradientAreLeftAlone()
    {
        using var used = Tensor.FromArray([1f], 1);
        using var frozen = Tensor.FromArray([1f], 1);
        used.RequiresGrad = true;
        frozen.RequiresGrad = true;
        using var optimizer = new SGD([used, frozen], lr: 0.5);
        using (Tensor.Scope())
        {
            (used * 2f).Sum().Backward();
        }
        optimizer.Step();
        Assert.That(used.ToArray()[0], Is.EqualTo(0f));
        Assert.That(frozen.ToArray()[0], Is.EqualTo(1f));
    }

    [Test]
    public void SavedStateResumesExactlyWhereItLeftOff()
    {
        double[] Continue(OptimizerState? state, float[] values, int steps, out OptimizerState saved)
        {
            using var parameter = Tensor.FromArray(values, 3);
            parameter.RequiresGrad = true;
            using var optimizer = new Adam([parameter], lr: 0.05, amsgrad: true);
            if (state is not null)
            {
                optimizer.LoadState(state);
            }
            for (var step = 0; step < steps; step++)
            {
                using var scope = Tensor.Scope();
                optimizer.ZeroGrad();
                parameter.Square().Sum().Backward();
                optimizer.Step();
            }
            saved = optimizer.SaveState();
            return parameter.ToArray().Select(value => (double)value).ToArray();
        }
        var start = Start.Select(value => (float)value).ToArray();
        var straight = Continue(null, start, 6, out var end);
        end.Dispose();
        var half = Continue(null, start, 3, out var middle);
        var resumed = Continue(middle, half.Select(value => (float)value).ToArray(), 3, out var final);
        middle.Dispose();
        final.Dispose();
        Assert.That(resumed, Is.EqualTo(straight));
    }

    [Test]
    public void StateOfAnotherOptimizerIsRefused()
    {
        using var parameter = Tensor.FromArray([1f], 1);
        parameter.RequiresGrad = true;
        using var sgd = new SGD([parameter], momentum: 0.9);
        using var adam = new Adam([parameter]);
        using var state = sgd.SaveState();
        var error = Assert.Throws<ArgumentException>(() => adam.LoadState(state))!;
        Assert.That(error.Message, Does.Contain("SGD").And.Contain("Adam"));
    }

    [Test]
    public void SchedulersFollowPyTorchsClosedForms()
    {
        using var parameter = Tensor.FromArray([1f], 1);
        parameter.RequiresGrad = true;
        using var optimizer = new SGD([parameter], lr: 1.0);
        var step = new StepLR(optimizer, stepSize: 2, gamma: 0.5);
        var rates = new List<double>();
        for (var epoch = 0; epoch < 5; epoch++)
        {
            step.Step();
            rates.Add(optimizer.LearningRate);
        }
        Assert.That(rates, Is.EqualTo(new[] { 1.0, 0.5, 0.5, 0.25, 0.25 }));
        optimizer.LearningRate = 1.0;
        var cosine = new CosineAnnealingLR(optimizer, tMax: 4, etaMin: 0.0);
        cosine.Step();
        cosine.Step();
        Assert.That(optimizer.LearningRate, Is.EqualTo(0.5).Within(1e-12));
    }

    [Test]
    public void ClipGradNormScalesToTheMaximumAndReturnsTheOriginalNorm()
    {
        using var parameter = Tensor.FromArray([0f, 0f], 2);
        parameter.RequiresGrad = true;
        using (Tensor.Scope())
        {
            (parameter * Tensor.FromArray([3f, 4f], 2)).Sum().Backward();
        }
        var norm = GradientClipping.ClipGradNorm([parameter], maxNorm: 1.0);
        Assert.That(norm, Is.EqualTo(5.0).Within(1e-6));
        Assert.That(parameter.Grad!.ToArray(), Is.EqualTo(new[] { 0.6f, 0.8f }).Within(1e-6));
    }
}
