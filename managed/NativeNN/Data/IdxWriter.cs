// Writes unsigned-byte IDX files in the layout IdxReader reads: the cache's Fashion-MNIST files
// and the tests' hand-made files.
using System.Buffers.Binary;

namespace NativeNN.Data;

internal static class IdxWriter
{
    // images [count, rows, columns] of unsigned bytes -> magic, 3 big-endian sizes, pixels
    public static void WriteImages(Stream destination, int count, int rows, int columns, ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != (long)count * rows * columns)
        {
            throw new ArgumentException(
                $"{count} images of {rows}x{columns} need {(long)count * rows * columns} bytes, but {pixels.Length} were given.",
                nameof(pixels));
        }
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], count);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], rows);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], columns);
        destination.Write(header);
        destination.Write(pixels);
    }

    // labels [count] of unsigned bytes -> magic, 1 big-endian size, labels
    public static void WriteLabels(Stream destination, ReadOnlySpan<byte> labels)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], labels.Length);
        destination.Write(header);
        destination.Write(labels);
    }

    public static long ImagesFileSize(int count, int rows, int columns) => 16 + (long)count * rows * columns;

    public static long LabelsFileSize(int count) => 8 + count;
}
