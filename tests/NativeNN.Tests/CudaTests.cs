// Tests that need a CUDA device. Each one says why it is ignored where none is present (CI, the
// development machines); none has run yet, because the GPU machine has no .NET SDK.
namespace NativeNN.Tests;

[Category("Cuda")]
public class CudaTests
{
    [SetUp]
    public void RequireCudaDevice()
    {
        if (Device.CudaCount == 0)
        {
            Assert.Ignore($"no CUDA device: {Device.Cuda(0).UnavailableReason}");
        }
    }

    [Test]
    public void EveryCountedDeviceIsAvailableAndTheNextIsNot()
    {
        var count = Device.CudaCount;
        for (var index = 0; index < count; index++)
        {
            Assert.That(Device.Cuda(index).UnavailableReason, Is.Null, $"cuda:{index}");
        }
        Assert.That(Device.Cuda(count).UnavailableReason, Does.StartWith($"cuda:{count} does not exist: {count} CUDA device"));
        Assert.That(Device.Available, Has.Count.EqualTo(1 + count));
    }

    // The acceptance test of CUDA tensor storage: it fails (NotSupportedException) until
    // Tensor.To copies to and from the device.
    [Test]
    public void TensorRoundTripsThroughTheDevice()
    {
        var values = new[] { 1f, -2.5f, float.MaxValue, float.Epsilon, -0f, float.NaN, 3f };
        using var host = Tensor.FromArray(values, 7);
        using var device = host.To(Device.Cuda(0));
        Assert.That(device.Device, Is.EqualTo(Device.Cuda(0)));
        using var back = device.To(Device.Cpu);
        Assert.That(back.Device, Is.EqualTo(Device.Cpu));
        Assert.That(back.ToArray(), Is.EqualTo(values));
    }
}
