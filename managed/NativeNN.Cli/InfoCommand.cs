// `nativenn info`: which native library was loaded, its versions, the CPU levels, threads and CUDA devices.
using System.CommandLine;

namespace NativeNN.Cli;

internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the loaded native library, its ABI version, CPU kernel levels, threads and CUDA devices.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"native library : {Backends.NativeLibraryPath}");
            Console.WriteLine($"native version : {Backends.NativeVersion}");
            Console.WriteLine($"ABI version    : {Backends.AbiVersion}");
            var levels = new[] { CpuIsa.Reference, CpuIsa.Avx2, CpuIsa.Avx512 };
            Console.WriteLine($"CPU levels     : {string.Join(", ", levels.Select(level => $"{level} {(Backends.Supports(level) ? "yes" : "no")}"))}");
            Console.WriteLine($"active level   : {Backends.Isa}");
            Console.WriteLine($"backend        : {Backends.Current}");
            Console.WriteLine($"threads        : {Backends.Threads}");
            var cudaCount = Device.CudaCount;
            Console.WriteLine(cudaCount > 0
                ? $"CUDA devices   : {cudaCount} ({string.Join(", ", Enumerable.Range(0, cudaCount).Select(index => Device.Cuda(index)))})"
                : $"CUDA devices   : 0 ({Device.Cuda(0).UnavailableReason})");
            Console.WriteLine($"tensor memory  : {TensorMemory.LiveBytes} bytes live, {TensorMemory.CachedBytes} bytes cached");
            return 0;
        });
        return command;
    }
}
