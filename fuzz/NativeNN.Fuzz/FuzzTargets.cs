// One entry per file parser: the bytes of a file go in, and the parser must either accept them or
// refuse them with the exception its documentation promises. Anything else escapes as a finding,
// and so does native memory that a refused file leaves behind. The fuzzer and the corpus replay
// test (tests/NativeNN.Tests/IO/FuzzCorpusTests.cs) run exactly this code.
using NativeNN.Data;
using NativeNN.IO;
using NativeNN.Optim;

namespace NativeNN.Fuzz;

internal static class FuzzTargets
{
    public static readonly IReadOnlyList<string> Names = ["idx", "fashion-json", "safetensors", "optimizer-state"];

    private const string Source = "fuzz-input";

    /// <summary>Runs one input through a target; returns whether the parser accepted it.</summary>
    public static bool Run(string target, byte[] input)
    {
        var live = TensorMemory.LiveBytes;
        var accepted = target switch
        {
            "idx" => Idx(input),
            "fashion-json" => FashionJson(input),
            "safetensors" => SafeTensorsFile(input),
            "optimizer-state" => OptimizerState(input),
            _ => throw new ArgumentException($"unknown fuzz target '{target}'; the targets are {string.Join(", ", Names)}.", nameof(target)),
        };
        if (TensorMemory.LiveBytes != live)
        {
            throw new InvalidOperationException($"{target}: native live bytes went from {live} to {TensorMemory.LiveBytes} on one input.");
        }
        return accepted;
    }

    private static bool Idx(byte[] input)
    {
        // The same bytes as an images file and as a labels file: one of the two magics may match.
        var accepted = false;
        foreach (var magic in new[] { IdxReader.ImagesMagic, IdxReader.LabelsMagic })
        {
            try
            {
                var (dimensions, data) = IdxReader.Read(new MemoryStream(input, writable: false), Source, magic);
                var expected = dimensions.Aggregate(1L, (product, size) => product * size);
                if (data.LongLength != expected)
                {
                    throw new InvalidOperationException($"IdxReader returned {data.LongLength} bytes for dimensions [{string.Join(",", dimensions)}].");
                }
                accepted = true;
            }
            catch (InvalidDataException)
            {
            }
        }
        return accepted;
    }

    private static bool FashionJson(byte[] input)
    {
        try
        {
            var (pixels, _) = FashionMnistConversion.ParseClassFile(input, Source);
            if (pixels.Length % FashionMnistConversion.ImageSize != 0)
            {
                throw new InvalidOperationException($"ParseClassFile returned {pixels.Length} pixels, not whole images.");
            }
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool SafeTensorsFile(byte[] input)
    {
        try
        {
            using var file = SafeTensors.Parse(input, Source);
            return true;
        }
        catch (Exception exception) when (exception is InvalidDataException or NotSupportedException)
        {
            return false;
        }
    }

    private static bool OptimizerState(byte[] input)
    {
        // The checksum is ignored here, or almost every mutation would stop at it and the
        // validation behind it would go unexplored.
        using var first = Tensor.Zeros(3);
        using var second = Tensor.Zeros(2, 2);
        first.RequiresGrad = true;
        second.RequiresGrad = true;
        using var optimizer = new Adam([first, second], lr: 1e-3);
        try
        {
            var (state, _) = OptimizerStateFile.FromFile(SafeTensors.Parse(input, Source, SafeTensors.ChecksumRule.Ignore), Source);
            using (state)
            {
                // How the run folder uses it: a state of another optimizer or shape is an
                // ArgumentException from LoadState, which it reports as a file of another run.
                optimizer.LoadState(state);
            }
            return true;
        }
        catch (Exception exception) when (exception is InvalidDataException or NotSupportedException or ArgumentException)
        {
            return false;
        }
    }
}
