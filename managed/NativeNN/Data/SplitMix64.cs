// The one random stream of the data layer. Shuffles, splits and the Fashion-MNIST train/test
// split are defined by it, so it lives here rather than borrowing Generator: changing it would
// silently change which images a cached split holds.
namespace NativeNN.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): state += 0x9E3779B97F4A7C15, then the output is
/// z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
/// z ^ (z >> 31). A struct, so a shuffle allocates nothing.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong state = seed;

    public ulong Next()
    {
        state += 0x9E3779B97F4A7C15ul;
        return Mix(state);
    }

    /// <summary>A value in [0, <paramref name="bound"/>) as Next() % bound. The modulo bias is below
    /// bound / 2^64 (under 1e-14 for any data set here) and the rule is easy to reproduce elsewhere.</summary>
    public int NextBelow(int bound) => (int)(Next() % (ulong)bound);

    /// <summary>SplitMix64's output function alone.</summary>
    public static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ul;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBul;
        return value ^ (value >> 31);
    }

    /// <summary>
    /// Writes a permutation of 0..n-1 into <paramref name="destination"/>: start from the identity,
    /// then Fisher-Yates from the end: for i = n-1 down to 1, j = NextBelow(i + 1), swap items i and j.
    /// </summary>
    public static void Permutation(Span<int> destination, ulong seed)
    {
        for (var index = 0; index < destination.Length; index++)
        {
            destination[index] = index;
        }
        var random = new SplitMix64(seed);
        for (var index = destination.Length - 1; index > 0; index--)
        {
            var other = random.NextBelow(index + 1);
            (destination[index], destination[other]) = (destination[other], destination[index]);
        }
    }

    /// <summary>The seed of one epoch's shuffle: mixing the epoch in (rather than adding it) keeps
    /// the streams of neighbouring epochs from being shifted copies of each other.</summary>
    public static ulong EpochSeed(ulong seed, int epoch) => Mix(seed ^ Mix((ulong)epoch + 0x9E3779B97F4A7C15ul));
}
