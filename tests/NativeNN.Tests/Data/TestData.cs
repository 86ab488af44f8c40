// Where the committed MNIST slice lives, and throwaway folders for files the tests write.
using System.IO.Compression;

namespace NativeNN.Tests.Data;

internal static class TestData
{
    /// <summary>tests/data/mnist-slice: the first 1,000 training and 200 test MNIST images, gzipped IDX.</summary>
    public static string MnistSlice { get; } = FindUpwards(Path.Combine("tests", "data", "mnist-slice"));

    public static readonly long[] FirstTrainLabels = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
    public static readonly long[] FirstTestLabels = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];

    /// <summary>The decompressed bytes of one file of the slice.</summary>
    public static byte[] SliceFile(string name)
    {
        using var file = File.OpenRead(Path.Combine(MnistSlice, name + ".gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }

    private static string FindUpwards(string relative)
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}

/// <summary>A new empty folder, deleted with everything in it on Dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public TemporaryFolder() => Path = Directory.CreateTempSubdirectory("nativenn-data-tests-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
