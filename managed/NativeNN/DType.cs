// Element types of tensors.
using NativeNN.Interop;

namespace NativeNN;

/// <summary>Element type of a tensor.</summary>
public enum DType
{
    /// <summary>32-bit float (torch.float32).</summary>
    Float32 = nn_dtype.NN_DTYPE_FLOAT32,

    /// <summary>64-bit signed integer (torch.int64), for class labels and indices.</summary>
    Int64 = nn_dtype.NN_DTYPE_INT64,
}

internal static class DTypeExtensions
{
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 => sizeof(float),
        DType.Int64 => sizeof(long),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Int64 => "int64",
        _ => dtype.ToString(),
    };
}
