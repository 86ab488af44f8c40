// param [n], grad [n], state [n]... -> param and state updated in place
// One fused pass per step with the native reference's formulas and operation order
// (native/src/cpu/optim/optim.h): the per-step scalars are computed in double and rounded once,
// every element in float, no fused multiply-adds, so the results equal the reference's bit for
// bit. Vector<float> lanes run the same operations as the scalar tail.
using System.Numerics;
using NativeNN.Interop;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    public unsafe void SgdStep(in nn_sgd_params options, long step, Tensor parameter, Tensor gradient, Tensor? momentumBuffer)
    {
        const string op = "SgdStep";
        RequireAtLeastZero(op, "lr", options.lr);
        RequireAtLeastZero(op, "momentum", options.momentum);
        RequireAtLeastZero(op, "weight_decay", options.weight_decay);
        if (!double.IsFinite(options.dampening))
        {
            throw new ArgumentException($"{op}: dampening is {options.dampening} but must be finite");
        }
        var nesterov = Flag(op, "nesterov", options.nesterov);
        if (nesterov && (options.momentum <= 0 || options.dampening != 0))
        {
            throw new ArgumentException(
                $"{op}: nesterov needs momentum > 0 and dampening 0 (momentum {options.momentum}, dampening {options.dampening})");
        }
        var withMomentum = options.momentum != 0;
        var buffer = UsedBuffer(op, momentumBuffer, withMomentum, "momentumBuffer", "momentum is not 0");
        CheckStepTensors(op, step, (parameter, "parameter"), (gradient, "gradient"), (buffer, "momentumBuffer"));
        var lr = (float)options.lr;
        var momentum = (float)options.momentum;
        var keep = (float)(1.0 - options.dampening);
        var weightDecay = (float)options.weight_decay;
        var decay = options.weight_decay != 0;
        var fresh = step == 1;
        var p = Data(parameter);
        var g = Data(gradient);
        var b = buffer is null ? null : Data(buffer);
        ForRanges(parameter.ElementCount, ThreadsFor(parameter.ElementCount, parameter.ElementCount), (first, end) =>
        {
            var index = first;
            if (Vector.IsHardwareAccelerated)
            {
                var vlr = new Vector<float>(lr);
                var vmomentum = new Vector<float>(momentum);
                var vkeep = new Vector<float>(keep);
                var vdecay = new Vector<float>(weightDecay);
                for (; index <= end - Vector<float>.Count; index += Vector<float>.Count)
                {
                    var parameters = Vector.Load(p + index);
                    var update = Vector.Load(g + index);
                    if (decay)
                    {
                        update += vdecay * parameters;
                    }
                    if (withMomentum)
                    {
                        var momentumValue = fresh ? update : Vector.Load(b + index) * vmomentum + vkeep * update;
                        momentumValue.Store(b + index);
                        update = nesterov ? update + vmomentum * momentumValue : momentumValue;
                    }
                    (parameters - vlr * update).Store(p + index);
                }
            }
            for (; index < end; index++)
            {
                var update = g[index];
                if (decay)
                {
                    update += weightDecay * p[index];
                }
                if (withMomentum)
                {
                    var momentumValue = fresh ? update : b[index] * momentum + keep * update;
                    b[index] = momentumValue;
                    update = nesterov ? update + momentum * momentumValue : momentumValue;
                }
                p[index] -= lr * update;
            }
        });
    }

    public unsafe void AdagradStep(in nn_adagrad_params options, long step, Tensor parameter, Tensor gradient, Tensor sum)
    {
        const string op = "AdagradStep";
        RequireAtLeastZero(op, "lr", options.lr);
        RequireAtLeastZero(op, "lr_decay", options.lr_decay);
        RequireAtLeastZero(op, "weight_decay", options.weight_decay);
        RequireAtLeastZero(op, "initial_accumulator_value", options.initial_accumulator_value);
        RequireAtLeastZero(op, "eps", options.eps);
        CheckStepTensors(op, step, (parameter, "parameter"), (gradient, "gradient"), (sum, "sum"));
        var clr = (float)(options.lr / (1.0 + (step - 1) * options.lr_decay));
        var weightDecay = (float)options.weight_decay;
        var initial = (float)options.initial_accumulator_value;
        var eps = (float)options.eps;
        var decay = options.weight_decay != 0;
        var fresh = step == 1;
        var p = Data(parameter);
        var g = Data(gradient);
        var s = Data(sum);
        ForRanges(parameter.ElementCount, ThreadsFor(parameter.ElementCount, parameter.ElementCount), (first, end) =>
        {
            var index = first;
            if (Vector.IsHardwareAccelerated)
            {
                var vclr = new Vector<float>(clr);
                var vdecay = new Vector<float>(weightDecay);
                var vinitial = new Vector<float>(initial);
                var veps = new Vector<float>(eps);
                for (; index <= end - Vector<float>.Count; index += Vector<float>.Count)
                {
                    var parameters = Vector.Load(p + index);
                    var update = Vector.Load(g + index);
                    if (decay)
                    {
                        update += vdecay * parameters;
                    }
                    var accumulated = (fresh ? vinitial : Vector.Load(s + index)) + update * update;
                    accumulated.Store(s + index);
                    (parameters - vclr * (update / (Vector.SquareRoot(accumulated) + veps))).Store(p + index);
                }
            }
            for (; index < end; index++)
            {
                var update = g[index];
                if (decay)
                {
                    update += weightDecay * p[index];
                }
                var accumulated = (fresh ? initial : s[index]) + update * update;
                s[index] = accumulated;
                p[index] -= clr * (update / (MathF.Sqrt(accumulated) + eps));
            }
        });
    }

    public unsafe void RmspropStep(in nn_rmsprop_params options, long step, Tensor parameter, Tensor gradient,
        Tensor squareAverage, Tensor? momentumBuffer, Tensor? gradientAverage)
    {
        const string op = "RmspropStep";
        RequireAtLeastZero(op, "lr", options.lr);
        RequireAtLeastZero(op, "alpha", options.alpha);
        RequireAtLeastZero(op, "eps", options.eps);
        RequireAtLeastZero(op, "weight_decay", options.weight_decay);
        RequireAtLeastZero(op, "momentum", options.momentum);
        var centered = Flag(op, "centered", options.centered);
        var withMomentum = options.momentum > 0;
        var buffer = UsedBuffer(op, momentumBuffer, withMomentum, "momentumBuffer", "momentum is above 0");
        var average = UsedBuffer(op, gradientAverage, centered, "gradientAverage", "centered is 1");
        CheckStepTensors(op, step, (parameter, "parameter"), (gradient, "gradient"), (squareAverage, "squareAverage"),
            (buffer, "momentumBuffer"), (average, "gradientAverage"));
        var lr = (float)options.lr;
        var alpha = (float)options.alpha;
        var averageWeight = (float)(1.0 - options.alpha);
        var eps = (float)options.eps;
        var weightDecay = (float)options.weight_decay;
        var momentum = (float)options.momentum;
        var decay = options.weight_decay != 0;
        var fresh = step == 1;
        var p = Data(parameter);
        var g = Data(gradient);
        var v = Data(squareAverage);
        var b = buffer is null ? null : Data(buffer);
        var a = average is null ? null : Data(average);
        ForRanges(parameter.ElementCount, ThreadsFor(parameter.ElementCount, parameter.ElementCount), (first, end) =>
        {
            for (var index = first; index < end; index++)
            {
                var update = g[index];
                if (decay)
                {
                    update += weightDecay * p[index];
                }
                var square = (fresh ? 0f : v[index]) * alpha + averageWeight * (update * update);
                v[index] = square;
                float denominator;
                if (centered)
                {
                    var mean = Lerp(fresh ? 0f : a[index], update, averageWeight);
                    a[index] = mean;
                    denominator = MathF.Sqrt(square - mean * mean) + eps;
                }
                else
                {
                    denominator = MathF.Sqrt(square) + eps;
                }
                if (withMomentum)
                {
                    var momentumValue = (fresh ? 0f : b[index]) * momentum + update / denominator;
                    b[index] = momentumValue;
                    p[index] -= lr * momentumValue;
                }
                else
                {
                    p[index] -= lr * (update / denominator);
                }
            }
        });
    }

    public unsafe void AdamStep(in nn_adam_params options, bool decoupledWeightDecay, long step, Tensor parameter, Tensor gradient,
        Tensor average, Tensor squareAverage, Tensor? maximumSquareAverage)
    {
        var op = decoupledWeightDecay ? "AdamWStep" : "AdamStep";
        RequireAtLeastZero(op, "lr", options.lr);
        RequireAtLeastZero(op, "eps", options.eps);
        RequireBeta(op, "beta1", options.beta1);
        RequireBeta(op, "beta2", options.beta2);
        RequireAtLeastZero(op, "weight_decay", options.weight_decay);
        var amsgrad = Flag(op, "amsgrad", options.amsgrad);
        var maximum = UsedBuffer(op, maximumSquareAverage, amsgrad, "maximumSquareAverage", "amsgrad is 1");
        CheckStepTensors(op, step, (parameter, "parameter"), (gradient, "gradient"), (average, "average"),
            (squareAverage, "squareAverage"), (maximum, "maximumSquareAverage"));
        var stepSize = (float)(options.lr / (1.0 - Math.Pow(options.beta1, step)));
        var correction2 = (float)Math.Sqrt(1.0 - Math.Pow(options.beta2, step));
        var decayFactor = (float)(1.0 - options.lr * options.weight_decay);
        var averageWeight = (float)(1.0 - options.beta1);
        var beta2 = (float)options.beta2;
        var squareWeight = (float)(1.0 - options.beta2);
        var eps = (float)options.eps;
        var weightDecay = (float)options.weight_decay;
        var coupledDecay = !decoupledWeightDecay && options.weight_decay != 0;
        var fresh = step == 1;
        var p = Data(parameter);
        var g = Data(gradient);
        var m = Data(average);
        var v = Data(squareAverage);
        var vmax = maximum is null ? null : Data(maximum);
        ForRanges(parameter.ElementCount, ThreadsFor(parameter.ElementCount, parameter.ElementCount), (first, end) =>
        {
            for (var index = first; index < end; index++)
            {
                var update = g[index];
                if (decoupledWeightDecay)
                {
                    p[index] *= decayFactor;
                }
                else if (coupledDecay)
                {
                    update += weightDecay * p[index];
                }
                var mean = Lerp(fresh ? 0f : m[index], update, averageWeight);
                var square = (fresh ? 0f : v[index]) * beta2 + squareWeight * (update * update);
                m[index] = mean;
                v[index] = square;
                var second = square;
                if (amsgrad)
                {
                    var previous = fresh ? 0f : vmax[index];
                    second = previous < square ? square : previous;
                    vmax[index] = second;
                }
                var denominator = MathF.Sqrt(second) / correction2 + eps;
                p[index] -= stepSize * (mean / denominator);
            }
        });
    }

    // torch.lerp: start + weight (end - start), from the other end when weight >= 0.5.
    private static float Lerp(float start, float end, float weight) =>
        weight < 0.5f ? start + weight * (end - start) : end - (end - start) * (1f - weight);

    private static void RequireAtLeastZero(string op, string name, double value)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            throw new ArgumentException($"{op}: {name} is {value} but must be finite and >= 0");
        }
    }

    private static void RequireBeta(string op, string name, double value)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentException($"{op}: {name} is {value} but must be in [0, 1)");
        }
    }

    private static bool Flag(string op, string name, int value) => value switch
    {
        0 => false,
        1 => true,
        _ => throw new ArgumentException($"{op}: {name} is {value} but must be 0 or 1"),
    };

    private static Tensor? UsedBuffer(string op, Tensor? buffer, bool used, string name, string why)
    {
        if (!used)
        {
            return null;
        }
        return buffer ?? throw new ArgumentException($"{op}: {name} is null but {why}");
    }

    // param, grad and every used buffer: float32 of one shape, each in its own storage.
    private static void CheckStepTensors(string op, long step, params (Tensor? Tensor, string Name)[] operands)
    {
        if (step < 1)
        {
            throw new ArgumentException($"{op}: step is {step} but counts from 1");
        }
        var parameter = operands[0].Tensor!;
        foreach (var (tensor, name) in operands)
        {
            if (tensor is null)
            {
                continue;
            }
            RequireFloat(tensor, op, name);
            RequireSameShape(parameter, "parameter", tensor, name, op);
        }
        for (var first = 0; first < operands.Length; first++)
        {
            for (var second = first + 1; second < operands.Length; second++)
            {
                if (operands[first].Tensor is { } one && operands[second].Tensor is { } other)
                {
                    RequireSeparate(other, operands[second].Name, one, operands[first].Name, op);
                }
            }
        }
    }
}
