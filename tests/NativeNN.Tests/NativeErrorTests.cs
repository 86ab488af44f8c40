// Native failures arrive as typed .NET exceptions carrying nn_last_error's text.
using NativeNN.Interop;

namespace NativeNN.Tests;

public class NativeErrorTests
{
    [Test]
    public unsafe void InvalidArgumentBecomesArgumentExceptionWithTheNativeMessage()
    {
        using var tensor = Tensor.Zeros(2, 3);
        var buffer = stackalloc float[6];
        var status = NativeMethods.nn_tensor_copy_from(tensor.Handle, buffer, 12);
        Assert.That(status, Is.Not.EqualTo(nn_status.NN_OK));
        var error = NativeStatus.ToException(status);
        Assert.That(error, Is.InstanceOf<ArgumentException>());
        Assert.That(error.Message, Does.Contain("nn_tensor_copy_from").And.Contain("float32[2,3]").And.Contain("12"));
    }

    [Test]
    public void ImpossibleAllocationBecomesOutOfMemoryExceptionNotACrash()
    {
        var error = Assert.Throws<OutOfMemoryException>(() => Tensor.Zeros(1L << 40, 1L << 20))!;
        Assert.That(error.Message, Does.Contain("nn_tensor_create"));
        using var afterwards = Tensor.Ones(4);
        Assert.That(afterwards.ToArray(), Is.All.EqualTo(1f), "the library keeps working after a failed allocation");
    }

    [Test]
    public void UnsupportedIsaBecomesNotSupportedException()
    {
        var missing = new[] { CpuIsa.Avx512, CpuIsa.Avx2 }.Where(level => !Backends.Supports(level)).ToArray();
        if (missing.Length == 0)
        {
            Assert.Ignore("this CPU supports every level, so no level can be refused here");
        }
        Assert.Throws<NotSupportedException>(() => Backends.Isa = missing[0]);
    }

    [Test]
    public void LastErrorIsPerThread()
    {
        using var tensor = Tensor.Zeros(2);
        using var labels = Tensor.FromArray([1L, 2L], 2);
        Assert.Catch<ArgumentException>(() => tensor.CopyFrom(labels));
        var mainMessage = NativeStatus.LastError();
        string? otherThreadMessage = null;
        var thread = new Thread(() => otherThreadMessage = NativeStatus.LastError());
        thread.Start();
        thread.Join();
        Assert.That(mainMessage, Does.Contain("nn_tensor_copy"));
        Assert.That(otherThreadMessage, Is.Empty);
    }
}
