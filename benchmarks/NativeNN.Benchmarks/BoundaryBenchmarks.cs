// The fixed cost of crossing into libnativenn: the cheapest export, a kernel on one element, the
// same export through SafeHandles and through raw handles, and an operator that also makes its
// output tensor. Native only (the AVX-512 job).
using BenchmarkDotNet.Attributes;
using NativeNN.Interop;

namespace NativeNN.Benchmarks;

[NativeBaselineOnly]
[MemoryDiagnoser]
public class BoundaryBenchmarks
{
    private Tensor a = null!, b = null!, output = null!;
    private TensorHandle aHandle = null!, bHandle = null!, outputHandle = null!;
    private nint aRaw, bRaw, outputRaw;

    [GlobalSetup]
    public void SetUp()
    {
        BenchmarkBackend.Apply(1);
        a = Tensor.FromArray([1f], 1);
        b = Tensor.FromArray([2f], 1);
        output = Tensor.Zeros(1);
        (aHandle, bHandle, outputHandle) = (a.Handle, b.Handle, output.Handle);
        (aRaw, bRaw, outputRaw) = (aHandle.DangerousGetHandle(), bHandle.DangerousGetHandle(), outputHandle.DangerousGetHandle());
    }

    /// <summary>nn_abi_version: no arguments, returns a constant.</summary>
    [Benchmark]
    public int NoOpCall() => NativeMethods.nn_abi_version();

    /// <summary>nn_add on one element through three SafeHandles (reference counted around the call).</summary>
    [Benchmark]
    public int AddSafeHandles() => (int)NativeMethods.nn_add(aHandle, bHandle, outputHandle);

    /// <summary>The same export with the handles passed as raw pointers.</summary>
    [Benchmark]
    public int AddRawHandles() => (int)NativeMethods.nn_add_raw(aRaw, bRaw, outputRaw);

    /// <summary>What the ops do per kernel call: the disposed checks, the call and the status check.</summary>
    [Benchmark]
    public void AddKernelCall() => Kernels.Add(a, b, output);

    /// <summary>a + b as user code writes it: a new output tensor (native create, shape queries, the
    /// managed Tensor), the kernel, and the dispose.</summary>
    [Benchmark]
    public void AddOperatorNewTensor()
    {
        using var sum = a + b;
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        a.Dispose();
        b.Dispose();
        output.Dispose();
    }
}

/// <summary>Marks a class whose rows only make sense on one backend: it runs in the baseline job alone.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NativeBaselineOnlyAttribute : Attribute;
