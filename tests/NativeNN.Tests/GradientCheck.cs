// Finite-difference gradient checking: float32 central differences against autograd.
namespace NativeNN.Tests;

internal static class GradientCheck
{
    /// <summary>
    /// Compares autograd's gradient of L = sum(f(inputs) * w) (w fixed random weights, so every
    /// output element matters differently) with central differences (L(x+h) - L(x-h)) / 2h for
    /// every element of every input that requires a gradient. In float32 the difference quotient
    /// carries about eps32 * |L| / h of rounding, so h = 1e-2 and a tolerance of a few 1e-3
    /// relative (plus an absolute floor) is what float32 can promise.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double step = 1e-2, double tolerance = 5e-3)
    {
        using var scope = Tensor.Scope();
        var output = function(inputs);
        var weights = Tensor.Rand(output.Shape.ToArray(), seed: 99, low: 0.5f, high: 1.5f);
        var loss = (output * weights).Sum();
        foreach (var input in inputs)
        {
            input.ZeroGrad();
        }
        loss.Backward();
        foreach (var (input, index) in inputs.Select((input, index) => (input, index)))
        {
            if (!input.RequiresGrad)
            {
                continue;
            }
            Assert.That(input.Grad, Is.Not.Null, $"input {index} got no gradient");
            var analytic = input.Grad!.ToArray();
            var values = input.AsSpan();
            for (var element = 0; element < values.Length; element++)
            {
                var original = values[element];
                values[element] = original + (float)step;
                var plus = Evaluate(function, inputs, weights);
                values = input.AsSpan();
                values[element] = original - (float)step;
                var minus = Evaluate(function, inputs, weights);
                values = input.AsSpan();
                values[element] = original;
                var numeric = (plus - minus) / (2 * step);
                var allowed = tolerance * Math.Max(1.0, Math.Abs(numeric));
                Assert.That(analytic[element], Is.EqualTo(numeric).Within(allowed),
                    $"d/d input{index}[{element}]: autograd {analytic[element]} vs finite difference {numeric}");
            }
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> function, Tensor[] inputs, Tensor weights)
    {
        using var scope = Tensor.Scope();
        using var noGrad = Tensor.NoGrad();
        var output = function(inputs);
        var values = output.ToArray();
        var weightValues = weights.ToArray();
        double sum = 0;
        for (var index = 0; index < values.Length; index++)
        {
            sum += (double)values[index] * weightValues[index];
        }
        return sum;
    }

    /// <summary>Moves every value closer than <paramref name="margin"/> to 0 out to ±margin.</summary>
    public static void MoveAwayFromZero(Tensor tensor, float margin)
    {
        var values = tensor.AsSpan();
        for (var index = 0; index < values.Length; index++)
        {
            if (MathF.Abs(values[index]) < margin)
            {
                values[index] = values[index] < 0 ? -margin : margin;
            }
        }
    }

    /// <summary>Replaces the values with a shuffled ladder 0, spacing, 2 spacing, ... so no two are
    /// closer than <paramref name="spacing"/>.</summary>
    public static void SpreadApart(Tensor tensor, float spacing, int seed)
    {
        var count = (int)tensor.ElementCount;
        var ladder = Enumerable.Range(0, count).Select(index => (index - count / 2) * spacing).ToArray();
        new Random(seed).Shuffle(ladder);
        ladder.CopyTo(tensor.AsSpan());
    }

    public static Tensor Parameter(long[] shape, ulong seed, float low = -1f, float high = 1f)
    {
        var tensor = Tensor.Rand(shape, seed, low, high);
        tensor.RequiresGrad = true;
        return tensor;
    }
}
