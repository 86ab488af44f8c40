// Output sizes as PyTorch computes them, and the uncovered border users ask about.
using NativeNN.NN;

namespace NativeNN.Tests;

public class ConvolutionGeometryTests
{
    [TestCase(7, 3, 1, 0, 5, 0)]
    [TestCase(7, 3, 2, 0, 3, 0)]
    [TestCase(7, 3, 3, 0, 2, 1)]
    [TestCase(32, 5, 1, 2, 32, 0)]
    [TestCase(28, 5, 1, 0, 24, 0)]
    [TestCase(4, 2, 2, 0, 2, 0)]
    [TestCase(5, 2, 2, 0, 2, 1)]
    public void SizesFollowTheFloorRule(int input, int kernel, int stride, int padding, int expectedOutput, int expectedUncovered)
    {
        var geometry = ConvolutionGeometry.Convolution(input, kernel, stride, padding);
        Assert.That(geometry, Is.EqualTo(new AxisGeometry(expectedOutput, expectedUncovered)));
    }

    [Test]
    public void CeilModeAddsAWindowOnlyIfItStartsInsideTheInput()
    {
        Assert.That(ConvolutionGeometry.Convolution(5, 2, 2, ceilMode: true).OutputSize, Is.EqualTo(3));
        // in 4, pad 1, kernel 2, stride 2: ceil gives 3 windows starting at -1, 1, 3; all start inside.
        Assert.That(ConvolutionGeometry.Convolution(4, 2, 2, 1, ceilMode: true).OutputSize, Is.EqualTo(3));
        // in 2, pad 1, kernel 2, stride 3: a second window would start at 2, in the right padding only.
        Assert.That(ConvolutionGeometry.Convolution(2, 2, 3, 1, ceilMode: true).OutputSize, Is.EqualTo(1));
    }

    [Test]
    public void KernelWiderThanThePaddedInputIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ConvolutionGeometry.Convolution(3, 5))!;
        Assert.That(error.Message, Does.Contain("spans 5").And.Contain("only 3"));
    }

    [Test]
    public void TransposedSizeInvertsTheForwardOne()
    {
        Assert.That(ConvolutionGeometry.TransposedConvolution(3, 3, 2, 0), Is.EqualTo(7));
        Assert.That(ConvolutionGeometry.TransposedConvolution(2, 3, 3, 0, 1), Is.EqualTo(7));
    }
}
