// The managed backend: every kernel of the native CPU backend written in C# alone, reading and
// writing the tensors' native storage through pointers and spans (no copies). Each op family has
// its own file (Elementwise, Activations, Softmax, Losses, Dropout, Gemm, Convolution, Pooling,
// Optimizers); this one holds what they share: argument checks with the native messages' shape,
// storage access, and the split of work over Backends.Threads.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels : IKernelBackend
{
    public static readonly ManagedKernels Instance = new();

    // Below this many elements an element-wise pass is over before a second thread has started.
    private const long ParallelElements = 1 << 16;

    private ManagedKernels()
    {
    }

    public string Name => "managed";

    // ---- Storage --------------------------------------------------------------------------

    // An empty tensor has no storage to point at, but a disposed one is refused all the same:
    // Handle throws ObjectDisposedException, as every native call does.
    private static unsafe float* Data(Tensor tensor)
    {
        _ = tensor.Handle;
        return tensor.ElementCount == 0 ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.AsSpan()));
    }

    private static unsafe long* Int64Data(Tensor tensor)
    {
        _ = tensor.Handle;
        return tensor.ElementCount == 0 ? null : (long*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.AsInt64Span()));
    }

    private static unsafe bool SameStorage(Tensor first, Tensor second) =>
        first.ElementCount > 0 && second.ElementCount > 0 && StorageOf(first) == StorageOf(second);

    private static unsafe void* StorageOf(Tensor tensor) => tensor.DType == DType.Float32 ? Data(tensor) : Int64Data(tensor);

    // ---- Threads --------------------------------------------------------------------------

    /// <summary>Threads for work of <paramref name="work"/> elements (or multiply-adds) split into
    /// <paramref name="items"/> independent items.</summary>
    private static int ThreadsFor(long work, long items, long threshold = ParallelElements)
    {
        if (work < threshold || items < 2)
        {
            return 1;
        }
        return (int)Math.Min(Backends.ThreadCount, items);
    }

    /// <summary>Runs body(first, end) over [0, count) in <paramref name="threads"/> contiguous ranges,
    /// the first on the calling thread.</summary>
    private static void ForRanges(long count, int threads, Action<long, long> body) =>
        ForChunks(count, threads, (_, first, end) => body(first, end));

    /// <summary>Runs body(chunk, first, end) for chunk 0 .. min(threads, count) - 1 over contiguous
    /// ranges of [0, count); returns the number of chunks.</summary>
    private static int ForChunks(long count, int threads, Action<int, long, long> body)
    {
        if (threads <= 1 || count < 2)
        {
            body(0, 0, count);
            return 1;
        }
        var chunks = (int)Math.Min(threads, count);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, chunk =>
        {
            var first = count * chunk / chunks;
            var end = count * (chunk + 1) / chunks;
            body(chunk, first, end);
        });
        return chunks;
    }

    // ---- Checks (ShapeMismatchException for shapes and dtypes, ArgumentException for values) ----

    private static void RequireFloat(Tensor tensor, string op, string name)
    {
        if (tensor.DType != DType.Float32)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must be float32");
        }
    }

    private static void RequireInt64(Tensor tensor, string op, string name)
    {
        if (tensor.DType != DType.Int64)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must be int64");
        }
    }

    private static void RequireSameShape(Tensor first, string firstName, Tensor second, string secondName, string op)
    {
        if (!first.Shape.SequenceEqual(second.Shape))
        {
            throw new ShapeMismatchException($"{op}: {firstName} is {first.Description} but {secondName} is {second.Description}");
        }
    }

    private static void RequireSeparate(Tensor output, string outputName, Tensor input, string inputName, string op)
    {
        if (SameStorage(output, input))
        {
            throw new ArgumentException($"{op}: {outputName} shares storage with {inputName}; it must be a separate tensor");
        }
    }

    private static void RequireAtLeastDimensions(Tensor tensor, int dimensions, string op, string name, string layout)
    {
        RequireFloat(tensor, op, name);
        if (tensor.Rank < dimensions)
        {
            throw new ShapeMismatchException(
                $"{op}: {name} is {tensor.Description} but must have at least {dimensions} dimensions ({layout})");
        }
    }

    private static void RequireOneFloat(Tensor tensor, string op, string name)
    {
        RequireFloat(tensor, op, name);
        if (tensor.ElementCount != 1)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must hold one value");
        }
    }

    /// <summary>Float32 tensors of one shape (the element-wise contract).</summary>
    private static void RequireFloatsOfOneShape(string op, Tensor first, string firstName, Tensor second, string secondName)
    {
        RequireFloat(first, op, firstName);
        RequireSameShape(first, firstName, second, secondName, op);
        RequireFloat(second, op, secondName);
    }

    private static void RequireFloatsOfOneShape(string op, Tensor first, string firstName, Tensor second, string secondName,
        Tensor third, string thirdName)
    {
        RequireFloatsOfOneShape(op, first, firstName, second, secondName);
        RequireSameShape(first, firstName, third, thirdName, op);
        RequireFloat(third, op, thirdName);
    }

    /// <summary>Product of the sizes from dimension <paramref name="first"/> on.</summary>
    private static long TrailingVolume(Tensor tensor, int first)
    {
        long volume = 1;
        for (var dimension = first; dimension < tensor.Rank; dimension++)
        {
            volume *= tensor.Shape[dimension];
        }
        return volume;
    }
}
