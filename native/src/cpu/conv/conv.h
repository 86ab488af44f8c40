// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q], and every backward; conv_transpose2d on top of them.
// PyTorch's semantics: NCHW, weight [out, in/groups, kh, kw], cross-correlation, bias optional,
// floor-mode output sizes P = (H + 2 pad - dilation (R - 1) - 1) / stride + 1, so a stride that
// does not tile the input leaves its last rows and columns unused.
//
// Outputs are written, never accumulated into. Every entry point validates the geometry and the
// pointers (nn::core::Error naming the bad parameter) and dispatches through nn::core::dispatch:
// the direct AVX-512 kernels first (they decline what they cannot lay out: more than 256 taps,
// output rows under 4 columns, planes above 128 MiB, backward-data with stride and dilation both
// above 1), then im2col + GEMM (at AVX2 and above: with the level forced to reference the naive
// loops run), then the reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

// The geometry of one conv2d: every size in one place. Fill the inputs and call
// complete_conv2d_problem, which validates them and sets out_height and out_width.
struct Conv2dProblem {
    int64_t batch = 0;           // N
    int64_t in_channels = 0;     // C
    int64_t in_height = 0;       // H
    int64_t in_width = 0;        // W
    int64_t out_channels = 0;    // K
    int64_t kernel_height = 0;   // R
    int64_t kernel_width = 0;    // S
    int64_t stride_height = 1;
    int64_t stride_width = 1;
    int64_t padding_height = 0;  // zeros added above and below
    int64_t padding_width = 0;   // zeros added left and right
    int64_t dilation_height = 1;
    int64_t dilation_width = 1;
    int64_t groups = 1;
    int64_t out_height = 0;      // P
    int64_t out_width = 0;       // Q

    int64_t group_in_channels() const { return in_channels / groups; }
    int64_t group_out_channels() const { return out_channels / groups; }
    int64_t in_plane() const { return in_height * in_width; }
    int64_t out_plane() const { return out_height * out_width; }
    int64_t kernel_area() const { return kernel_height * kernel_width; }
    int64_t x_count() const { return batch * in_channels * in_plane(); }
    int64_t y_count() const { return batch * out_channels * out_plane(); }
    int64_t weight_count() const { return out_channels * group_in_channels() * kernel_area(); }
    // Multiply-adds of the forward (and of each backward): N K P Q (C/g) R S.
    int64_t multiply_adds() const { return y_count() * group_in_channels() * kernel_area(); }
};

// Output size of one spatial dimension, floor mode; may be zero or negative for a kernel that does
// not fit (complete_conv2d_problem rejects those).
int64_t conv2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation);

// Validates the inputs of problem and sets out_height and out_width. Throws nn::core::Error with
// NN_ERROR_INVALID_ARGUMENT, the message starting with op and naming the parameter: a negative or
// zero size (batch may be 0), stride or dilation below 1, negative padding, groups below 1 or not
// dividing both channel counts, a dilated kernel larger than the padded input, an output of no
// rows or columns.
void complete_conv2d_problem(const char* op, Conv2dProblem& problem);

// x [N,C,H,W], weight [K,C/g,R,S], bias [K] or null -> y [N,K,P,Q]
struct Conv2dForward {
    Conv2dProblem problem;
    const float* x = nullptr;
    const float* weight = nullptr;
    const float* bias = nullptr;
    float* y = nullptr;
};

// dy [N,K,P,Q], weight [K,C/g,R,S] -> dx [N,C,H,W]; input positions no window reads get zero.
struct Conv2dBackwardData {
    Conv2dProblem problem;
    const float* dy = nullptr;
    const float* weight = nullptr;
    float* dx = nullptr;
};

// x [N,C,H,W], dy [N,K,P,Q] -> dweight [K,C/g,R,S]
struct Conv2dBackwardWeight {
    Conv2dProblem problem;
    const float* x = nullptr;
    const float* dy = nullptr;
    float* dweight = nullptr;
};

// dy [N,K,P,Q] -> dbias [K]
struct Conv2dBackwardBias {
    Conv2dProblem problem;
    const float* dy = nullptr;
    float* dbias = nullptr;
};

// The entry points. The problem must be complete (complete_conv2d_problem); they check it again.
void conv2d_forward(const Conv2dForward& op);
void conv2d_backward_data(const Conv2dBackwardData& op);
void conv2d_backward_weight(const Conv2dBackwardWeight& op);
void conv2d_backward_bias(const Conv2dBackwardBias& op);

