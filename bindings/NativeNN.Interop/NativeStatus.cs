// Turns a failed nn_status into the .NET exception a caller expects, carrying nn_last_error's text.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeNN.Interop;

internal static class NativeStatus
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(nn_status status)
    {
        if (status != nn_status.NN_OK)
        {
            throw ToException(status);
        }
    }

    public static unsafe string LastError() =>
        Marshal.PtrToStringUTF8((nint)NativeMethods.nn_last_error()) ?? string.Empty;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Exception ToException(nn_status status)
    {
        var message = LastError();
        if (message.Length == 0)
        {
            message = $"native call failed with {status}";
        }
        return status switch
        {
            nn_status.NN_ERROR_INVALID_ARGUMENT => new ArgumentException(message),
            nn_status.NN_ERROR_SHAPE_MISMATCH => new ShapeMismatchException(message),
            nn_status.NN_ERROR_OUT_OF_MEMORY => new OutOfMemoryException(message),
            nn_status.NN_ERROR_UNSUPPORTED => new NotSupportedException(message),
            _ => new NativeNNException(status.ToString(), message),
        };
    }
}
