// The resolver, seen as a user sees it: `nativenn info` run as a child process with
// NATIVENN_LIBRARY pointing at a missing file, a library of another ABI version, and a library
// that is not NativeNN's. Each must end in one clear message, never a crash.
using System.Diagnostics;

namespace NativeNN.Tests;

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

    private static (int ExitCode, string Output, string Error) RunInfo(string? libraryOverride) =>
        CliProcess.Run(["info"], new Dictionary<string, string?> { ["NATIVENN_LIBRARY"] = libraryOverride });

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
