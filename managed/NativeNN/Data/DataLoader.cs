// Batches of a data set for a training loop, with no allocation per batch: the loader owns one
// pair of batch tensors (and a smaller pair for a last partial batch) and refills them in place.
using System.Collections;

namespace NativeNN.Data;

/// <summary>
/// Enumerates a <see cref="Dataset"/> in batches of (input [n, ..InputShape], target [n, ..TargetShape]).
/// Each enumeration is one epoch. With shuffling on, epoch e visits the samples in
/// a permutation determined by (seed, e) alone, so a run can be reproduced or resumed; otherwise
/// in order. The last batch is smaller when the count is not a multiple of the batch size, unless
/// dropLast is set.
/// <para>A batch's tensors belong to the loader: they are valid only until the next batch is
/// produced (the same tensors are refilled) and are freed when the loader is disposed. Copy
/// (<see cref="Tensor.Clone"/>) what must outlive that. They are never adopted by an enclosing
/// <see cref="Tensor.Scope"/>. One epoch runs at a time.</para>
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>, IDisposable
{
    private readonly int[] order;
    private readonly Tensor? fullInput;
    private readonly Tensor? fullTarget;
    private readonly Tensor? partialInput;
    private readonly Tensor? partialTarget;
    private int version;
    private int epoch;
    private bool disposed;

    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch (the last one may have fewer).</param>
    /// <param name="shuffle">Visit the samples in a new seeded permutation each epoch.</param>
    /// <param name="dropLast">Skip the last batch when it would have fewer than <paramref name="batchSize"/> samples.</param>
    /// <param name="seed">Seed of the shuffles.</param>
    public DataLoader(Dataset dataset, int batchSize, bool shuffle = false, bool dropLast = false, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed;
        var count = dataset.Count;
        order = new int[count];
        for (var index = 0; index < count; index++)
        {
            order[index] = index;
        }
        var remainder = count % batchSize;
        Count = count / batchSize + (remainder > 0 && !dropLast ? 1 : 0);
        try
        {
            if (count >= batchSize)
            {
                (fullInput, fullTarget) = CreateBatch(batchSize);
            }
            if (remainder > 0 && !dropLast)
            {
                (partialInput, partialTarget) = CreateBatch(remainder);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Dataset Dataset { get; }

    public int BatchSize { get; }

    public bool Shuffle { get; }

    public bool DropLast { get; }

    public ulong Seed { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count { get; }

    /// <summary>The epoch the next enumeration runs (0 first); each enumeration adds one. Set it to
    /// resume a run: the shuffle of an epoch depends only on <see cref="Seed"/> and this number.</summary>
    public int Epoch
    {
        get => epoch;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            epoch = value;
        }
    }

    /// <summary>Starts the next epoch. The enumerator is a struct, so foreach allocates nothing.</summary>
    public Enumerator GetEnumerator()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Shuffle)
        {
            SplitMix64.Permutation(order, SplitMix64.EpochSeed(Seed, epoch));
        }
        epoch++;
        return new Enumerator(this, ++version);
    }

    IEnumerator<(Tensor Input, Tensor Target)> IEnumerable<(Tensor Input, Tensor Target)>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Frees the batch tensors; batches handed out before become unusable.</summary>
    public void Dispose()
    {
        disposed = true;
        fullInput?.Dispose();
        fullTarget?.Dispose();
        partialInput?.Dispose();
        partialTarget?.Dispose();
    }

    private (Tensor Input, Tensor Target) CreateBatch(int size)
    {
        Span<long> inputShape = stackalloc long[Dataset.InputShape.Length + 1];
        Span<long> targetShape = stackalloc long[Dataset.TargetShape.Length + 1];
        inputShape[0] = targetShape[0] = size;
        Dataset.InputShape.CopyTo(inputShape[1..]);
        Dataset.TargetShape.CopyTo(targetShape[1..]);
        var input = Tensor.Zeros(inputShape, DType.Float32).LeaveScope();
        try
        {
            return (input, Tensor.Zeros(targetShape, Dataset.TargetDType).LeaveScope());
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>One epoch of batches.</summary>
    public struct Enumerator : IEnumerator<(Tensor Input, Tensor Target)>
    {
        private readonly DataLoader loader;
        private readonly int version;
        private int next;

        internal Enumerator(DataLoader loader, int version)
        {
            this.loader = loader;
            this.version = version;
            Current = default;
        }

        /// <summary>The batch just filled; valid until the next <see cref="MoveNext"/>.</summary>
        public (Tensor Input, Tensor Target) Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(loader.disposed, loader);
            if (version != loader.version)
            {
                throw new InvalidOperationException(
                    "This DataLoader started another epoch; its batches share buffers, so only the newest enumeration may continue.");
            }
            var remaining = loader.order.Length - next;
            var size = Math.Min(remaining, loader.BatchSize);
            if (size == 0 || (size < loader.BatchSize && loader.DropLast))
            {
                Current = default;
                return false;
            }
            var (input, target) = size == loader.BatchSize
                ? (loader.fullInput!, loader.fullTarget!)
                : (loader.partialInput!, loader.partialTarget!);
            loader.Dataset.FillBatch(loader.order.AsSpan(next, size), input, target);
            next += size;
            Current = (input, target);
            return true;
        }

        public void Reset() => throw new NotSupportedException("Start a new epoch with GetEnumerator instead.");

        public readonly void Dispose()
        {
        }
    }
}
