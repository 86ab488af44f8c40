// The pieces of the transfer comparison on small synthetic data: which layers are copied, that
// frozen ones stay put through a training step while fine-tuned ones move, and seeded label subsets.
using NativeNN.Cli.Rotation;
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Tests.Rotation;

public class TransferLearningTests
{
    private static readonly string[] FeatureNames = ["0.weight", "0.bias", "3.weight", "3.bias"];

    private static Sequential Pretrained() => Models.Models.LeNet5(RotatedDataset.RotationCount, new Generator(7));

    private static TensorDataset Synthetic(int count)
    {
        using var images = Tensor.RandN([count, 1, 28, 28], seed: 3);
        return new TensorDataset(images.ToArray(), [1, 28, 28], Enumerable.Range(0, count).Select(index => (long)(index % 10)).ToArray());
    }

    private static Dictionary<string, float[]> Values(Module model) =>
        model.StateDict().ToDictionary(named => named.Key, named => named.Value.ToArray());

    [Test]
    public void TheFeatureLayersAreTheConvolutionsBeforeFlatten()
    {
        using var model = Models.Models.LeNet5();
        Assert.That(TransferLearning.FeatureParameterNames(model), Is.EqualTo(FeatureNames));
    }

    [TestCase(TransferMode.Frozen)]
    [TestCase(TransferMode.FineTuned)]
    public void PretrainedModesStartFromThePretrainedConvolutionsAndFreshClassifierLayers(TransferMode mode)
    {
        using var pretrained = Pretrained();
        using var scratch = TransferLearning.CreateClassifier(TransferMode.Scratch, pretrained.StateDict(), seed: 1);
        using var model = TransferLearning.CreateClassifier(mode, pretrained.StateDict(), seed: 1);
        var expected = Values(pretrained);
        var fresh = Values(scratch);
        var actual = Values(model);
        Assert.Multiple(() =>
        {
            foreach (var name in FeatureNames)
            {
                Assert.That(actual[name], Is.EqualTo(expected[name]), name);
                Assert.That(fresh[name], Is.Not.EqualTo(expected[name]), $"{name} of the scratch model");
                Assert.That(model.StateDict()[name].RequiresGrad, Is.EqualTo(mode == TransferMode.FineTuned), $"{name} requires gradients");
            }
            Assert.That(actual["11.weight"], Is.EqualTo(fresh["11.weight"]), "the 10-class head is the same fresh layer in every mode");
        });
    }

    [TestCase(TransferMode.Frozen, false)]
    [TestCase(TransferMode.FineTuned, true)]
    public void ATrainingStepMovesTheConvolutionsOnlyWhenFineTuning(TransferMode mode, bool convolutionsMove)
    {
        using var pretrained = Pretrained();
        using var model = TransferLearning.CreateClassifier(mode, pretrained.StateDict(), seed: 1);
        var before = Values(model);
        using var optimizer = new Optim.Adam(TransferLearning.TrainableParameters(model), lr: 1e-2);
        ClassifierTraining.Train(model, optimizer, Synthetic(16), epochs: 1, batchSize: 16, seed: 1);
        var after = Values(model);
        Assert.Multiple(() =>
        {
            foreach (var name in FeatureNames)
            {
                Assert.That(after[name], convolutionsMove ? Is.Not.EqualTo(before[name]) : Is.EqualTo(before[name]), name);
            }
            foreach (var name in new[] { "7.weight", "9.weight", "11.weight", "11.bias" })
            {
                Assert.That(after[name], Is.Not.EqualTo(before[name]), $"{name} always learns");
            }
        });
    }

    [Test]
    public void FrozenModelsGiveTheOptimizerOnlyTheFullyConnectedLayers()
    {
        using var pretrained = Pretrained();
        using var model = TransferLearning.CreateClassifier(TransferMode.Frozen, pretrained.StateDict(), seed: 1);
        Assert.That(TransferLearning.TrainableParameters(model).Count(), Is.EqualTo(model.Parameters().Count() - FeatureNames.Length));
    }

    [Test]
    public void WeightsWithoutTheConvolutionsAreRefusedByName()
    {
        using var pretrained = Pretrained();
        var state = pretrained.StateDict().Where(named => named.Key != "3.bias").ToDictionary();
        Assert.That(() => TransferLearning.CreateClassifier(TransferMode.FineTuned, state, seed: 1),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("3.bias"));
    }

    [TestCase(0.01, 600)]
    [TestCase(0.1, 6000)]
    [TestCase(1.0, 60000)]
    public void LabelledSubsetsHaveTheirFractionOfTheImages(double fraction, int expected)
    {
        var train = new TensorDataset(new float[60000], [1], new long[60000]);
        Assert.That(TransferLearning.LabelledSubset(train, fraction, seed: 5).Count, Is.EqualTo(expected));
    }

    [Test]
    public void LabelledSubsetsAreSeeded()
    {
        var train = new TensorDataset(new float[1000], [1], new long[1000]);
        var first = TransferLearning.LabelledSubset(train, 0.1, seed: 5).Indices.ToArray();
        var again = TransferLearning.LabelledSubset(train, 0.1, seed: 5).Indices.ToArray();
        var other = TransferLearning.LabelledSubset(train, 0.1, seed: 6).Indices.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.EqualTo(first));
            Assert.That(other, Is.Not.EqualTo(first));
            Assert.That(first, Is.Unique);
            Assert.That(first, Is.Not.EqualTo(Enumerable.Range(0, 100)), "a random draw, not the first images");
        });
    }

    [TestCase(0.0)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void FractionsOutsideZeroToOneAreRefused(double fraction)
    {
        var train = new TensorDataset(new float[10], [1], new long[10]);
        Assert.That(() => TransferLearning.LabelledSubset(train, fraction, seed: 1), Throws.ArgumentException.With.Message.Contains("(0, 1]"));
    }

    [TestCase(600, 150)]
    [TestCase(6000, 16)]
    [TestCase(60000, 2)]
    public void SmallSubsetsGetEnoughEpochsForTheMinimumSteps(int samples, int epochs) =>
        Assert.That(TransferLearning.EpochsFor(samples, batchSize: 64, minimumSteps: 1500), Is.EqualTo(epochs));
}
