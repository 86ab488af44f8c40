// The managed backend's kernels called directly against the native reference level on the same
// inputs, for what the op table of the parity harness does not reach: GEMM on awkward sizes with
// every transpose and alpha/beta, every optimizer option over several steps, the dropout mask,
// convolution geometries, pooling's tie and ceil rules, every loss reduction, and the checks.
using NativeNN.Interop;
using NativeNN.KernelBackends;

namespace NativeNN.Tests;

[NonParallelizable]
public class ManagedKernelTests
{
    private static readonly IKernelBackend Managed = ManagedKernels.Instance;

    /// <summary>Runs <paramref name="body"/> on the native kernels at the reference level.</summary>
    private static void OnReference(Action<IKernelBackend> body) =>
        BackendTests.On(Backends.Reference, () => body(NativeKernels.Instance));

    private static void AssertClose(Tensor actual, Tensor expected, float relative, string what)
    {
        var (got, want) = (actual.ToArray(), expected.ToArray());
        var scale = Math.Max(1f, want.Select(MathF.Abs).DefaultIfEmpty(0f).Max());
        Assert.That(got, Is.EqualTo(want).Within(relative * scale), what);
    }

    public static IEnumerable<TestCaseData> GemmCases()
    {
        // 1, primes, non-multiples of 8, 16 and 32, and sizes past one MC, KC and tile in each direction.
        var shapes = new (long M, long N, long K)[] { (1, 1, 1), (1, 37, 5), (13, 1, 7), (7, 13, 17), (31, 33, 29), (67, 61, 257), (131, 97, 300), (64, 120, 400) };
        foreach (var (m, n, k) in shapes)
        {
            foreach (var (transposeA, transposeB) in new[] { (false, false), (false, true), (true, false), (true, true) })
            {
                foreach (var (alpha, beta) in new[] { (1f, 0f), (0.5f, 1f), (-1.5f, 0.25f) })
                {
                    yield return new TestCaseData(m, n, k, transposeA, transposeB, alpha, beta)
                        .SetName($"Gemm {m}x{n}x{k} {(transposeA ? "T" : "N")}{(transposeB ? "T" : "N")} alpha {alpha} beta {beta}");
                }
            }
        }
    }

    [TestCaseSource(nameof(GemmCases))]
    public void GemmMatchesTheReference(long m, long n, long k, bool transposeA, bool transposeB, float alpha, float beta)
    {
        using var scope = Tensor.Scope();
        var a = Tensor.Rand(transposeA ? [k, m] : [m, k], 1, -1f, 1f);
        var b = Tensor.Rand(transposeB ? [n, k] : [k, n], 2, -1f, 1f);
        var start = Tensor.Rand([m, n], 3, -1f, 1f);
        if (beta == 0f)
        {
            // beta 0 must not read C: NaN left in it must not survive.
            start.Fill(float.NaN);
        }
        var expected = start.Clone();
        var actual = start.Clone();
        OnReference(native => native.MatMul(a, transposeA, b, transposeB, alpha, beta, expected));
        Managed.MatMul(a, transposeA, b, transposeB, alpha, beta, actual);
        AssertClose(actual, expected, 1e-5f * MathF.Sqrt(k), "C");
    }

    [Test]
    public void GemmSpanningSeveralColumnAndDepthBlocksMatchesTheReference()
    {
        using var scope = Tensor.Scope();
        var a = Tensor.Rand([19, 600], 4, -1f, 1f);
        var b = Tensor.Rand([600, 2100], 5, -1f, 1f);
        var expected = Tensor.Zeros(19, 2100);
        var actual = Tensor.Zeros(19, 2100);
        OnReference(native => native.MatMul(a, false, b, false, 1f, 0f, expected));
        Managed.MatMul(a, false, b, false, 1f, 0f, actual);
        AssertClose(actual, expected, 1e-4f, "C");
    }

