// A file either has its final name and all its bytes, or does not exist: a writer killed half way
// (a fetch, a checkpoint save) leaves only a ".partial" file, which no reader opens and the next
// writer of that folder deletes. Every file NativeNN writes for later reading goes through here.
namespace NativeNN.Data;

internal static class AtomicFile
{
    public const string PartialSuffix = ".partial";

    /// <summary>Writes through a temporary file in the same folder (so the rename cannot cross file
    /// systems), flushes it to the disk, then renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{PartialSuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Deletes what interrupted writes left in <paramref name="folder"/>. Call it only when no
    /// other writer can be using the folder (the data cache holds its fetch lock; a run folder has one run).</summary>
    public static void DeleteLeftovers(string folder)
    {
        foreach (var leftover in Directory.EnumerateFiles(folder, "*" + PartialSuffix))
        {
            File.Delete(leftover);
        }
    }
}
