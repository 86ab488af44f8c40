// Functional ops (torch.nn.functional): each differentiable, each forward beside its backward.
using NativeNN.Autograd;

namespace NativeNN;

/// <summary>Functional forms of the layers, activations and losses (torch.nn.functional).</summary>
public static partial class F
{
    /// <summary>y = x Wᵀ + b: x [N, in], weight [out, in], bias [out] or null -> y [N, out].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        input.RequireRank(2, "Linear", "input");
        weight.RequireRank(2, "Linear", "weight");
        if (input.Shape[1] != weight.Shape[1])
        {
            throw new ShapeMismatchException(
                $"Linear: input {input.Description} has {input.Shape[1]} features but weight {weight.Description} expects {weight.Shape[1]}.");
        }
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ShapeMismatchException($"Linear: bias is {bias.Description} but weight {weight.Description} needs a bias of [{weight.Shape[0]}].");
        }
        var output = Tensor.Zeros(input.Shape[0], weight.Shape[0]);
        try
        {
            Kernels.MatMul(input, false, weight, true, 1f, 0f, output);
            if (bias is not null)
            {
                Kernels.BiasAdd(output, bias, output);
            }
        }
        catch
        {
            output.Dispose();
            throw;
        }
        return Tensor.WillRecord(input, weight, bias) ? output.Record(new LinearNode(input, weight, bias)) : output;
    }

    // dx = g W, dW = gᵀ x, db = sum of g over the batch.
    private sealed class LinearNode(Tensor input, Tensor weight, Tensor? bias) : Node("Linear", input, weight, bias)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            if (NeedsGradient(0))
            {
                var gradient = Tensor.ZerosLike(input);
                Kernels.MatMul(outputGradient, false, Saved(weight, "weight"), false, 1f, 0f, gradient);
                inputGradients[0] = gradient;
            }
            if (NeedsGradient(1))
            {
                var gradient = Tensor.ZerosLike(weight);
                Kernels.MatMul(outputGradient, true, Saved(input, "input"), false, 1f, 0f, gradient);
                inputGradients[1] = gradient;
            }
            if (NeedsGradient(2))
            {
                var gradient = Tensor.Zeros(bias!.Shape[0]);
                Kernels.SumDim0(outputGradient, gradient);
                inputGradients[2] = gradient;
            }
        }
    }

    public static Tensor Relu(Tensor input) => Unary(input, "Relu", ActivationKind.Relu, 0f);

    public static Tensor LeakyRelu(Tensor input, float negativeSlope = 0.01f) => Unary(input, "LeakyRelu", ActivationKind.LeakyRelu, negativeSlope);

    public static Tensor Elu(Tensor input, float alpha = 1f) => Unary(input, "Elu", ActivationKind.Elu, alpha);

    public static Tensor Sigmoid(Tensor input) => Unary(input, "Sigmoid", ActivationKind.Sigmoid, 0f);

    public static Tensor Tanh(Tensor input) => Unary(input, "Tanh", ActivationKind.Tanh, 0f);

    /// <summary>Softmax over <paramref name="dimension"/> (only dimension 1, the channel or class one, as
    /// in every layer here; -1 means 1 for a 2-D input).</summary>
    public static Tensor Softmax(Tensor input, int dimension = 1) => Unary(input, "Softmax", ActivationKind.Softmax, 0f, dimension);

    /// <summary>log(softmax(x)) over <paramref name="dimension"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor input, int dimension = 1) => Unary(input, "LogSoftmax", ActivationKind.LogSoftmax, 0f, dimension);

    private enum ActivationKind { Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softmax, LogSoftmax }

    private static Tensor Unary(Tensor input, string name, ActivationKind kind, float parameter, int dimension = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireFloat(name, "input");
        if (kind is ActivationKind.Softmax or ActivationKind.LogSoftmax)
        {
            if (input.Rank < 2 || ShapeMathDimension(dimension, input.Rank) != 1)
            {
                throw new NotSupportedException(
                    $"{name} of {input.Description} over dimension {dimension}: only dimension 1 of a tensor with 2 or more dimensions is supported.");
            }
        }
        var output = kind switch
        {
            ActivationKind.Relu => Tensor.Apply(Tensor.ZerosLike(input), input, Kernels.ReluForward),
            ActivationKind.LeakyRelu => Tensor.Apply(Tensor.ZerosLike(input), input, parameter, Kernels.LeakyReluForward),
            ActivationKind.Elu => Tensor.Apply(Tensor.ZerosLike(input), input, parameter, Kernels.EluForward),
            ActivationKind.Sigmoid => Tensor.Apply(Tensor.ZerosLike(input), input, Kernels.SigmoidForward),
            ActivationKind.Tanh => Tensor.Apply(Tensor.ZerosLike(input), input, Kernels.TanhForward),
            ActivationKind.Softmax => Tensor.Apply(Tensor.ZerosLike(input), input, Kernels.SoftmaxForward),
            _ => Tensor.Apply(Tensor.ZerosLike(input), input, Kernels.LogSoftmaxForward),
        };
        return Tensor.WillRecord(input) ? output.Record(new ActivationNode(name, kind, parameter, input, output)) : output;
    }

    private static int ShapeMathDimension(int dimension, int rank) => dimension < 0 ? dimension + rank : dimension;

    // Each backward reads what PyTorch saves: the input for ReLU, LeakyReLU and ELU, the output for
    // sigmoid, tanh, softmax and log-softmax.
    private sealed class ActivationNode(string name, ActivationKind kind, float parameter, Tensor input, Tensor output) : Node(name, input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = Tensor.ZerosLike(outputGradient);
            switch (kind)
            {
                case ActivationKind.Relu: Kernels.ReluBackward(Saved(input, "input"), outputGradient, gradient); break;
                case ActivationKind.LeakyRelu: Kernels.LeakyReluBackward(Saved(input, "input"), outputGradient, parameter, gradient); break;
                case ActivationKind.Elu: Kernels.EluBackward(Saved(input, "input"), outputGradient, parameter, gradient); break;
                case ActivationKind.Sigmoid: Kernels.SigmoidBackward(Saved(output, "output"), outputGradient, gradient); break;
                case ActivationKind.Tanh: Kernels.TanhBackward(Saved(output, "output"), outputGradient, gradient); break;
                case ActivationKind.Softmax: Kernels.SoftmaxBackward(Saved(output, "output"), outputGradient, gradient); break;
                case ActivationKind.LogSoftmax: Kernels.LogSoftmaxBackward(Saved(output, "output"), outputGradient, gradient); break;
            }
            inputGradients[0] = gradient;
        }
    }

    /// <summary>Zeroes each element with probability <paramref name="p"/> and scales the rest by
    /// 1/(1-p) when <paramref name="training"/>; returns the input unchanged otherwise. The mask is a
    /// function of <paramref name="seed"/> and the element index alone.</summary>
    public static Tensor Dropout(Tensor input, float p = 0.5f, bool training = true, ulong? seed = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be between 0 and 1.");
        }
        // A disposed input is refused even where dropout would pass it through untouched.
        _ = input.Handle;
        if (!training || p == 0f)
        {
            return input;
        }
        var output = Tensor.ZerosLike(input);
        var mask = Tensor.ZerosLike(input);
        try
        {
            Kernels.DropoutForward(input, p, seed ?? Generator.Default.NextSeed(), output, mask);
        }
        catch
        {
            output.Dispose();
            mask.Dispose();
            throw;
        }
        if (!Tensor.WillRecord(input))
        {
            mask.Dispose();
            return output;
        }
        return output.Record(new DropoutNode(input, mask));
    }

    private sealed class DropoutNode(Tensor input, Tensor mask) : Node("Dropout", input)
    {
        protected override void Backward(Tensor outputGradient, Tensor?[] inputGradients)
        {
            var gradient = Tensor.ZerosLike(outputGradient);
            Kernels.DropoutBackward(outputGradient, Saved(mask, "mask"), gradient);
            inputGradients[0] = gradient;
        }
    }
}
