// using (Tensor.Scope()) { ... }: every tensor created inside is disposed at the end of the block,
// except those moved out. Scopes nest per thread and must end in reverse order of creation, on the
// thread that opened them: a scope does not follow an await or reach into Parallel loop bodies
// (open one per iteration there).
namespace NativeNN;

/// <summary>Disposes every tensor created on this thread while it is the innermost scope,
/// except those passed to <see cref="MoveOut"/>.</summary>
/// <remarks>Threads: a scope belongs to the thread that opened it. Tensors other threads make while
/// it is open are not its own; code that awaits inside a scope may resume on another thread, so keep
/// scopes within synchronous code, and open one per iteration inside Parallel loops.</remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? innermost;

    private readonly TensorScope? outer;
    private readonly int threadId;
    private List<Tensor>? owned = [];

    internal TensorScope()
    {
        outer = LiveInnermost();
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

    /// <summary>Disposes the tensors the scope still owns. Throws <see cref="InvalidOperationException"/>
    /// while an inner scope is open (dispose that first), and when called from another thread than
    /// the one that opened the scope (after an await that resumed elsewhere): the scope's tensors are
    /// then still disposed and the scope ends, so its thread does not keep adopting tensors into it.</summary>
    public void Dispose()
    {
        if (owned is null)
        {
            return;
        }
        var otherThread = Environment.CurrentManagedThreadId != threadId;
        if (!otherThread && innermost != this)
        {
            throw new InvalidOperationException(
                "Tensor scopes must be disposed in reverse order of creation: an inner scope is still open.");
        }
        if (!otherThread)
        {
            innermost = outer;
        }
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
        if (otherThread)
        {
            throw new InvalidOperationException(
                "This tensor scope was disposed on another thread than the one that opened it (an await inside the scope " +
                "resumed elsewhere?). Its tensors were disposed; tensors made on the other thread were not in it. " +
                "Keep a scope within synchronous code, or open one per thread.");
        }
    }

    // A scope ended from another thread is still its own thread's innermost; skip past it.
    private static TensorScope? LiveInnermost()
    {
        var scope = innermost;
        while (scope is { owned: null })
        {
            scope = scope.outer;
        }
        return innermost = scope;
    }

    internal static void Adopt(Tensor tensor)
    {
        if (LiveInnermost() is { } scope)
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
