// The generated structs must have clang's sizes and offsets, or every call passing them is
// silently wrong; the generator emits one check per struct field and enum.
using NativeNN.Interop;

namespace NativeNN.Tests;

public class BindingLayoutTests
{
    private static IEnumerable<TestCaseData> Checks() =>
        NativeLayout.Checks().Select(check => new TestCaseData(check.Expected, check.Actual).SetName($"Layout {check.Name}"));

    [TestCaseSource(nameof(Checks))]
    public void ManagedLayoutMatchesClang(long expected, long actual) => Assert.That(actual, Is.EqualTo(expected));

    [Test]
    public void ThereAreChecksForEveryStructInTheHeader() =>
        Assert.That(NativeLayout.Checks().Select(check => check.Name), Has.Some.Contains("sizeof(nn_memory_stats)"));

    [Test]
    public unsafe void StatsStructCrossesTheBoundaryIntact()
    {
        using var tensor = Tensor.Zeros(1000);
        nn_memory_stats stats;
        NativeStatus.Check(NativeMethods.nn_memory_get_stats(&stats));
        Assert.That(stats.live_tensors, Is.GreaterThanOrEqualTo(1));
        Assert.That(stats.live_bytes, Is.GreaterThanOrEqualTo(4000));
        Assert.That(stats.peak_bytes, Is.GreaterThanOrEqualTo(stats.live_bytes));
    }
}
