// The base of every optimizer: the parameters, their per-parameter state (step count and buffers),
// ZeroGrad, Step, and state that can be saved and restored for resuming.
namespace NativeNN.Optim;

/// <summary>
/// Updates parameters from their gradients (torch.optim.Optimizer). The update math runs in
/// fused native kernels; the optimizer owns its state buffers and disposes them with itself.
/// </summary>
/// <remarks>Threads: an optimizer is not thread-safe; it, its parameters' gradients and the training
/// loop that steps it belong to one thread at a time.</remarks>
public abstract class Optimizer : IDisposable
{
    private readonly ParameterState[] states;
    private double learningRate;
    private bool disposed;

    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate, string[] bufferNames)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"{GetType().Name} got an empty parameter list.", nameof(parameters));
        }
        foreach (var parameter in list)
        {
            if (parameter is null)
            {
                throw new ArgumentException($"{GetType().Name}: the parameter list holds a null entry.", nameof(parameters));
            }
            if (parameter.DType != DType.Float32 || !parameter.IsLeaf)
            {
                throw new ArgumentException(
                    $"{GetType().Name}: {parameter.Description} cannot be optimized: parameters must be float32 leaf tensors.", nameof(parameters));
            }
        }
        LearningRate = learningRate;
        BufferNames = bufferNames;
        states = list.Select(parameter => new ParameterState(parameter, bufferNames.Length)).ToArray();
    }

    /// <summary>The learning rate used by the next <see cref="Step"/> (schedulers set it).</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite number >= 0.");
            }
            learningRate = value;
        }
    }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters => states.Select(state => state.Parameter).ToArray();

    /// <summary>Names of the per-parameter state buffers, as PyTorch names them ("exp_avg", ...).</summary>
    protected IReadOnlyList<string> BufferNames { get; }

    /// <summary>Frees every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var state in states)
        {
            state.Parameter.ZeroGrad();
        }
    }

    /// <summary>One update of every parameter that has a gradient; parameters without one are skipped,
    /// as in PyTorch (a frozen or unused parameter keeps its value and its state).</summary>
    public void Step()
    {
        ThrowIfDisposed();
        using var noGrad = Tensor.NoGrad();
        foreach (var state in states)
        {
            if (state.Parameter.Grad is not { } gradient)
            {
                continue;
            }
            if (!gradient.Shape.SequenceEqual(state.Parameter.Shape))
            {
                throw new ShapeMismatchException(
                    $"{GetType().Name}.Step: the gradient {gradient.Description} does not match its parameter {state.Parameter.Description}.");
            }
            state.Step++;
            for (var index = 0; index < state.Buffers.Length; index++)
            {
                if (state.Buffers[index] is null && NeedsBuffer(index))
                {
                    state.Buffers[index] = Tensor.ZerosLike(state.Parameter).LeaveScope();
                }
            }
            Update(state.Parameter, gradient, state.Buffers, state.Step);
        }
    }

    /// <summary>Whether buffer <paramref name="index"/> is used with the current hyper-parameters.</summary>
    protected abstract bool NeedsBuffer(int index);

    /// <summary>Applies one fused update; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(Tensor parameter, Tensor gradient, Tensor?[] buffers, long step);

    /// <summary>A copy of the state for saving: per parameter index, its step and buffers by name
    /// ("0.step" is not a tensor: steps are in <see cref="OptimizerState.Steps"/>).</summary>
    public OptimizerState SaveState()
    {
        ThrowIfDisposed();
        var steps = new long[states.Length];
        var buffers = new Dictionary<string, Tensor>();
        for (var index = 0; index < states.Length; index++)
        {
            steps[index] = states[index].Step;
            for (var buffer = 0; buffer < BufferNames.Count; buffer++)
            {
                if (states[index].Buffers[buffer] is { } tensor)
                {
                    buffers[$"{index}.{BufferNames[buffer]}"] = tensor.Clone().LeaveScope();
                }
            }
        }
        return new OptimizerState(GetType().Name, LearningRate, steps, buffers);
    }

    /// <summary>Restores state saved by <see cref="SaveState"/> from an optimizer of the same kind
    /// over parameters of the same shapes.</summary>
    public void LoadState(OptimizerState saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ThrowIfDisposed();
        if (saved.Optimizer != GetType().Name || saved.Steps.Count != states.Length)
        {
            throw new ArgumentException(
                $"LoadState: the state is from {saved.Optimizer} over {saved.Steps.Count} parameters, but this is {GetType().Name} over {states.Length}.",
                nameof(saved));
        }
        // Everything is checked before anything changes, so a refused state leaves this optimizer as it was.
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < states.Length; index++)
        {
            if (saved.Steps[index] < 0)
            {
                throw new ArgumentException($"LoadState: parameter {index} has step count {saved.Steps[index]}; steps count from 0.", nameof(saved));
            }
            for (var buffer = 0; buffer < BufferNames.Count; buffer++)
            {
                var name = $"{index}.{BufferNames[buffer]}";
                known.Add(name);
                if (!saved.Buffers.TryGetValue(name, out var tensor))
                {
                    continue;
                }
                if (tensor.DType != DType.Float32 || !tensor.Shape.SequenceEqual(states[index].Parameter.Shape))
                {
                    throw new ShapeMismatchException(
                        $"LoadState: buffer '{name}' is {tensor.Description} but parameter {index} is {states[index].Parameter.Description}.");
                }
            }
        }
        if (saved.Buffers.Keys.FirstOrDefault(name => !known.Contains(name)) is { } unknown)
        {
            throw new ArgumentException(
                $"LoadState: the state has a buffer '{unknown}' that {GetType().Name} over {states.Length} parameters does not have " +
                $"(its buffers are {string.Join(", ", BufferNames)} per parameter index).", nameof(saved));
        }
        if (!(saved.LearningRate >= 0) || double.IsInfinity(saved.LearningRate))
        {
            throw new ArgumentException($"LoadState: the learning rate {saved.LearningRate} is not a finite number >= 0.", nameof(saved));
        }
        LearningRate = saved.LearningRate;
        for (var index = 0; index < states.Length; index++)
        {
            states[index].Step = saved.Steps[index];
            for (var buffer = 0; buffer < BufferNames.Count; buffer++)
            {
                states[index].Buffers[buffer]?.Dispose();
                states[index].Buffers[buffer] = saved.Buffers.TryGetValue($"{index}.{BufferNames[buffer]}", out var tensor)
                    ? tensor.Clone().LeaveScope()
                    : null;
            }
        }
    }

    /// <summary>Disposes the state buffers (not the parameters, which the model owns).</summary>
    public void Dispose()
    {
        disposed = true;
        foreach (var state in states)
        {
            foreach (var buffer in state.Buffers)
            {
                buffer?.Dispose();
            }
            Array.Clear(state.Buffers);
        }
        GC.SuppressFinalize(this);
    }

    // A step after Dispose would make new state buffers that nothing frees any more.
    private void ThrowIfDisposed()
    {
        if (disposed)
        {
            throw new ObjectDisposedException(GetType().Name, $"The {GetType().Name} optimizer was disposed; its state buffers are gone.");
        }
    }

    private sealed class ParameterState(Tensor parameter, int bufferCount)
    {
        public Tensor Parameter { get; } = parameter;
        public Tensor?[] Buffers { get; } = new Tensor?[bufferCount];
        public long Step { get; set; }
    }
}

/// <summary>Saved optimizer state: its kind, learning rate, per-parameter step counts and buffers
/// named "index.buffer" (for example "0.exp_avg"). Dispose it to free the buffer copies.</summary>
public sealed record OptimizerState(string Optimizer, double LearningRate, IReadOnlyList<long> Steps,
    IReadOnlyDictionary<string, Tensor> Buffers) : IDisposable
{
    public void Dispose()
    {
        foreach (var buffer in Buffers.Values)
        {
            buffer.Dispose();
        }
    }
}
