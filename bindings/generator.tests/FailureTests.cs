using NativeNN.BindingGenerator;

namespace NativeNN.BindingGenerator.Tests;

/// <summary>Headers and configurations the generator must refuse, saying what to fix.</summary>
public sealed class FailureTests
{
    private string directory = string.Empty;

    [SetUp]
    public void CreateDirectory()
    {
        directory = Directory.CreateTempSubdirectory("bindings-failure-").FullName;
    }

    [TearDown]
    public void DeleteDirectory()
    {
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public void AnErrorInTheHeaderFailsGenerationWithClangsDiagnostic()
    {
        var exception = Assert.Throws<GenerationException>(() =>
            Generator.Generate(SampleHeaderTests.TestData("broken.h"), SampleHeaderTests.SampleConfiguration(), TextWriter.Null));
        Assert.That(exception!.Message, Does.Contain("unknown type name 'unknown_type'"));
        Assert.That(exception.Message, Does.Contain("broken.h:4"));
    }

    [Test]
    public void AnErrorInTheHeaderExitsNonZeroAndWritesNothing()
    {
        var output = Path.Combine(directory, "Out.g.cs");
        var error = new StringWriter();
        var exitCode = CommandLine.Run(
            ["--header", SampleHeaderTests.TestData("broken.h"), "--output", output, "--config", SampleHeaderTests.TestData("sample.json")],
            TextWriter.Null, error);
        Assert.That(exitCode, Is.EqualTo(CommandLine.Failure));
        Assert.That(error.ToString(), Does.Contain("error:").And.Contain("unknown type name 'unknown_type'"));
        Assert.That(File.Exists(output), Is.False);
    }

    [Test]
    public void PlatformSizedLongIsRefused()
    {
        var exception = Assert.Throws<GenerationException>(() => Generate("#include <stdint.h>\nint32_t f(long value);\n"));
        Assert.That(exception!.Message, Does.Contain("int64_t"));
    }

    [Test]
    public void AnOpaquePointerWithoutAHandleMappingIsRefused()
    {
        var exception = Assert.Throws<GenerationException>(() =>
            Generate("typedef struct other other;\ntypedef struct sample_tensor sample_tensor;\ntypedef struct sample_model sample_model;\n" +
                     "int f(other* value);\nint sample_release(sample_tensor* t);\nint sample_model_close(sample_model* m);\n" +
                     "int sample_create(void);\nint sample_model_open(void);\n"));
        Assert.That(exception!.Message, Does.Contain("'other'").And.Contain("handles"));
    }

    [Test]
    public void AHandleMappingForAnUndeclaredTypeIsRefused()
    {
        var exception = Assert.Throws<GenerationException>(() => Generate("int f(void);\n"));
        Assert.That(exception!.Message, Does.Contain("sample_tensor"));
    }

    [Test]
    public void BitFieldsAreRefused()
    {
        var exception = Assert.Throws<GenerationException>(() => Generate("struct s { unsigned int a : 3; };\n", emptyConfiguration: true));
        Assert.That(exception!.Message, Does.Contain("bit-field"));
    }

    [Test]
    public void ARawHandleFunctionTheHeaderLacksIsRefused()
    {
        var configuration = BindingsConfiguration.Parse(
            "{ \"namespace\": \"A\", \"className\": \"B\", \"libraryName\": \"c\", \"rawHandleFunctions\": [\"g\"] }");
        var header = Path.Combine(directory, "header.h");
        File.WriteAllText(header, "int f(void);\n");
        var exception = Assert.Throws<GenerationException>(() => Generator.Generate(header, configuration, TextWriter.Null));
        Assert.That(exception!.Message, Does.Contain("raw-handle function 'g'"));
    }

    [Test]
    public void UnknownConfigurationPropertiesAreRefused()
    {
        var exception = Assert.Throws<GenerationException>(() => BindingsConfiguration.Parse(
            "{ \"namespace\": \"A\", \"className\": \"B\", \"libraryName\": \"c\", \"handle\": {} }"));
        Assert.That(exception!.Message, Does.Contain("'handle'"));
    }

    private string Generate(string headerText, bool emptyConfiguration = false)
    {
        var header = Path.Combine(directory, "header.h");
        File.WriteAllText(header, headerText);
        var configuration = emptyConfiguration
            ? BindingsConfiguration.Parse("{ \"namespace\": \"A\", \"className\": \"B\", \"libraryName\": \"c\" }")
            : SampleHeaderTests.SampleConfiguration();
        return Generator.Generate(header, configuration, TextWriter.Null);
    }
}
