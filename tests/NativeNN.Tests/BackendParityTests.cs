// One harness over every CPU level: each op's forward output and input gradients at AVX2 and
// AVX-512 must match the reference level's on the same inputs.
namespace NativeNN.Tests;

[NonParallelizable]
public class BackendParityTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var level in new[] { CpuIsa.Avx2, CpuIsa.Avx512 })
        {
            foreach (var op in AutogradTests.Ops.Keys)
            {
                yield return new TestCaseData(op, level).SetName($"Parity {op} at {level}");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndBackwardMatchTheReferenceLevel(string op, CpuIsa level)
    {
        if (!Backends.Supports(level))
        {
            Assert.Ignore($"this CPU cannot run {level} kernels");
        }
        var (function, shapes) = AutogradTests.Ops[op];
        var original = Backends.Isa;
        try
        {
            var sizes = AutogradTests.FixedShapes.Contains(op) ? shapes : shapes.Select(Enlarge).ToArray();
            var reference = Run(function, sizes, CpuIsa.Reference);
            var fast = Run(function, sizes, level);
            for (var index = 0; index < reference.Count; index++)
            {
                var scale = Math.Max(1f, reference[index].Select(MathF.Abs).DefaultIfEmpty(0f).Max());
                Assert.That(fast[index], Is.EqualTo(reference[index]).Within(2e-5f * scale),
                    index == 0 ? "forward output" : $"gradient of input {index - 1}");
            }
        }
        finally
        {
            Backends.Isa = original;
        }
    }

    // The forward output, then each input's gradient, at one level; larger shapes than the
    // gradient checks so the vector loops and their tails both run.
    private static List<float[]> Run(Func<Tensor[], Tensor> function, long[][] shapes, CpuIsa level)
    {
        Backends.Isa = level;
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
