// Process-wide settings: kernel level and threads.
namespace NativeNN.Tests;

public class BackendTests
{
    [Test]
    public void ReferenceLevelCanBeForcedAndAutoReturnsToTheBestSupported()
    {
        var best = Backends.Supports(CpuIsa.Avx512) ? CpuIsa.Avx512 : Backends.Supports(CpuIsa.Avx2) ? CpuIsa.Avx2 : CpuIsa.Reference;
        var original = Backends.Isa;
        try
        {
            Backends.Isa = CpuIsa.Reference;
            Assert.That(Backends.Isa, Is.EqualTo(CpuIsa.Reference));
            Backends.Isa = CpuIsa.Auto;
            Assert.That(Backends.Isa, Is.EqualTo(best));
        }
        finally
        {
            Backends.Isa = original;
        }
    }

    [Test]
    public void ReferenceIsAlwaysSupported() => Assert.That(Backends.Supports(CpuIsa.Reference), Is.True);

    [Test]
    public void ThreadCountCanBeSetAndZeroIsRefused()
    {
        var original = Backends.Threads;
        try
        {
            Backends.Threads = 1;
            Assert.That(Backends.Threads, Is.EqualTo(1));
            Assert.Throws<ArgumentOutOfRangeException>(() => Backends.Threads = 0);
        }
        finally
        {
            Backends.Threads = original;
        }
    }

    [Test]
    public void LoadedLibraryMatchesTheGeneratedAbiVersion()
    {
        Assert.That(Backends.AbiVersion, Is.EqualTo(Interop.NativeMethods.NN_ABI_VERSION));
        Assert.That(Backends.NativeLibraryPath, Does.EndWith("libnativenn.so"));
        Assert.That(Backends.NativeVersion, Does.Match(@"^\d+\.\d+\.\d+"));
    }
}
