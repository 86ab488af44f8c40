// using (Tensor.Scope()) { ... }: every tensor created inside is disposed at the end of the block,
// except those moved out. Scopes nest per thread and must end in reverse order of creation.
namespace NativeNN;

/// <summary>Disposes every tensor created on this thread while it is the innermost scope,
/// except those passed to <see cref="MoveOut"/>.</summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? innermost;

    private readonly TensorScope? outer;
    private readonly int threadId;
    private List<Tensor>? owned = [];

    internal TensorScope()
    {
        outer = innermost;
        threadId = Environment.CurrentManagedThreadId;
        innermost = this;
    }

    /// <summary>Number of tensors this scope will dispose (those moved out are not counted once gone).</summary>
    public int Count => owned?.Count(tensor => tensor.scope == this) ?? 0;

    /// <summary>
    /// Keeps <paramref name="tensor"/> alive past this scope: it passes to the enclosing scope,
    /// or to nobody (the caller then disposes it) when this is the outermost one.
    /// </summary>
    public Tensor MoveOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (owned is null)
        {
            throw new ObjectDisposedException(nameof(TensorScope), "This scope has ended; nothing can be moved out of it any more.");
        }
        if (tensor.scope != this)
        {
            throw new InvalidOperationException(
                $"The tensor {tensor.Description} does not belong to this scope, so it cannot be moved out of it.");
        }
        tensor.scope = outer;
        outer?.owned?.Add(tensor);
        return tensor;
    }

    /// <summary>Disposes the tensors the scope still owns.</summary>
    public void Dispose()
    {
        if (owned is null)
        {
            return;
        }
        if (Environment.CurrentManagedThreadId != threadId || innermost != this)
        {
            throw new InvalidOperationException(
                "Tensor scopes must be disposed in reverse order of creation, on the thread that created them " +
                "(an inner scope is still open, or this scope was disposed from another thread).");
        }
        innermost = outer;
        var tensors = owned;
        owned = null;
        foreach (var tensor in tensors)
        {
            if (tensor.scope == this)
            {
                tensor.scope = null;
                tensor.Dispose();
            }
        }
    }

    internal static void Adopt(Tensor tensor)
    {
        if (innermost is { } scope)
        {
            tensor.scope = scope;
            scope.owned!.Add(tensor);
        }
    }
}

public sealed partial class Tensor
{
    /// <summary>Opens a scope: tensors created on this thread until it is disposed are disposed
    /// with it, except those passed to <see cref="TensorScope.MoveOut"/>.</summary>
    public static TensorScope Scope() => new();
}
