// The optimizers, each with PyTorch's defaults, calling one fused native kernel per parameter.
using NativeNN.Interop;

namespace NativeNN.Optim;

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (torch.optim.SGD).</summary>
public sealed class SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0,
    double weightDecay = 0, bool nesterov = false) : Optimizer(parameters, lr, ["momentum_buffer"])
{
    public double Momentum { get; } = momentum;
    public double Dampening { get; } = dampening;
    public double WeightDecay { get; } = weightDecay;
    public bool Nesterov { get; } = nesterov;

    protected override bool NeedsBuffer(int index) => Momentum != 0;

    protected override void Update(Tensor parameter, Tensor gradient, Tensor?[] buffers, long step)
    {
        var options = new nn_sgd_params
        {
            lr = LearningRate, momentum = Momentum, dampening = Dampening, weight_decay = WeightDecay, nesterov = Nesterov ? 1 : 0,
        };
        Kernels.SgdStep(options, step, parameter, gradient, buffers[0]);
    }
}

/// <summary>Adagrad (torch.optim.Adagrad).</summary>
public sealed class Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
    double initialAccumulatorValue = 0, double eps = 1e-10) : Optimizer(parameters, lr, ["sum"])
{
    public double LearningRateDecay { get; } = lrDecay;
    public double WeightDecay { get; } = weightDecay;
    public double InitialAccumulatorValue { get; } = initialAccumulatorValue;
    public double Eps { get; } = eps;

    protected override bool NeedsBuffer(int index) => true;

    protected override void Update(Tensor parameter, Tensor gradient, Tensor?[] buffers, long step)
    {
        var options = new nn_adagrad_params
        {
            lr = LearningRate, lr_decay = LearningRateDecay, weight_decay = WeightDecay,
            initial_accumulator_value = InitialAccumulatorValue, eps = Eps,
        };
        Kernels.AdagradStep(options, step, parameter, gradient, buffers[0]!);
    }
}

/// <summary>RMSprop with optional momentum and centering (torch.optim.RMSprop).</summary>
public sealed class RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
    double weightDecay = 0, double momentum = 0, bool centered = false)
    : Optimizer(parameters, lr, ["square_avg", "momentum_buffer", "grad_avg"])
{
    public double Alpha { get; } = alpha;
    public double Eps { get; } = eps;
    public double WeightDecay { get; } = weightDecay;
    public double Momentum { get; } = momentum;
    public bool Centered { get; } = centered;

    protected override bool NeedsBuffer(int index) => index switch
    {
        0 => true,
        1 => Momentum > 0,
        _ => Centered,
    };

    protected override void Update(Tensor parameter, Tensor gradient, Tensor?[] buffers, long step)
    {
        var options = new nn_rmsprop_params
        {
            lr = LearningRate, alpha = Alpha, eps = Eps, weight_decay = WeightDecay, momentum = Momentum, centered = Centered ? 1 : 0,
        };
        Kernels.RmspropStep(options, step, parameter, gradient, buffers[0]!, buffers[1], buffers[2]);
    }
}

/// <summary>Adam with L2 weight decay and optional AMSGrad (torch.optim.Adam).</summary>
public class Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
    double weightDecay = 0, bool amsgrad = false) : Optimizer(parameters, lr, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
{
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Eps { get; } = eps;
    public double WeightDecay { get; } = weightDecay;
    public bool Amsgrad { get; } = amsgrad;

    /// <summary>True for AdamW: weight decay shrinks the parameter instead of joining the gradient.</summary>
    protected virtual bool DecoupledWeightDecay => false;

    protected override bool NeedsBuffer(int index) => index < 2 || Amsgrad;

    protected override void Update(Tensor parameter, Tensor gradient, Tensor?[] buffers, long step)
    {
        var options = new nn_adam_params
        {
            lr = LearningRate, beta1 = Beta1, beta2 = Beta2, eps = Eps, weight_decay = WeightDecay, amsgrad = Amsgrad ? 1 : 0,
        };
        Kernels.AdamStep(options, DecoupledWeightDecay, step, parameter, gradient, buffers[0]!, buffers[1]!, buffers[2]);
    }
}

/// <summary>Adam with decoupled weight decay (torch.optim.AdamW; weight decay defaults to 0.01).</summary>
public sealed class AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
    double weightDecay = 1e-2, bool amsgrad = false) : Adam(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad)
{
    protected override bool DecoupledWeightDecay => true;
}

/// <summary>Gradient utilities (torch.nn.utils).</summary>
public static class GradientClipping
{
    /// <summary>Scales every gradient so that their joint L2 norm is at most <paramref name="maxNorm"/>
    /// (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var gradients = parameters.Select(parameter => parameter.Grad).OfType<Tensor>().ToArray();
        double squares = 0;
        foreach (var gradient in gradients)
        {
            using var square = gradient.Square();
            using var sum = square.Sum();
            squares += sum.ToArray()[0];
        }
        var norm = Math.Sqrt(squares);
        var coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            foreach (var gradient in gradients)
            {
                Kernels.Scale(gradient, (float)coefficient, gradient);
            }
        }
        return norm;
    }
}
