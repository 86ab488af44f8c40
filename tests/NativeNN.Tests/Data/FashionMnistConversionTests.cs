// The per-class JSON of the fashion-mnist package becomes IDX files by a seeded, documented split.
using System.Text;
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class FashionMnistConversionTests
{
    [Test]
    public void ParsesImagesAndSkipsEmptyArrays()
    {
        var (pixels, skipped) = FashionMnistConversion.ParseClassFile(ClassJson([7], [], [8, 255]), "0.json");
        Assert.Multiple(() =>
        {
            Assert.That(skipped, Is.EqualTo(1));
            Assert.That(pixels, Has.Length.EqualTo(2 * 784));
            Assert.That(pixels[0], Is.EqualTo(7));
            Assert.That(pixels[784], Is.EqualTo(8), "the empty array took no place");
            Assert.That(pixels[2 * 784 - 1], Is.EqualTo(255), "the last image's last pixel");
        });
    }

    [Test]
    public void SplitFollowsTheDocumentedPermutation()
    {
        // Class 0: images filled with 10 and 11 (an empty array between them is skipped);
        // class 1: images filled with 20, 21 and 22. Numbered in reading order: 10, 11, 20, 21, 22.
        var classes = new[]
        {
            FashionMnistConversion.ParseClassFile(ClassJson([10], [], [11]), "0.json").Pixels,
            FashionMnistConversion.ParseClassFile(ClassJson([20], [21], [22]), "1.json").Pixels,
        };
        using var folder = new TemporaryFolder();
        FashionMnistConversion.WriteSplit(classes, folder.Path, trainCount: 3, testCount: 1, FashionMnistConversion.SplitSeed);
        var (trainImages, trainLabels) = IdxReader.ReadImagesAndLabels(
            folder.File(DataSets.TrainImagesFile), folder.File(DataSets.TrainLabelsFile), classCount: 2);
        var (testImages, testLabels) = IdxReader.ReadImagesAndLabels(
            folder.File(DataSets.TestImagesFile), folder.File(DataSets.TestLabelsFile), classCount: 2);
        // The permutation of 5 seeded 20170825 is [2, 4, 1, 3, 0], computed independently from the
        // documented rule (SplitMix64, Fisher-Yates from the end, j = next mod (i + 1)).
        Assert.Multiple(() =>
        {
            Assert.That((trainImages.Count, trainImages.Rows, trainImages.Columns), Is.EqualTo((3, 28, 28)));
            Assert.That(FirstPixels(trainImages), Is.EqualTo(new byte[] { 20, 22, 11 }));
            Assert.That(trainLabels.Labels, Is.EqualTo(new byte[] { 1, 1, 0 }));
            Assert.That(FirstPixels(testImages), Is.EqualTo(new byte[] { 21 }));
            Assert.That(testLabels.Labels, Is.EqualTo(new byte[] { 1 }));
            Assert.That(trainImages.Pixels.Skip(784).Take(784), Is.All.EqualTo(22), "whole images move together");
        });
    }

    [Test]
    public void PermutationMatchesTheDocumentedRule()
    {
        var permutation = new int[10];
        SplitMix64.Permutation(permutation, 20170825);
        Assert.That(permutation, Is.EqualTo(new[] { 0, 7, 9, 3, 4, 8, 2, 1, 6, 5 }));
    }

    [Test]
    public void TooFewImagesForTheSplitIsReported()
    {
        var classes = new[] { FashionMnistConversion.ParseClassFile(ClassJson([1], [2]), "0.json").Pixels };
        using var folder = new TemporaryFolder();
        Assert.That(() => FashionMnistConversion.WriteSplit(classes, folder.Path, 2, 1, 1),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain("hold 2 images, fewer than the 2 + 1"));
        Assert.That(Directory.GetFiles(folder.Path), Is.Empty);
    }

    [TestCase("{\"data\": [[1, 2, 3]]}", "image 0 has 3 values")]
    [TestCase("{\"data\": [[256" + "]]}", "pixels must be integers 0..255")]
    [TestCase("{\"data\": [[1.5]]}", "value 0 is 1.5")]
    [TestCase("{\"data\": [[-1]]}", "pixels must be integers")]
    [TestCase("{\"data\": [[\"1\"]]}", "must hold only numbers")]
    [TestCase("{\"images\": []}", "has no \"data\" property")]
    [TestCase("[1, 2]", "must be a JSON object")]
    [TestCase("{\"data\": [[1, 2", "3.json")]
    public void MalformedClassFilesAreReported(string json, string expected)
    {
        Assert.That(() => FashionMnistConversion.ParseClassFile(Encoding.UTF8.GetBytes(json), "3.json"),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain(expected).And.Message.Contain("3.json"));
    }

    [Test]
    public void ImageLongerThan784ValuesIsReported()
    {
        var json = "{\"data\": [[" + string.Join(",", Enumerable.Repeat(0, 785)) + "]]}";
        Assert.That(() => FashionMnistConversion.ParseClassFile(Encoding.UTF8.GetBytes(json), "4.json"),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain("more than 784 values"));
    }

    /// <summary>{"data": [...]} with one image per argument: an empty argument is an empty array,
    /// a one-value argument fills all 784 pixels with it, a longer one sets the first and last pixel.</summary>
    internal static byte[] ClassJson(params int[][] images)
    {
        var text = new StringBuilder("{\"data\":[");
        for (var index = 0; index < images.Length; index++)
        {
            var image = images[index];
            var pixels = image.Length switch
            {
                0 => [],
                1 => Enumerable.Repeat(image[0], 784),
                _ => Enumerable.Repeat(0, 784).Select((_, position) => position == 0 ? image[0] : position == 783 ? image[^1] : 0),
            };
            text.Append(index > 0 ? "," : "").Append('[').AppendJoin(",", pixels).Append(']');
        }
        return Encoding.UTF8.GetBytes(text.Append("]}").ToString());
    }

    private static byte[] FirstPixels(IdxImages images) =>
        Enumerable.Range(0, images.Count).Select(index => images.Pixels[index * images.ImageSize]).ToArray();
}
