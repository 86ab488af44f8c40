// Replays the fuzzing corpus (fuzz/corpus: seeds and inputs that reached new code) and every input
// the fuzzer ever found a problem with (fuzz/regressions) through the same targets the fuzzer runs:
// each file must be accepted or refused with the parser's documented exception, and leave no
// native memory behind. Seconds, so it runs with every test.
using NativeNN.Fuzz;

namespace NativeNN.Tests.IO;

public class FuzzCorpusTests
{
    private static string Folder(string kind) => Path.Combine(AppContext.BaseDirectory, "fuzz", kind);

    public static IEnumerable<TestCaseData> Inputs() =>
        from kind in new[] { "corpus", "regressions" }
        from target in FuzzTargets.Names
        let folder = Path.Combine(Folder(kind), target)
        where Directory.Exists(folder)
        from file in Directory.GetFiles(folder).Order(StringComparer.Ordinal)
        select new TestCaseData(target, file).SetArgDisplayNames(target, $"{kind}/{Path.GetFileName(file)}");

    [TestCaseSource(nameof(Inputs))]
    public void InputIsAcceptedOrRefusedCleanly(string target, string file) =>
        Assert.DoesNotThrow(() => FuzzTargets.Run(target, File.ReadAllBytes(file)));

    [Test]
    public void EveryTargetHasASeedItAccepts()
    {
        foreach (var target in FuzzTargets.Names)
        {
            var folder = Path.Combine(Folder("corpus"), target);
            Assert.That(Directory.Exists(folder), Is.True, $"{folder} is copied beside the tests");
            Assert.That(Directory.GetFiles(folder).Count(file => FuzzTargets.Run(target, File.ReadAllBytes(file))), Is.GreaterThan(0),
                $"{target}: a parser that refuses every seed would make the fuzzer explore nothing");
        }
    }

    [Test]
    public void UnknownTargetIsNamed() =>
        Assert.That(Assert.Throws<ArgumentException>(() => FuzzTargets.Run("xml", []))!.Message, Does.Contain("idx, fashion-json"));
}
