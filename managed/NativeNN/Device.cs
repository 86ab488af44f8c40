// Where a tensor lives: the CPU, or a CUDA GPU by index. Whether a CUDA device can be used, and why
// not, comes from libnativenn, which loads libnativenn_cuda.so the first time it is asked. Tensors
// themselves are CPU-only in this build: no CUDA storage or kernel exists yet.
using System.Globalization;
using NativeNN.Interop;

namespace NativeNN;

/// <summary>A device: the CPU or a CUDA GPU by index (torch.device).</summary>
public readonly record struct Device
{
    private const string CheckFunctionPrefix = "nn_device_check: ";

    private Device(DeviceKind kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    public DeviceKind Kind { get; }

    public int Index { get; }

    public static Device Cpu { get; } = new(DeviceKind.Cpu, 0);

    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new Device(DeviceKind.Cuda, index);
    }

    /// <summary>How many CUDA devices this process can use (torch.cuda.device_count()): 0 when CUDA
    /// cannot be used, and <see cref="UnavailableReason"/> of <c>Device.Cuda(0)</c> says why.</summary>
    public static unsafe int CudaCount
    {
        get
        {
            int count;
            NativeStatus.Check(NativeMethods.nn_device_count(nn_device_kind.NN_DEVICE_CUDA, &count));
            return count;
        }
    }

    /// <summary>The CPU, then every usable CUDA device.</summary>
    public static IReadOnlyList<Device> Available =>
        [Cpu, .. Enumerable.Range(0, CudaCount).Select(index => Cuda(index))];

    /// <summary>Whether the device is there and its backend could be loaded.</summary>
    public bool IsAvailable => UnavailableReason is null;

    /// <summary>Why the device cannot be used, as libnativenn found it ("cuda:0 is not available:
    /// libnativenn_cuda.so was not found (looked in ...)"), or null when it can be.</summary>
    public string? UnavailableReason
    {
        get
        {
            var status = NativeMethods.nn_device_check((nn_device_kind)Kind, Index);
            if (status == nn_status.NN_OK)
            {
                return null;
            }
            if (status != nn_status.NN_ERROR_UNSUPPORTED)
            {
                throw NativeStatus.ToException(status);
            }
            var message = NativeStatus.LastError();
            return message.StartsWith(CheckFunctionPrefix, StringComparison.Ordinal) ? message[CheckFunctionPrefix.Length..] : message;
        }
    }

    /// <summary>"cpu", "cuda" (device 0) or "cuda:N", as torch.device reads them.</summary>
    public static Device Parse(string text) =>
        TryParse(text, out var device)
            ? device
            : throw new ArgumentException($"'{text}' is not a device; expected cpu, cuda or cuda:N with N = 0, 1, ...", nameof(text));

    /// <summary>Parses like <see cref="Parse"/>; false instead of an exception.</summary>
    public static bool TryParse(string? text, out Device device)
    {
        device = Cpu;
        switch (text)
        {
            case "cpu":
                return true;
            case "cuda":
                device = Cuda(0);
                return true;
            case not null when text.StartsWith("cuda:", StringComparison.Ordinal)
                               && int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var index):
                device = Cuda(index);
                return true;
            default:
                return false;
        }
    }

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";

    /// <summary>Throws <see cref="NotSupportedException"/> naming <paramref name="operation"/> when
    /// tensors cannot be put on this device: it is not available (the message carries libnativenn's
    /// reason), or it is a CUDA device, for which this build has no tensor storage or kernels yet.</summary>
    public void ThrowIfUnavailable(string operation)
    {
        if (UnavailableReason is { } reason)
        {
            throw new NotSupportedException($"{operation}: {reason}");
        }
        if (Kind != DeviceKind.Cpu)
        {
            throw new NotSupportedException(
                $"{operation}: {this} is present, but this build of NativeNN has no CUDA tensor storage or kernels yet; tensors stay on the CPU.");
        }
    }

    /// <summary>The device an op on inputs from <paramref name="devices"/> runs on: the one they
    /// share. As in PyTorch, inputs on two devices are an error, never a silent copy; the backend
    /// dispatch calls this once CUDA tensors exist.</summary>
    internal static Device Shared(string operation, ReadOnlySpan<Device> devices)
    {
        if (devices.IsEmpty)
        {
            return Cpu;
        }
        for (var input = 1; input < devices.Length; input++)
        {
            if (devices[input] != devices[0])
            {
                throw new ArgumentException(
                    $"{operation}: expected every tensor on one device, but input 0 is on {devices[0]} and input {input} on {devices[input]}; " +
                    "move them to one device with Tensor.To first.");
            }
        }
        return devices[0];
    }
}

/// <summary>Kind of device (mirrors nn_device_kind).</summary>
public enum DeviceKind
{
    Cpu = nn_device_kind.NN_DEVICE_CPU,
    Cuda = nn_device_kind.NN_DEVICE_CUDA,
}

public sealed partial class Tensor
{
    /// <summary>The device the tensor lives on: the CPU in this build.</summary>
    public Device Device => Device.Cpu;

    /// <summary>This tensor on <paramref name="device"/>: itself when it is already there. Every
    /// tensor is on the CPU, and every other device is refused with the reason.</summary>
    public Tensor To(Device device)
    {
        device.ThrowIfUnavailable($"Tensor.To({device})");
        return this;
    }
}
