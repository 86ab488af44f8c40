// An (height, width) pair that also accepts a single int, as PyTorch's kernel_size=3 or (3, 5).
namespace NativeNN;

/// <summary>Height and width; an <c>int</c> converts to the same value for both.</summary>
public readonly record struct Size2D(int Height, int Width)
{
    public static implicit operator Size2D(int both) => new(both, both);

    public static implicit operator Size2D((int Height, int Width) pair) => new(pair.Height, pair.Width);

    public override string ToString() => Height == Width ? Height.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"({Height}, {Width})";
}
