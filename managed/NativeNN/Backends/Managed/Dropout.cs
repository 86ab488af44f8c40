// x [n] -> y [n], mask [n]; dy [n], mask [n] -> dx [n]
// The native kernels' mask exactly: element i is kept when the top 24 bits of SplitMix64 at
// counter i (native/src/core/random.h) reach ceil(p 2^24), so a seed gives the same mask on every
// backend and thread count.

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    public unsafe void DropoutForward(Tensor x, float p, ulong seed, Tensor y, Tensor mask)
    {
        const string op = "DropoutForward";
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentException($"{op}: p is {p} but must be in [0, 1]", nameof(p));
        }
        RequireFloatsOfOneShape(op, x, "x", y, "y", mask, "mask");
        RequireSeparate(mask, "mask", x, "x", op);
        RequireSeparate(mask, "mask", y, "y", op);
        // p 2^24 is exact in double, so its ceiling is too.
        var threshold = (ulong)Math.Ceiling(p * (double)(1 << 24));
        // PyTorch divides the float mask by the float (1 - p).
        var scale = p < 1f ? 1f / (float)(1.0 - p) : 0f;
        var input = Data(x);
        var output = Data(y);
        var kept = Data(mask);
        ForRanges(x.ElementCount, ThreadsFor(x.ElementCount, x.ElementCount), (first, end) =>
        {
            for (var index = first; index < end; index++)
            {
                var keep = (Mix(seed, (ulong)index) >> 40) >= threshold;
                kept[index] = keep ? scale : 0f;
                output[index] = input[index] * kept[index];
            }
        });
    }

    public void DropoutBackward(Tensor dy, Tensor mask, Tensor dx)
    {
        RequireFloatsOfOneShape("DropoutBackward", dy, "dy", mask, "mask", dx, "dx");
        BinaryOp("DropoutBackward", dy, mask, dx, MultiplySpans);
    }

    /// <summary>The (counter + 1)-th output of a SplitMix64 stream seeded with seed.</summary>
    internal static ulong Mix(ulong seed, ulong counter)
    {
        var z = unchecked(seed + (counter + 1) * 0x9E3779B97F4A7C15ul);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBul);
        return z ^ (z >> 31);
    }
}
