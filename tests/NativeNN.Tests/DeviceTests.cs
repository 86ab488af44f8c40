// Devices as the managed API sees them: parsing as torch.device does, the CPU always there, a CUDA
// device refused with libnativenn's reason wherever this process has none, and the mixed-device
// check that ops will run once CUDA tensors exist.
using NativeNN.NN;

namespace NativeNN.Tests;

public class DeviceTests
{
    [TestCase("cpu", DeviceKind.Cpu, 0)]
    [TestCase("cuda", DeviceKind.Cuda, 0)]
    [TestCase("cuda:0", DeviceKind.Cuda, 0)]
    [TestCase("cuda:7", DeviceKind.Cuda, 7)]
    public void ParseReadsTorchDeviceStrings(string text, DeviceKind kind, int index)
    {
        var device = Device.Parse(text);
        Assert.That((device.Kind, device.Index), Is.EqualTo((kind, index)));
        Assert.That(Device.Parse(device.ToString()), Is.EqualTo(device));
    }

    [TestCase("gpu")]
    [TestCase("cuda:")]
    [TestCase("cuda:-1")]
    [TestCase("cuda:+1")]
    [TestCase("cuda: 1")]
    [TestCase("cuda:x")]
    [TestCase("cuda1")]
    [TestCase("cpu:0x")]
    [TestCase("")]
    public void ParseRefusesWhatIsNotADevice(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => Device.Parse(text))!;
        Assert.That(error.Message, Does.Contain($"'{text}' is not a device").And.Contain("cpu, cuda or cuda:N"));
        Assert.That(Device.TryParse(text, out _), Is.False);
    }

    [Test]
    public void CpuIsAlwaysAvailableAndListedFirst()
    {
        Assert.That(Device.Cpu.IsAvailable, Is.True);
        Assert.That(Device.Cpu.UnavailableReason, Is.Null);
        Assert.That(Device.Available[0], Is.EqualTo(Device.Cpu));
        Assert.That(Device.Available, Has.Count.EqualTo(1 + Device.CudaCount));
        using var tensor = Tensor.Zeros(2);
        Assert.That(tensor.To(Device.Cpu), Is.SameAs(tensor));
    }

    [Test]
    public void CudaDeviceWithoutACudaLibraryIsRefusedWithWhereItWasLookedFor()
    {
        RequireNoCudaLibraryConfigured();
        var beside = Path.Combine(Path.GetDirectoryName(Backends.NativeLibraryPath)!, "libnativenn_cuda.so");
        Assert.That(Device.CudaCount, Is.EqualTo(0));
        Assert.That(Device.Cuda(0).IsAvailable, Is.False);
        Assert.That(Device.Cuda(0).UnavailableReason, Does.StartWith(
            $"cuda:0 is not available: libnativenn_cuda.so was not found (looked in {beside}). Build with -DNATIVENN_CUDA=ON"));
        Assert.That(Device.Available, Is.EqualTo(new[] { Device.Cpu }));
    }

    [Test]
    public void TensorAndModuleToCudaThrowTheNativeReason()
    {
        RequireNoCudaLibraryConfigured();
        var reason = Device.Cuda(1).UnavailableReason;
        using var tensor = Tensor.Zeros(2);
        var tensorError = Assert.Throws<NotSupportedException>(() => tensor.To(Device.Cuda(1)))!;
        Assert.That(tensorError.Message, Is.EqualTo($"Tensor.To(cuda:1): {reason}"));
        using var model = new Linear(2, 2);
        var moduleError = Assert.Throws<NotSupportedException>(() => model.To(Device.Cuda(1)))!;
        Assert.That(moduleError.Message, Is.EqualTo($"Linear.To(cuda:1): {reason}"));
    }

    [Test]
    public void InputsOnTwoDevicesAreRefusedNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => Device.Shared("add", [Device.Cpu, Device.Cpu, Device.Cuda(0)]))!;
        Assert.That(error.Message, Is.EqualTo(
            "add: expected every tensor on one device, but input 0 is on cpu and input 2 on cuda:0; move them to one device with Tensor.To first."));
        Assert.That(Device.Shared("add", [Device.Cuda(1), Device.Cuda(1)]), Is.EqualTo(Device.Cuda(1)));
        Assert.Throws<ArgumentException>(() => Device.Shared("mul", [Device.Cuda(0), Device.Cuda(1)]));
    }

    // Where NATIVENN_CUDA_LIBRARY is set or a CUDA library was built beside libnativenn, CUDA
    // answers differently; CudaTests and CudaCliTests cover those cases.
    private static void RequireNoCudaLibraryConfigured()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NATIVENN_CUDA_LIBRARY")))
        {
            Assert.Ignore("NATIVENN_CUDA_LIBRARY is set in this environment");
        }
        if (File.Exists(Path.Combine(Path.GetDirectoryName(Backends.NativeLibraryPath)!, "libnativenn_cuda.so")))
        {
            Assert.Ignore("libnativenn_cuda.so was built beside libnativenn.so");
        }
    }
}
