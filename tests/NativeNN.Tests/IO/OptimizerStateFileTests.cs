// Optimizer state on disk: it round-trips so that resumed training continues exactly, and a file
// that is damaged or belongs to another optimizer is refused with the field that is wrong.
using NativeNN.IO;
using NativeNN.Optim;

namespace NativeNN.Tests.IO;

public class OptimizerStateFileTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("nativenn-optimizer-state-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    private static void TrainSteps(Tensor parameter, Optimizer optimizer, int count)
    {
        for (var step = 0; step < count; step++)
        {
            using var scope = Tensor.Scope();
            optimizer.ZeroGrad();
            (parameter * parameter).Sum().Backward();
            optimizer.Step();
        }
    }

    [Test]
    public void ResumedAdamContinuesExactlyAsTheUninterruptedOne()
    {
        var path = Path.Combine(folder, "optimizer.safetensors");
        using var uninterrupted = Tensor.FromArray([0.5f, -1.5f, 2f], 3);
        uninterrupted.RequiresGrad = true;
        using var first = new Adam([uninterrupted], lr: 0.1);
        TrainSteps(uninterrupted, first, 3);
        using (var state = first.SaveState())
        {
            OptimizerStateFile.Save(path, state, new Dictionary<string, string> { ["epoch"] = "7" });
        }
        using var resumed = Tensor.FromArray(uninterrupted.ToArray(), 3);
        resumed.RequiresGrad = true;
        using var second = new Adam([resumed], lr: 0.5);
        var (loaded, metadata) = OptimizerStateFile.Load(path);
        using (loaded)
        {
            Assert.That(metadata["epoch"], Is.EqualTo("7"));
            Assert.That(loaded.Steps, Is.EqualTo(new[] { 3L }));
            second.LoadState(loaded);
        }
        Assert.That(second.LearningRate, Is.EqualTo(0.1));
        TrainSteps(uninterrupted, first, 2);
        TrainSteps(resumed, second, 2);
        Assert.That(resumed.ToArray(), Is.EqualTo(uninterrupted.ToArray()));
    }

    [TestCase("optimizer", null, "has no 'optimizer'")]
    [TestCase("optimizer", "", "'optimizer' is empty")]
    [TestCase("learning_rate", "NaN", "expected a finite number >= 0")]
    [TestCase("learning_rate", "-1", "expected a finite number >= 0")]
    [TestCase("learning_rate", "fast", "expected a finite number >= 0")]
    [TestCase("steps", "3,-1", "entry 1 is '-1'")]
    [TestCase("steps", "", "entry 0 is ''")]
    [TestCase("steps", "99999999999999999999", "entry 0")]
    [TestCase("steps", null, "has no 'steps'")]
    public void DamagedMetadataIsRefused(string key, string? value, string expected)
    {
        var path = Path.Combine(folder, "optimizer.safetensors");
        var metadata = new Dictionary<string, string> { ["optimizer"] = "Adam", ["learning_rate"] = "0.1", ["steps"] = "3,3" };
        if (value is null)
        {
            metadata.Remove(key);
        }
        else
        {
            metadata[key] = value;
        }
        using (var buffer = Tensor.Zeros(3))
        {
            // Written as a plain safetensors file with a valid checksum, so only the field is wrong.
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["0.exp_avg"] = buffer }, metadata);
        }
        var live = TensorMemory.LiveBytes;
        var error = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(path))!;
        Assert.That(error.Message, Does.Contain(path).And.Contain(expected));
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(live));
    }

    [TestCase("5.exp_avg", "F32", "parameter index below the 2")]
    [TestCase("exp_avg", "F32", "not named 'parameter.buffer'")]
    [TestCase("0.", "F32", "not named 'parameter.buffer'")]
    [TestCase("0.exp_avg", "I64", "optimizer buffers are float32")]
    public void BufferThatCannotBelongToTheStateIsRefused(string name, string dtype, string expected)
    {
        var path = Path.Combine(folder, "optimizer.safetensors");
        using (var buffer = dtype == "F32" ? Tensor.Zeros(3) : Tensor.FromArray([1L, 2L, 3L], 3))
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { [name] = buffer },
                new Dictionary<string, string> { ["optimizer"] = "Adam", ["learning_rate"] = "0.1", ["steps"] = "3,3" });
        }
        var error = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(path))!;
        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void StateWithoutAChecksumIsRefused()
    {
        var path = Path.Combine(folder, "optimizer.safetensors");
        var header = "{\"__metadata__\":{\"optimizer\":\"Adam\",\"learning_rate\":\"0.1\",\"steps\":\"1\"}}";
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)headerBytes.Length), .. headerBytes]);
        var error = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(path))!;
        Assert.That(error.Message, Does.Contain(SafeTensors.ChecksumKey));
    }

    [Test]
    public void LoadStateRefusesWhatDoesNotFitAndChangesNothing()
    {
        using var parameter = Tensor.FromArray([1f, 2f, 3f], 3);
        parameter.RequiresGrad = true;
        using var adam = new Adam([parameter], lr: 0.1);
        TrainSteps(parameter, adam, 1);
        using var before = adam.SaveState();
        using var wrongDType = Tensor.FromArray([1L, 2L, 3L], 3);
        using var extra = Tensor.Zeros(3);
        var cases = new (OptimizerState State, Type Error, string Expected)[]
        {
            (new OptimizerState("Adam", 0.1, [-1L], new Dictionary<string, Tensor>()), typeof(ArgumentException), "step count -1"),
            (new OptimizerState("Adam", double.NaN, [1L], new Dictionary<string, Tensor>()), typeof(ArgumentException), "learning rate"),
            (new OptimizerState("Adam", 0.1, [1L], new Dictionary<string, Tensor> { ["0.exp_avg"] = wrongDType }), typeof(ShapeMismatchException), "int64"),
            (new OptimizerState("Adam", 0.1, [1L], new Dictionary<string, Tensor> { ["1.exp_avg"] = extra }), typeof(ArgumentException), "'1.exp_avg'"),
        };
        foreach (var (state, errorType, expected) in cases)
        {
            var error = Assert.Throws(errorType, () => adam.LoadState(state))!;
            Assert.That(error.Message, Does.Contain(expected));
        }
        using var after = adam.SaveState();
        Assert.That(after.Steps, Is.EqualTo(before.Steps));
        Assert.That(after.LearningRate, Is.EqualTo(before.LearningRate));
        Assert.That(after.Buffers["0.exp_avg"].ToArray(), Is.EqualTo(before.Buffers["0.exp_avg"].ToArray()));
    }
}
