// A tensor: a dtype, a shape and contiguous native storage owned through a SafeHandle.
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using NativeNN.Interop;

namespace NativeNN;

/// <summary>
/// An n-dimensional array in native memory (float32 or int64, contiguous, row-major).
/// Dispose it to free its memory now; a tensor created inside <see cref="Scope"/> is disposed
/// with the scope. A forgotten tensor is freed by the finalizer, later.
/// </summary>
/// <remarks>
/// Threads: many threads may read one tensor at once (as an input of ops, ToArray, CopyTo).
/// Writing it (CopyFrom, Fill, a span from AsSpan, an optimizer step) while another thread reads or
/// writes it is a race, as with any array. Dispose may run on any thread, including after the tensor
/// was made on another; a native call already in progress keeps the storage alive until it returns.
/// An autograd graph, and the Grad it accumulates into, belongs to one thread at a time.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;
    private readonly long[] shape;
    internal TensorScope? scope;

    internal Tensor(TensorHandle handle)
    {
        this.handle = handle;
        nn_dtype dtype;
        int rank;
        unsafe
        {
            NativeStatus.Check(NativeMethods.nn_tensor_dtype(handle, &dtype));
            NativeStatus.Check(NativeMethods.nn_tensor_ndim(handle, &rank));
            shape = new long[rank];
            fixed (long* sizes = shape)
            {
                NativeStatus.Check(NativeMethods.nn_tensor_shape(handle, sizes, rank));
            }
        }
        DType = (DType)dtype;
        ElementCount = ShapeMath.ElementCount(shape);
        TensorScope.Adopt(this);
    }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Sizes of the dimensions, outermost first; empty for a scalar.</summary>
    public ReadOnlySpan<long> Shape => shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>Number of elements: the product of the shape (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Size in bytes of the elements.</summary>
    public long ByteCount => ElementCount * DType.ElementSize();

    /// <summary>Size of dimension <paramref name="dimension"/>; negative values count from the end.</summary>
    public long Size(int dimension) => shape[ShapeMath.NormalizeDimension(dimension, Rank)];

    /// <summary>True once <see cref="Dispose"/> ran (directly or through a scope).</summary>
    public bool IsDisposed => handle.IsClosed;

    /// <summary>The handle for native calls; throws <see cref="ObjectDisposedException"/> once disposed.</summary>
    internal TensorHandle Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (handle.IsClosed)
            {
                ThrowDisposed();
            }
            return handle;
        }
    }

    /// <summary>"float32[2,3]": the notation error messages use.</summary>
    public string Description => ShapeMath.Describe(DType, shape);

    /// <summary>Frees the native storage now (when no view shares it), and the gradient with it.
    /// Safe to call twice.</summary>
    public void Dispose()
    {
        handle.Dispose();
        grad?.Dispose();
        grad = null;
    }

    /// <summary>Takes the tensor away from the scope it was created in: its owner (a module, an
    /// optimizer, a gradient slot) disposes it instead.</summary>
    internal Tensor LeaveScope()
    {
        scope = null;
        return this;
    }

    // An op allocates its output before the kernel checks the operands; if the kernel throws (a
    // disposed operand, a shape or dtype it refuses), the output is freed before the exception
    // leaves, so a failed call leaves no native tensor behind. Static method groups convert to
    // cached delegates, so these allocate nothing per call.
    internal static Tensor Apply(Tensor output, Tensor x, Action<Tensor, Tensor> kernel)
    {
        try
        {
            kernel(x, output);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    internal static Tensor Apply(Tensor output, Tensor x, float value, Action<Tensor, float, Tensor> kernel)
    {
        try
        {
            kernel(x, value, output);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    internal static Tensor Apply(Tensor output, Tensor a, Tensor b, Action<Tensor, Tensor, Tensor> kernel)
    {
        try
        {
            kernel(a, b, output);
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>Copies the elements of a float32 tensor into a new array.</summary>
    public float[] ToArray()
    {
        RequireDType(DType.Float32, nameof(ToArray), "use ToInt64Array() for int64 tensors");
        var result = new float[ManagedLength(nameof(ToArray))];
        CopyTo(result.AsSpan());
        return result;
    }

    /// <summary>Copies the elements of an int64 tensor into a new array.</summary>
    public long[] ToInt64Array()
    {
        RequireDType(DType.Int64, nameof(ToInt64Array), "use ToArray() for float32 tensors");
        var result = new long[ManagedLength(nameof(ToInt64Array))];
        CopyTo(result.AsSpan());
        return result;
    }

    /// <summary>A view of a float32 tensor's native storage: writes change the tensor. The span
    /// must not be used after the tensor is disposed.</summary>
    public unsafe Span<float> AsSpan()
    {
        RequireDType(DType.Float32, nameof(AsSpan), "use AsInt64Span() for int64 tensors");
        return new Span<float>(DataPointer(), ManagedLength(nameof(AsSpan)));
    }

    /// <summary>A view of an int64 tensor's native storage; see <see cref="AsSpan"/>.</summary>
    public unsafe Span<long> AsInt64Span()
    {
        RequireDType(DType.Int64, nameof(AsInt64Span), "use AsSpan() for float32 tensors");
        return new Span<long>(DataPointer(), ManagedLength(nameof(AsInt64Span)));
    }

    /// <summary>Copies <paramref name="source"/> (exactly ElementCount values) into the tensor.</summary>
    public void CopyFrom(ReadOnlySpan<float> source) => CopyFrom<float>(source, DType.Float32);

    /// <summary>Copies <paramref name="source"/> (exactly ElementCount values) into the tensor.</summary>
    public void CopyFrom(ReadOnlySpan<long> source) => CopyFrom<long>(source, DType.Int64);

    /// <summary>Copies the tensor into <paramref name="destination"/> (exactly ElementCount values).</summary>
    public void CopyTo(Span<float> destination) => CopyTo<float>(destination, DType.Float32);

    /// <summary>Copies the tensor into <paramref name="destination"/> (exactly ElementCount values).</summary>
    public void CopyTo(Span<long> destination) => CopyTo<long>(destination, DType.Int64);

    /// <summary>Copies the elements of <paramref name="source"/> (same dtype and element count) into this tensor.</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeStatus.Check(NativeMethods.nn_tensor_copy(source.Handle, Handle));
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(float value)
    {
        RequireDType(DType.Float32, nameof(Fill), "fill an int64 tensor with a long value");
        NativeStatus.Check(NativeMethods.nn_tensor_fill_float32(Handle, value));
        return this;
    }

    /// <summary>Sets every element of an int64 tensor to <paramref name="value"/>.</summary>
    public Tensor Fill(long value)
    {
        RequireDType(DType.Int64, nameof(Fill), "fill a float32 tensor with a float value");
        NativeStatus.Check(NativeMethods.nn_tensor_fill_int64(Handle, value));
        return this;
    }

    /// <summary>A new tensor sharing this one's storage under another shape with the same element
    /// count. One dimension may be -1 and is then inferred.</summary>
    public unsafe Tensor Reshape(params long[] newShape)
    {
        ArgumentNullException.ThrowIfNull(newShape);
        var resolved = ShapeMath.ResolveReshape(shape, newShape, DType);
        TensorHandle result;
        fixed (long* sizes = resolved)
        {
            NativeStatus.Check(NativeMethods.nn_tensor_reshape(Handle, resolved.Length, sizes, out result));
        }
        var output = new Tensor(result);
        return WillRecord(this) ? output.Record(new ReshapeNode(this)) : output;
    }

    public override string ToString()
    {
        if (IsDisposed)
        {
            return $"Tensor {Description} (disposed)";
        }
        const int shown = 8;
        var text = new StringBuilder("Tensor ").Append(Description).Append(" [");
        var count = (int)Math.Min(ElementCount, shown);
        for (var index = 0; index < count; index++)
        {
            if (index > 0)
            {
                text.Append(", ");
            }
            text.Append(DType == DType.Float32
                ? AsSpan()[index].ToString("G6", CultureInfo.InvariantCulture)
                : AsInt64Span()[index].ToString(CultureInfo.InvariantCulture));
        }
        if (ElementCount > shown)
        {
            text.Append(", ...");
        }
        return text.Append(']').ToString();
    }

    private unsafe void* DataPointer()
    {
        void* data;
        NativeStatus.Check(NativeMethods.nn_tensor_data(Handle, &data));
        return data;
    }

    private unsafe void CopyFrom<T>(ReadOnlySpan<T> source, DType expected) where T : unmanaged
    {
        RequireDType(expected, nameof(CopyFrom), $"the tensor holds {DType.Name()} values");
        RequireLength(source.Length, "source");
        fixed (T* pointer = source)
        {
            NativeStatus.Check(NativeMethods.nn_tensor_copy_from(Handle, pointer, ByteCount));
        }
    }

    private unsafe void CopyTo<T>(Span<T> destination, DType expected) where T : unmanaged
    {
        RequireDType(expected, nameof(CopyTo), $"the tensor holds {DType.Name()} values");
        RequireLength(destination.Length, "destination");
        fixed (T* pointer = destination)
        {
            NativeStatus.Check(NativeMethods.nn_tensor_copy_to(Handle, pointer, ByteCount));
        }
    }

    // Arrays and spans hold at most int.MaxValue elements; a larger tensor gets a message, not an OverflowException.
    private int ManagedLength(string operation)
    {
        if (ElementCount > int.MaxValue)
        {
            throw new NotSupportedException(
                $"{operation}: tensor {Description} has {ElementCount} elements, more than a .NET array or span can hold ({int.MaxValue}).");
        }
        return (int)ElementCount;
    }

    private void RequireLength(int length, string parameterName)
    {
        if (length != ElementCount)
        {
            throw new ArgumentException(
                $"{parameterName} has {length} elements but tensor {Description} has {ElementCount}.", parameterName);
        }
    }

    private void RequireDType(DType expected, string operation, string hint)
    {
        if (DType != expected)
        {
            throw new InvalidOperationException(
                $"{operation} needs a {expected.Name()} tensor, but this tensor is {Description}: {hint}.");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor),
            $"The tensor {Description} was disposed (directly or by its scope) and cannot be used. " +
            "Keep it alive until its last use, or move it out of the scope with TensorScope.MoveOut.");
}
