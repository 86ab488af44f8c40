// Autograd on the tensor: RequiresGrad, Grad, Backward, Detach and the NoGrad scope.
using NativeNN.Autograd;

namespace NativeNN;

public sealed partial class Tensor
{
    private bool requiresGrad;
    private Tensor? grad;

    /// <summary>The op that produced this tensor (PyTorch's grad_fn); null for a leaf.</summary>
    internal Node? GradFunction { get; private set; }

    /// <summary>True for tensors not produced by a recorded op (inputs and parameters).</summary>
    public bool IsLeaf => GradFunction is null;

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); a tensor made
    /// by an op requires a gradient when any of its inputs does. Only float32 tensors can.
    /// </summary>
    public bool RequiresGrad
    {
        get => requiresGrad || GradFunction is not null;
        set
        {
            if (GradFunction is not null)
            {
                if (!value)
                {
                    throw new InvalidOperationException(
                        $"RequiresGrad can only be turned off on a leaf; {Description} was made by {GradFunction.Name}. Use Detach() for a copy outside the graph.");
                }
                return;
            }
            if (value && DType != DType.Float32)
            {
                throw new InvalidOperationException($"RequiresGrad can only be set on float32 tensors; this one is {Description}.");
            }
            requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward(bool)"/>; null before the
    /// first backward and after <see cref="ZeroGrad"/>. Owned by this tensor and disposed with it.</summary>
    public Tensor? Grad
    {
        get => grad;
        internal set
        {
            if (!ReferenceEquals(grad, value))
            {
                grad?.Dispose();
            }
            grad = value?.LeaveScope();
        }
    }

    /// <summary>Backpropagates from this scalar (d this / d this = 1), accumulating into every
    /// leaf's <see cref="Grad"/>.</summary>
    public void Backward(bool retainGraph = false)
    {
        if (ElementCount != 1)
        {
            throw new InvalidOperationException(
                $"Backward() needs a single-element tensor (a loss), but this is {Description}; pass the gradient explicitly with Backward(gradient).");
        }
        Engine.Backward(this, null, retainGraph);
    }

    /// <summary>Backpropagates with <paramref name="gradient"/> as d loss / d this.</summary>
    public void Backward(Tensor gradient, bool retainGraph = false)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        if (!gradient.Shape.SequenceEqual(Shape) || gradient.DType != DType)
        {
            throw new ShapeMismatchException(
                $"Backward: the gradient is {gradient.Description} but the tensor is {Description}; they must match.");
        }
        Engine.Backward(this, gradient, retainGraph);
    }

    /// <summary>Frees the gradient (PyTorch's set_to_none).</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>A new tensor sharing this one's storage, outside the graph (no gradient flows through it).</summary>
    public Tensor Detach() => Reshape(shape).WithoutGraph();

    /// <summary>Ops inside the returned scope record no graph (evaluation, optimizer updates). The
    /// setting follows the code, not the thread: it holds across awaits inside the block and flows into
    /// tasks and Parallel loops started there, and other threads are unaffected.</summary>
    public static IDisposable NoGrad() => GradientMode.Disable();

    /// <summary>True while ops record the graph here (not inside <see cref="NoGrad"/>).</summary>
    public static bool IsGradEnabled => GradientMode.Enabled;

    private Tensor WithoutGraph()
    {
        GradFunction = null;
        requiresGrad = false;
        return this;
    }

    /// <summary>Attaches <paramref name="node"/> as this output's grad function when recording is on
    /// and any of the node's inputs requires a gradient.</summary>
    internal Tensor Record(Node node)
    {
        if (GradientMode.Enabled && node.Inputs.Any(input => input is { RequiresGrad: true }))
        {
            GradFunction = node;
        }
        return this;
    }

    /// <summary>Whether an op with these inputs will record a node (lets ops skip saving work).</summary>
    internal static bool WillRecord(Tensor? first, Tensor? second = null, Tensor? third = null) =>
        GradientMode.Enabled && (first is { RequiresGrad: true } || second is { RequiresGrad: true } || third is { RequiresGrad: true });
}
