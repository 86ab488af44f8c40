// One harness over every backend: each op's forward output and input gradients at AVX2, AVX-512
// and on the managed C# kernels must match the native reference level's on the same inputs.
namespace NativeNN.Tests;

[NonParallelizable]
public class BackendParityTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var backend in new[] { Backends.Avx2, Backends.Avx512, Backends.Managed })
        {
            foreach (var op in AutogradTests.Ops.Keys)
            {
                yield return new TestCaseData(op, backend.Name).SetName($"Parity {op} on {backend.Name}");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndBackwardMatchTheReferenceLevel(string op, string backendName)
    {
        var backend = BackendTests.Named(backendName);
        if (!backend.IsAvailable)
        {
            Assert.Ignore($"this machine cannot run the {backend} backend");
        }
        var (function, shapes) = AutogradTests.Ops[op];
        var sizes = AutogradTests.FixedShapes.Contains(op) ? shapes : shapes.Select(Enlarge).ToArray();
        var reference = BackendTests.On(Backends.Reference, () => Run(function, sizes));
        var other = BackendTests.On(backend, () => Run(function, sizes));
        for (var index = 0; index < reference.Count; index++)
        {
            var scale = Math.Max(1f, reference[index].Select(MathF.Abs).DefaultIfEmpty(0f).Max());
            Assert.That(other[index], Is.EqualTo(reference[index]).Within(2e-5f * scale),
                index == 0 ? "forward output" : $"gradient of input {index - 1}");
        }
    }

    // The forward output, then each input's gradient; larger shapes than the gradient checks so
    // the vector loops and their tails both run.
    private static List<float[]> Run(Func<Tensor[], Tensor> function, long[][] shapes)
    {
        using var scope = Tensor.Scope();
        var inputs = shapes.Select((shape, index) => GradientCheck.Parameter(shape, (ulong)(31 + index))).ToArray();
        var output = function(inputs);
        var weights = Tensor.Rand(output.Shape.ToArray(), seed: 5, low: 0.5f, high: 1.5f);
        (output * weights).Sum().Backward();
        var results = new List<float[]> { output.ToArray() };
        results.AddRange(inputs.Select(input => input.Grad?.ToArray() ?? []));
        return results;
    }

    // Every size s becomes 4s + 3: never a multiple of 8 or 16, and large enough to fill vectors.
    private static long[] Enlarge(long[] shape) => shape.Select(size => size * 4 + 3).ToArray();
}
