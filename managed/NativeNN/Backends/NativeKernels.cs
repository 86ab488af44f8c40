// The native CPU backend: each kernel is one checked call into libnativenn, at the ISA level
// nn_set_isa chose.
using NativeNN.Interop;

namespace NativeNN.KernelBackends;

internal sealed class NativeKernels : IKernelBackend
{
    public static readonly NativeKernels Instance = new();

    private NativeKernels()
    {
    }

    public string Name => "native";

    private static TensorHandle Optional(Tensor? tensor) => tensor?.Handle ?? TensorHandle.Null;

    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float alpha, float beta, Tensor c) =>
        NativeStatus.Check(NativeMethods.nn_matmul(a.Handle, transposeA ? 1 : 0, b.Handle, transposeB ? 1 : 0, alpha, beta, c.Handle));

    public void Add(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_add(a.Handle, b.Handle, output.Handle));
    public void Sub(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_sub(a.Handle, b.Handle, output.Handle));
    public void Mul(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_mul(a.Handle, b.Handle, output.Handle));
    public void Scale(Tensor x, float scale, Tensor y) => NativeStatus.Check(NativeMethods.nn_scale(x.Handle, scale, y.Handle));
    public void AddScalar(Tensor x, float value, Tensor y) => NativeStatus.Check(NativeMethods.nn_add_scalar(x.Handle, value, y.Handle));
    public void Axpy(float alpha, Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_axpy(alpha, x.Handle, y.Handle));
    public void Exp(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_exp(x.Handle, y.Handle));
    public void Log(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_log(x.Handle, y.Handle));
    public void Square(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_square(x.Handle, y.Handle));
    public void BiasAdd(Tensor x, Tensor bias, Tensor y) => NativeStatus.Check(NativeMethods.nn_bias_add(x.Handle, bias.Handle, y.Handle));
    public void BiasBackward(Tensor dy, Tensor dbias) => NativeStatus.Check(NativeMethods.nn_bias_backward(dy.Handle, dbias.Handle));
    public void Sum(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_sum(x.Handle, result.Handle));
    public void Mean(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_mean(x.Handle, result.Handle));
    public void SumDim0(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_sum_dim0(x.Handle, result.Handle));
    public void Transpose(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_transpose(x.Handle, y.Handle));

    public void ReluForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_relu_forward(x.Handle, y.Handle));
    public void ReluBackward(Tensor x, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_relu_backward(x.Handle, dy.Handle, dx.Handle));
    public void LeakyReluForward(Tensor x, float slope, Tensor y) => NativeStatus.Check(NativeMethods.nn_leaky_relu_forward(x.Handle, slope, y.Handle));
    public void LeakyReluBackward(Tensor x, Tensor dy, float slope, Tensor dx) => NativeStatus.Check(NativeMethods.nn_leaky_relu_backward(x.Handle, dy.Handle, slope, dx.Handle));
    public void EluForward(Tensor x, float alpha, Tensor y) => NativeStatus.Check(NativeMethods.nn_elu_forward(x.Handle, alpha, y.Handle));
    public void EluBackward(Tensor x, Tensor dy, float alpha, Tensor dx) => NativeStatus.Check(NativeMethods.nn_elu_backward(x.Handle, dy.Handle, alpha, dx.Handle));
    public void SigmoidForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_sigmoid_forward(x.Handle, y.Handle));
    public void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_sigmoid_backward(y.Handle, dy.Handle, dx.Handle));
    public void TanhForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_tanh_forward(x.Handle, y.Handle));
    public void TanhBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_tanh_backward(y.Handle, dy.Handle, dx.Handle));
    public void SoftmaxForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_softmax_forward(x.Handle, y.Handle));
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_softmax_backward(y.Handle, dy.Handle, dx.Handle));
    public void LogSoftmaxForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_log_softmax_forward(x.Handle, y.Handle));
    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_log_softmax_backward(y.Handle, dy.Handle, dx.Handle));

    public void CrossEntropyForward(Tensor logits, Tensor targets, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_cross_entropy_forward(logits.Handle, targets.Handle, (nn_reduction)reduction, loss.Handle));
    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dloss, Reduction reduction, Tensor dlogits) =>
        NativeStatus.Check(NativeMethods.nn_cross_entropy_backward(logits.Handle, targets.Handle, dloss.Handle, (nn_reduction)reduction, dlogits.Handle));
    public void NllForward(Tensor input, Tensor targets, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_nll_forward(input.Handle, targets.Handle, (nn_reduction)reduction, loss.Handle));
    public void NllBackward(Tensor targets, Tensor dloss, Reduction reduction, Tensor dinput) =>
        NativeStatus.Check(NativeMethods.nn_nll_backward(targets.Handle, dloss.Handle, (nn_reduction)reduction, dinput.Handle));
    public void MseForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_mse_forward(x.Handle, target.Handle, (nn_reduction)reduction, loss.Handle));
    public void MseBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_mse_backward(x.Handle, target.Handle, dloss.Handle, (nn_reduction)reduction, dx.Handle));
    public void BinaryCrossEntropyForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_binary_cross_entropy_forward(x.Handle, target.Handle, (nn_reduction)reduction, loss.Handle));
    public void BinaryCrossEntropyBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_binary_cross_entropy_backward(x.Handle, target.Handle, dloss.Handle, (nn_reduction)reduction, dx.Handle));

    public void DropoutForward(Tensor x, float p, ulong seed, Tensor y, Tensor mask) =>
        NativeStatus.Check(NativeMethods.nn_dropout_forward(x.Handle, p, seed, y.Handle, mask.Handle));
    public void DropoutBackward(Tensor dy, Tensor mask, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_dropout_backward(dy.Handle, mask.Handle, dx.Handle));

    public unsafe void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_forward(x.Handle, weight.Handle, Optional(bias), pointer, y.Handle));
        }
    }

    public unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_backward_data(dy.Handle, weight.Handle, pointer, dx.Handle));
        }
    }

    public unsafe void Conv2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_backward_weight(x.Handle, dy.Handle, pointer, dweight.Handle));
        }
    }

    public unsafe void ConvTranspose2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_forward(x.Handle, weight.Handle, Optional(bias), pointer, y.Handle));
        }
    }

    public unsafe void ConvTranspose2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_backward_data(dy.Handle, weight.Handle, pointer, dx.Handle));
        }
    }

    public unsafe void ConvTranspose2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_backward_weight(x.Handle, dy.Handle, pointer, dweight.Handle));
        }
    }

    public unsafe void MaxPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y, Tensor indices)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_max_pool2d_forward(x.Handle, pointer, y.Handle, indices.Handle));
        }
    }

    public unsafe void MaxPool2dBackward(Tensor dy, Tensor indices, in nn_pool2d_params geometry, Tensor dx)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_max_pool2d_backward(dy.Handle, indices.Handle, pointer, dx.Handle));
        }
    }

    public unsafe void AvgPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_forward(x.Handle, pointer, y.Handle));
        }
    }

    public unsafe void AvgPool2dBackward(Tensor dy, in nn_pool2d_params geometry, Tensor dx)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_backward(dy.Handle, pointer, dx.Handle));
        }
    }

    public unsafe void SgdStep(in nn_sgd_params options, long step, Tensor parameter, Tensor gradient, Tensor? momentumBuffer)
    {
        fixed (nn_sgd_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_sgd_step(pointer, step, parameter.Handle, gradient.Handle, Optional(momentumBuffer)));
        }
    }

    public unsafe void AdagradStep(in nn_adagrad_params options, long step, Tensor parameter, Tensor gradient, Tensor sum)
    {
        fixed (nn_adagrad_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_adagrad_step(pointer, step, parameter.Handle, gradient.Handle, sum.Handle));
        }
    }

    public unsafe void RmspropStep(in nn_rmsprop_params options, long step, Tensor parameter, Tensor gradient,
        Tensor squareAverage, Tensor? momentumBuffer, Tensor? gradientAverage)
    {
        fixed (nn_rmsprop_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_rmsprop_step(pointer, step, parameter.Handle, gradient.Handle, squareAverage.Handle,
                Optional(momentumBuffer), Optional(gradientAverage)));
        }
    }

    public unsafe void AdamStep(in nn_adam_params options, bool decoupledWeightDecay, long step, Tensor parameter, Tensor gradient,
        Tensor average, Tensor squareAverage, Tensor? maximumSquareAverage)
    {
        fixed (nn_adam_params* pointer = &options)
        {
            NativeStatus.Check(decoupledWeightDecay
                ? NativeMethods.nn_adamw_step(pointer, step, parameter.Handle, gradient.Handle, average.Handle, squareAverage.Handle, Optional(maximumSquareAverage))
                : NativeMethods.nn_adam_step(pointer, step, parameter.Handle, gradient.Handle, average.Handle, squareAverage.Handle, Optional(maximumSquareAverage)));
        }
    }
}
