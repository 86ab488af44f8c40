// The nativenn command as a user meets it: a short real training run that eval reproduces and
// resume continues, and every mistake answered by one line and a non-zero exit, with nothing lost.
using System.Text.RegularExpressions;
using NativeNN.Data;

namespace NativeNN.Tests;

public class CliTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("nativenn-cli-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void ShortTrainingRunIsReproducedByEvalAndContinuedByResume()
    {
        if (!DataSets.IsCached(DataSets.Mnist))
        {
            Assert.Ignore($"MNIST is not in {DataSets.DirectoryOf(DataSets.Mnist)}; ./build.sh data mnist fetches it (CI does)");
        }
        var run = Path.Combine(folder, "run");
        // An MLP on 5,000 images for one epoch: seconds, and well above chance.
        var (exitCode, output, error) = CliProcess.Run(["train", "--model", "mlp", "--epochs", "1", "--val-split", "55000", "--out", run]);
        Assert.That(exitCode, Is.EqualTo(0), error);
        var trained = Regex.Match(output, @"test accuracy of the best model .*: (\d+\.\d+) %");
        Assert.That(trained.Success, Is.True, output);
        Assert.That(double.Parse(trained.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(80));
        foreach (var file in new[] { "model.safetensors", "last.safetensors", "optimizer.safetensors", "metrics.csv", "curves.png", "config.json" })
        {
            Assert.That(File.Exists(Path.Combine(run, file)), Is.True, $"{file} was written");
        }
        Assert.That(Directory.GetFiles(run, "*" + AtomicFile.PartialSuffix), Is.Empty, "no temporary file is left");

        var evaluation = CliProcess.Run(["eval", "--checkpoint", run]);
        Assert.That(evaluation.ExitCode, Is.EqualTo(0), evaluation.Error);
        Assert.That(evaluation.Output, Does.Contain($"accuracy {trained.Groups[1].Value} %"));
        Assert.That(evaluation.Output, Does.Contain("confusion matrix"));

        // The same checkpoint through the C# kernels: summation order differs, so a borderline image may flip.
        var managed = CliProcess.Run(["eval", "--checkpoint", run, "--backend", "managed"]);
        Assert.That(managed.ExitCode, Is.EqualTo(0), managed.Error);
        var managedAccuracy = Regex.Match(managed.Output, @"accuracy (\d+\.\d+) %");
        Assert.That(managedAccuracy.Success, Is.True, managed.Output);
        Assert.That(double.Parse(managedAccuracy.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            Is.EqualTo(double.Parse(trained.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Within(0.05));

        var configuration = Path.Combine(run, "config.json");
        File.WriteAllText(configuration, File.ReadAllText(configuration).Replace("\"epochs\": 1", "\"epochs\": 2"));
        var resumed = CliProcess.Run(["resume", run]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Output, Does.Contain("resuming").And.Contain("epoch 2/2"));
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.csv")), Has.Length.EqualTo(3), "header and two epochs");
    }

    [Test]
    public void DivergingTrainingStopsWithOneLineNamingTheLearningRate()
    {
        if (!DataSets.IsCached(DataSets.Mnist))
        {
            Assert.Ignore($"MNIST is not in {DataSets.DirectoryOf(DataSets.Mnist)}; ./build.sh data mnist fetches it (CI does)");
        }
        var run = Path.Combine(folder, "run");
        var (exitCode, _, error) = CliProcess.Run(["train", "--model", "mlp", "--epochs", "1", "--lr", "1e12", "--val-split", "55000", "--out", run]);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Match(@"the loss became (NaN|-?∞|-?Infinity) at epoch 1, batch \d+: the learning rate \(1000000000000\) is probably too high"));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void CorruptCheckpointIsRefusedInOneLineAndLeftAsItWas()
    {
        var run = WriteRunFolder("mlp");
        var model = Path.Combine(run, "model.safetensors");
        File.WriteAllBytes(model, [1, 2, 3]);
        var (exitCode, _, error) = CliProcess.Run(["eval", "--checkpoint", run, "--data", folder]);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error.Trim(), Does.StartWith("nativenn: error:").And.Not.Contain("\n"));
        Assert.That(File.ReadAllBytes(model), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void CheckpointOfAnotherModelIsRefused()
    {
        var run = WriteRunFolder("mlp");
        using (var lenet = Models.Models.LeNet5())
        {
            NativeNN.IO.SafeTensors.Save(Path.Combine(run, "model.safetensors"), lenet.StateDict(), new Dictionary<string, string> { ["model"] = "lenet5" });
        }
        if (!DataSets.IsCached(DataSets.Mnist))
        {
            Assert.Ignore("needs the MNIST test set in the cache to get as far as the checkpoint");
        }
        var (exitCode, _, error) = CliProcess.Run(["eval", "--checkpoint", run]);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("holds a lenet5 model").And.Contain("mlp"));
    }

    [Test]
    public void MissingDataIsReportedWithTheCommandThatFetchesIt()
    {
        var run = WriteRunFolder("mlp");
        var empty = Path.Combine(folder, "empty");
        Directory.CreateDirectory(empty);
        var (exitCode, _, error) = CliProcess.Run(["eval", "--checkpoint", run, "--data", empty]);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("nativenn data fetch mnist").And.Contain(empty));
    }

    [TestCase(new[] { "train", "--model", "resnet" }, "--model must be one of lenet5, mlp")]
    [TestCase(new[] { "train", "--epochs", "0" }, "--epochs must be 1 or more")]
    [TestCase(new[] { "train", "--optimizer", "lbfgs" }, "--optimizer must be one of")]
    [TestCase(new[] { "train", "--device", "cuda:0" }, "--device: cuda:0 ")]
    [TestCase(new[] { "train", "--device", "gpu" }, "--device must be cpu, cuda or cuda:N, not 'gpu'")]
    [TestCase(new[] { "train", "--isa", "sse" }, "--backend must be auto, reference, avx2, avx512 or managed")]
    [TestCase(new[] { "eval", "--checkpoint", "/nonexistent/run" }, "is not a training run folder")]
    [TestCase(new[] { "resume", "/nonexistent/run" }, "is not a training run folder")]
    public void MistakesEndInOneClearLine(string[] arguments, string expected)
    {
        var (exitCode, _, error) = CliProcess.Run(arguments);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void UnknownOptionIsRejected()
    {
        var (exitCode, _, error) = CliProcess.Run(["train", "--bogus"]);
        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain("--bogus"));
    }

    private string WriteRunFolder(string model)
    {
        var run = Path.Combine(folder, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.json"), $"{{ \"model\": \"{model}\", \"dataset\": \"mnist\" }}");
        return run;
    }
}
