// Reading IDX files, raw and gzipped, and every way a broken file is reported.
using System.Buffers.Binary;
using System.IO.Compression;
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class IdxReaderTests
{
    [Test]
    public void ReadsTheGzippedSliceWithItsKnownLabels()
    {
        var (images, labels) = IdxReader.ReadImagesAndLabels(
            Path.Combine(TestData.MnistSlice, "train-images-idx3-ubyte.gz"),
            Path.Combine(TestData.MnistSlice, "train-labels-idx1-ubyte.gz"), classCount: 10);
        Assert.Multiple(() =>
        {
            Assert.That(images.Count, Is.EqualTo(1000));
            Assert.That((images.Rows, images.Columns), Is.EqualTo((28, 28)));
            Assert.That(images.Pixels, Has.Length.EqualTo(1000 * 784));
            Assert.That(labels.Count, Is.EqualTo(1000));
            Assert.That(labels.Labels.Take(10).Select(label => (long)label), Is.EqualTo(TestData.FirstTrainLabels));
            // The first image, a 5: its ink adds up to 27,525 and its centre pixel is 240.
            Assert.That(images.Pixels.Take(784).Sum(pixel => pixel), Is.EqualTo(27_525));
            Assert.That(images.Pixels[14 * 28 + 14], Is.EqualTo(240));
        });
        var testLabels = IdxReader.ReadLabels(Path.Combine(TestData.MnistSlice, "t10k-labels-idx1-ubyte.gz"), classCount: 10);
        Assert.That(testLabels.Labels.Take(10).Select(label => (long)label), Is.EqualTo(TestData.FirstTestLabels));
    }

    [Test]
    public void RawAndGzippedFilesReadTheSame()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("images"), TestData.SliceFile("t10k-images-idx3-ubyte"));
        File.WriteAllBytes(folder.File("labels"), TestData.SliceFile("t10k-labels-idx1-ubyte"));
        var raw = IdxReader.ReadImagesAndLabels(folder.File("images"), folder.File("labels"), classCount: 10);
        var gzipped = IdxReader.ReadImagesAndLabels(
            Path.Combine(TestData.MnistSlice, "t10k-images-idx3-ubyte.gz"),
            Path.Combine(TestData.MnistSlice, "t10k-labels-idx1-ubyte.gz"), classCount: 10);
        Assert.Multiple(() =>
        {
            Assert.That(raw.Images.Count, Is.EqualTo(200));
            Assert.That(raw.Images.Pixels, Is.EqualTo(gzipped.Images.Pixels));
            Assert.That(raw.Labels.Labels, Is.EqualTo(gzipped.Labels.Labels));
        });
    }

    [Test]
    public void GzipIsRecognisedByItsHeaderNotItsName()
    {
        using var folder = new TemporaryFolder();
        File.Copy(Path.Combine(TestData.MnistSlice, "t10k-labels-idx1-ubyte.gz"), folder.File("labels-without-suffix"));
        Assert.That(IdxReader.ReadLabels(folder.File("labels-without-suffix")).Count, Is.EqualTo(200));
    }

    [Test]
    public void WrongMagicNamesTheFileAndBothNumbers()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("labels"), Labels(0, 1, 2));
        File.WriteAllBytes(folder.File("text"), "hello, world, not an IDX file"u8.ToArray());
        var swapped = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(folder.File("labels")))!;
        var text = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(folder.File("text")))!;
        Assert.Multiple(() =>
        {
            Assert.That(swapped.Message, Does.Contain(folder.File("labels")).And.Contain("0x00000803")
                .And.Contain("found 0x00000801").And.Contain("labels file"));
            Assert.That(text.Message, Does.Contain(folder.File("text")).And.Contain("0x00000801").And.Contain("not an IDX file"));
        });
    }

    [Test]
    public void EmptyAndHeaderTruncatedFilesAreReported()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("empty"), []);
        File.WriteAllBytes(folder.File("short-header"), Images(1, 28, 28, new byte[784])[..10]);
        Assert.Multiple(() =>
        {
            Assert.That(() => IdxReader.ReadImages(folder.File("empty")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("too short").And.Message.Contain(folder.File("empty")));
            Assert.That(() => IdxReader.ReadImages(folder.File("short-header")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("truncated inside its header")
                    .And.Message.Contain("16 bytes").And.Message.Contain("ends after 10"));
        });
    }

    [Test]
    public void TruncatedDataIsReportedRawAndGzipped()
    {
        using var folder = new TemporaryFolder();
        var whole = Images(3, 28, 28, new byte[3 * 784]);
        File.WriteAllBytes(folder.File("raw"), whole[..^100]);
        File.WriteAllBytes(folder.File("gzipped"), Gzip(whole[..^100]));
        Assert.Multiple(() =>
        {
            Assert.That(() => IdxReader.ReadImages(folder.File("raw")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("truncated")
                    .And.Message.Contain("[3 x 28 x 28] = 2352 bytes").And.Message.Contain("only 2252"));
            Assert.That(() => IdxReader.ReadImages(folder.File("gzipped")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("truncated")
                    .And.Message.Contain("ends after 2252"));
        });
    }

    [Test]
    public void BytesBeyondTheClaimedDataAreReported()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("long"), [.. Labels(1, 2), 3]);
        Assert.That(() => IdxReader.ReadLabels(folder.File("long")),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain("1 bytes after the 2"));
    }

    [Test]
    public void CountMismatchBetweenImagesAndLabelsIsReported()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("images"), Images(3, 2, 2, new byte[12]));
        File.WriteAllBytes(folder.File("labels"), Labels(0, 1));
        Assert.That(() => IdxReader.ReadImagesAndLabels(folder.File("images"), folder.File("labels")),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain("holds 3 images")
                .And.Message.Contain("holds 2 labels").And.Message.Contain(folder.File("labels")));
    }

    [Test]
    public void LabelsOutsideTheClassesAreReportedOnlyWhenTheCallerGivesAClassCount()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("labels"), Labels(0, 9, 10, 3));
        Assert.Multiple(() =>
        {
            Assert.That(() => IdxReader.ReadLabels(folder.File("labels"), classCount: 10),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("label 10 at index 2")
                    .And.Message.Contain("0..9"));
            Assert.That(IdxReader.ReadLabels(folder.File("labels")).Labels, Is.EqualTo(new byte[] { 0, 9, 10, 3 }));
            Assert.That(IdxReader.ReadLabels(folder.File("labels"), classCount: 11).Count, Is.EqualTo(4));
        });
    }

    [Test]
    public void HugeClaimedSizesFailWithoutAllocatingThem()
    {
        using var folder = new TemporaryFolder();
        // 2^31-1 images: more than an array can hold.
        File.WriteAllBytes(folder.File("impossible"), Images(int.MaxValue, 28, 28, []));
        // 200 MB claimed, 784 bytes present: raw, then gzipped (where the length is only known by reading).
        File.WriteAllBytes(folder.File("raw"), Images(255_102, 28, 28, new byte[784]));
        File.WriteAllBytes(folder.File("gzipped"), Gzip(Images(255_102, 28, 28, new byte[784])));
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Multiple(() =>
        {
            Assert.That(() => IdxReader.ReadImages(folder.File("impossible")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("corrupt header"));
            Assert.That(() => IdxReader.ReadImages(folder.File("raw")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("truncated"));
            Assert.That(() => IdxReader.ReadImages(folder.File("gzipped")),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contain("truncated"));
        });
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(4_000_000),
            "a corrupt header must not make the reader allocate what it claims");
    }

    [Test]
    public void CorruptGzipDataNamesTheFile()
    {
        using var folder = new TemporaryFolder();
        var gzipped = Gzip(Labels(1, 2, 3, 4, 5, 6, 7, 8));
        gzipped.AsSpan(10, 8).Fill(0xff);
        File.WriteAllBytes(folder.File("corrupt.gz"), gzipped);
        Assert.That(() => IdxReader.ReadLabels(folder.File("corrupt.gz")),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain(folder.File("corrupt.gz"))
                .And.Message.Contain("corrupt"));
    }

    [Test]
    public void MissingFileIsReportedWithItsPath()
    {
        Assert.That(() => IdxReader.ReadLabels("/nonexistent/labels-idx1-ubyte"),
            Throws.InstanceOf<FileNotFoundException>().With.Message.Contain("/nonexistent/labels-idx1-ubyte"));
    }

    internal static byte[] Images(int count, int rows, int columns, byte[] pixels)
    {
        var file = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), columns);
        pixels.CopyTo(file, 16);
        return file;
    }

    internal static byte[] Labels(params byte[] labels)
    {
        var file = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), labels.Length);
        labels.CopyTo(file, 8);
        return file;
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return memory.ToArray();
    }
}