    public static IEnumerable<TestCaseData> OptimizerCases()
    {
        yield return new TestCaseData("sgd", new nn_sgd_params { lr = 0.1 }).SetName("Sgd plain");
        yield return new TestCaseData("sgd", new nn_sgd_params { lr = 0.05, momentum = 0.9, dampening = 0.1, weight_decay = 0.01 }).SetName("Sgd momentum dampening weight decay");
        yield return new TestCaseData("sgd", new nn_sgd_params { lr = 0.05, momentum = 0.9, weight_decay = 1e-3, nesterov = 1 }).SetName("Sgd Nesterov");
        yield return new TestCaseData("adagrad", new nn_adagrad_params { lr = 0.1, eps = 1e-10 }).SetName("Adagrad plain");
        yield return new TestCaseData("adagrad", new nn_adagrad_params { lr = 0.1, lr_decay = 0.01, weight_decay = 0.1, initial_accumulator_value = 0.5, eps = 1e-6 }).SetName("Adagrad every option");
        yield return new TestCaseData("rmsprop", new nn_rmsprop_params { lr = 0.01, alpha = 0.99, eps = 1e-8 }).SetName("RMSprop plain");
        yield return new TestCaseData("rmsprop", new nn_rmsprop_params { lr = 0.01, alpha = 0.9, eps = 1e-8, weight_decay = 0.01, momentum = 0.8 }).SetName("RMSprop momentum weight decay");
        yield return new TestCaseData("rmsprop", new nn_rmsprop_params { lr = 0.01, alpha = 0.9, eps = 1e-8, momentum = 0.5, centered = 1 }).SetName("RMSprop centered momentum");
        yield return new TestCaseData("adam", new nn_adam_params { lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }).SetName("Adam plain");
        yield return new TestCaseData("adam", new nn_adam_params { lr = 1e-2, beta1 = 0.8, beta2 = 0.99, eps = 1e-6, weight_decay = 0.1, amsgrad = 1 }).SetName("Adam amsgrad weight decay");
        yield return new TestCaseData("adamw", new nn_adam_params { lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.05 }).SetName("AdamW");
        yield return new TestCaseData("adamw", new nn_adam_params { lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.05, amsgrad = 1 }).SetName("AdamW amsgrad");
    }

    [TestCaseSource(nameof(OptimizerCases))]
    public void OptimizerStepsEqualTheReferenceBitForBit(string optimizer, object options)
    {
        // 1000 + 13 elements: vector lanes and a scalar tail both run. The formulas and their order
        // are the reference's, without fused multiply-adds, so every bit must agree.
        const long count = 1013;
        using var scope = Tensor.Scope();
        var states = new[] { "reference", "managed" }.ToDictionary(name => name, _ => Enumerable.Range(0, 4).Select(index => Tensor.Zeros(count)).ToArray());
        var parameters = states.ToDictionary(pair => pair.Key, _ => Tensor.Rand([count], 7, -1f, 1f));
        for (var step = 1L; step <= 5; step++)
        {
            var gradient = Tensor.Rand([count], 100 + (ulong)step, -1f, 1f);
            foreach (var (name, buffers) in states)
            {
                void Step(IKernelBackend kernels)
                {
                    var parameter = parameters[name];
                    switch (options)
                    {
                        case nn_sgd_params sgd: kernels.SgdStep(sgd, step, parameter, gradient, buffers[0]); break;
                        case nn_adagrad_params adagrad: kernels.AdagradStep(adagrad, step, parameter, gradient, buffers[0]); break;
                        case nn_rmsprop_params rmsprop: kernels.RmspropStep(rmsprop, step, parameter, gradient, buffers[0], buffers[1], buffers[2]); break;
                        case nn_adam_params adam: kernels.AdamStep(adam, optimizer == "adamw", step, parameter, gradient, buffers[0], buffers[1], buffers[2]); break;
                    }
                }
                if (name == "reference")
                {
                    OnReference(Step);
                }
                else
                {
                    Step(Managed);
                }
            }
            Assert.That(parameters["managed"].ToArray(), Is.EqualTo(parameters["reference"].ToArray()), $"parameter after step {step}");
            for (var buffer = 0; buffer < 3; buffer++)
            {
                Assert.That(states["managed"][buffer].ToArray(), Is.EqualTo(states["reference"][buffer].ToArray()), $"state buffer {buffer} after step {step}");
            }
        }
    }

