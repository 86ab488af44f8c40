// Process-wide settings: backend, kernel level and threads.
namespace NativeNN.Tests;

[NonParallelizable]
public class BackendTests
{
    /// <summary>Runs <paramref name="body"/> with <paramref name="backend"/> selected, then restores
    /// the backend and the native level that were current before.</summary>
    internal static T On<T>(Backend backend, Func<T> body)
    {
        var (originalBackend, originalIsa) = (Backends.Current, Backends.Isa);
        try
        {
            Backends.Current = backend;
            return body();
        }
        finally
        {
            Backends.Isa = originalIsa;
            Backends.Current = originalBackend;
        }
    }

    internal static void On(Backend backend, Action body) => On(backend, () =>
    {
        body();
        return 0;
    });

    internal static Backend Named(string name) =>
        new[] { Backends.Reference, Backends.Avx2, Backends.Avx512, Backends.Managed }.Single(backend => backend.Name == name);

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
    public void BackendsHaveTheirNamesAndAllListsTheAvailableOnes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Backends.Reference.Name, Is.EqualTo("reference"));
            Assert.That(Backends.Avx2.Name, Is.EqualTo("avx2"));
            Assert.That(Backends.Avx512.Name, Is.EqualTo("avx512"));
            Assert.That(Backends.Managed.Name, Is.EqualTo("managed"));
            Assert.That(Backends.Avx512.ToString(), Is.EqualTo("avx512"));
            Assert.That(Backends.Reference.IsAvailable, Is.True);
            Assert.That(Backends.Avx2.IsAvailable, Is.EqualTo(Backends.Supports(CpuIsa.Avx2)));
            Assert.That(Backends.Avx512.IsAvailable, Is.EqualTo(Backends.Supports(CpuIsa.Avx512)));
            Assert.That(Backends.All, Does.Contain(Backends.Reference));
            Assert.That(Backends.All.All(backend => backend.IsAvailable), Is.True);
        });
    }

    [Test]
    public void SettingANativeBackendSetsTheLevelAndTheLevelFollowsBack()
    {
        On(Backends.Reference, () =>
        {
            Assert.That(Backends.Current, Is.SameAs(Backends.Reference));
            Assert.That(Backends.Isa, Is.EqualTo(CpuIsa.Reference));
            if (Backends.Avx2.IsAvailable)
            {
                Backends.Isa = CpuIsa.Avx2;
                Assert.That(Backends.Current, Is.SameAs(Backends.Avx2));
            }
        });
    }

    [Test]
    public void SelectingManagedRoutesEveryKernelToCSharpAndTheLevelDoesNotLeaveIt()
    {
        var before = Kernels.Backend;
        On(Backends.Managed, () =>
        {
            Assert.That(Backends.Current, Is.SameAs(Backends.Managed));
            Assert.That(Kernels.Backend, Is.SameAs(KernelBackends.ManagedKernels.Instance));
            Backends.Isa = CpuIsa.Reference;
            Assert.That(Backends.Current, Is.SameAs(Backends.Managed));
        });
        Assert.That(Kernels.Backend, Is.SameAs(before));
        Assert.That(Backends.All, Does.Contain(Backends.Managed));
    }

    [Test]
    public void AnUnavailableBackendIsRefusedNamingIt()
    {
        var missing = new[] { Backends.Avx2, Backends.Avx512, Backends.Managed }.FirstOrDefault(backend => !backend.IsAvailable);
        if (missing is null)
        {
            Assert.Ignore("this machine can run every backend");
        }
        var original = Backends.Current;
        var error = Assert.Throws<NotSupportedException>(() => Backends.Current = missing)!;
        Assert.That(error.Message, Does.Contain(missing.Name));
        Assert.That(Backends.Current, Is.SameAs(original));
    }

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
