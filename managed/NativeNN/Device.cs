// Where a tensor lives. Only the CPU exists in this build; a CUDA device is refused clearly.
namespace NativeNN;

/// <summary>A device: the CPU or a CUDA GPU by index.</summary>
public readonly record struct Device
{
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

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";

    /// <summary>Throws <see cref="NotSupportedException"/> naming <paramref name="operation"/> when this build cannot use the device.</summary>
    public void ThrowIfUnavailable(string operation)
    {
        if (Kind != DeviceKind.Cpu)
        {
            throw new NotSupportedException(
                $"{operation}: device {this} is not available: this build of NativeNN has no CUDA backend (libnativenn_cuda.so was not built or found).");
        }
    }
}

public enum DeviceKind
{
    Cpu,
    Cuda,
}

public sealed partial class Tensor
{
    /// <summary>The device the tensor lives on.</summary>
    public Device Device => Device.Cpu;

    /// <summary>This tensor on <paramref name="device"/>: itself when it is already there.</summary>
    public Tensor To(Device device)
    {
        device.ThrowIfUnavailable($"Tensor.To({device})");
        return this;
    }
}
