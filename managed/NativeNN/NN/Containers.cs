// Modules that hold other modules, and the shape-only ones.
namespace NativeNN.NN;

/// <summary>Runs its modules in order, each on the previous one's output (torch.nn.Sequential).
/// Submodules are named "0", "1", ... as in PyTorch, so state dicts match.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> modules = [];

    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules)
        {
            Add(module);
        }
    }

    public int Count => modules.Count;

    public Module this[int index] => modules[index];

    public Sequential Add(Module module)
    {
        this.modules.Add(RegisterModule(modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    public override Tensor Forward(Tensor input)
    {
        var current = input;
        foreach (var module in modules)
        {
            current = module.Forward(current);
        }
        return current;
    }
}

/// <summary>Flattens dimensions startDimension..endDimension into one (torch.nn.Flatten, default 1..-1).</summary>
public sealed class Flatten(int startDimension = 1, int endDimension = -1) : Module
{
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Flatten(startDimension, endDimension);
    }
}
