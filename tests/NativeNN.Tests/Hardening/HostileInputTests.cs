// Thousands of seeded calls through the public API with wrong ranks and shapes, zero, negative and
// huge sizes, wrong dtypes and devices, disposed and null arguments, NaN and infinity, and geometry
// PyTorch refuses. Each call must succeed with the result a naive C# reference gives, or throw a
// typed .NET exception whose message names what was wrong; no call may leave a native tensor behind.
using System.Diagnostics;
using NativeNN.NN;
using NativeNN.Optim;

namespace NativeNN.Tests.Hardening;

[NonParallelizable]
public class HostileInputTests
{
    private const int Calls = 12_000;
    private const int Seed = 20_251_123;

    private static readonly (string Name, Action<HostileCall> Run, int Weight)[] Cases =
    [
        ("create", Create, 3),
        ("views", Views, 2),
        ("copies", Copies, 2),
        ("binary", Binary, 3),
        ("unary", Unary, 3),
        ("matmul", MatMulAndLinear, 3),
        ("activation", Activation, 3),
        ("dropout", DropoutCase, 1),
        ("conv2d", Conv2dCase, 4),
        ("conv_transpose2d", ConvTranspose2dCase, 3),
        ("pool", Pool, 4),
        ("class loss", ClassLoss, 3),
        ("pointwise loss", PointwiseLoss, 2),
        ("modules", Modules, 3),
        ("backward", BackwardCase, 3),
        ("optimizer", OptimizerCase, 3),
        ("state dict", StateDict, 2),
        ("devices and settings", DevicesAndSettings, 1),
    ];

    // Every backend this machine runs, the managed one included: its validation is held to the same standard.
    private static IEnumerable<string> Levels() => Backends.All.Select(backend => backend.Name);

    [TestCaseSource(nameof(Levels))]
    public void SeededHostileCallsEndInCorrectResultsOrTypedExceptions(string level) =>
        BackendTests.On(BackendTests.Named(level), RunHostileCalls);

