// The kernel table every backend fills (ggml's vtable): one method per kernel, the arguments of the
// matching nativenn.h function. Outputs are caller-allocated tensors that the kernel overwrites
// (Axpy and the optimizer steps update in place); shapes and dtypes are checked by the backend.
using NativeNN.Interop;

namespace NativeNN.KernelBackends;

internal interface IKernelBackend
{
    /// <summary>"native" or "managed"; the native ISA level is chosen separately.</summary>
    string Name { get; }

    // a [M,K] (or [K,M]), b [K,N] (or [N,K]) -> c [M,N] = alpha op(a) op(b) + beta c
    void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float alpha, float beta, Tensor c);

    void Add(Tensor a, Tensor b, Tensor output);
    void Sub(Tensor a, Tensor b, Tensor output);
    void Mul(Tensor a, Tensor b, Tensor output);
    void Scale(Tensor x, float scale, Tensor y);
    void AddScalar(Tensor x, float value, Tensor y);
    void Axpy(float alpha, Tensor x, Tensor y);
    void Exp(Tensor x, Tensor y);
    void Log(Tensor x, Tensor y);
    void Square(Tensor x, Tensor y);
    // x [N,C,...], bias [C] -> y [N,C,...]
    void BiasAdd(Tensor x, Tensor bias, Tensor y);
    // dy [N,C,...] -> dbias [C]
    void BiasBackward(Tensor dy, Tensor dbias);
    void Sum(Tensor x, Tensor result);
    void Mean(Tensor x, Tensor result);
    // x [R,C] -> result [C]
    void SumDim0(Tensor x, Tensor result);
    // x [R,C] -> y [C,R]
    void Transpose(Tensor x, Tensor y);

    void ReluForward(Tensor x, Tensor y);
    void ReluBackward(Tensor x, Tensor dy, Tensor dx);
    void LeakyReluForward(Tensor x, float slope, Tensor y);
    void LeakyReluBackward(Tensor x, Tensor dy, float slope, Tensor dx);
    void EluForward(Tensor x, float alpha, Tensor y);
    void EluBackward(Tensor x, Tensor dy, float alpha, Tensor dx);
    void SigmoidForward(Tensor x, Tensor y);
    void SigmoidBackward(Tensor y, Tensor dy, Tensor dx);
    void TanhForward(Tensor x, Tensor y);
    void TanhBackward(Tensor y, Tensor dy, Tensor dx);
    // over dim 1 of [N,C,...]
    void SoftmaxForward(Tensor x, Tensor y);
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx);
    void LogSoftmaxForward(Tensor x, Tensor y);
    void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // logits [N,C,...], int64 targets [N,...] -> loss [N,...] or one value
    void CrossEntropyForward(Tensor logits, Tensor targets, Reduction reduction, Tensor loss);
    void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor dloss, Reduction reduction, Tensor dlogits);
    void NllForward(Tensor input, Tensor targets, Reduction reduction, Tensor loss);
    void NllBackward(Tensor targets, Tensor dloss, Reduction reduction, Tensor dinput);
    void MseForward(Tensor x, Tensor target, Reduction reduction, Tensor loss);
    void MseBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx);
    void BinaryCrossEntropyForward(Tensor x, Tensor target, Reduction reduction, Tensor loss);
    void BinaryCrossEntropyBackward(Tensor x, Tensor target, Tensor dloss, Reduction reduction, Tensor dx);

    void DropoutForward(Tensor x, float p, ulong seed, Tensor y, Tensor mask);
    void DropoutBackward(Tensor dy, Tensor mask, Tensor dx);

    // x [N,C,H,W], weight [K,C/g,R,S], bias [K] or null -> y [N,K,P,Q]
    void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y);
    void Conv2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx);
    void Conv2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight);
    // x [N,Cin,H,W], weight [Cin,Cout/g,R,S], bias [Cout] or null -> y [N,Cout,Ho,Wo]
    void ConvTranspose2dForward(Tensor x, Tensor weight, Tensor? bias, in nn_conv2d_params geometry, Tensor y);
    void ConvTranspose2dBackwardData(Tensor dy, Tensor weight, in nn_conv2d_params geometry, Tensor dx);
    void ConvTranspose2dBackwardWeight(Tensor x, Tensor dy, in nn_conv2d_params geometry, Tensor dweight);

    // x [N,C,H,W] -> y [N,C,P,Q], int64 indices [N,C,P,Q]
    void MaxPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y, Tensor indices);
    void MaxPool2dBackward(Tensor dy, Tensor indices, in nn_pool2d_params geometry, Tensor dx);
    void AvgPool2dForward(Tensor x, in nn_pool2d_params geometry, Tensor y);
    void AvgPool2dBackward(Tensor dy, in nn_pool2d_params geometry, Tensor dx);

    // In-place updates of parameter and its state buffers; step counts from 1.
    void SgdStep(in nn_sgd_params options, long step, Tensor parameter, Tensor gradient, Tensor? momentumBuffer);
    void AdagradStep(in nn_adagrad_params options, long step, Tensor parameter, Tensor gradient, Tensor sum);
    void RmspropStep(in nn_rmsprop_params options, long step, Tensor parameter, Tensor gradient,
        Tensor squareAverage, Tensor? momentumBuffer, Tensor? gradientAverage);
    void AdamStep(in nn_adam_params options, bool decoupledWeightDecay, long step, Tensor parameter, Tensor gradient,
        Tensor average, Tensor squareAverage, Tensor? maximumSquareAverage);
}
