// `nativenn --device cuda` and `nativenn info` as a user sees them, run as child processes. Without
// NATIVENN_CUDA_LIBRARY the real loader looks beside libnativenn.so; with it, the process loads a
// test double of libnativenn_cuda.so compiled here from native/tests/doubles, which follows the
// loader's contract and reports a chosen answer (no device, two devices) without running CUDA.
using System.Diagnostics;

namespace NativeNN.Tests;

public class CudaCliTests
{
    [TestCase("train", "--device", "cuda")]
    [TestCase("eval", "--checkpoint", "/nonexistent/run", "--device", "cuda")]
    public void CudaWithoutTheLibraryEndsInOneLineThatSaysWhyAndWhatToDo(params string[] arguments)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "libnativenn_cuda.so");
        if (File.Exists(beside))
        {
            Assert.Ignore($"{beside} was built here, so the loader finds it");
        }
        var (exitCode, output, error) = CliProcess.Run(arguments, NoCudaVariable);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.StartWith(
            $"nativenn: error: --device: cuda:0 is not available: libnativenn_cuda.so was not found (looked in {beside}). " +
            "Build with -DNATIVENN_CUDA=ON on a machine with a CUDA toolkit"));
    }

    [Test]
    public void InfoShowsNoCudaDeviceAndTheReason()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"nativenn-missing-{Guid.NewGuid():N}", "libnativenn_cuda.so");
        var (exitCode, output, error) = CliProcess.Run(["info"], Variable(missing));
        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(
            $"CUDA devices   : 0 (cuda:0 is not available: NATIVENN_CUDA_LIBRARY is {missing}, which does not exist)"));
    }

    [Test]
    public void DriverWithoutDeviceIsTheReasonTrainGives()
    {
        var library = CompileDouble("no_device", state: 2, devices: 0, "cudaErrorNoDevice: no CUDA-capable device is detected");
        var (exitCode, _, error) = CliProcess.Run(["train", "--device", "cuda:0"], Variable(library));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Is.EqualTo(
            "nativenn: error: --device: cuda:0 is not available: the NVIDIA driver (CUDA 13.0) reports no CUDA device " +
            "(cudaErrorNoDevice: no CUDA-capable device is detected)\n"));
    }

    [Test]
    public void PresentDevicesAreListedAndRefusedForTrainingUntilKernelsExist()
    {
        var library = CompileDouble("two_devices", state: 0, devices: 2, "");
        var info = CliProcess.Run(["info"], Variable(library));
        Assert.That(info.ExitCode, Is.EqualTo(0), info.Error);
        Assert.That(info.Output, Does.Contain("CUDA devices   : 2 (cuda:0, cuda:1)"));

        var present = CliProcess.Run(["train", "--device", "cuda:1"], Variable(library));
        Assert.That(present.ExitCode, Is.EqualTo(1));
        Assert.That(present.Error, Is.EqualTo(
            "nativenn: error: --device: cuda:1 is present, but this build of NativeNN has no CUDA tensor storage or kernels yet; " +
            "tensors stay on the CPU.\n"));

        var absent = CliProcess.Run(["train", "--device", "cuda:2"], Variable(library));
        Assert.That(absent.ExitCode, Is.EqualTo(1));
        Assert.That(absent.Error, Is.EqualTo(
            "nativenn: error: --device: cuda:2 does not exist: 2 CUDA devices are present (cuda:0 to cuda:1)\n"));
    }

    private static Dictionary<string, string?> NoCudaVariable => new() { ["NATIVENN_CUDA_LIBRARY"] = null };

    private static Dictionary<string, string?> Variable(string library) => new() { ["NATIVENN_CUDA_LIBRARY"] = library };

    private static string CompileDouble(string name, int state, int devices, string detail)
    {
        var root = AppContext.BaseDirectory;
        const string source = "native/tests/doubles/cuda_entry_points_double.cpp";
        while (!File.Exists(Path.Combine(root, source)))
        {
            root = Path.GetDirectoryName(root) ?? throw new FileNotFoundException($"{source} is not above {AppContext.BaseDirectory}");
        }
        var directory = Directory.CreateTempSubdirectory("nativenn-cuda-double-").FullName;
        var library = Path.Combine(directory, $"libnativenn_cuda_{name}.so");
        var start = new ProcessStartInfo("c++") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     "-shared", "-fPIC", "-o", library, $"-I{Path.Combine(root, "native/src")}",
                     $"-DNATIVENN_DOUBLE_STATE={state}", $"-DNATIVENN_DOUBLE_DEVICES={devices}", "-DNATIVENN_DOUBLE_VERSION=1",
                     $"-DNATIVENN_DOUBLE_DETAIL=\"{detail}\"", Path.Combine(root, source),
                 })
        {
            start.ArgumentList.Add(argument);
        }
        using var compiler = Process.Start(start)!;
        var error = compiler.StandardError.ReadToEnd();
        compiler.WaitForExit();
        Assert.That(compiler.ExitCode, Is.EqualTo(0), $"c++ failed: {error}");
        return library;
    }
}