    [TestCase(0f, 1ul, 37L)]
    [TestCase(0.3f, 1234ul, 1001L)]
    [TestCase(0.5f, 99ul, 300_007L)]
    [TestCase(0.9f, 7ul, 64L)]
    [TestCase(1f, 5ul, 17L)]
    public void DropoutGivesTheNativeMaskForTheSameSeed(float p, ulong seed, long count)
    {
        using var scope = Tensor.Scope();
        var x = Tensor.Rand([count], 3, -1f, 1f);
        var (expectedY, expectedMask, actualY, actualMask) = (Tensor.Zeros(count), Tensor.Zeros(count), Tensor.Zeros(count), Tensor.Zeros(count));
        OnReference(native => native.DropoutForward(x, p, seed, expectedY, expectedMask));
        Managed.DropoutForward(x, p, seed, actualY, actualMask);
        Assert.That(actualMask.ToArray(), Is.EqualTo(expectedMask.ToArray()));
        Assert.That(actualY.ToArray(), Is.EqualTo(expectedY.ToArray()));
        var kept = actualMask.ToArray().Count(value => value != 0f);
        Assert.That((double)kept, Is.EqualTo(count * (1.0 - p)).Within(5 * Math.Sqrt(count) + 1), "kept elements");
    }

    public static IEnumerable<TestCaseData> ConvolutionCases()
    {
        // x shape, weight shape, stride, padding, dilation, groups, output padding (transposed only)
        yield return new TestCaseData(new long[] { 2, 3, 9, 11 }, new long[] { 5, 3, 3, 3 }, (1, 1), (1, 1), (1, 1), 1, (0, 0)).SetName("Conv 3x3 padded");
        yield return new TestCaseData(new long[] { 3, 4, 13, 10 }, new long[] { 6, 2, 3, 2 }, (2, 3), (2, 1), (2, 1), 2, (1, 0)).SetName("Conv groups 2 dilation stride");
        yield return new TestCaseData(new long[] { 1, 6, 8, 8 }, new long[] { 6, 1, 5, 5 }, (2, 2), (2, 2), (1, 1), 6, (1, 1)).SetName("Conv depthwise strided");
        yield return new TestCaseData(new long[] { 5, 7, 6, 5 }, new long[] { 11, 7, 1, 1 }, (1, 1), (0, 0), (1, 1), 1, (0, 0)).SetName("Conv 1x1");
        yield return new TestCaseData(new long[] { 2, 3, 7, 7 }, new long[] { 2, 3, 3, 3 }, (3, 3), (0, 0), (1, 1), 1, (2, 2)).SetName("Conv stride larger than kernel");
        yield return new TestCaseData(new long[] { 2, 2, 4, 5 }, new long[] { 3, 2, 5, 5 }, (1, 1), (2, 2), (1, 1), 1, (0, 0)).SetName("Conv kernel larger than input");
        yield return new TestCaseData(new long[] { 4, 2, 6, 6 }, new long[] { 4, 1, 3, 3 }, (2, 2), (1, 1), (3, 2), 2, (2, 1)).SetName("Conv output padding below dilation");
    }

