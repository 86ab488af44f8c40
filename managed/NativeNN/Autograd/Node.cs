// One recorded operation of the autograd graph: its inputs and what it saved, and the backward
// function that turns the output's gradient into the inputs' gradients.
namespace NativeNN.Autograd;

/// <summary>
/// A step of the graph (PyTorch's grad_fn). Each differentiable op has one small subclass whose
/// constructor saves what the backward needs and whose <see cref="Backward"/> sits beside the
/// forward in the op's file.
/// </summary>
internal abstract class Node
{
    private bool released;

    protected Node(string name, params Tensor?[] inputs)
    {
        Name = name;
        Inputs = inputs;
    }

    /// <summary>Op name for messages, e.g. "MatMul".</summary>
    public string Name { get; }

    /// <summary>The op's tensor inputs (null where an input is optional and absent).</summary>
    public Tensor?[] Inputs { get; }

    /// <summary>Whether input <paramref name="index"/> wants a gradient.</summary>
    public bool NeedsGradient(int index) => Inputs[index] is { RequiresGrad: true };

    /// <summary>Computes the gradient of each input that needs one, as new tensors the engine owns,
    /// from <paramref name="outputGradient"/>; leaves the other entries null.</summary>
    public void Run(Tensor outputGradient, Tensor?[] inputGradients)
    {
        if (released)
        {
            throw new InvalidOperationException(
                $"Backward ran through {Name} a second time, but its saved tensors were freed after the first backward. " +
                "Call Backward(retainGraph: true) the first time to backpropagate through the same graph again.");
        }
        Backward(outputGradient, inputGradients);
    }

    protected abstract void Backward(Tensor outputGradient, Tensor?[] inputGradients);

    /// <summary>Marks the node used up once backward is done and frees what it alone owns.</summary>
    public void Release()
    {
        if (!released)
        {
            released = true;
            OnRelease();
        }
    }

    /// <summary>Frees tensors the node owns (not the op's inputs and outputs, which their scope owns).</summary>
    protected virtual void OnRelease()
    {
    }

    /// <summary>A saved tensor, or a clear error if the caller disposed it before backward.</summary>
    protected Tensor Saved(Tensor tensor, string role)
    {
        if (tensor.IsDisposed)
        {
            throw new ObjectDisposedException(nameof(Tensor),
                $"Backward through {Name} needs its {role} ({tensor.Description}), which was disposed after the forward pass. " +
                "Keep the tensors of a step alive (for example inside one Tensor.Scope) until Backward has run.");
        }
        return tensor;
    }
}
