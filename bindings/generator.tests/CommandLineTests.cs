using NativeNN.BindingGenerator;

namespace NativeNN.BindingGenerator.Tests;

/// <summary>Writing, and --check, which must never write and must name the first difference.</summary>
public sealed class CommandLineTests
{
    private string directory = string.Empty;
    private string output = string.Empty;

    [SetUp]
    public void CreateDirectory()
    {
        directory = Directory.CreateTempSubdirectory("bindings-check-").FullName;
        output = Path.Combine(directory, "Sample.g.cs");
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public void WriteThenCheckReportsCurrent()
    {
        Assert.That(Run(check: false, out var written, out _), Is.EqualTo(CommandLine.Success));
        Assert.That(written, Does.Contain("wrote"));
        var bytes = File.ReadAllBytes(output);
        Assert.That(bytes.Take(3), Is.Not.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "no byte order mark");

        Assert.That(Run(check: true, out var checkedOutput, out _), Is.EqualTo(CommandLine.Success));
        Assert.That(checkedOutput, Does.Contain("bindings are current"));
    }

    [Test]
    public void CheckOnAStaleFileExitsOneNamesTheLineAndWritesNothing()
    {
        Run(check: false, out _, out _);
        var lines = File.ReadAllLines(output);
        lines[9] = "    // edited";
        var stale = string.Join("\n", lines) + "\n";
        File.WriteAllText(output, stale);

        Assert.That(Run(check: true, out _, out var error), Is.EqualTo(CommandLine.OutOfDate));
        Assert.That(error, Does.Contain("first difference at line 10"));
        Assert.That(error, Does.Contain("on disk:   " + "    // edited"));
        Assert.That(error, Does.Contain("run ./build.sh bindings to regenerate"));
        Assert.That(File.ReadAllText(output), Is.EqualTo(stale));
    }

    [Test]
    public void CheckWithoutAFileExitsOne()
    {
        Assert.That(Run(check: true, out _, out var error), Is.EqualTo(CommandLine.OutOfDate));
        Assert.That(error, Does.Contain("does not exist").And.Contain("run ./build.sh bindings to regenerate"));
        Assert.That(File.Exists(output), Is.False);
    }

    [Test]
    public void MissingArgumentsPrintUsage()
    {
        var error = new StringWriter();
        Assert.That(CommandLine.Run(["--check"], TextWriter.Null, error), Is.EqualTo(CommandLine.Failure));
        Assert.That(error.ToString(), Does.Contain("usage:"));
    }

    private int Run(bool check, out string standardOutput, out string standardError)
    {
        var arguments = new List<string>
        {
            "--header", SampleHeaderTests.TestData("sample.h"),
            "--output", output,
            "--config", SampleHeaderTests.TestData("sample.json"),
        };
        if (check)
        {
            arguments.Add("--check");
        }
        var outputWriter = new StringWriter();
        var errorWriter = new StringWriter();
        var exitCode = CommandLine.Run([.. arguments], outputWriter, errorWriter);
        standardOutput = outputWriter.ToString();
        standardError = errorWriter.ToString();
        return exitCode;
    }
}
