// x [N,C,H,W] -> y [N,C,P,Q]: max_pool2d (with int64 indices) and avg_pool2d, forward and backward,
// with PyTorch's semantics:
//   P = (H + 2 pad - kernel + (ceil_mode ? stride - 1 : 0)) / stride + 1, rounded down, and with
//   ceil_mode one less when the last window would start at or past H + pad (it must start inside
//   the input or the top padding); padding at most half the kernel; dilation 1.
//   max: a NaN wins and propagates; on ties the first maximum in row-major window order wins; an
//   index is h W + w within its plane (the index of a later NaN replaces an earlier NaN's, as in
//   PyTorch's CPU kernel).
//   avg: the divisor counts the window clipped to the padded input (count_include_pad) or to the
//   input (otherwise), as PyTorch's formula does.
// Outputs are written, never accumulated into. The entry points validate and dispatch through
// nn::core::dispatch: avx512, avx2, reference.
#pragma once

#include <cstdint>

namespace nn::cpu {

struct Pool2dProblem {
    int64_t batch = 0;
    int64_t channels = 0;
    int64_t in_height = 0;
    int64_t in_width = 0;
    int64_t kernel_height = 0;
    int64_t kernel_width = 0;
    int64_t stride_height = 1;
    int64_t stride_width = 1;
    int64_t padding_height = 0;
    int64_t padding_width = 0;
    bool ceil_mode = false;
    bool count_include_pad = true;  // avg_pool2d only
    int64_t out_height = 0;         // set by complete_pool2d_problem
    int64_t out_width = 0;

    int64_t planes() const { return batch * channels; }
    int64_t in_plane() const { return in_height * in_width; }
    int64_t out_plane() const { return out_height * out_width; }
    int64_t x_count() const { return planes() * in_plane(); }
    int64_t y_count() const { return planes() * out_plane(); }
};

// One spatial dimension's output size by PyTorch's rule (may be below 1 for a bad geometry).
int64_t pool2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t padding, bool ceil_mode);

// Validates the inputs and sets out_height and out_width; nn::core::Error with
// NN_ERROR_INVALID_ARGUMENT naming the parameter otherwise: sizes below 1 (batch may be 0), kernel
// or stride below 1, padding negative or above half the kernel, an output of no rows or columns.
void complete_pool2d_problem(const char* op, Pool2dProblem& problem);

// x [N,C,H,W] -> y [N,C,P,Q], indices [N,C,P,Q] (int64) or null when no backward will follow
struct MaxPool2dForward {
    Pool2dProblem problem;
    const float* x = nullptr;
    float* y = nullptr;
    int64_t* indices = nullptr;
};

// dy [N,C,P,Q], indices [N,C,P,Q] -> dx [N,C,H,W]: dx[plane][index] += dy over each plane's outputs.
// Indices outside [0, H W) are skipped and counted into *out_of_range when it is not null.
struct MaxPool2dBackward {
    Pool2dProblem problem;
    const float* dy = nullptr;
    const int64_t* indices = nullptr;
    float* dx = nullptr;
    int64_t* out_of_range = nullptr;
};

// x [N,C,H,W] -> y [N,C,P,Q]
struct AvgPool2dForward {
    Pool2dProblem problem;
    const float* x = nullptr;
    float* y = nullptr;
};

// dy [N,C,P,Q] -> dx [N,C,H,W]
struct AvgPool2dBackward {
    Pool2dProblem problem;
    const float* dy = nullptr;
    float* dx = nullptr;
};

// The entry points. The problem must be complete; they check it again, and max_pool2d_backward
// throws NN_ERROR_INVALID_ARGUMENT when an index was out of range.
void max_pool2d_forward(const MaxPool2dForward& op);
void max_pool2d_backward(const MaxPool2dBackward& op);
void avg_pool2d_forward(const AvgPool2dForward& op);
void avg_pool2d_backward(const AvgPool2dBackward& op);

// The implementations, same signature per op. The references loop naively in PyTorch's order
// (float sums, row-major windows), so the vector kernels, which vectorise along output rows, give
// their forward results bit for bit; avg_pool2d_backward adds overlapping windows' shares in
// another order, so it agrees to rounding.
void max_pool2d_forward_reference(const MaxPool2dForward& op);
void max_pool2d_forward_avx2(const MaxPool2dForward& op);
void max_pool2d_forward_avx512(const MaxPool2dForward& op);

void max_pool2d_backward_reference(const MaxPool2dBackward& op);
void max_pool2d_backward_avx2(const MaxPool2dBackward& op);
void max_pool2d_backward_avx512(const MaxPool2dBackward& op);

void avg_pool2d_forward_reference(const AvgPool2dForward& op);
void avg_pool2d_forward_avx2(const AvgPool2dForward& op);
void avg_pool2d_forward_avx512(const AvgPool2dForward& op);

void avg_pool2d_backward_reference(const AvgPool2dBackward& op);
void avg_pool2d_backward_avx2(const AvgPool2dBackward& op);
void avg_pool2d_backward_avx512(const AvgPool2dBackward& op);

// The vector kernels track indices as floats: planes of 2^24 elements or more go to the reference.
const char* max_pool2d_vector_declines(const MaxPool2dForward& op);

}  // namespace nn::cpu
