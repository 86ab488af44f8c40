// The kernels the ops in this folder call, never NativeMethods: each forwards to the backend chosen
// process-wide (Backends.Current), one interface call and no allocation per kernel.
using NativeNN.Interop;
using NativeNN.KernelBackends;

namespace NativeNN;

internal static class Kernels
{
    private static IKernelBackend backend = Backends.KernelsFromEnvironment();

    /// <summary>The table every kernel call goes to now.</summary>
    public static IKernelBackend Backend
    {
        get => backend;
        set => backend = value ?? throw new ArgumentNullException(nameof(value));
    }

    public static void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float alpha, float beta, Tensor c) =>
        backend.MatMul(a, transposeA, b, transposeB, alpha, beta, c);

    public static void Add(Tensor a, Tensor b, Tensor output) =>
        backend.Add(a, b, output);

    public static void Sub(Tensor a, Tensor b, Tensor output) =>
        backend.Sub(a, b, output);

    public static void Mul(Tensor a, Tensor b, Tensor output) =>
        backend.Mul(a, b, output);

    public static void Scale(Tensor x, float scale, Tensor y) =>
        backend.Scale(x, scale, y);

    public static void AddScalar(Tensor x, float value, Tensor y) =>
        backend.AddScalar(x, value, y);

    public static void Axpy(float alpha, Tensor x, Tensor y) =>
        backend.Axpy(alpha, x, y);

    public static void Exp(Tensor x, Tensor y) =>
        backend.Exp(x, y);

    public static void Log(Tensor x, Tensor y) =>
        backend.Log(x, y);

    public static void Square(Tensor x, Tensor y) =>
        backend.Square(x, y);

    public static void BiasAdd(Tensor x, Tensor bias, Tensor y) =>
        backend.BiasAdd(x, bias, y);

    public static void BiasBackward(Tensor dy, Tensor dbias) =>
        backend.BiasBackward(dy, dbias);

    public static void Sum(Tensor x, Tensor result) =>
        backend.Sum(x, result);

    public static void Mean(Tensor x, Tensor result) =>
        backend.Mean(x, result);

    public static void SumDim0(Tensor x, Tensor result) =>
        backend.SumDim0(x, result);

    public static void Transpose(Tensor x, Tensor y) =>
        backend.Transpose(x, y);

    public static void ReluForward(Tensor x, Tensor y) =>
        backend.ReluForward(x, y);

    public static void ReluBackward(Tensor x, Tensor dy, Tensor dx) =>
        backend.ReluBackward(x, dy, dx);

    public static void LeakyReluForward(Tensor x, float slope, Tensor y) =>
        backend.LeakyReluForward(x, slope, y);

    public static void LeakyReluBackward(Tensor x, Tensor dy, float slope, Tensor dx) =>
        backend.LeakyReluBackward(x, dy, slope, dx);

    public static void EluForward(Tensor x, float alpha, Tensor y) =>
        backend.EluForward(x, alpha, y);

    public static void EluBackward(Tensor x, Tensor dy, float alpha, Tensor dx) =>
        backend.EluBackward(x, dy, alpha, dx);

    public static void SigmoidForward(Tensor x, Tensor y) =>
        backend.SigmoidForward(x, y);

    public static void SigmoidBackward(Tensor y, Tensor dy, Tensor dx) =>
        backend.SigmoidBackward(y, dy, dx);

    public static void TanhForward(Tensor x, Tensor y) =>
        backend.TanhForward(x, y);

    public static void TanhBackward(Tensor y, Tensor dy, Tensor dx) =>
        backend.TanhBackward(y, dy, dx);

    public static void SoftmaxForward(Tensor x, Tensor y) =>
        backend.SoftmaxForward(x, y);

    public static void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) =>
        backend.SoftmaxBackward(y, dy, dx);

    public static void LogSoftmaxForward(Tensor x, Tensor y) =>
        backend.LogSoftmaxForward(x, y);

    public static void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) =>
        backend.LogSoftmaxBackward(y, dy, dx);

    public static void CrossEntropyForward(Tensor logits, Tensor targets, Reduction reduction, Tensor loss) =>
        backend.CrossEntropyForward(logits, targets, reduction, loss);

    public static void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dloss, Reduction reduction, Tensor dlogits) =>
        backend.CrossEntropyBackward(logits, targets, dloss, reduction, dlogits);

    public static void NllForward(Tensor input, Tensor targets, Reduction reduction, Tensor loss) =>
        backend.NllForward(input, targets, reduction, loss);

    public static void NllBackward(Tensor targets, Tensor dloss, Reduction reduction, Tensor dinput) =>
        backend.NllBackward(targets, dloss, reduction, dinput);

    public static void MseForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        backend.MseForward(x, target, reduction, loss);

    public static void MseBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        backend.MseBackward(x, target, dloss, reduction, dx);

    public static void BinaryCrossEntropyForward(Tensor x, Tensor target, Reduction reduction, Tensor loss) =>
        backend.BinaryCrossEntropyForward(x, target, reduction, loss);

    public static void BinaryCrossEntropyBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx) =>
        backend.BinaryCrossEntropyBackward(x, target, dloss, reduction, dx);

    public static void DropoutForward(Tensor x, float p, ulong seed, Tensor y, Tensor mask) =>
        backend.DropoutForward(x, p, seed, y, mask);

    public static void DropoutBackward(Tensor dy, Tensor mask, Tensor dx) =>
        backend.DropoutBackward(dy, mask, dx);

    public static void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y) =>
        backend.Conv2dForward(x, weight, bias, in geometry, y);

    public static void Conv2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx) =>
        backend.Conv2dBackwardData(dy, weight, in geometry, dx);

    public static void Conv2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight) =>
        backend.Conv2dBackwardWeight(x, dy, in geometry, dweight);

    public static void ConvTranspose2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y) =>
        backend.ConvTranspose2dForward(x, weight, bias, in geometry, y);

    public static void ConvTranspose2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx) =>
        backend.ConvTranspose2dBackwardData(dy, weight, in geometry, dx);

    public static void ConvTranspose2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight) =>
        backend.ConvTranspose2dBackwardWeight(x, dy, in geometry, dweight);

    public static void MaxPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y, Tensor indices) =>
        backend.MaxPool2dForward(x, in geometry, y, indices);

    public static void MaxPool2dBackward(Tensor dy, Tensor indices, in nn_pool2d_params geometry, Tensor dx) =>
        backend.MaxPool2dBackward(dy, indices, in geometry, dx);

    public static void AvgPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y) =>
        backend.AvgPool2dForward(x, in geometry, y);

    public static void AvgPool2dBackward(Tensor dy, in nn_pool2d_params geometry, Tensor dx) =>
        backend.AvgPool2dBackward(dy, in geometry, dx);

    public static void SgdStep(in nn_sgd_params options, long step, Tensor parameter, Tensor gradient, Tensor? momentumBuffer) =>
        backend.SgdStep(in options, step, parameter, gradient, momentumBuffer);

    public static void AdagradStep(in nn_adagrad_params options, long step, Tensor parameter, Tensor gradient, Tensor sum) =>
        backend.AdagradStep(in options, step, parameter, gradient, sum);

    public static void RmspropStep(in nn_rmsprop_params options, long step, Tensor parameter, Tensor gradient, Tensor squareAverage, Tensor? momentumBuffer, Tensor? gradientAverage) =>
        backend.RmspropStep(in options, step, parameter, gradient, squareAverage, momentumBuffer, gradientAverage);

    public static void AdamStep(in nn_adam_params options, bool decoupledWeightDecay, long step, Tensor parameter, Tensor gradient, Tensor average, Tensor squareAverage, Tensor? maximumSquareAverage) =>
        backend.AdamStep(in options, decoupledWeightDecay, step, parameter, gradient, average, squareAverage, maximumSquareAverage);

    // Shape inference is geometry arithmetic, not a kernel: every backend shares the native rules
    // (and their messages) so an op allocates the same output whichever backend runs it.
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
}
