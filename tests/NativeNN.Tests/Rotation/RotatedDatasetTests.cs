// RotatedDataset on hand-made 28x28 images: each turn moves known pixels to hand-computed places,
// four quarter turns give the image back, and sample i * 4 + r is image i with target r.
using NativeNN.Data;

namespace NativeNN.Tests.Rotation;

public class RotatedDatasetTests
{
    private const int Size = 28;
    private const int Plane = Size * Size;

    // Every pixel of image `image` holds a different value, so each output pixel names its source.
    private static float PixelValue(int image, int row, int column) => image * Plane + row * Size + column;

    private static TensorDataset Numbered(int images)
    {
        var pixels = new float[images * Plane];
        for (var image = 0; image < images; image++)
        {
            for (var row = 0; row < Size; row++)
            {
                for (var column = 0; column < Size; column++)
                {
                    pixels[image * Plane + row * Size + column] = PixelValue(image, row, column);
                }
            }
        }
        return new TensorDataset(pixels, [1, Size, Size], new long[images]);
    }

    private static (float[] Inputs, long[] Targets) Fill(Dataset dataset, params int[] indices)
    {
        var inputs = new float[indices.Length * dataset.InputSize];
        var targets = new long[indices.Length];
        dataset.FillBatch(indices, inputs, targets);
        return (inputs, targets);
    }

    // Pixel (2, 5) of a 28x28 image, counter-clockwise: 90 degrees takes (row, column) to
    // (27 - column, row) = (22, 2); 180 to (27 - row, 27 - column) = (25, 22); 270 to (column, 27 - row) = (5, 25).
    [TestCase(0, 2, 5)]
    [TestCase(1, 22, 2)]
    [TestCase(2, 25, 22)]
    [TestCase(3, 5, 25)]
    public void EachTurnMovesAPixelWhereCountingByHandPutsIt(int rotation, int row, int column)
    {
        var rotated = new RotatedDataset(Numbered(2));
        var (inputs, targets) = Fill(rotated, 1 * 4 + rotation);
        Assert.Multiple(() =>
        {
            Assert.That(inputs[row * Size + column], Is.EqualTo(PixelValue(1, 2, 5)));
            Assert.That(targets[0], Is.EqualTo(rotation));
        });
    }

    [Test]
    public void CornersGoRoundCounterClockwise()
    {
        var rotated = new RotatedDataset(Numbered(1));
        var (inputs, _) = Fill(rotated, 0, 1, 2, 3);
        float At(int rotation, int row, int column) => inputs[rotation * Plane + row * Size + column];
        var topLeft = PixelValue(0, 0, 0);
        var topRight = PixelValue(0, 0, Size - 1);
        Assert.Multiple(() =>
        {
            Assert.That(At(0, 0, 0), Is.EqualTo(topLeft));
            // A quarter turn counter-clockwise brings the top-right corner to the top left and the
            // top-left corner to the bottom left.
            Assert.That(At(1, 0, 0), Is.EqualTo(topRight));
            Assert.That(At(1, Size - 1, 0), Is.EqualTo(topLeft));
            Assert.That(At(2, Size - 1, Size - 1), Is.EqualTo(topLeft));
            Assert.That(At(3, 0, Size - 1), Is.EqualTo(topLeft));
        });
    }

    [Test]
    public void FourQuarterTurnsGiveTheImageBack()
    {
        var (original, _) = Fill(Numbered(1), 0);
        var current = original.ToArray();
        var next = new float[Plane];
        for (var turn = 0; turn < 4; turn++)
        {
            RotatedDataset.Rotate(current, next, Size, quarterTurns: 1);
            Assert.That(next, turn < 3 ? Is.Not.EqualTo(original) : Is.EqualTo(original), $"after {turn + 1} quarter turns");
            (current, next) = (next, current);
        }
    }

    [Test]
    public void AQuarterTurnOfTheSampleGivesTheNextSample()
    {
        var rotated = new RotatedDataset(Numbered(1));
        var (inputs, _) = Fill(rotated, 0, 1, 2, 3);
        var turned = new float[Plane];
        for (var rotation = 0; rotation < 4; rotation++)
        {
            RotatedDataset.Rotate(inputs.AsSpan(rotation * Plane, Plane), turned, Size, quarterTurns: 1);
            Assert.That(turned, Is.EqualTo(inputs.AsSpan(((rotation + 1) % 4) * Plane, Plane).ToArray()), $"rotation {rotation}");
        }
    }

    [Test]
    public void HoldsEveryImageFourTimesWithTheTurnAsTarget()
    {
        var source = Numbered(3);
        var rotated = new RotatedDataset(source);
        var (inputs, targets) = Fill(rotated, 11, 4, 0, 9);
        Assert.Multiple(() =>
        {
            Assert.That(rotated.Count, Is.EqualTo(12));
            Assert.That(rotated.InputShape.ToArray(), Is.EqualTo(new long[] { 1, Size, Size }));
            Assert.That(targets, Is.EqualTo(new long[] { 3, 0, 0, 1 }));
            // Sample 4 is image 1 unturned, sample 0 image 0 unturned.
            Assert.That(inputs.AsSpan(Plane, Plane).ToArray(), Is.EqualTo(Fill(source, 1).Inputs));
            Assert.That(inputs.AsSpan(2 * Plane, Plane).ToArray(), Is.EqualTo(Fill(source, 0).Inputs));
        });
    }

    [Test]
    public void LargeBatchesCrossTheChunkBoundary()
    {
        var source = Numbered(50);
        var rotated = new RotatedDataset(source);
        var indices = Enumerable.Range(0, rotated.Count).Reverse().ToArray();
        var (inputs, targets) = Fill(rotated, indices);
        var expected = new float[Plane];
        for (var sample = 0; sample < indices.Length; sample += 37)
        {
            RotatedDataset.Rotate(Fill(source, indices[sample] / 4).Inputs, expected, Size, indices[sample] % 4);
            Assert.That(inputs.AsSpan(sample * Plane, Plane).ToArray(), Is.EqualTo(expected), $"sample {indices[sample]}");
            Assert.That(targets[sample], Is.EqualTo(indices[sample] % 4));
        }
    }

    [Test]
    public void NonSquareImagesAreRefusedWithTheShape()
    {
        var source = new TensorDataset(new float[2 * 3], [1, 2, 3], new long[1]);
        Assert.That(() => new RotatedDataset(source), Throws.ArgumentException.With.Message.Contains("[1,2,3]"));
    }
}
