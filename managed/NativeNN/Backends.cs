// Which kernels run: the CPU instruction-set level and the thread count, process-wide.
using System.Runtime.InteropServices;
using NativeNN.Interop;

namespace NativeNN;

/// <summary>CPU kernel level (mirrors nn_isa).</summary>
public enum CpuIsa
{
    /// <summary>The best level this CPU supports.</summary>
    Auto = nn_isa.NN_ISA_AUTO,

    /// <summary>Portable scalar kernels, the reference every other level is tested against.</summary>
    Reference = nn_isa.NN_ISA_REFERENCE,

    /// <summary>AVX2 + FMA kernels.</summary>
    Avx2 = nn_isa.NN_ISA_AVX2,

    /// <summary>AVX-512 kernels.</summary>
    Avx512 = nn_isa.NN_ISA_AVX512,
}

/// <summary>Process-wide choice of kernels and threads, and facts about the loaded native library.</summary>
public static class Backends
{
    /// <summary>The level kernels run at now. Setting <see cref="CpuIsa.Auto"/> returns to the best
    /// supported; setting a level the CPU lacks throws <see cref="NotSupportedException"/>. The
    /// environment variable NATIVENN_ISA sets it at start-up.</summary>
    public static unsafe CpuIsa Isa
    {
        get
        {
            nn_isa isa;
            NativeStatus.Check(NativeMethods.nn_get_isa(&isa));
            return (CpuIsa)isa;
        }
        set => NativeStatus.Check(NativeMethods.nn_set_isa((nn_isa)value));
    }

    /// <summary>Whether this CPU can run kernels of <paramref name="isa"/>.</summary>
    public static unsafe bool Supports(CpuIsa isa)
    {
        int supported;
        NativeStatus.Check(NativeMethods.nn_cpu_supports_isa((nn_isa)isa, &supported));
        return supported != 0;
    }

    /// <summary>Threads the native kernels use (1 or more); defaults to the number of cores.</summary>
    public static unsafe int Threads
    {
        get
        {
            int count;
            NativeStatus.Check(NativeMethods.nn_get_num_threads(&count));
            return count;
        }
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Threads must be 1 or more.");
            }
            NativeStatus.Check(NativeMethods.nn_set_num_threads(value));
        }
    }

    /// <summary>Full path of the loaded libnativenn.</summary>
    public static string NativeLibraryPath => NativeLibraryResolver.LoadedPath;

    /// <summary>Version text of the loaded libnativenn.</summary>
    public static unsafe string NativeVersion => Marshal.PtrToStringUTF8((nint)NativeMethods.nn_version()) ?? "";

    /// <summary>ABI version of the loaded libnativenn (equal to the one this assembly was built for).</summary>
    public static int AbiVersion => NativeMethods.nn_abi_version();
}
