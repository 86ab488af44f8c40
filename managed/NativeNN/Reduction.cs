// How a loss reduces its per-sample values (torch's reduction='none'|'mean'|'sum').
using NativeNN.Interop;

namespace NativeNN;

public enum Reduction
{
    /// <summary>One loss per sample.</summary>
    None = nn_reduction.NN_REDUCTION_NONE,

    /// <summary>The mean over samples (PyTorch's default).</summary>
    Mean = nn_reduction.NN_REDUCTION_MEAN,

    /// <summary>The sum over samples.</summary>
    Sum = nn_reduction.NN_REDUCTION_SUM,
}
