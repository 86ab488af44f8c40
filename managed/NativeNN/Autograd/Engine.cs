// Reverse-mode backpropagation: walks the graph from a tensor once, in reverse topological order,
// and accumulates (+=) each leaf's gradient into its Grad.
using System.Runtime.CompilerServices;

namespace NativeNN.Autograd;

internal static class Engine
{
    public static void Backward(Tensor root, Tensor? rootGradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException(
                $"Backward on {root.Description}: the tensor does not require a gradient (no input of the ops that made it has RequiresGrad = true, or it was made under Tensor.NoGrad()).");
        }
        var order = TopologicalOrder(root);
        // Every tensor a backward function makes belongs to this scope, so a backward that throws
        // midway (a saved tensor disposed, a kernel refusing a shape) frees what it made. Leaf
        // gradients leave the scope when they become Grad; interior ones are disposed once used.
        using var scope = Tensor.Scope();
        // Gradients of interior tensors, created by the engine and disposed as soon as they are used.
        var pending = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        var seed = rootGradient is null ? Tensor.Ones(root.Shape.ToArray()) : rootGradient.Clone();
        using var noGrad = GradientMode.Disable();
        try
        {
            if (root.GradFunction is null)
            {
                Accumulate(root, seed);
                return;
            }
            pending[root] = seed;
            for (var position = order.Count - 1; position >= 0; position--)
            {
                var tensor = order[position];
                if (!pending.Remove(tensor, out var gradient))
                {
                    continue;
                }
                var node = tensor.GradFunction!;
                var inputGradients = new Tensor?[node.Inputs.Length];
                try
                {
                    node.Run(gradient, inputGradients);
                }
                finally
                {
                    gradient.Dispose();
                }
                for (var index = 0; index < inputGradients.Length; index++)
                {
                    if (inputGradients[index] is not { } inputGradient)
                    {
                        continue;
                    }
                    var input = node.Inputs[index]!;
                    if (!input.RequiresGrad)
                    {
                        inputGradient.Dispose();
                    }
                    else if (input.GradFunction is null)
                    {
                        Accumulate(input, inputGradient);
                    }
                    else if (pending.TryGetValue(input, out var sum))
                    {
                        sum.AddInPlace(inputGradient);
                        inputGradient.Dispose();
                    }
                    else
                    {
                        pending[input] = inputGradient;
                    }
                }
                if (!retainGraph)
                {
                    node.Release();
                }
            }
        }
        finally
        {
            foreach (var leftover in pending.Values)
            {
                leftover.Dispose();
            }
        }
    }

    // A leaf's gradient: the first one is kept as Grad, later ones are added to it.
    private static void Accumulate(Tensor leaf, Tensor gradient)
    {
        if (leaf.Grad is { IsDisposed: false } existing)
        {
            existing.AddInPlace(gradient);
            gradient.Dispose();
        }
        else
        {
            leaf.Grad = gradient;
        }
    }

    // Tensors reachable from root through grad functions, each after all of its inputs.
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (tensor, nextInput) = stack.Pop();
            var inputs = tensor.GradFunction?.Inputs ?? [];
            var descended = false;
            for (var index = nextInput; index < inputs.Length; index++)
            {
                if (inputs[index] is { GradFunction: not null } input && visited.Add(input))
                {
                    stack.Push((tensor, index + 1));
                    stack.Push((input, 0));
                    descended = true;
                    break;
                }
            }
            if (!descended)
            {
                order.Add(tensor);
            }
        }
        return order;
    }
}
