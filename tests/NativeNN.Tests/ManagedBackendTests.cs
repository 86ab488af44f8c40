// The managed backend end to end: autograd's finite-difference checks with every kernel in C#, a
// LeNet-5 training run that must follow the reference level's losses, and its selection at start-up.
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Tests;

[NonParallelizable]
public class ManagedBackendTests
{
    [TestCaseSource(typeof(AutogradTests), nameof(AutogradTests.OpNames))]
    public void GradientMatchesFiniteDifferences(string op) =>
        BackendTests.On(Backends.Managed, () => new AutogradTests().GradientMatchesFiniteDifferences(op));

    [Test]
    public void LossGradientsMatchFiniteDifferences() => BackendTests.On(Backends.Managed, () =>
    {
        var checks = new AutogradTests();
        checks.LogGradientMatchesFiniteDifferencesOnPositiveInputs();
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            checks.CrossEntropyAndNllGradientsMatchFiniteDifferences(reduction);
        }
        checks.BinaryCrossEntropyGradientMatchesFiniteDifferences();
        checks.DropoutGradientUsesTheForwardMask();
    });

    [Test]
    public void LeNet5TrainsWithTheReferenceLevelsLosses()
    {
        var reference = BackendTests.On(Backends.Reference, TrainLeNet5);
        var managed = BackendTests.On(Backends.Managed, TrainLeNet5);
        Assert.That(managed, Is.EqualTo(reference).Within(1e-4f * reference.Max()));
        Assert.That(managed[^1], Is.LessThan(managed[0]), "the loss falls");
    }

    // Six Adam steps of LeNet-5 (with dropout, so the masks must agree too) on one fixed batch;
    // the loss of each step.
    private static float[] TrainLeNet5()
    {
        using var scope = Tensor.Scope();
        using var model = Models.Models.LeNet5(generator: new Generator(2024));
        using var head = new Sequential(new Dropout(0.2f, generator: new Generator(7)));
        using var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        using var criterion = new CrossEntropyLoss();
        var images = Tensor.RandN([16, 1, 28, 28], seed: 3);
        var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(index => (long)(index * 7 % 10)).ToArray(), 16);
        var losses = new List<float>();
        for (var step = 0; step < 6; step++)
        {
            using var stepScope = Tensor.Scope();
            optimizer.ZeroGrad();
            var loss = criterion.Forward(head.Forward(model.Forward(images)), labels);
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.ToArray()[0]);
        }
        return [.. losses];
    }

    [Test]
    public void EnvironmentVariableSelectsTheManagedBackendAtStartUp()
    {
        var chosen = CliProcess.Run(["info"], new Dictionary<string, string?> { ["NATIVENN_BACKEND"] = "managed" });
        Assert.That(chosen.ExitCode, Is.EqualTo(0), chosen.Error);
        Assert.That(chosen.Output, Does.Contain("backend        : managed"));
        var unknown = CliProcess.Run(["info"], new Dictionary<string, string?> { ["NATIVENN_BACKEND"] = "fortran" });
        Assert.That(unknown.ExitCode, Is.EqualTo(0), unknown.Error);
        Assert.That(unknown.Error, Does.Contain("NATIVENN_BACKEND=fortran"));
        Assert.That(unknown.Output, Does.Not.Contain("backend        : managed"));
    }
}
