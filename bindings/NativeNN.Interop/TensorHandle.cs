// The SafeHandle that owns one nn_tensor: freed by Dispose, or by the runtime's critical
// finalizer when a tensor is forgotten.
using System.Runtime.InteropServices;

namespace NativeNN.Interop;

internal sealed class TensorHandle : SafeHandle
{
    // The source-generated marshaller creates handles for `out TensorHandle` parameters through
    // this constructor.
    public TensorHandle() : base(nint.Zero, ownsHandle: true)
    {
        if (LeakDiagnostics.Enabled)
        {
            CreationStackTrace = Environment.StackTrace;
        }
    }

    public override bool IsInvalid => handle == nint.Zero;

    /// <summary>Passes a null nn_tensor* for an optional argument (a missing bias, an unused
    /// optimizer buffer): the marshaller cannot pass a null SafeHandle reference. Never released,
    /// since an invalid handle has nothing to free.</summary>
    internal static TensorHandle Null { get; } = new();

    // Set only when NATIVENN_LEAK_DIAGNOSTICS=1, since capturing a stack trace is slow.
    internal string? CreationStackTrace { get; }

    protected override bool ReleaseHandle() => NativeMethods.nn_tensor_release(handle) == nn_status.NN_OK;

    protected override void Dispose(bool disposing)
    {
        // disposing is false only on the finalizer thread: nobody disposed this tensor.
        if (!disposing && !IsInvalid && !IsClosed)
        {
            LeakDiagnostics.RecordFinalized(this);
        }
        base.Dispose(disposing);
    }
}