    [TestCaseSource(nameof(ConvolutionCases))]
    public void ConvolutionAndItsBackwardsMatchTheReference(long[] xShape, long[] weightShape, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, int groups, (int H, int W) outputPadding)
    {
        using var scope = Tensor.Scope();
        var geometry = new nn_conv2d_params
        {
            stride_h = stride.H, stride_w = stride.W, padding_h = padding.H, padding_w = padding.W,
            dilation_h = dilation.H, dilation_w = dilation.W, groups = groups,
        };
        var x = Tensor.Rand(xShape, 11, -1f, 1f);
        var weight = Tensor.Rand(weightShape, 12, -1f, 1f);
        var bias = Tensor.Rand([weightShape[0]], 13, -1f, 1f);
        var yShape = Kernels.Conv2dOutputShape(x, weight, geometry, transposed: false);
        var dy = Tensor.Rand(yShape, 14, -1f, 1f);
        CompareOutputs("conv2d forward", yShape, (kernels, y) => kernels.Conv2dForward(x, weight, bias, geometry, y));
        CompareOutputs("conv2d backward data", xShape, (kernels, dx) => kernels.Conv2dBackwardData(dy, weight, geometry, dx));
        CompareOutputs("conv2d backward weight", weightShape, (kernels, dweight) => kernels.Conv2dBackwardWeight(x, dy, geometry, dweight));
        CompareOutputs("conv2d backward bias", [weightShape[0]], (kernels, dbias) => kernels.BiasBackward(dy, dbias));

        // The same weight read as conv_transpose2d's [Cin, Cout/groups, R, S] over an input shaped like y.
        var transposed = geometry with { output_padding_h = outputPadding.H, output_padding_w = outputPadding.W };
        var tx = Tensor.Rand(yShape, 15, -1f, 1f);
        var tyShape = Kernels.Conv2dOutputShape(tx, weight, transposed, transposed: true);
        var tdy = Tensor.Rand(tyShape, 16, -1f, 1f);
        var tbias = Tensor.Rand([tyShape[1]], 17, -1f, 1f);
        CompareOutputs("conv_transpose2d forward", tyShape, (kernels, y) => kernels.ConvTranspose2dForward(tx, weight, tbias, transposed, y));
        CompareOutputs("conv_transpose2d backward data", yShape, (kernels, dx) => kernels.ConvTranspose2dBackwardData(tdy, weight, transposed, dx));
        CompareOutputs("conv_transpose2d backward weight", weightShape, (kernels, dweight) => kernels.ConvTranspose2dBackwardWeight(tx, tdy, transposed, dweight));
    }

    [Test]
    public void ConvolutionSplitOverThreadsMatchesTheReference()
    {
        // A batch as large as the thread count runs samples in parallel and sums weight gradients per thread.
        using var scope = Tensor.Scope();
        var geometry = new nn_conv2d_params { stride_h = 1, stride_w = 1, padding_h = 1, padding_w = 1, dilation_h = 1, dilation_w = 1, groups = 1 };
        var x = Tensor.Rand([7, 8, 20, 20], 21, -1f, 1f);
        var weight = Tensor.Rand([16, 8, 3, 3], 22, -1f, 1f);
        var dy = Tensor.Rand([7, 16, 20, 20], 23, -1f, 1f);
        var original = Backends.Threads;
        try
        {
            Backends.Threads = 2;
            CompareOutputs("forward", [7, 16, 20, 20], (kernels, y) => kernels.Conv2dForward(x, weight, null, geometry, y));
            CompareOutputs("backward data", [7, 8, 20, 20], (kernels, dx) => kernels.Conv2dBackwardData(dy, weight, geometry, dx));
            CompareOutputs("backward weight", [16, 8, 3, 3], (kernels, dweight) => kernels.Conv2dBackwardWeight(x, dy, geometry, dweight));
        }
        finally
        {
            Backends.Threads = original;
        }
    }

