// a [n], b [n] -> out [n]; x [n] -> y [n]; x [N,C,...], bias [C] -> y; dy [N,C,...] -> dbias [C];
// x [R,C] -> y [C,R]; x [n] -> sum or mean
// TensorPrimitives does the vector work; passes over large tensors split into contiguous ranges.
using System.Numerics.Tensors;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    private delegate void Unary(ReadOnlySpan<float> x, Span<float> y);

    private delegate void Binary(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output);

    private static readonly Binary AddSpans = TensorPrimitives.Add;
    private static readonly Binary SubtractSpans = TensorPrimitives.Subtract;
    private static readonly Binary MultiplySpans = TensorPrimitives.Multiply;
    private static readonly Unary ExpSpans = TensorPrimitives.Exp;
    private static readonly Unary LogSpans = TensorPrimitives.Log;
    private static readonly Unary SquareSpans = (x, y) => TensorPrimitives.Multiply(x, x, y);

    public void Add(Tensor a, Tensor b, Tensor output) => BinaryOp("Add", a, b, output, AddSpans);

    public void Sub(Tensor a, Tensor b, Tensor output) => BinaryOp("Sub", a, b, output, SubtractSpans);

    public void Mul(Tensor a, Tensor b, Tensor output) => BinaryOp("Mul", a, b, output, MultiplySpans);

    public unsafe void Scale(Tensor x, float scale, Tensor y)
    {
        RequireFloatsOfOneShape("Scale", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(input + first, length), scale, new Span<float>(output + first, length)));
    }

    public unsafe void AddScalar(Tensor x, float value, Tensor y)
    {
        RequireFloatsOfOneShape("AddScalar", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
            TensorPrimitives.Add(new ReadOnlySpan<float>(input + first, length), value, new Span<float>(output + first, length)));
    }

    // y += alpha x
    public unsafe void Axpy(float alpha, Tensor x, Tensor y)
    {
        RequireFloatsOfOneShape("Axpy", x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) =>
        {
            var target = new Span<float>(output + first, length);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(input + first, length), alpha, target, target);
        });
    }

    public void Exp(Tensor x, Tensor y) => UnaryOp("Exp", x, y, ExpSpans);

    public void Log(Tensor x, Tensor y) => UnaryOp("Log", x, y, LogSpans);

    public void Square(Tensor x, Tensor y) => UnaryOp("Square", x, y, SquareSpans);

    // x [outer, channels, inner], bias [channels] -> y = x + bias[c]
    public unsafe void BiasAdd(Tensor x, Tensor bias, Tensor y)
    {
        const string op = "BiasAdd";
        RequireAtLeastDimensions(x, 2, op, "x", "[N, C, ...]");
        RequireFloat(bias, op, "bias");
        if (bias.Rank != 1 || bias.Shape[0] != x.Shape[1])
        {
            throw new ShapeMismatchException(
                $"{op}: x is {x.Description} but bias is {bias.Description}; bias must be [{x.Shape[1]}], one value per channel");
        }
        RequireSameShape(x, "x", y, "y", op);
        RequireFloat(y, op, "y");
        RequireSeparate(y, "y", bias, "bias", op);
        var outer = x.Shape[0];
        var channels = x.Shape[1];
        var inner = TrailingVolume(x, 2);
        var input = Data(x);
        var biases = Data(bias);
        var output = Data(y);
        if (inner == 1)
        {
            ForRanges(outer, ThreadsFor(x.ElementCount, outer), (first, end) =>
            {
                var row = new ReadOnlySpan<float>(biases, (int)channels);
                for (var o = first; o < end; o++)
                {
                    TensorPrimitives.Add(new ReadOnlySpan<float>(input + o * channels, (int)channels), row,
                        new Span<float>(output + o * channels, (int)channels));
                }
            });
            return;
        }
        var planes = outer * channels;
        ForRanges(planes, ThreadsFor(x.ElementCount, planes), (first, end) =>
        {
            for (var plane = first; plane < end; plane++)
            {
                TensorPrimitives.Add(new ReadOnlySpan<float>(input + plane * inner, (int)inner), biases[plane % channels],
                    new Span<float>(output + plane * inner, (int)inner));
            }
        });
    }

    // dy [outer, channels, inner] -> dbias [channels], each channel's sum in double as the reference keeps it
    public unsafe void BiasBackward(Tensor dy, Tensor dbias)
    {
        const string op = "BiasBackward";
        RequireAtLeastDimensions(dy, 2, op, "dy", "[N, C, ...]");
        RequireFloat(dbias, op, "dbias");
        if (dbias.Rank != 1 || dbias.Shape[0] != dy.Shape[1])
        {
            throw new ShapeMismatchException($"{op}: dy is {dy.Description} but dbias is {dbias.Description}; dbias must be [{dy.Shape[1]}]");
        }
        RequireSeparate(dbias, "dbias", dy, "dy", op);
        ChannelSums(dy.Shape[0], dy.Shape[1], TrailingVolume(dy, 2), Data(dy), Data(dbias));
    }

    public void Sum(Tensor x, Tensor result) => Reduce("Sum", x, result, mean: false);

    public void Mean(Tensor x, Tensor result) => Reduce("Mean", x, result, mean: true);

    // x [R, C] -> result [C]
    public unsafe void SumDim0(Tensor x, Tensor result)
    {
        const string op = "SumDim0";
        RequireFloat(x, op, "x");
        RequireFloat(result, op, "result");
        if (x.Rank != 2 || result.Rank != 1 || result.Shape[0] != x.Shape[1])
        {
            throw new ShapeMismatchException($"{op}: x is {x.Description} and result is {result.Description}; x must be [R, C] and result [C]");
        }
        RequireSeparate(result, "result", x, "x", op);
        ChannelSums(x.Shape[0], x.Shape[1], 1, Data(x), Data(result));
    }

    // x [R, C] -> y [C, R], in 32 x 32 tiles so both sides stay in cache lines
    public unsafe void Transpose(Tensor x, Tensor y)
    {
        const string op = "Transpose";
        RequireFloat(x, op, "x");
        RequireFloat(y, op, "y");
        if (x.Rank != 2 || y.Rank != 2 || y.Shape[0] != x.Shape[1] || y.Shape[1] != x.Shape[0])
        {
            throw new ShapeMismatchException($"{op}: x is {x.Description} and y is {y.Description}; x must be [R, C] and y [C, R]");
        }
        RequireSeparate(y, "y", x, "x", op);
        const long tile = 32;
        var rows = x.Shape[0];
        var columns = x.Shape[1];
        var input = Data(x);
        var output = Data(y);
        var rowTiles = (rows + tile - 1) / tile;
        ForRanges(rowTiles, ThreadsFor(x.ElementCount, rowTiles), (first, end) =>
        {
            for (var r0 = first * tile; r0 < Math.Min(end * tile, rows); r0 += tile)
            {
                for (var c0 = 0L; c0 < columns; c0 += tile)
                {
                    var r1 = Math.Min(r0 + tile, rows);
                    var c1 = Math.Min(c0 + tile, columns);
                    for (var r = r0; r < r1; r++)
                    {
                        for (var c = c0; c < c1; c++)
                        {
                            output[c * rows + r] = input[r * columns + c];
                        }
                    }
                }
            }
        });
    }

    // ---- Shared passes -------------------------------------------------------------------

    private unsafe void BinaryOp(string op, Tensor a, Tensor b, Tensor output, Binary body)
    {
        RequireFloat(a, op, "a");
        RequireSameShape(a, "a", b, "b", op);
        RequireSameShape(a, "a", output, "out", op);
        RequireFloat(b, op, "b");
        RequireFloat(output, op, "out");
        var left = Data(a);
        var right = Data(b);
        var result = Data(output);
        Ranges(a.ElementCount, (first, length) => body(new ReadOnlySpan<float>(left + first, length),
            new ReadOnlySpan<float>(right + first, length), new Span<float>(result + first, length)));
    }

    private unsafe void UnaryOp(string op, Tensor x, Tensor y, Unary body)
    {
        RequireFloatsOfOneShape(op, x, "x", y, "y");
        var input = Data(x);
        var output = Data(y);
        Ranges(x.ElementCount, (first, length) => body(new ReadOnlySpan<float>(input + first, length), new Span<float>(output + first, length)));
    }

    private unsafe void Reduce(string op, Tensor x, Tensor result, bool mean)
    {
        RequireFloat(x, op, "x");
        RequireOneFloat(result, op, "result");
        RequireSeparate(result, "result", x, "x", op);
        var sum = SumInDouble(Data(x), x.ElementCount);
        Data(result)[0] = mean
            ? x.ElementCount == 0 ? float.NaN : (float)(sum / x.ElementCount)
            : (float)sum;
    }

    /// <summary>body(first, length) over [0, count) in pieces of at most 2^30 elements, split among
    /// threads when the pass is large.</summary>
    private static void Ranges(long count, Action<long, int> body)
    {
        const long piece = 1 << 30;
        ForRanges(count, ThreadsFor(count, count), (first, end) =>
        {
            for (var start = first; start < end; start += piece)
            {
                body(start, (int)Math.Min(piece, end - start));
            }
        });
    }

    /// <summary>Sum of count floats in double, in order, as the reference sums: the float result
    /// is then the rounding of the same double.</summary>
    private static unsafe double SumInDouble(float* values, long count)
    {
        double total = 0;
        for (var index = 0L; index < count; index++)
        {
            total += values[index];
        }
        return total;
    }

    // dy [outer, channels, inner] -> sums [channels]: one channel per item, sums in double.
    private static unsafe void ChannelSums(long outer, long channels, long inner, float* dy, float* sums)
    {
        var total = outer * channels * inner;
        if (inner == 1)
        {
            ForRanges(channels, ThreadsFor(total, channels), (first, end) =>
            {
                for (var c = first; c < end; c++)
                {
                    double sum = 0;
                    for (var o = 0L; o < outer; o++)
                    {
                        sum += dy[o * channels + c];
                    }
                    sums[c] = (float)sum;
                }
            });
            return;
        }
        ForRanges(channels, ThreadsFor(total, channels), (first, end) =>
        {
            for (var c = first; c < end; c++)
            {
                double sum = 0;
                for (var o = 0L; o < outer; o++)
                {
                    sum += SumInDouble(dy + (o * channels + c) * inner, inner);
                }
                sums[c] = (float)sum;
            }
        });
    }
}
