// The base of every layer and model: parameters, submodules, train/eval mode and state dicts.
namespace NativeNN.NN;

/// <summary>
/// A layer or a model (torch.nn.Module). It owns its parameters and submodules and disposes them
/// with itself. Parameters are registered by name; nested names are dotted ("0.weight").
/// </summary>
/// <remarks>
/// Threads: once in evaluation mode (<see cref="Eval"/>), one module may run <see cref="Forward"/>
/// from many threads at once, each inside its own Tensor.NoGrad() and Tensor.Scope(): the parameters
/// are only read, and every thread gets the single-thread answers bit for bit. Training (Forward that
/// records a graph, Backward, an optimizer step), Train/Eval, LoadStateDict and Dispose must not
/// overlap any other use of the module.
/// </remarks>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Parameter)> parameters = [];
    private readonly List<(string Name, Module Child)> children = [];
    private bool disposed;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Direct submodules, in registration order.</summary>
    public IEnumerable<Module> Children => children.Select(child => child.Child);

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Every parameter of this module and its submodules, each once.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(named => named.Parameter);

    /// <summary>Every parameter with its dotted name, each once, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var named in NamedParametersWithPrefix(""))
        {
            if (seen.Add(named.Parameter))
            {
                yield return named;
            }
        }
    }

    private IEnumerable<(string Name, Tensor Parameter)> NamedParametersWithPrefix(string prefix)
    {
        foreach (var (name, parameter) in parameters)
        {
            yield return (prefix + name, parameter);
        }
        foreach (var (name, child) in children)
        {
            foreach (var named in child.NamedParametersWithPrefix(prefix + name + "."))
            {
                yield return named;
            }
        }
    }

    /// <summary>Training mode on (or off) for this module and every submodule.</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in children)
        {
            child.Train(training);
        }
        return this;
    }

    /// <summary>Evaluation mode: dropout passes values through unchanged.</summary>
    public Module Eval() => Train(false);

    /// <summary>Frees every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters())
        {
            parameter.ZeroGrad();
        }
    }

    /// <summary>Moves the parameters to <paramref name="device"/>.</summary>
    public Module To(Device device)
    {
        device.ThrowIfUnavailable($"{GetType().Name}.To({device})");
        return this;
    }

    /// <summary>The parameters by dotted name. The tensors are the module's own (not copies): read
    /// them, save them, but do not dispose them.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() =>
        NamedParameters().ToDictionary(named => named.Name, named => named.Parameter);

    /// <summary>Copies values into the parameters by name. With <paramref name="strict"/>, the keys
    /// must match exactly; shapes must always match.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        if (strict)
        {
            var missing = own.Keys.Where(key => !state.ContainsKey(key)).ToList();
            var unexpected = state.Keys.Where(key => !own.ContainsKey(key)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                throw new ArgumentException(
                    $"LoadStateDict into {GetType().Name}: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}].",
                    nameof(state));
            }
        }
        foreach (var (name, parameter) in own)
        {
            if (!state.TryGetValue(name, out var value))
            {
                continue;
            }
            if (value is null)
            {
                throw new ArgumentException($"LoadStateDict into {GetType().Name}: '{name}' is null in the state.", nameof(state));
            }
            if (!value.Shape.SequenceEqual(parameter.Shape) || value.DType != parameter.DType)
            {
                throw new ShapeMismatchException(
                    $"LoadStateDict into {GetType().Name}: '{name}' is {value.Description} in the state but {parameter.Description} in the module.");
            }
            parameter.CopyFrom(value);
        }
    }

    /// <summary>Registers a parameter: the module owns it, and it requires gradients.</summary>
    protected Tensor RegisterParameter(string name, Tensor parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(parameter);
        parameter.LeaveScope();
        parameter.RequiresGrad = true;
        parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a submodule, which this module then owns.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(module);
        children.Add((name, module));
        module.Train(IsTraining);
        return module;
    }

    /// <summary>Disposes the parameters and submodules.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        foreach (var (_, parameter) in parameters)
        {
            parameter.Dispose();
        }
        foreach (var (_, child) in children)
        {
            child.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