    public static IEnumerable<TestCaseData> PoolingCases()
    {
        // x shape, kernel, stride, padding, ceil mode, count include pad
        yield return new TestCaseData(new long[] { 2, 3, 7, 9 }, (2, 2), (2, 2), (0, 0), false, true).SetName("Pool 2x2");
        yield return new TestCaseData(new long[] { 1, 2, 7, 8 }, (3, 3), (2, 2), (1, 1), true, true).SetName("Pool ceil padded");
        yield return new TestCaseData(new long[] { 2, 1, 6, 6 }, (3, 2), (2, 3), (1, 1), true, false).SetName("Pool ceil without pad count");
        yield return new TestCaseData(new long[] { 1, 1, 5, 5 }, (2, 2), (3, 3), (1, 0), true, false).SetName("Pool stride past the kernel");
    }

    [TestCaseSource(nameof(PoolingCases))]
    public void PoolingAndItsBackwardsMatchTheReference(long[] xShape, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, bool ceilMode, bool countIncludePad)
    {
        using var scope = Tensor.Scope();
        var geometry = new nn_pool2d_params
        {
            kernel_h = kernel.H, kernel_w = kernel.W, stride_h = stride.H, stride_w = stride.W, padding_h = padding.H,
            padding_w = padding.W, ceil_mode = ceilMode ? 1 : 0, count_include_pad = countIncludePad ? 1 : 0,
        };
        // Values from a few levels, so windows hold ties, and one NaN that must win its windows.
        var x = Tensor.Rand(xShape, 31, 0f, 4f);
        var values = x.AsSpan();
        for (var index = 0; index < values.Length; index++)
        {
            values[index] = MathF.Floor(values[index]);
        }
        values[values.Length / 2] = float.NaN;
        var yShape = Kernels.Pool2dOutputShape(x, geometry);
        var dy = Tensor.Rand(yShape, 32, -1f, 1f);
        var (expectedY, expectedIndices) = (Tensor.Zeros(yShape), Tensor.Zeros(yShape, DType.Int64));
        var (actualY, actualIndices) = (Tensor.Zeros(yShape), Tensor.Zeros(yShape, DType.Int64));
        OnReference(native => native.MaxPool2dForward(x, geometry, expectedY, expectedIndices));
        Managed.MaxPool2dForward(x, geometry, actualY, actualIndices);
        Assert.That(actualIndices.ToInt64Array(), Is.EqualTo(expectedIndices.ToInt64Array()), "max indices");
        Assert.That(actualY.ToArray(), Is.EqualTo(expectedY.ToArray()), "max values");
        CompareOutputs("max backward", xShape, (kernels, dx) => kernels.MaxPool2dBackward(dy, expectedIndices, geometry, dx), exact: true);
        values[values.Length / 2] = 1f;
        CompareOutputs("average forward", yShape, (kernels, y) => kernels.AvgPool2dForward(x, geometry, y), exact: true);
        CompareOutputs("average backward", xShape, (kernels, dx) => kernels.AvgPool2dBackward(dy, geometry, dx));
    }

    [TestCase(Reduction.Mean)]
    [TestCase(Reduction.Sum)]
    [TestCase(Reduction.None)]
    public void LossesMatchTheReferenceForEveryReduction(Reduction reduction)
    {
        using var scope = Tensor.Scope();
        // Classes in dim 1 of [N, C, d]: inner positions as well as rows.
        var logits = Tensor.Rand([5, 7, 3], 41, -3f, 3f);
        var targets = Tensor.FromArray(Enumerable.Range(0, 15).Select(index => (long)(index * 5 % 7)).ToArray(), 5, 3);
        var sampleShape = reduction == Reduction.None ? new long[] { 5, 3 } : [1];
        var dloss = Tensor.Rand(sampleShape, 42, 0.5f, 1.5f);
        CompareOutputs("cross-entropy", sampleShape, (kernels, loss) => kernels.CrossEntropyForward(logits, targets, reduction, loss));
        CompareOutputs("cross-entropy backward", [5, 7, 3], (kernels, d) => kernels.CrossEntropyBackward(logits, targets, dloss, reduction, d));
        CompareOutputs("nll", sampleShape, (kernels, loss) => kernels.NllForward(logits, targets, reduction, loss));
        CompareOutputs("nll backward", [5, 7, 3], (kernels, d) => kernels.NllBackward(targets, dloss, reduction, d));

        var probabilities = Tensor.Rand([4, 6], 43, 0f, 1f);
        probabilities.AsSpan()[0] = 0f;
        probabilities.AsSpan()[1] = 1f;
        var labels = Tensor.Rand([4, 6], 44, 0f, 1f);
        var pointwiseShape = reduction == Reduction.None ? new long[] { 4, 6 } : [1];
        var pointwiseGradient = Tensor.Rand(pointwiseShape, 45, 0.5f, 1.5f);
        CompareOutputs("mse", pointwiseShape, (kernels, loss) => kernels.MseForward(probabilities, labels, reduction, loss));
        CompareOutputs("mse backward", [4, 6], (kernels, d) => kernels.MseBackward(probabilities, labels, pointwiseGradient, reduction, d));
        CompareOutputs("bce", pointwiseShape, (kernels, loss) => kernels.BinaryCrossEntropyForward(probabilities, labels, reduction, loss));
        CompareOutputs("bce backward", [4, 6], (kernels, d) => kernels.BinaryCrossEntropyBackward(probabilities, labels, pointwiseGradient, reduction, d));
    }

