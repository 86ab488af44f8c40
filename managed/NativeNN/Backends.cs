// Which kernels run: the backend (native at one CPU instruction-set level, or managed C#) and the
// thread count, process-wide.
using System.Runtime.InteropServices;
using NativeNN.Interop;
using NativeNN.KernelBackends;

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

/// <summary>A set of kernels every op can run on: one native CPU level ("reference", "avx2",
/// "avx512") or the pure C# kernels ("managed"). Pick one with <see cref="Backends.Current"/>.</summary>
public sealed class Backend
{
    internal Backend(string name, CpuIsa? nativeIsa)
    {
        Name = name;
        NativeIsa = nativeIsa;
    }

    /// <summary>"reference", "avx2", "avx512" or "managed".</summary>
    public string Name { get; }

    /// <summary>Whether this machine can run the backend (the native levels need the CPU's
    /// instruction set; the managed one runs everywhere).</summary>
    public bool IsAvailable => NativeIsa is not { } isa || Backends.Supports(isa);

    /// <summary>The native level, or null for the managed backend.</summary>
    internal CpuIsa? NativeIsa { get; }

    internal IKernelBackend Kernels => NativeIsa is null ? ManagedKernels.Instance : NativeKernels.Instance;

    public override string ToString() => Name;
}

/// <summary>Process-wide choice of kernels and threads, and facts about the loaded native library.</summary>
public static class Backends
{
    private static int? threads;

    /// <summary>Native portable scalar kernels: the oracle every other backend is tested against.</summary>
    public static Backend Reference { get; } = new("reference", CpuIsa.Reference);

    /// <summary>Native AVX2 + FMA kernels.</summary>
    public static Backend Avx2 { get; } = new("avx2", CpuIsa.Avx2);

    /// <summary>Native AVX-512 kernels.</summary>
    public static Backend Avx512 { get; } = new("avx512", CpuIsa.Avx512);

    /// <summary>Pure C# kernels (System.Numerics.Tensors, Vector512/Vector256, Parallel.For) on the
    /// same native tensor storage: for managed-versus-native comparisons and as a second oracle.</summary>
    public static Backend Managed { get; } = new("managed", null);

    /// <summary>The backends this machine can run, native levels first.</summary>
    public static IReadOnlyList<Backend> All => [.. new[] { Reference, Avx2, Avx512, Managed }.Where(backend => backend.IsAvailable)];

    /// <summary>The backend every kernel runs on now. Setting a native level selects the native
    /// kernels at that level (as <see cref="Isa"/> does); setting <see cref="Managed"/> routes every
    /// kernel to C#. A backend this machine cannot run throws <see cref="NotSupportedException"/>.
    /// The environment variable NATIVENN_BACKEND (native, managed, reference, avx2, avx512) sets it at
    /// start-up; NATIVENN_ISA still picks the native level.</summary>
    public static Backend Current
    {
        get => Kernels.Backend is NativeKernels ? FromIsa(Isa) : Managed;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!value.IsAvailable)
            {
                throw new NotSupportedException(
                    $"Backend {value.Name} is not available on this machine; Backends.All lists the ones that are ({string.Join(", ", All)}).");
            }
            if (value.NativeIsa is { } isa)
            {
                NativeStatus.Check(NativeMethods.nn_set_isa((nn_isa)isa));
            }
            Kernels.Backend = value.Kernels;
        }
    }

    /// <summary>The level the native kernels run at. Setting <see cref="CpuIsa.Auto"/> returns to the
    /// best supported; setting a level the CPU lacks throws <see cref="NotSupportedException"/>. The
    /// environment variable NATIVENN_ISA sets it at start-up. It does not switch away from the
    /// managed backend (set <see cref="Current"/> for that), so a program that always sets the level
    /// still honours NATIVENN_BACKEND=managed.</summary>
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

    /// <summary>Threads the kernels use (1 or more), native and managed; defaults to the number of cores.</summary>
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
            threads = value;
        }
    }

    /// <summary><see cref="Threads"/> without a native call on every managed kernel.</summary>
    internal static int ThreadCount => threads ??= Threads;

    /// <summary>Full path of the loaded libnativenn.</summary>
    public static string NativeLibraryPath => NativeLibraryResolver.LoadedPath;

    /// <summary>Version text of the loaded libnativenn.</summary>
    public static unsafe string NativeVersion => Marshal.PtrToStringUTF8((nint)NativeMethods.nn_version()) ?? "";

    /// <summary>ABI version of the loaded libnativenn (equal to the one this assembly was built for).</summary>
    public static int AbiVersion => NativeMethods.nn_abi_version();

    private static Backend FromIsa(CpuIsa isa) => isa switch
    {
        CpuIsa.Avx512 => Avx512,
        CpuIsa.Avx2 => Avx2,
        _ => Reference,
    };

    /// <summary>The kernels NATIVENN_BACKEND asks for at start-up; an unknown or unavailable value
    /// warns on stderr and keeps the native kernels, as NATIVENN_ISA does.</summary>
    internal static IKernelBackend KernelsFromEnvironment()
    {
        var setting = Environment.GetEnvironmentVariable("NATIVENN_BACKEND");
        if (string.IsNullOrEmpty(setting) || setting.Equals("native", StringComparison.OrdinalIgnoreCase))
        {
            return NativeKernels.Instance;
        }
        var chosen = new[] { Reference, Avx2, Avx512, Managed }
            .FirstOrDefault(backend => backend.Name.Equals(setting, StringComparison.OrdinalIgnoreCase));
        if (chosen is null || !chosen.IsAvailable)
        {
            Console.Error.WriteLine(chosen is null
                ? $"nativenn: warning: NATIVENN_BACKEND={setting} is not one of native, managed, reference, avx2, avx512; using native"
                : $"nativenn: warning: NATIVENN_BACKEND={setting} but this machine cannot run it; using native");
            return NativeKernels.Instance;
        }
        if (chosen.NativeIsa is { } isa)
        {
            NativeStatus.Check(NativeMethods.nn_set_isa((nn_isa)isa));
        }
        return chosen.Kernels;
    }
}
