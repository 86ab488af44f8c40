// Seeds for parameter initialisation and dropout masks: a SplitMix64 sequence, so a model built
// after ManualSeed(s) is the same on every machine.
namespace NativeNN;

/// <summary>A stream of 64-bit seeds (SplitMix64). Each random op draws one seed and fills its
/// tensor from it with the counter-based generator described on <see cref="Tensor.Rand"/>.</summary>
public sealed class Generator
{
    private ulong state;

    public Generator(ulong seed) => state = seed;

    /// <summary>The generator modules and dropout use when none is given.</summary>
    public static Generator Default { get; } = new(0x5EED_0F_4A71_0E5Eul);

    /// <summary>Restarts <see cref="Default"/> from <paramref name="seed"/> (torch.manual_seed).</summary>
    public static void ManualSeed(ulong seed)
    {
        lock (Default)
        {
            Default.state = seed;
        }
    }

    /// <summary>The next seed of the stream.</summary>
    public ulong NextSeed()
    {
        lock (this)
        {
            state += 0x9E3779B97F4A7C15ul;
            var mixed = state;
            mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ul;
            mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBul;
            return mixed ^ (mixed >> 31);
        }
    }
}