    private static void RunHostileCalls()
    {
        Collect();
        var startBytes = TensorMemory.LiveBytes;
        var startTensors = TensorMemory.LiveTensors;
        var startFinalized = TensorMemory.FinalizedTensors;
        var random = new Random(Seed);
        var schedule = Cases.SelectMany((entry, index) => Enumerable.Repeat(index, entry.Weight)).ToArray();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (var callIndex = 0; callIndex < Calls; callIndex++)
        {
            var (name, run, _) = Cases[schedule[random.Next(schedule.Length)]];
            var call = new HostileCall(new Random(random.Next()));
            var tensorsBefore = TensorMemory.LiveTensors;
            string outcome;
            string? failure = null;
            try
            {
                run(call);
                outcome = "success";
                if (call.MustFail is { } reason)
                {
                    failure = $"succeeded although {reason}";
                }
            }
            catch (Exception error)
            {
                outcome = error.GetType().Name;
                failure = call.Judge(error);
            }
            finally
            {
                call.DisposeAll();
            }
            var leaked = TensorMemory.LiveTensors - tensorsBefore;
            // Only a rise counts: the finalizer may free another test's forgotten tensor meanwhile.
            if (leaked > 0)
            {
                failure ??= $"left {leaked} native tensors alive ({outcome})";
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (failure is not null)
            {
                failures.Add($"call {callIndex} ({name}): {failure}");
            }
        }
        clock.Stop();
        Collect();
        TestContext.Out.WriteLine($"{Calls} calls in {clock.Elapsed.TotalSeconds:F1} s: " +
            string.Join(", ", outcomes.Select(pair => $"{pair.Key} {pair.Value}")));
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(40)));
            Assert.That(TensorMemory.LiveTensors, Is.EqualTo(startTensors), "native tensors alive after the run");
            Assert.That(TensorMemory.LiveBytes, Is.EqualTo(startBytes), "native live bytes after the run");
            Assert.That(TensorMemory.FinalizedTensors, Is.EqualTo(startFinalized), "tensors left to the finalizer");
            Assert.That(outcomes.GetValueOrDefault("success"), Is.GreaterThan(Calls / 5), "enough calls succeed to check results");
        });
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    // ---- operands ----

    private enum Kind { Good, Poisoned, WrongRank, WrongSize, Int64, Disposed, Null }

    private sealed record Operand(Tensor? Tensor, Kind Kind)
    {
        public bool Valid => Kind is Kind.Good or Kind.Poisoned;
        public float[] Values => Tensor!.ToArray();
    }

    // Values N(0,1) from the call's seed; poisoned tensors also hold NaN, +Inf and -Inf.
    private static Tensor Floats(HostileCall call, long[] shape, bool poison = false)
    {
        var tensor = call.Own(Tensor.RandN(shape, (ulong)call.Random.NextInt64()));
        if (poison && tensor.ElementCount > 0)
        {
            var span = tensor.AsSpan();
            foreach (var value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                if (call.Chance(0.6))
                {
                    span[call.Random.Next(span.Length)] = value;
                }
            }
        }
        return tensor;
    }

    // An argument meant to have `shape`: right, or (with probability `hostility`) made wrong in one way.
    private static Operand Argument(HostileCall call, string role, long[] shape, double hostility = 0.25, bool nullable = false,
        bool allowNull = true)
    {
        var kind = !call.Chance(hostility) ? Kind.Good
            : call.Pick(Kind.Poisoned, Kind.Poisoned, Kind.WrongRank, Kind.WrongSize, Kind.Int64, Kind.Disposed, Kind.Null);
        if (kind == Kind.Null && !allowNull)
        {
            kind = Kind.Poisoned;
        }
        switch (kind)
        {
            case Kind.Good:
                return new(Floats(call, shape), kind);
            case Kind.Poisoned:
                return new(Floats(call, shape, poison: true), kind);
            case Kind.WrongRank:
                var rank = shape.Length == 0 ? 1 : call.Chance(0.5) ? shape.Length - 1 : shape.Length + 1;
                var reranked = Enumerable.Range(0, rank).Select(index => index < shape.Length ? shape[index] : 2L).ToArray();
                return new(Floats(call, reranked), kind);
            case Kind.WrongSize when shape.Length > 0:
                var resized = (long[])shape.Clone();
                var dimension = call.Random.Next(resized.Length);
                resized[dimension] += call.Chance(0.5) || resized[dimension] == 0 ? 1 : -1;
                return new(Floats(call, resized), kind);
            case Kind.Int64:
                return new(call.Own(Tensor.Zeros(shape, DType.Int64)), kind);
            case Kind.Disposed:
                var disposed = Tensor.Zeros(shape);
                disposed.Dispose();
                call.MustFail ??= $"{role} was disposed";
                return new(disposed, kind);
            case Kind.Null:
                if (!nullable)
                {
                    call.MustFail ??= $"{role} was null";
                }
                return new(null, kind);
            default:
                return new(Floats(call, shape), Kind.Good);
        }
    }

    private static long Small(HostileCall call) => call.Pick(1L, 1L, 2L, 3L, 4L, 5L, 7L);

    // Shapes that are wrong in a way creation must refuse or survive: too many dimensions, negative or
    // uncountable sizes, zeros; with `huge`, also countable sizes far beyond memory.
    private static long[] HostileShape(HostileCall call, bool huge)
    {
        if (huge && call.Chance(0.08))
        {
            return call.Pick<long[]>([1L << 38], [1L << 20, 1L << 20], [1L << 44], [1L << 45, 3], [1L << 60]);
        }
        var rank = call.Pick(0, 1, 2, 3, 4, 8, 9, 12);
        var shape = new long[rank];
        for (var index = 0; index < rank; index++)
        {
            shape[index] = call.Random.Next(20) switch
            {
                0 => call.Pick(-1L, -7L, long.MinValue),
                1 => call.Pick(1L << 62, long.MaxValue),
                2 => 0,
                _ => call.Random.Next(1, 4),
            };
        }
        return shape;
    }

    private static bool Countable(long[] shape, long maximumElements)
    {
        if (shape.Length > 8 || shape.Any(size => size < 0))
        {
            return false;
        }
        try
        {
            return shape.Aggregate(1L, (product, size) => checked(product * size)) <= maximumElements;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    // ---- cases ----

    private static void Create(HostileCall call)
    {
        call.Mentions("shape", "data", "dtype", "low", "high", "mean", "standardDeviation");
        var shape = HostileShape(call, huge: false);
        var valid = Countable(shape, 1 << 20);
        Tensor created;
        switch (call.Random.Next(8))
        {
            case 0:
                var hugeShape = HostileShape(call, huge: true);
                created = call.Own(Tensor.Zeros(hugeShape));
                Compare.Shape("Zeros", created.Shape, hugeShape);
                if (created.ElementCount <= 4096)
                {
                    Compare.Values("Zeros", created.ToArray(), new float[created.ElementCount]);
                }
                return;
            case 1:
                created = call.Own(Tensor.Ones(shape));
                Compare.Values("Ones", created.ToArray(), Enumerable.Repeat(1f, (int)created.ElementCount).ToArray());
                break;
            case 2:
                var value = call.Pick(float.NaN, float.PositiveInfinity, -0f, 3.5f);
                created = call.Own(Tensor.Full(value, shape));
                Compare.Values("Full", created.ToArray(), Enumerable.Repeat(value, (int)created.ElementCount).ToArray());
                break;
            case 3:
                var dtype = call.Pick(DType.Float32, DType.Int64, (DType)7, (DType)(-1));
                created = call.Own(Tensor.Zeros(call.Chance(0.3) ? HostileShape(call, huge: true) : shape, dtype));
                if (created.DType != dtype)
                {
                    throw new WrongResultException($"Zeros of {dtype} made {created.Description}");
                }
                return;
            case 4:
                var (low, high) = call.Pick((0f, 1f), (1f, 1f), (2f, -2f), (float.NaN, 1f), (-1f, float.PositiveInfinity));
                created = call.Own(Tensor.Rand(shape, 7, low, high));
                if (created.ToArray().Any(sample => !(sample >= low && sample < high)))
                {
                    throw new WrongResultException($"Rand({low}, {high}) gave a sample outside [low, high)");
                }
                break;
            case 5:
                var (mean, deviation) = call.Pick((0f, 1f), (0f, -1f), (float.NaN, 1f), (1f, float.PositiveInfinity), (2f, 0f));
                created = call.Own(Tensor.RandN(shape, 7, mean, deviation));
                if (deviation == 0f && created.ToArray().Any(sample => sample != mean))
                {
                    throw new WrongResultException("RandN with standardDeviation 0 gave a sample other than the mean");
                }
                break;
            case 6:
                var data = Enumerable.Range(0, call.Random.Next(0, 30)).Select(index => index * 0.5f).ToArray();
                created = call.Own(Tensor.FromArray(call.Chance(0.1) ? null! : data, shape));
                Compare.Values("FromArray", created.ToArray(), data);
                break;
            default:
                var labels = Enumerable.Range(0, call.Random.Next(0, 30)).Select(index => (long)index - 3).ToArray();
                created = call.Own(Tensor.FromArray(labels, call.Chance(0.1) ? null! : shape));
                if (!created.ToInt64Array().SequenceEqual(labels))
                {
                    throw new WrongResultException("FromArray(long[]) changed the values");
                }
                break;
        }
        if (!valid)
        {
            throw new WrongResultException($"created a tensor of shape [{string.Join(",", shape)}]");
        }
        Compare.Shape("created", created.Shape, shape);
    }

    private static void Views(HostileCall call)
    {
        call.Mentions("requested", "newShape", "shape", "dimension", "startDimension", "endDimension", "reshape", "flatten");
        var shape = Enumerable.Range(0, call.Random.Next(0, 5)).Select(_ => call.Pick(0L, 1L, 2L, 3L, 4L)).ToArray();
        var tensor = Argument(call, "tensor", shape, hostility: 0.15, allowNull: false).Tensor!;
        shape = tensor.Shape.ToArray();
        switch (call.Random.Next(4))
        {
            case 0:
                var target = call.Chance(0.5)
                    ? shape.Reverse().ToArray()
                    : Enumerable.Range(0, call.Random.Next(0, 10)).Select(_ => call.Pick(-1L, -2L, 0L, 1L, 2L, 3L, 6L, 1L << 62)).ToArray();
                var values = tensor.DType == DType.Float32 && !tensor.IsDisposed ? tensor.ToArray() : null;
                var view = call.Own(tensor.Reshape(call.Chance(0.05) ? null! : target));
                if (view.ElementCount != tensor.ElementCount || (values is not null && !view.ToArray().SequenceEqual(values, NaNEqual.Instance)))
                {
                    throw new WrongResultException($"Reshape to [{string.Join(",", target)}] changed the elements");
                }
                break;
            case 1:
                var (start, end) = (call.Random.Next(-6, 6), call.Random.Next(-6, 6));
                var flat = call.Own(tensor.Flatten(start, end));
                if (flat.ElementCount != tensor.ElementCount)
                {
                    throw new WrongResultException("Flatten changed the element count");
                }
                break;
            case 2:
                // Shape, Rank and Size stay readable after Dispose, as Description does for messages.
                call.MustFail = null;
                var dimension = call.Random.Next(-6, 6);
                var size = tensor.Size(dimension);
                if (size != shape[dimension < 0 ? dimension + shape.Length : dimension])
                {
                    throw new WrongResultException($"Size({dimension}) is {size}");
                }
                break;
            default:
                var copy = call.Own(call.Chance(0.5) ? tensor.Clone() : tensor.Detach());
                Compare.Shape("Clone", copy.Shape, shape);
                break;
        }
    }

    private static void Copies(HostileCall call)
    {
        call.Mentions("source", "destination", "ToArray", "ToInt64Array", "AsSpan", "AsInt64Span", "CopyFrom", "Fill", "CopyTo");
        var shape = new[] { Small(call), Small(call) };
        var tensor = Argument(call, "tensor", shape, hostility: 0.3, allowNull: false).Tensor!;
        shape = tensor.Shape.ToArray();
        var count = Math.Max(0, (int)tensor.ElementCount + call.Pick(0, 0, 0, 1, -1));
        switch (call.Random.Next(7))
        {
            case 0:
                var data = Enumerable.Range(0, count).Select(index => (float)index).ToArray();
                tensor.CopyFrom(data);
                Compare.Values("CopyFrom", tensor.ToArray(), data);
                break;
            case 1:
                var labels = Enumerable.Range(0, count).Select(index => (long)index).ToArray();
                tensor.CopyFrom(labels);
                if (!tensor.ToInt64Array().SequenceEqual(labels))
                {
                    throw new WrongResultException("CopyFrom(long[]) changed the values");
                }
                break;
            case 2:
                var destination = new float[count];
                tensor.CopyTo(destination);
                Compare.Values("CopyTo", destination, tensor.ToArray());
                break;
            case 3:
                var other = Argument(call, "other", call.Chance(0.7) ? shape : [tensor.ElementCount], hostility: 0.4);
                tensor.CopyFrom(other.Tensor!);
                if (tensor.DType == DType.Float32)
                {
                    Compare.Values("CopyFrom(Tensor)", tensor.ToArray(), other.Values);
                }
                break;
            case 4:
                var value = call.Pick(float.NaN, 2f);
                tensor.Fill(value);
                Compare.Values("Fill", tensor.ToArray(), Enumerable.Repeat(value, (int)tensor.ElementCount).ToArray());
                break;
            case 5:
                tensor.Fill(-5L);
                if (tensor.ToInt64Array().Any(label => label != -5L))
                {
                    throw new WrongResultException("Fill(long) missed an element");
                }
                break;
            default:
                _ = call.Chance(0.5) ? tensor.AsSpan().Length : tensor.AsInt64Span().Length;
                _ = tensor.ToString();
                break;
        }
    }

    private static bool IsFloat(Tensor? tensor) => tensor is { DType: DType.Float32, IsDisposed: false };

    private static void Binary(HostileCall call)
    {
        call.Mentions("Add", "Sub", "Mul", "other", "a", "b", "x");
        var shape = Enumerable.Range(0, call.Random.Next(1, 4)).Select(_ => Small(call)).ToArray();
        var left = Argument(call, "left operand", shape, hostility: 0.2, allowNull: false).Tensor!;
        var right = Argument(call, "right operand", shape.Length >= 2 && call.Chance(0.2) ? [shape[1]] : shape, hostility: 0.3).Tensor;
        var operation = call.Random.Next(3);
        var result = call.Own(operation switch
        {
            0 => call.Chance(0.5) ? left.Add(right!) : left + right!,
            1 => call.Chance(0.5) ? left.Sub(right!) : left - right!,
            _ => call.Chance(0.5) ? left.Mul(right!) : left * right!,
        });
        var same = left.Shape.SequenceEqual(right!.Shape);
        var bias = !same && operation == 0 && right.Rank == 1 && left.Rank >= 2 && right.Shape[0] == left.Shape[1];
        if (!IsFloat(left) || !IsFloat(right) || !(same || bias))
        {
            throw new WrongResultException($"accepted {left.Description} and {right.Description}");
        }
        var (a, b) = (left.ToArray(), right.ToArray());
        var channels = bias ? (int)left.Shape[1] : 1;
        var inner = bias ? a.Length / (int)(left.Shape[0] * channels) : 1;
        var expected = new float[a.Length];
        for (var index = 0; index < a.Length; index++)
        {
            var other = bias ? b[index / inner % channels] : b[index];
            expected[index] = operation switch { 0 => a[index] + other, 1 => a[index] - other, _ => a[index] * other };
        }
        Compare.Values("binary", result.ToArray(), expected, 0f);
    }

    private static void Unary(HostileCall call)
    {
        call.Mentions("x", "Scale", "AddScalar", "Exp", "Log", "Square", "Sum", "Mean", "Transpose", "result", "y");
        var shape = Enumerable.Range(0, call.Random.Next(0, 4)).Select(_ => call.Pick(0L, 1L, 2L, 3L, 5L)).ToArray();
        var x = Argument(call, "x", shape, hostility: 0.3, allowNull: false).Tensor!;
        var factor = call.Pick(2f, -0.5f, 0f, float.NaN, float.PositiveInfinity);
        var operation = call.Random.Next(10);
        var result = call.Own(operation switch
        {
            0 => x.Scale(factor),
            1 => x.AddScalar(factor),
            2 => x.Exp(),
            3 => x.Log(),
            4 => x.Square(),
            5 => x.Sum(),
            6 => x.Mean(),
            7 => x.Transpose(),
            8 => -x,
            _ => x / 0f,
        });
        if (!IsFloat(x) || (operation == 7 && x.Rank != 2))
        {
            throw new WrongResultException($"accepted {x.Description}");
        }
        var values = x.ToArray();
        float[] expected = operation switch
        {
            0 => values.Select(value => value * factor).ToArray(),
            1 => values.Select(value => value + factor).ToArray(),
            2 => values.Select(value => MathF.Exp(value)).ToArray(),
            3 => values.Select(value => MathF.Log(value)).ToArray(),
            4 => values.Select(value => value * value).ToArray(),
            5 => [(float)values.Sum(value => (double)value)],
            6 => [(float)values.Average(value => (double)value)],
            7 => Transposed(values, x.Shape),
            8 => values.Select(value => -value).ToArray(),
            _ => values.Select(value => value * float.PositiveInfinity).ToArray(),
        };
        Compare.Values("unary", result.ToArray(), expected);
    }

    private static float[] Transposed(float[] values, ReadOnlySpan<long> shape)
    {
        var (rows, columns) = ((int)shape[0], (int)shape[1]);
        var result = new float[values.Length];
        for (var row = 0; row < rows; row++)
        for (var column = 0; column < columns; column++)
        {
            result[column * rows + row] = values[row * columns + column];
        }
        return result;
    }

    private static void MatMulAndLinear(HostileCall call)
    {
        call.Mentions("this", "other", "input", "weight", "bias", "MatMul", "Linear", "a", "b", "c");
        var (m, k, n) = (call.Pick(0L, 1L, 2L, 3L, 5L), Small(call), Small(call));
        var linear = call.Chance(0.5);
        var left = Argument(call, "input", [m, k], hostility: 0.25, allowNull: linear).Tensor;
        var right = Argument(call, "weight", linear ? [n, k] : [k, n], hostility: 0.25).Tensor;
        var bias = linear && call.Chance(0.6) ? Argument(call, "bias", [n], hostility: 0.25, nullable: true).Tensor : null;
        var result = call.Own(linear ? F.Linear(left!, right!, bias) : left!.MatMul(right!));
        var legal = IsFloat(left) && IsFloat(right) && left!.Rank == 2 && right!.Rank == 2 &&
            left.Shape[1] == right.Shape[linear ? 1 : 0] && (bias is null || (IsFloat(bias) && bias.Rank == 1 && bias.Shape[0] == right.Shape[0]));
        if (!legal)
        {
            throw new WrongResultException($"accepted {left?.Description}, {right?.Description}, {bias?.Description}");
        }
        var columns = (int)right!.Shape[linear ? 0 : 1];
        var weight = linear ? Transposed(right.ToArray(), right.Shape) : right.ToArray();
        var expected = References.MatMul(left!.ToArray(), weight, (int)left.Shape[0], (int)left.Shape[1], columns);
        if (bias is not null)
        {
            var b = bias.ToArray();
            for (var index = 0; index < expected.Length; index++)
            {
                expected[index] += b[index % columns];
            }
        }
        Compare.Values(linear ? "Linear" : "MatMul", result.ToArray(), expected);
    }

    private static void Activation(HostileCall call)
    {
        call.Mentions("input", "x", "dimension", "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax");
        var shape = Enumerable.Range(0, call.Random.Next(0, 5)).Select(_ => call.Pick(0L, 1L, 2L, 3L)).ToArray();
        var input = Argument(call, "input", shape, hostility: 0.35).Tensor;
        var operation = call.Random.Next(7);
        var dimension = call.Pick(1, 1, -1, 0, 2, 5, -7);
        var parameter = call.Pick(0.1f, 0f, -2f, float.NaN);
        var result = call.Own(operation switch
        {
            0 => F.Relu(input!),
            1 => F.LeakyRelu(input!, parameter),
            2 => F.Elu(input!, parameter),
            3 => F.Sigmoid(input!),
            4 => F.Tanh(input!),
            5 => F.Softmax(input!, dimension),
            _ => F.LogSoftmax(input!, dimension),
        });
        var softmaxLegal = input!.Rank >= 2 && (dimension < 0 ? dimension + input.Rank : dimension) == 1;
        if (!IsFloat(input) || (operation >= 5 && !softmaxLegal))
        {
            throw new WrongResultException($"accepted {input.Description} (dimension {dimension})");
        }
        var values = input.ToArray();
        float[] expected = operation switch
        {
            // torch.relu(nan) is nan: clamp_min propagates NaN.
            0 => values.Select(value => value > 0 || float.IsNaN(value) ? value : 0f).ToArray(),
            1 => values.Select(value => value > 0 ? value : value * parameter).ToArray(),
            2 => values.Select(value => value > 0 ? value : parameter * (MathF.Exp(value) - 1)).ToArray(),
            3 => values.Select(value => 1f / (1f + MathF.Exp(-value))).ToArray(),
            4 => values.Select(value => MathF.Tanh(value)).ToArray(),
            _ => References.Softmax(values, input.Shape.ToArray(), log: operation == 6),
        };
        Compare.Values("activation", result.ToArray(), expected, 1e-4f);
    }

    private static void DropoutCase(HostileCall call)
    {
        call.Mentions("p", "input", "x", "y");
        var input = Argument(call, "input", [Small(call), Small(call)], hostility: 0.3).Tensor;
        var p = call.Pick(0f, 0.5f, 1f, -0.1f, 1.5f, float.NaN);
        var training = call.Chance(0.8);
        var output = F.Dropout(input!, p, training, seed: 11);
        if (!ReferenceEquals(output, input))
        {
            call.Own(output);
        }
        if (!(p >= 0f && p <= 1f) || !IsFloat(input) && !(input is { IsDisposed: false } && ReferenceEquals(output, input)))
        {
            throw new WrongResultException($"Dropout accepted p={p} and {input?.Description}");
        }
        if (!IsFloat(input))
        {
            return;
        }
        var values = input!.ToArray();
        var result = output.ToArray();
        for (var index = 0; index < values.Length; index++)
        {
            // PyTorch multiplies by the mask, so a dropped NaN or infinity becomes NaN, not 0.
            var kept = !training || p == 0f ? values[index] : values[index] / (1f - p);
            var dropped = values[index] * 0f;
            if (!(result[index].Equals(dropped) || result[index].Equals(kept) || Math.Abs(result[index] - kept) <= 1e-5f * Math.Abs(kept)))
            {
                throw new WrongResultException($"Dropout(p={p}) gave {result[index]} for {values[index]}");
            }
        }
    }

    private static (int, int) Pair(HostileCall call, params int[] choices)
    {
        var first = call.Pick(choices);
        return call.Chance(0.8) ? (first, first) : (first, call.Pick(choices));
    }

    private static bool Positive((int, int) pair) => pair.Item1 > 0 && pair.Item2 > 0;

    private static bool NotNegative((int, int) pair) => pair.Item1 >= 0 && pair.Item2 >= 0;

    private static readonly string[] GeometryNames =
    [
        "input", "x", "weight", "bias", "stride", "stride_h", "stride_w", "padding", "padding_h", "padding_w", "dilation",
        "dilation_h", "dilation_w", "groups", "kernel", "kernel_h", "kernel_w", "kernel_height", "kernel_width", "channels",
        "in_channels", "out_channels", "output_padding", "output_padding_h", "output_padding_w", "outputPadding", "height", "width",
        "in_height", "in_width", "y", "batch", "kernelSize",
    ];

    private static void Conv2dCase(HostileCall call)
    {
        call.Mentions(GeometryNames);
        var groups = call.Pick(1, 1, 1, 2, 3, 0, -1);
        var channels = call.Pick(1L, 2L, 3L, 4L, 6L);
        var outChannels = call.Pick(1L, 2L, 3L, 4L, 6L);
        var (kh, kw) = Pair(call, 1, 2, 3, 5, 0);
        var stride = Pair(call, 1, 1, 2, 3, 0, -1);
        var padding = Pair(call, 0, 0, 1, 2, 4, -1);
        var dilation = Pair(call, 1, 1, 2, 0, -2);
        var groupsDivide = groups > 0 && channels % groups == 0;
        var x = Argument(call, "input", [call.Pick(0L, 1L, 2L), channels, call.Pick(1L, 2L, 4L, 5L, 7L), call.Pick(1L, 3L, 4L, 6L)],
            hostility: 0.2).Tensor;
        var weight = Argument(call, "weight", [outChannels, groupsDivide ? channels / groups : channels, kh, kw], hostility: 0.2).Tensor;
        var bias = call.Chance(0.5) ? Argument(call, "bias", [outChannels], hostility: 0.2, nullable: true).Tensor : null;
        var result = call.Own(F.Conv2d(x!, weight!, bias, stride, padding, dilation, groups));
        var legal = IsFloat(x) && IsFloat(weight) && x!.Rank == 4 && weight!.Rank == 4 && groups > 0 && Positive(stride) &&
            NotNegative(padding) && Positive(dilation) && weight.Shape[1] >= 1 && weight.Shape[1] * groups == x.Shape[1] &&
            weight.Shape[0] >= 1 && weight.Shape[0] % groups == 0 && weight.Shape[2] >= 1 && weight.Shape[3] >= 1 &&
            dilation.Item1 * (weight.Shape[2] - 1) + 1 <= x.Shape[2] + 2 * padding.Item1 &&
            dilation.Item2 * (weight.Shape[3] - 1) + 1 <= x.Shape[3] + 2 * padding.Item2 &&
            (bias is null || (IsFloat(bias) && bias.Rank == 1 && bias.Shape[0] == weight.Shape[0]));
        if (!legal)
        {
            throw new WrongResultException($"Conv2d accepted x {x?.Description} weight {weight?.Description} bias {bias?.Description} " +
                $"stride {stride} padding {padding} dilation {dilation} groups {groups}");
        }
        var what = $"Conv2d of x {x!.Description} weight {weight!.Description} stride {stride} padding {padding} dilation {dilation} groups {groups}";
        var (xValues, weightValues, biasValues) = (x.ToArray(), weight.ToArray(), bias?.ToArray());
        var expected = References.Conv2d(xValues, x.Shape.ToArray(), weightValues, weight.Shape.ToArray(), biasValues, stride, padding, dilation,
            groups, multiplyPadding: false, out var expectedShape);
        Compare.Shape(what, result.Shape, expectedShape);
        try
        {
            Compare.Values(what, result.ToArray(), expected, 1e-3f);
        }
        catch (WrongResultException) when (weightValues.Any(value => !float.IsFinite(value)))
        {
            var multiplied = References.Conv2d(xValues, x.Shape.ToArray(), weightValues, weight.Shape.ToArray(), biasValues, stride, padding,
                dilation, groups, multiplyPadding: true, out _);
            Compare.Values(what + " (padding multiplied)", result.ToArray(), multiplied, 1e-3f);
        }
    }

    private static void ConvTranspose2dCase(HostileCall call)
    {
        call.Mentions(GeometryNames);
        var groups = call.Pick(1, 1, 1, 2, 0, -1);
        var inChannels = call.Pick(1L, 2L, 4L);
        var (kh, kw) = Pair(call, 1, 2, 3, 0);
        var stride = Pair(call, 1, 2, 3, 0);
        var padding = Pair(call, 0, 0, 1, 2, -1);
        var outputPadding = Pair(call, 0, 0, 0, 1, 2, -1);
        var dilation = Pair(call, 1, 1, 2, 0);
        var x = Argument(call, "input", [call.Pick(0L, 1L, 2L), inChannels, call.Pick(1L, 2L, 3L), call.Pick(1L, 2L, 4L)], hostility: 0.2).Tensor;
        var weight = Argument(call, "weight", [inChannels, call.Pick(1L, 2L, 3L), kh, kw], hostility: 0.2).Tensor;
        var bias = call.Chance(0.5)
            ? Argument(call, "bias", [(weight?.Shape.Length == 4 ? weight.Shape[1] : 1) * Math.Max(groups, 1)], hostility: 0.2, nullable: true).Tensor
            : null;
        var result = call.Own(F.ConvTranspose2d(x!, weight!, bias, stride, padding, outputPadding, dilation, groups));
        static long Extent(long input, long kernel, int s, int p, int op, int d) => (input - 1) * s - 2 * p + d * (kernel - 1) + op + 1;
        var legal = IsFloat(x) && IsFloat(weight) && x!.Rank == 4 && weight!.Rank == 4 && groups > 0 && Positive(stride) &&
            NotNegative(padding) && Positive(dilation) && NotNegative(outputPadding) &&
            (outputPadding.Item1 < stride.Item1 || outputPadding.Item1 < dilation.Item1) &&
            (outputPadding.Item2 < stride.Item2 || outputPadding.Item2 < dilation.Item2) &&
            x.Shape[1] >= 1 && x.Shape[1] == weight.Shape[0] && x.Shape[1] % groups == 0 && weight.Shape[1] >= 1 &&
            x.Shape[2] >= 1 && x.Shape[3] >= 1 && weight.Shape[2] >= 1 && weight.Shape[3] >= 1 &&
            Extent(x.Shape[2], weight.Shape[2], stride.Item1, padding.Item1, outputPadding.Item1, dilation.Item1) >= 1 &&
            Extent(x.Shape[3], weight.Shape[3], stride.Item2, padding.Item2, outputPadding.Item2, dilation.Item2) >= 1 &&
            (bias is null || (IsFloat(bias) && bias.Rank == 1 && bias.Shape[0] == weight.Shape[1] * groups));
        if (!legal)
        {
            throw new WrongResultException($"ConvTranspose2d accepted x {x?.Description} weight {weight?.Description} bias {bias?.Description} " +
                $"stride {stride} padding {padding} outputPadding {outputPadding} dilation {dilation} groups {groups}");
        }
        var expected = References.ConvTranspose2d(x!.ToArray(), x.Shape.ToArray(), weight!.ToArray(), weight.Shape.ToArray(), bias?.ToArray(),
            stride, padding, outputPadding, dilation, groups, out var expectedShape);
        Compare.Shape("ConvTranspose2d", result.Shape, expectedShape);
        Compare.Values("ConvTranspose2d", result.ToArray(), expected, 1e-3f);
    }

    private static void Pool(HostileCall call)
    {
        call.Mentions(GeometryNames);
        var max = call.Chance(0.5);
        var kernel = Pair(call, 1, 2, 3, 4, 0, -1);
        var stride = call.Chance(0.3) ? kernel : Pair(call, 1, 2, 3, 0, -2);
        var padding = Pair(call, 0, 0, 1, 2, -1);
        var ceilMode = call.Chance(0.3);
        var countIncludePad = call.Chance(0.7);
        var x = Argument(call, "input", [call.Pick(0L, 1L, 2L), call.Pick(0L, 1L, 3L), call.Pick(1L, 2L, 3L, 5L, 8L), call.Pick(1L, 2L, 4L, 7L)],
            hostility: 0.25).Tensor;
        var result = call.Own(max
            ? F.MaxPool2d(x!, kernel, call.Chance(0.3) && stride == kernel ? null : stride, padding, ceilMode)
            : F.AvgPool2d(x!, kernel, stride, padding, ceilMode, countIncludePad));
        // PyTorch: kernel and stride positive, 0 <= padding <= kernel / 2, C, H, W and the output at least 1.
        var legal = IsFloat(x) && x!.Rank == 4 && x.Shape[1] >= 1 && x.Shape[2] >= 1 && x.Shape[3] >= 1 && Positive(kernel) &&
            Positive(stride) && NotNegative(padding) && padding.Item1 <= kernel.Item1 / 2 && padding.Item2 <= kernel.Item2 / 2 &&
            References.PoolSize((int)x.Shape[2], kernel.Item1, stride.Item1, padding.Item1, ceilMode) >= 1 &&
            References.PoolSize((int)x.Shape[3], kernel.Item2, stride.Item2, padding.Item2, ceilMode) >= 1;
        if (!legal)
        {
            throw new WrongResultException($"pooling accepted x {x?.Description} kernel {kernel} stride {stride} padding {padding} ceil {ceilMode}");
        }
        var expected = References.Pool2d(max, x!.ToArray(), x.Shape.ToArray(), kernel, stride, padding, ceilMode, countIncludePad,
            out var expectedShape);
        Compare.Shape(max ? "MaxPool2d" : "AvgPool2d", result.Shape, expectedShape);
        Compare.Values(max ? "MaxPool2d" : "AvgPool2d", result.ToArray(), expected, 1e-5f);
    }

    private static void ClassLoss(HostileCall call)
    {
        call.Mentions("logits", "input", "targets", "target", "reduction", "loss");
        var crossEntropy = call.Chance(0.6);
        var (batch, classes) = (call.Pick(0L, 1L, 3L, 4L), call.Pick(1L, 2L, 5L));
        long[] spatial = call.Chance(0.2) ? [2L] : [];
        var scores = Argument(call, "input", [batch, classes, .. spatial], hostility: 0.2).Tensor;
        var reduction = call.Pick(Reduction.Mean, Reduction.Sum, Reduction.None, (Reduction)9);
        var badTarget = call.Random.Next(8);
        Tensor? targets = badTarget switch
        {
            0 => call.Own(Tensor.Zeros([batch, .. spatial])),
            1 => call.Own(Tensor.Zeros([batch + 1, .. spatial], DType.Int64)),
            2 => null,
            _ => call.Own(Tensor.Zeros([batch, .. spatial], DType.Int64)),
        };
        if (targets is null)
        {
            call.MustFail ??= "targets was null";
        }
        if (badTarget >= 3 && targets!.ElementCount > 0)
        {
            var labels = targets.AsInt64Span();
            for (var index = 0; index < labels.Length; index++)
            {
                labels[index] = call.Random.NextInt64(classes);
            }
            if (badTarget == 3)
            {
                labels[call.Random.Next(labels.Length)] = call.Pick(-1L, classes, long.MaxValue, long.MinValue);
            }
        }
        var loss = call.Own(crossEntropy ? F.CrossEntropy(scores!, targets!, reduction) : F.NllLoss(scores!, targets!, reduction));
        var legal = IsFloat(scores) && scores!.Rank >= 2 && targets is { DType: DType.Int64 } && Enum.IsDefined(reduction) &&
            targets.Shape.SequenceEqual(scores.Shape.ToArray().Where((_, dimension) => dimension != 1).ToArray()) &&
            targets.ToInt64Array().All(label => label >= 0 && label < scores.Shape[1]);
        if (!legal)
        {
            throw new WrongResultException($"accepted scores {scores?.Description}, targets {targets?.Description}, reduction {reduction}");
        }
        var losses = References.ClassLoss(scores!.ToArray(), scores.Shape.ToArray(), targets!.ToInt64Array(), crossEntropy);
        Compare.Values(crossEntropy ? "CrossEntropy" : "NllLoss", loss.ToArray(), References.Reduce(losses, reduction), 1e-4f);
    }

    private static void PointwiseLoss(HostileCall call)
    {
        call.Mentions("input", "x", "target", "reduction", "loss", "probabilities");
        var mse = call.Chance(0.5);
        var shape = Enumerable.Range(0, call.Random.Next(0, 3)).Select(_ => call.Pick(0L, 1L, 3L)).ToArray();
        var input = Argument(call, "input", shape, hostility: 0.2).Tensor;
        var target = Argument(call, "target", shape, hostility: 0.2).Tensor;
        var reduction = call.Pick(Reduction.Mean, Reduction.Sum, Reduction.None, (Reduction)(-3));
        if (!mse && IsFloat(input) && call.Chance(0.7))
        {
            // Probabilities: squash finite values into (0, 1); the poison stays.
            var span = input!.AsSpan();
            for (var index = 0; index < span.Length; index++)
            {
                span[index] = float.IsFinite(span[index]) ? 1f / (1f + MathF.Exp(-span[index])) : span[index];
            }
            if (IsFloat(target))
            {
                target!.Fill(0.25f);
            }
        }
        var loss = call.Own(mse ? F.MseLoss(input!, target!, reduction) : F.BinaryCrossEntropy(input!, target!, reduction));
        var legal = IsFloat(input) && IsFloat(target) && input!.Shape.SequenceEqual(target!.Shape) && Enum.IsDefined(reduction) &&
            (mse || input.ToArray().All(value => value >= 0f && value <= 1f));
        if (!legal)
        {
            throw new WrongResultException($"accepted input {input?.Description}, target {target?.Description}, reduction {reduction}");
        }
        var (x, y) = (input!.ToArray(), target!.ToArray());
        var losses = x.Select((value, index) => mse
            ? (value - y[index]) * (value - y[index])
            : -(y[index] * Math.Max(MathF.Log(value), -100f) + (1 - y[index]) * Math.Max(MathF.Log(1 - value), -100f))).ToArray();
        Compare.Values(mse ? "MseLoss" : "BinaryCrossEntropy", loss.ToArray(), References.Reduce(losses, reduction), 1e-4f);
    }

    private static void Modules(HostileCall call)
    {
        call.Mentions([.. GeometryNames, "inFeatures", "outFeatures", "inChannels", "outChannels", "p", "module", "modules", "target",
            "Forward", "features", "shape", "Linear", "Flatten"]);
        // Sizes stay far below memory or far above the allocator's limit: a layer a machine could
        // just hold would be filled with random values here, which costs minutes, not a check.
        var (inFeatures, outFeatures) = call.Pick((3, 2), (0, 2), (-2, 2), (3, -1), (1 << 30, 1 << 20), (int.MaxValue, int.MaxValue));
        Module module = call.Random.Next(8) switch
        {
            0 => call.Own(new Linear(inFeatures, outFeatures)),
            1 => call.Own(new Conv2d(call.Pick(1, 2, 0), call.Pick(2, 4, -3), kernelSize: call.Pick(1, 2, 3, 0, -1),
                stride: call.Pick(1, 2, 0), padding: call.Pick(0, 1, -1), groups: call.Pick(1, 2, 0))),
            2 => call.Own(new ConvTranspose2d(call.Pick(1, 2, 0), call.Pick(2, 3), kernelSize: call.Pick(1, 2, 0), groups: call.Pick(1, 2, 0))),
            3 => call.Own(new MaxPool2d(call.Pick(1, 2, 0, -1), padding: call.Pick(0, 1, 2))),
            4 => call.Own(new Dropout(call.Pick(0.5f, -1f, float.NaN, 2f))),
            5 => call.Own(new Sequential(call.Chance(0.2) ? null! : new Linear(3, 2), new ReLU())),
            6 => call.Own(new MSELoss()),
            _ => call.Own(new Sequential(new Flatten(), new Linear(3, 2))),
        };
        var input = Argument(call, "input", [2, call.Pick(1L, 2L, 3L), call.Pick(1L, 3L), call.Pick(1L, 3L)], hostility: 0.2).Tensor;
        if (call.Chance(0.1) && module.Parameters().Any())
        {
            module.Dispose();
            call.MustFail ??= "the module was disposed";
        }
        if (call.Chance(0.3))
        {
            module.Eval();
        }
        // A Sequential's intermediate results belong to the caller's scope, as in a training step.
        Tensor output;
        using (Tensor.Scope())
        {
            output = module.Forward(input!);
        }
        if (!IsFloat(input) && !(module is Dropout && ReferenceEquals(output, input)))
        {
            throw new WrongResultException($"{module.GetType().Name} accepted {input?.Description}");
        }
    }

    private static void BackwardCase(HostileCall call)
    {
        call.Mentions("Backward", "gradient", "RequiresGrad", "retainGraph", "input", "output", "operand", "x");
        var shape = new[] { Small(call), Small(call) };
        var x = Floats(call, shape);
        x.RequiresGrad = call.Chance(0.9);
        var squared = call.Own(x * x);
        var scaled = call.Own(squared * 3f);
        var loss = call.Own(scaled.Sum());
        var passes = 1;
        switch (call.Random.Next(7))
        {
            case 0:
                x.Dispose();
                call.MustFail ??= "a tensor saved for backward was disposed";
                loss.Backward();
                return;
            case 1:
                loss.Backward();
                loss.Backward();
                throw new WrongResultException("a second Backward through a released graph succeeded");
            case 2:
                scaled.Backward();
                if (scaled.ElementCount != 1)
                {
                    throw new WrongResultException($"Backward() of {scaled.Description} succeeded");
                }
                break;
            case 3:
                var gradient = call.Own(call.Chance(0.5) ? Tensor.Ones(shape[1], shape[0]) : Tensor.Zeros(shape, DType.Int64));
                scaled.Backward(gradient);
                if (!gradient.Shape.SequenceEqual(scaled.Shape) || gradient.DType != DType.Float32)
                {
                    throw new WrongResultException($"Backward({gradient.Description}) of {scaled.Description} succeeded");
                }
                break;
            case 4:
                scaled.Backward(null!);
                throw new WrongResultException("Backward(null) succeeded");
            case 5:
                call.Own(Tensor.Zeros(shape, DType.Int64)).RequiresGrad = true;
                throw new WrongResultException("an int64 tensor accepted RequiresGrad");
            default:
                var retain = call.Chance(0.5);
                loss.Backward(retainGraph: retain);
                if (retain)
                {
                    loss.Backward();
                    passes = 2;
                }
                break;
        }
        if (!x.RequiresGrad)
        {
            throw new WrongResultException("Backward succeeded although nothing requires a gradient");
        }
        Compare.Values("x.Grad", x.Grad!.ToArray(), x.ToArray().Select(value => passes * 6f * value).ToArray());
    }

    private static void OptimizerCase(HostileCall call)
    {
        call.Mentions("parameters", "lr", "momentum", "dampening", "weight_decay", "nesterov", "eps", "beta1", "beta2", "alpha",
            "lr_decay", "initial_accumulator_value", "value", "learning rate", "Step", "param", "grad", "optimizer");
        var parameter = Floats(call, [3]);
        parameter.RequiresGrad = true;
        var hostile = call.Chance(0.4);
        double Hyper(double good) => hostile && call.Chance(0.4) ? call.Pick(-0.5, double.NaN, double.PositiveInfinity, 1.5) : good;
        var kind = call.Random.Next(5);
        IEnumerable<Tensor> parameters = call.Random.Next(12) switch
        {
            0 => null!,
            1 => [],
            2 => [parameter, null!],
            3 => [call.Own(Tensor.Zeros([3], DType.Int64))],
            _ => [parameter],
        };
        var optimizer = call.Own<Optimizer>(kind switch
        {
            0 => new SGD(parameters, Hyper(0.1), momentum: Hyper(0.9), dampening: call.Pick(0, 0, 0.5, double.NaN),
                weightDecay: Hyper(0), nesterov: call.Chance(0.2)),
            1 => new Adam(parameters, Hyper(0.1), beta1: Hyper(0.9), beta2: Hyper(0.999), eps: Hyper(1e-8), weightDecay: Hyper(0)),
            2 => new AdamW(parameters, Hyper(0.1), beta1: Hyper(0.9), eps: Hyper(1e-8)),
            3 => new RMSprop(parameters, Hyper(0.1), alpha: Hyper(0.99), eps: Hyper(1e-8), momentum: Hyper(0)),
            _ => new Adagrad(parameters, Hyper(0.1), lrDecay: Hyper(0), eps: Hyper(1e-10)),
        });
        // torch.optim refuses these (and NativeNN also refuses a NaN dampening, which PyTorch ignores
        // until the second step).
        var settings = optimizer switch
        {
            SGD sgd => new[] { sgd.LearningRate, sgd.Momentum, sgd.WeightDecay },
            Adam adam => [adam.LearningRate, adam.Beta1, adam.Beta2, adam.Eps, adam.WeightDecay],
            RMSprop rms => [rms.LearningRate, rms.Alpha, rms.Eps, rms.Momentum],
            Adagrad adagrad => [adagrad.LearningRate, adagrad.LearningRateDecay, adagrad.Eps],
            _ => [],
        };
        var invalid = settings.Any(value => double.IsNaN(value) || value < 0) || (optimizer is Adam a && (a.Beta1 >= 1 || a.Beta2 >= 1)) ||
            (optimizer is SGD s && (double.IsNaN(s.Dampening) || (s.Nesterov && (s.Momentum <= 0 || s.Dampening != 0))));
        var before = parameter.ToArray();
        using (var loss = parameter.Sum())
        {
            loss.Backward();
        }
        if (call.Chance(0.1))
        {
            optimizer.Dispose();
            call.MustFail ??= "the optimizer was disposed";
        }
        if (call.Chance(0.1))
        {
            optimizer.LearningRate = call.Pick(double.NaN, -1.0, double.NegativeInfinity);
            call.MustFail ??= "the learning rate was set to an invalid value";
        }
        optimizer.Step();
        if (invalid)
        {
            throw new WrongResultException($"{optimizer.GetType().Name} stepped with settings [{string.Join(", ", settings)}]");
        }
        var after = parameter.ToArray();
        if (optimizer is SGD plain)
        {
            // The first step's momentum buffer is the gradient 1 + weightDecay p; Nesterov adds momentum times it again.
            var factor = plain.Momentum != 0 && plain.Nesterov ? 1 + plain.Momentum : 1;
            var expected = before.Select(value => (float)(value - plain.LearningRate * factor * (1 + plain.WeightDecay * value))).ToArray();
            Compare.Values("SGD step", after, expected, 1e-4f);
        }
        else if (optimizer is Adam { WeightDecay: 0 } adam and not AdamW)
        {
            // The first bias-corrected step is lr g / (|g| + eps) with g = 1.
            Compare.Values("Adam step", after, before.Select(value => (float)(value - adam.LearningRate / (1 + adam.Eps))).ToArray(), 1e-4f);
        }
    }

    private static void StateDict(HostileCall call)
    {
        call.Mentions("state", "weight", "bias", "LoadStateDict", "keys", "source", "destination", "extra");
        var model = call.Own(new Linear(3, 2));
        var donor = call.Own(new Linear(3, 2, generator: new Generator(5)));
        var state = new Dictionary<string, Tensor>(donor.StateDict());
        var broken = true;
        switch (call.Random.Next(8))
        {
            case 0: state.Remove("bias"); break;
            case 1: state["extra"] = call.Own(Tensor.Zeros(1)); break;
            case 2: state["weight"] = call.Own(Tensor.Zeros(3, 2)); break;
            case 3: state["bias"] = call.Own(Tensor.Zeros([2], DType.Int64)); break;
            case 4: state["bias"] = null!; break;
            case 5:
                var disposed = Tensor.Zeros(2);
                disposed.Dispose();
                state["bias"] = disposed;
                call.MustFail ??= "a state tensor was disposed";
                break;
            case 6: state = null!; break;
            default: broken = false; break;
        }
        var strict = call.Chance(0.7);
        model.LoadStateDict(state, strict);
        var lenient = !strict && state is not null && (!state.ContainsKey("bias") || state.ContainsKey("extra"));
        if (broken && !lenient)
        {
            throw new WrongResultException("LoadStateDict accepted a broken state");
        }
        Compare.Values("weight", model.Weight.ToArray(), donor.Weight.ToArray(), 0f);
    }

    private static void DevicesAndSettings(HostileCall call)
    {
        call.Mentions("device", "index", "value", "isa", "Threads", "tensor", "scope", "cuda", "parameters");
        var threads = Backends.Threads;
        var isa = Backends.Isa;
        try
        {
            switch (call.Random.Next(6))
            {
                case 0:
                    _ = call.Own(Tensor.Zeros(2)).To(Device.Cuda(call.Pick(0, 1, -1)));
                    break;
                case 1:
                    call.Own(new Linear(2, 2)).To(Device.Cuda());
                    break;
                case 2:
                    Backends.Threads = call.Pick(0, -1, int.MinValue);
                    break;
                case 3:
                    Backends.Isa = call.Pick((CpuIsa)77, (CpuIsa)(-5));
                    break;
                case 4:
                    var foreign = call.Own(Tensor.Zeros(1));
                    using (var scope = Tensor.Scope())
                    {
                        scope.MoveOut(call.Chance(0.5) ? null! : foreign);
                    }
                    break;
                default:
                    GradientClipping.ClipGradNorm(null!, 1.0);
                    break;
            }
        }
        finally
        {
            if (Backends.Threads != threads || Backends.Isa != isa)
            {
                Backends.Threads = threads;
                Backends.Isa = isa;
                throw new WrongResultException("a refused setting changed Backends");
            }
        }
        throw new WrongResultException("an unavailable device, a bad setting or a foreign tensor was accepted");
    }

    private sealed class NaNEqual : IEqualityComparer<float>
    {
        public static NaNEqual Instance { get; } = new();
        public bool Equals(float first, float second) => first.Equals(second);
        public int GetHashCode(float value) => value.GetHashCode();
    }
}
