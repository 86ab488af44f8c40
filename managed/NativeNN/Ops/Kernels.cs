// One checked line per native kernel call; the ops in this folder call these, never NativeMethods.
using NativeNN.Interop;

namespace NativeNN;

internal static class Kernels
{
    private static TensorHandle Optional(Tensor? tensor) => tensor?.Handle ?? TensorHandle.Null;

    public static void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float alpha, float beta, Tensor c) =>
        NativeStatus.Check(NativeMethods.nn_matmul(a.Handle, transposeA ? 1 : 0, b.Handle, transposeB ? 1 : 0, alpha, beta, c.Handle));

    public static void Add(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_add(a.Handle, b.Handle, output.Handle));
    public static void Sub(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_sub(a.Handle, b.Handle, output.Handle));
    public static void Mul(Tensor a, Tensor b, Tensor output) => NativeStatus.Check(NativeMethods.nn_mul(a.Handle, b.Handle, output.Handle));
    public static void Scale(Tensor x, float scale, Tensor y) => NativeStatus.Check(NativeMethods.nn_scale(x.Handle, scale, y.Handle));
    public static void AddScalar(Tensor x, float value, Tensor y) => NativeStatus.Check(NativeMethods.nn_add_scalar(x.Handle, value, y.Handle));
    public static void Axpy(float alpha, Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_axpy(alpha, x.Handle, y.Handle));
    public static void Exp(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_exp(x.Handle, y.Handle));
    public static void Log(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_log(x.Handle, y.Handle));
    public static void Square(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_square(x.Handle, y.Handle));
    public static void BiasAdd(Tensor x, Tensor bias, Tensor y) => NativeStatus.Check(NativeMethods.nn_bias_add(x.Handle, bias.Handle, y.Handle));
    public static void BiasBackward(Tensor dy, Tensor dbias) => NativeStatus.Check(NativeMethods.nn_bias_backward(dy.Handle, dbias.Handle));
    public static void Sum(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_sum(x.Handle, result.Handle));
    public static void Mean(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_mean(x.Handle, result.Handle));
    public static void SumDim0(Tensor x, Tensor result) => NativeStatus.Check(NativeMethods.nn_sum_dim0(x.Handle, result.Handle));
    public static void Transpose(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_transpose(x.Handle, y.Handle));

    public static void ReluForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_relu_forward(x.Handle, y.Handle));
    public static void ReluBackward(Tensor x, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_relu_backward(x.Handle, dy.Handle, dx.Handle));
    public static void LeakyReluForward(Tensor x, float slope, Tensor y) => NativeStatus.Check(NativeMethods.nn_leaky_relu_forward(x.Handle, slope, y.Handle));
    public static void LeakyReluBackward(Tensor x, Tensor dy, float slope, Tensor dx) => NativeStatus.Check(NativeMethods.nn_leaky_relu_backward(x.Handle, dy.Handle, slope, dx.Handle));
    public static void EluForward(Tensor x, float alpha, Tensor y) => NativeStatus.Check(NativeMethods.nn_elu_forward(x.Handle, alpha, y.Handle));
    public static void EluBackward(Tensor x, Tensor dy, float alpha, Tensor dx) => NativeStatus.Check(NativeMethods.nn_elu_backward(x.Handle, dy.Handle, alpha, dx.Handle));
    public static void SigmoidForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_sigmoid_forward(x.Handle, y.Handle));
    public static void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_sigmoid_backward(y.Handle, dy.Handle, dx.Handle));
    public static void TanhForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_tanh_forward(x.Handle, y.Handle));
    public static void TanhBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_tanh_backward(y.Handle, dy.Handle, dx.Handle));
    public static void SoftmaxForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_softmax_forward(x.Handle, y.Handle));
    public static void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_softmax_backward(y.Handle, dy.Handle, dx.Handle));
    public static void LogSoftmaxForward(Tensor x, Tensor y) => NativeStatus.Check(NativeMethods.nn_log_softmax_forward(x.Handle, y.Handle));
    public static void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => NativeStatus.Check(NativeMethods.nn_log_softmax_backward(y.Handle, dy.Handle, dx.Handle));

    public static void CrossEntropyForward(Tensor logits, Tensor targets, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_cross_entropy_forward(logits.Handle, targets.Handle, (nn_reduction)reduction, loss.Handle));
    public static void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dloss, Reduction reduction, Tensor dlogits) =>
        NativeStatus.Check(NativeMethods.nn_cross_entropy_backward(logits.Handle, targets.Handle, dloss.Handle, (nn_reduction)reduction, dlogits.Handle));
    public static void NllForward(Tensor input, Tensor targets, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_nll_forward(input.Handle, targets.Handle, (nn_reduction)reduction, loss.Handle));
    public static void NllBackward(Tensor targets, Tensor dloss, Reduction reduction, Tensor dinput) =>
        NativeStatus.Check(NativeMethods.nn_nll_backward(targets.Handle, dloss.Handle, (nn_reduction)reduction, dinput.Handle));
    public static void MseForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_mse_forward(x.Handle, target.Handle, (nn_reduction)reduction, loss.Handle));
    public static void MseBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_mse_backward(x.Handle, target.Handle, dloss.Handle, (nn_reduction)reduction, dx.Handle));
    public static void BinaryCrossEntropyForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        NativeStatus.Check(NativeMethods.nn_binary_cross_entropy_forward(x.Handle, target.Handle, (nn_reduction)reduction, loss.Handle));
    public static void BinaryCrossEntropyBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_binary_cross_entropy_backward(x.Handle, target.Handle, dloss.Handle, (nn_reduction)reduction, dx.Handle));

    public static void DropoutForward(Tensor x, float p, ulong seed, Tensor y, Tensor mask) =>
        NativeStatus.Check(NativeMethods.nn_dropout_forward(x.Handle, p, seed, y.Handle, mask.Handle));
    public static void DropoutBackward(Tensor dy, Tensor mask, Tensor dx) =>
        NativeStatus.Check(NativeMethods.nn_dropout_backward(dy.Handle, mask.Handle, dx.Handle));

    public static unsafe void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_forward(x.Handle, weight.Handle, Optional(bias), pointer, y.Handle));
        }
    }

    public static unsafe void Conv2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_backward_data(dy.Handle, weight.Handle, pointer, dx.Handle));
        }
    }

    public static unsafe void Conv2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv2d_backward_weight(x.Handle, dy.Handle, pointer, dweight.Handle));
        }
    }

    public static unsafe long[] Conv2dOutputShape(Tensor x, Tensor weight, in nn_conv2d_params geometry, bool transposed)
    {
        var xShape = x.Shape.ToArray();
        var weightShape = weight.Shape.ToArray();
        var result = new long[4];
        fixed (nn_conv2d_params* pointer = &geometry)
        fixed (long* xSizes = xShape, weightSizes = weightShape, resultSizes = result)
        {
            NativeStatus.Check(transposed
                ? NativeMethods.nn_conv_transpose2d_output_shape(xSizes, weightSizes, pointer, resultSizes)
                : NativeMethods.nn_conv2d_output_shape(xSizes, weightSizes, pointer, resultSizes));
        }
        return result;
    }

    public static unsafe void ConvTranspose2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_forward(x.Handle, weight.Handle, Optional(bias), pointer, y.Handle));
        }
    }

    public static unsafe void ConvTranspose2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_backward_data(dy.Handle, weight.Handle, pointer, dx.Handle));
        }
    }

    public static unsafe void ConvTranspose2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight)
    {
        fixed (nn_conv2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_conv_transpose2d_backward_weight(x.Handle, dy.Handle, pointer, dweight.Handle));
        }
    }

    public static unsafe long[] Pool2dOutputShape(Tensor x, in nn_pool2d_params geometry)
    {
        var xShape = x.Shape.ToArray();
        var result = new long[4];
        fixed (nn_pool2d_params* pointer = &geometry)
        fixed (long* xSizes = xShape, resultSizes = result)
        {
            NativeStatus.Check(NativeMethods.nn_pool2d_output_shape(xSizes, pointer, resultSizes));
        }
        return result;
    }

    public static unsafe void MaxPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y, Tensor indices)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_max_pool2d_forward(x.Handle, pointer, y.Handle, indices.Handle));
        }
    }

    public static unsafe void MaxPool2dBackward(Tensor dy, Tensor indices, in nn_pool2d_params geometry, Tensor dx)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_max_pool2d_backward(dy.Handle, indices.Handle, pointer, dx.Handle));
        }
    }

    public static unsafe void AvgPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_forward(x.Handle, pointer, y.Handle));
        }
    }

    public static unsafe void AvgPool2dBackward(Tensor dy, in nn_pool2d_params geometry, Tensor dx)
    {
        fixed (nn_pool2d_params* pointer = &geometry)
        {
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_backward(dy.Handle, pointer, dx.Handle));
        }
    }

    public static unsafe void SgdStep(in nn_sgd_params options, long step, Tensor parameter, Tensor gradient, Tensor? momentumBuffer)
    {
        fixed (nn_sgd_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_sgd_step(pointer, step, parameter.Handle, gradient.Handle, Optional(momentumBuffer)));
        }
    }

    public static unsafe void AdagradStep(in nn_adagrad_params options, long step, Tensor parameter, Tensor gradient, Tensor sum)
    {
        fixed (nn_adagrad_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_adagrad_step(pointer, step, parameter.Handle, gradient.Handle, sum.Handle));
        }
    }

    public static unsafe void RmspropStep(in nn_rmsprop_params options, long step, Tensor parameter, Tensor gradient,
        Tensor squareAverage, Tensor? momentumBuffer, Tensor? gradientAverage)
    {
        fixed (nn_rmsprop_params* pointer = &options)
        {
            NativeStatus.Check(NativeMethods.nn_rmsprop_step(pointer, step, parameter.Handle, gradient.Handle, squareAverage.Handle,
                Optional(momentumBuffer), Optional(gradientAverage)));
        }
    }

    public static unsafe void AdamStep(in nn_adam_params options, bool decoupledWeightDecay, long step, Tensor parameter, Tensor gradient,
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