// The implementations, same signature per op. Callers that bypass the entry points must pass a
// complete problem and must not call a level the CPU lacks. The references loop naively and sum
// in double; the others sum in float, in orders of their own.
void conv2d_forward_reference(const Conv2dForward& op);
void conv2d_forward_gemm(const Conv2dForward& op);
void conv2d_forward_avx512(const Conv2dForward& op);

void conv2d_backward_data_reference(const Conv2dBackwardData& op);
void conv2d_backward_data_gemm(const Conv2dBackwardData& op);
void conv2d_backward_data_avx512(const Conv2dBackwardData& op);

void conv2d_backward_weight_reference(const Conv2dBackwardWeight& op);
void conv2d_backward_weight_gemm(const Conv2dBackwardWeight& op);
void conv2d_backward_weight_avx512(const Conv2dBackwardWeight& op);

void conv2d_backward_bias_reference(const Conv2dBackwardBias& op);

// Why the direct AVX-512 kernels would not run a problem (null when they would): the entry points'
// dispatch lists ask these, and tests use them to know which shapes reach the direct kernels.
const char* conv2d_forward_avx512_declines(const Conv2dForward& op);
const char* conv2d_backward_data_avx512_declines(const Conv2dBackwardData& op);
const char* conv2d_backward_weight_avx512_declines(const Conv2dBackwardWeight& op);

// conv_transpose2d: x [N,Cin,H,W], weight [Cin,Cout/g,R,S] -> y [N,Cout,Ho,Wo] with
// Ho = (H - 1) stride - 2 pad + dilation (R - 1) + output_padding + 1. It is the backward-data of
// the conv2d from y's shape to x's (whose weight [K=Cin, C/g=Cout/g, R, S] is this one), and its
// backward-data is that conv2d's forward, so both run the conv2d kernels.
struct ConvTranspose2dProblem {
    int64_t batch = 0;
    int64_t in_channels = 0;
    int64_t in_height = 0;
    int64_t in_width = 0;
    int64_t out_channels = 0;
    int64_t kernel_height = 0;
    int64_t kernel_width = 0;
    int64_t stride_height = 1;
    int64_t stride_width = 1;
    int64_t padding_height = 0;
    int64_t padding_width = 0;
    int64_t output_padding_height = 0;  // extra rows at the bottom: < stride or < dilation
    int64_t output_padding_width = 0;
    int64_t dilation_height = 1;
    int64_t dilation_width = 1;
    int64_t groups = 1;
    int64_t out_height = 0;
    int64_t out_width = 0;
};

int64_t conv_transpose2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding,
                                     int64_t output_padding, int64_t dilation);

// Validates as complete_conv2d_problem does, plus output_padding (0 or more, below stride or below
// dilation, as PyTorch requires), and sets out_height and out_width.
void complete_conv_transpose2d_problem(const char* op, ConvTranspose2dProblem& problem);

// The conv2d whose input is this problem's output and whose output is this problem's input.
Conv2dProblem as_conv2d(const ConvTranspose2dProblem& problem);

// x [N,Cin,H,W], weight [Cin,Cout/g,R,S], bias [Cout] or null -> y [N,Cout,Ho,Wo]
struct ConvTranspose2dForward {
    ConvTranspose2dProblem problem;
    const float* x = nullptr;
    const float* weight = nullptr;
    const float* bias = nullptr;
    float* y = nullptr;
};

// dy [N,Cout,Ho,Wo], weight [Cin,Cout/g,R,S] -> dx [N,Cin,H,W]
struct ConvTranspose2dBackwardData {
    ConvTranspose2dProblem problem;
    const float* dy = nullptr;
    const float* weight = nullptr;
    float* dx = nullptr;
};

// x [N,Cin,H,W], dy [N,Cout,Ho,Wo] -> dweight [Cin,Cout/g,R,S]
struct ConvTranspose2dBackwardWeight {
    ConvTranspose2dProblem problem;
    const float* x = nullptr;
    const float* dy = nullptr;
    float* dweight = nullptr;
};

// dy [N,Cout,Ho,Wo] -> dbias [Cout]
struct ConvTranspose2dBackwardBias {
    ConvTranspose2dProblem problem;
    const float* dy = nullptr;
    float* dbias = nullptr;
};

void conv_transpose2d_forward(const ConvTranspose2dForward& op);
void conv_transpose2d_backward_data(const ConvTranspose2dBackwardData& op);
void conv_transpose2d_backward_weight(const ConvTranspose2dBackwardWeight& op);
void conv_transpose2d_backward_bias(const ConvTranspose2dBackwardBias& op);

}  // namespace nn::cpu