    [Test]
    public void BadArgumentsGetTheSameExceptionTypesAsNative()
    {
        using var scope = Tensor.Scope();
        var (a, b, output) = (Tensor.Zeros(2, 3), Tensor.Zeros(3, 2), Tensor.Zeros(2, 3));
        var shapes = Assert.Throws<ShapeMismatchException>(() => Managed.Add(a, b, output))!;
        Assert.That(shapes.Message, Does.Contain("float32[2,3]").And.Contain("float32[3,2]"));
        var inner = Assert.Throws<ShapeMismatchException>(() => Managed.MatMul(a, false, a, false, 1f, 0f, Tensor.Zeros(2, 3)))!;
        Assert.That(inner.Message, Does.Contain("inner sizes 3 and 2"));
        var target = Assert.Throws<ArgumentException>(() =>
            Managed.CrossEntropyForward(Tensor.Zeros(2, 3), Tensor.FromArray([0L, 3L], 2), Reduction.Mean, Tensor.Zeros(1)))!;
        Assert.That(target.Message, Does.Contain("targets[1] is 3"));
        var probability = Assert.Throws<ArgumentException>(() => Managed.DropoutForward(a, 1.5f, 1, output, Tensor.Zeros(2, 3)))!;
        Assert.That(probability.Message, Does.Contain("p is 1.5"));
        var groups = new nn_conv2d_params { stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, groups = 2 };
        var conv = Assert.Catch<ArgumentException>(() =>
            Managed.Conv2dForward(Tensor.Zeros(1, 3, 5, 5), Tensor.Zeros(4, 1, 3, 3), null, groups, Tensor.Zeros(1, 4, 3, 3)))!;
        Assert.That(conv.Message, Does.Contain("groups"));
        var step = Assert.Throws<ArgumentException>(() =>
            Managed.SgdStep(new nn_sgd_params { lr = 0.1 }, 0, Tensor.Zeros(3), Tensor.Zeros(3), null))!;
        Assert.That(step.Message, Does.Contain("step is 0"));
    }

    // Runs one kernel on the reference level and on the managed backend into fresh outputs of
    // `shape`, and compares them (bit for bit when `exact`).
    private static void CompareOutputs(string what, long[] shape, Action<IKernelBackend, Tensor> kernel, bool exact = false)
    {
        var expected = Tensor.Full(float.NaN, shape);
        var actual = Tensor.Full(float.NaN, shape);
        OnReference(native => kernel(native, expected));
        kernel(Managed, actual);
        if (exact)
        {
            Assert.That(actual.ToArray(), Is.EqualTo(expected.ToArray()), what);
        }
        else
        {
            AssertClose(actual, expected, 2e-5f, what);
        }
    }
}
