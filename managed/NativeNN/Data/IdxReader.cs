// Reads the IDX files MNIST ships in (LeCun's format: a big-endian header, then unsigned bytes),
// raw or gzipped. A corrupt file is reported before anything large is allocated: the header's
// sizes are checked against the file's length, and gzipped data is read in growing steps rather
// than trusting the header's claim.
using System.Buffers.Binary;
using System.IO.Compression;

namespace NativeNN.Data;

/// <summary>Images from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> x
/// <see cref="Columns"/> unsigned bytes, row-major, one image after another.</summary>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>Bytes in one image (Rows x Columns).</summary>
    public int ImageSize => Rows * Columns;
}

/// <summary>Labels from an IDX file: one unsigned byte per item.</summary>
public sealed record IdxLabels(int Count, byte[] Labels);

/// <summary>Reads unsigned-byte IDX files (magic 0x00000803 for images [N, rows, columns],
/// 0x00000801 for labels [N]), raw or gzipped (recognised by the 1f 8b gzip header, whatever the
/// file's name). Every problem is an <see cref="InvalidDataException"/> that names the file, what
/// was expected and what was found.</summary>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte IDX file of rank 3 (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte IDX file of rank 1 (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    // gzip's first two bytes (RFC 1952).
    private const byte GzipFirstByte = 0x1f;
    private const byte GzipSecondByte = 0x8b;

    // Gzipped data is read into a buffer of at most this many times the compressed size before
    // the data itself proves it is larger: MNIST compresses about 5:1, so one allocation suffices
    // for real files while a corrupt header cannot ask for gigabytes.
    private const int GzipFirstGuessRatio = 16;

    /// <summary>Reads an images file.</summary>
    public static IdxImages ReadImages(string path)
    {
        var (dimensions, data) = Read(path, ImagesMagic);
        return new IdxImages(dimensions[0], dimensions[1], dimensions[2], data);
    }

    /// <summary>Reads a labels file; with <paramref name="classCount"/>, every label must lie in
    /// 0..classCount-1.</summary>
    public static IdxLabels ReadLabels(string path, int? classCount = null)
    {
        var (dimensions, data) = Read(path, LabelsMagic);
        if (classCount is { } classes)
        {
            CheckLabelRange(data, classes, path);
        }
        return new IdxLabels(dimensions[0], data);
    }

    /// <summary>Reads an images file and its labels file and checks that they hold the same
    /// number of items.</summary>
    public static (IdxImages Images, IdxLabels Labels) ReadImagesAndLabels(string imagesPath, string labelsPath,
        int? classCount = null)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath, classCount);
        if (images.Count != labels.Count)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but its labels file {labelsPath} holds {labels.Count} labels; " +
                "the two files must come from the same data set and split.");
        }
        return (images, labels);
    }

    internal static (int[] Dimensions, byte[] Data) Read(string path, int expectedMagic)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The IDX file {path} does not exist.", path);
        }
        using (file)
        {
            return Read(file, path, expectedMagic);
        }
    }

    /// <summary>Reads an IDX array, raw or gzipped, from a seekable stream positioned at its start;
    /// <paramref name="source"/> names it in messages.</summary>
    internal static (int[] Dimensions, byte[] Data) Read(Stream seekable, string source, int expectedMagic)
    {
        Span<byte> start = stackalloc byte[2];
        var startLength = seekable.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        seekable.Position = 0;
        if (startLength == 2 && start[0] == GzipFirstByte && start[1] == GzipSecondByte)
        {
            using var gzip = new GzipErrorReporter(new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true), source);
            return Read(gzip, source, expectedMagic, rawLength: null, compressedLength: seekable.Length);
        }
        return Read(seekable, source, expectedMagic, rawLength: seekable.Length, compressedLength: null);
    }

    private static (int[] Dimensions, byte[] Data) Read(Stream stream, string path, int expectedMagic, long? rawLength,
        long? compressedLength)
    {
        var expectedRank = expectedMagic & 0xff;
        Span<byte> header = stackalloc byte[4 + 4 * 3];
        var headerLength = 4 + 4 * expectedRank;
        var magicRead = stream.ReadAtLeast(header[..4], 4, throwOnEndOfStream: false);
        if (magicRead < 4)
        {
            throw new InvalidDataException(
                $"{path} is too short to be an IDX file: it holds {magicRead} bytes, fewer than the 4 of the magic number " +
                $"0x{expectedMagic:X8} ({Describe(expectedMagic)}).");
        }
        var magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
        {
            throw new InvalidDataException(
                $"{path} is not an IDX {Describe(expectedMagic)} file: expected the magic number 0x{expectedMagic:X8} " +
                $"but found 0x{magic:X8}{MagicHint(magic)}.");
        }
        var dimensionsRead = stream.ReadAtLeast(header[4..headerLength], headerLength - 4, throwOnEndOfStream: false);
        if (dimensionsRead < headerLength - 4)
        {
            throw new InvalidDataException(
                $"{path} is truncated inside its header: an IDX {Describe(expectedMagic)} header has {headerLength} bytes " +
                $"but the file ends after {4 + dimensionsRead}.");
        }
        var dimensions = new int[expectedRank];
        long payload = 1;
        // One item (an image: rows x columns) must fit an array even when there are 0 items, or
        // its size in bytes would overflow an int in the caller.
        long itemSize = 1;
        for (var index = 0; index < expectedRank; index++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * index)..]);
            if (size > int.MaxValue)
            {
                throw new InvalidDataException(
                    $"{path} has a corrupt header: dimension {index} claims {size} items, more than an IDX reader accepts " +
                    $"({int.MaxValue}).");
            }
            dimensions[index] = (int)size;
            if (index > 0)
            {
                itemSize *= size;
                if (itemSize > Array.MaxLength)
                {
                    throw new InvalidDataException(
                        $"{path} has a corrupt header: one item of {DescribeDimensions(dimensions[1..], index)} claims more than " +
                        $"{Array.MaxLength} bytes.");
                }
            }
            payload *= size;
            if (payload > Array.MaxLength)
            {
                throw new InvalidDataException(
                    $"{path} has a corrupt header: its dimensions {DescribeDimensions(dimensions, index + 1)} claim more than " +
                    $"{Array.MaxLength} bytes of data.");
            }
        }
        return (dimensions, rawLength is { } length
            ? ReadRaw(stream, path, dimensions, payload, length - headerLength)
            : ReadGzipped(stream, path, dimensions, payload, compressedLength!.Value));
    }

    private static byte[] ReadRaw(Stream stream, string path, int[] dimensions, long payload, long available)
    {
        if (available != payload)
        {
            throw new InvalidDataException(available < payload
                ? $"{path} is truncated: its header claims {DescribeDimensions(dimensions)} = {payload} bytes of data " +
                  $"but only {available} follow the header."
                : $"{path} has {available - payload} bytes after the {payload} its header {DescribeDimensions(dimensions)} " +
                  "claims; it is not a single IDX array.");
        }
        var data = GC.AllocateUninitializedArray<byte>((int)payload);
        stream.ReadExactly(data);
        return data;
    }

    private static byte[] ReadGzipped(Stream stream, string path, int[] dimensions, long payload, long compressedLength)
    {
        var firstGuess = Math.Min(payload, Math.Max(1 << 16, compressedLength * GzipFirstGuessRatio));
        var data = GC.AllocateUninitializedArray<byte>((int)firstGuess);
        var filled = 0;
        while (filled < payload)
        {
            if (filled == data.Length)
            {
                var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(payload, 2L * data.Length));
                data.AsSpan(0, filled).CopyTo(grown);
                data = grown;
            }
            var read = stream.Read(data, filled, data.Length - filled);
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"{path} is truncated: its header claims {DescribeDimensions(dimensions)} = {payload} bytes of data " +
                    $"but the decompressed data ends after {filled}.");
            }
            filled += read;
        }
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
        {
            throw new InvalidDataException(
                $"{path} decompresses to more than the {payload} bytes its header {DescribeDimensions(dimensions)} claims; " +
                "it is not a single IDX array.");
        }
        return data;
    }

    private static void CheckLabelRange(byte[] labels, int classCount, string path)
    {
        if (classCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount,
                "an unsigned-byte labels file can hold between 1 and 256 classes.");
        }
        var index = classCount == 256 ? -1 : labels.AsSpan().IndexOfAnyInRange((byte)classCount, byte.MaxValue);
        if (index >= 0)
        {
            throw new InvalidDataException(
                $"{path}: label {labels[index]} at index {index} is outside 0..{classCount - 1} " +
                $"(the caller expects {classCount} classes).");
        }
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "images (unsigned bytes, 3 dimensions)",
        LabelsMagic => "labels (unsigned bytes, 1 dimension)",
        _ => $"unsigned bytes, {magic & 0xff} dimensions",
    };

    private static string MagicHint(int magic) => magic switch
    {
        ImagesMagic => ": that is an images file",
        LabelsMagic => ": that is a labels file",
        _ when (magic & ~0xffff) == 0 => $" (element type 0x{(magic >> 8) & 0xff:X2}, {magic & 0xff} dimensions)",
        _ => ": not an IDX file at all",
    };

    private static string DescribeDimensions(int[] dimensions, int count = -1) =>
        "[" + string.Join(" x ", dimensions.Take(count < 0 ? dimensions.Length : count)) + "]";
}

/// <summary>Rewords the gzip decoder's errors ("the archive entry was compressed using an
/// unsupported compression method") to name the file and the fix.</summary>
file sealed class GzipErrorReporter(Stream inner, string path) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException(
                $"{path} starts like a gzip file but its compressed data is corrupt ({exception.Message}); download it again.",
                exception);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
