// The resolver, seen as a user sees it: `nativenn info` run as a child process with
// NATIVENN_LIBRARY pointing at a missing file, a library of another ABI version, and a library
// that is not NativeNN's. Each must end in one clear message, never a crash. Then the kernel level:
// NATIVENN_ISA forcing AVX2 on a CPU that has AVX-512 (a CPU without it, as the code sees it), a
// value that names no level, and the answers a LeNet-5 step gives at AVX2 against the reference.
using System.Diagnostics;

namespace NativeNN.Tests;

[NonParallelizable]
public class NativeLibraryResolverTests
{
    [Test]
    public void LibraryBesideTheAssemblyIsFoundAndReported()
    {
        var (exitCode, output, error) = RunInfo(libraryOverride: null);
        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(Path.Combine(AppContext.BaseDirectory, "libnativenn.so")));
        Assert.That(output, Does.Contain($"ABI version    : {Interop.NativeMethods.NN_ABI_VERSION}"));
    }

    [Test]
    public void MissingLibraryListsThePathTriedAndWhy()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"nativenn-missing-{Guid.NewGuid():N}", "libnativenn.so");
        var (exitCode, _, error) = RunInfo(missing);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain(missing).And.Contain("no such file").And.Contain("NATIVENN_LIBRARY"));
    }

    [Test]
    public void LibraryOfAnotherAbiVersionIsRefusedNamingBothVersions()
    {
        var library = CompileLibrary("int nn_abi_version(void) { return 999; }");
        var (exitCode, _, error) = RunInfo(library);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("ABI version 999").And.Contain($"ABI version {Interop.NativeMethods.NN_ABI_VERSION}"));
    }

    [Test]
    public void LibraryWithoutNativeNNExportsIsRefused()
    {
        var library = CompileLibrary("int something_else(void) { return 1; }");
        var (exitCode, _, error) = RunInfo(library);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("not a NativeNN library"));
    }

    [Test]
    public void FileThatIsNotALibraryIsRefusedWithTheLoadersReason()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nativenn-garbage-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, "this is not an ELF file");
        var (exitCode, _, error) = RunInfo(path);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain(path));
    }

    [Test]
    public void IsaForcedToAvx2ByTheEnvironmentIsTheActiveLevel()
    {
        if (!Backends.Supports(CpuIsa.Avx2))
        {
            Assert.Ignore("this CPU has no AVX2");
        }
        var (exitCode, output, error) = RunInfo(libraryOverride: null, isa: "avx2");
        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("active level   : Avx2"));
        Assert.That(error, Does.Not.Contain("NATIVENN_ISA"), "a supported level is taken without a warning");
    }

    [Test]
    public void IsaThatNamesNoLevelIsReportedAndTheBestLevelRuns()
    {
        var best = Backends.Supports(CpuIsa.Avx512) ? CpuIsa.Avx512 : Backends.Supports(CpuIsa.Avx2) ? CpuIsa.Avx2 : CpuIsa.Reference;
        var (exitCode, output, error) = RunInfo(libraryOverride: null, isa: "bogus");
        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("NATIVENN_ISA=bogus is not one of auto, reference, avx2, avx512"));
        Assert.That(output, Does.Contain($"active level   : {best}"));
    }

    // The whole step a user runs (conv, pooling, linear layers, cross entropy, backward): at AVX2 the
    // loss and every gradient match the reference kernels to float rounding.
    [Test]
    public void LeNet5StepAtAvx2GivesTheReferenceAnswers()
    {
        if (!Backends.Supports(CpuIsa.Avx2))
        {
            Assert.Ignore("this CPU has no AVX2");
        }
        var reference = BackendTests.On(Backends.Reference, LeNet5Step);
        var avx2 = BackendTests.On(Backends.Avx2, () =>
        {
            Assert.That(Backends.Isa, Is.EqualTo(CpuIsa.Avx2));
            return LeNet5Step();
        });
        Assert.That(avx2.Length, Is.EqualTo(reference.Length));
        for (var index = 0; index < reference.Length; index++)
        {
            Assert.That(avx2[index], Is.EqualTo(reference[index]).Within(1e-4f * Math.Max(1f, Math.Abs(reference[index]))), $"value {index}");
        }
    }

    // The loss, then every parameter's gradient, flattened.
    private static float[] LeNet5Step()
    {
        using var model = Models.Models.LeNet5(generator: new Generator(7));
        using var scope = Tensor.Scope();
        var images = Tensor.RandN([6, 1, 28, 28], 11);
        var labels = Tensor.FromArray([0L, 1L, 2L, 3L, 4L, 5L], 6);
        var loss = F.CrossEntropy(model.Forward(images), labels);
        loss.Backward();
        return [.. loss.ToArray(), .. model.Parameters().SelectMany(parameter => parameter.Grad!.ToArray())];
    }

    private static (int ExitCode, string Output, string Error) RunInfo(string? libraryOverride, string? isa = null) =>
        CliProcess.Run(["info"], new Dictionary<string, string?> { ["NATIVENN_LIBRARY"] = libraryOverride, ["NATIVENN_ISA"] = isa });

    private static string CompileLibrary(string source)
    {
        var directory = Directory.CreateTempSubdirectory("nativenn-resolver-").FullName;
        var sourcePath = Path.Combine(directory, "library.c");
        var libraryPath = Path.Combine(directory, "libnativenn.so");
        File.WriteAllText(sourcePath, source);
        var start = new ProcessStartInfo("cc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-shared", "-fPIC", "-o", libraryPath, sourcePath })
        {
            start.ArgumentList.Add(argument);
        }
        using var compiler = Process.Start(start)!;
        var error = compiler.StandardError.ReadToEnd();
        compiler.WaitForExit();
        Assert.That(compiler.ExitCode, Is.EqualTo(0), $"cc failed: {error}");
        return libraryPath;
    }
}
