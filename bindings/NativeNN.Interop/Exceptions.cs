// The exception types NativeNN adds to the standard ones; public because users catch them.
namespace NativeNN;

/// <summary>Shapes or dtypes of tensors do not fit together.</summary>
public sealed class ShapeMismatchException : ArgumentException
{
    public ShapeMismatchException(string message) : base(message) { }
}

/// <summary>A device error or an internal error inside libnativenn. <see cref="Status"/> names
/// the native status code.</summary>
public sealed class NativeNNException : InvalidOperationException
{
    public NativeNNException(string status, string message) : base(message) => Status = status;

    public string Status { get; }
}

/// <summary>The native library found is not the one this managed code was built for.</summary>
public sealed class NativeLibraryVersionException : InvalidOperationException
{
    public NativeLibraryVersionException(string message) : base(message) { }
    public NativeLibraryVersionException(string message, Exception inner) : base(message, inner) { }
}
