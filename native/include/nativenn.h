/* NativeNN's C ABI: the single source of truth for the generated P/Invoke layer.
 *
 * Rules (see DESIGN.md): plain C11; fixed-width integer types, float, pointers and small blittable
 * structs only; every function returns nn_status and hands results back through out-parameters;
 * no C++ exception ever crosses this boundary; a failing call leaves a thread-local message that
 * nn_last_error() returns. Comments written with three slashes become XML docs in the bindings.
 */
#ifndef NATIVENN_H
#define NATIVENN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define NN_API __declspec(dllexport)
#else
#define NN_API __attribute__((visibility("default")))
#endif

/// Version of this ABI. Raised whenever a signature, enum value or struct layout changes; the
/// managed side refuses a native library whose nn_abi_version() differs from the value it was
/// generated against.
#define NN_ABI_VERSION 5

/// Most dimensions a tensor may have.
#define NN_MAX_DIMS 8

/// Alignment in bytes of every tensor's storage.
#define NN_STORAGE_ALIGNMENT 64

/// Outcome of every call. NN_OK is success; any other value means nn_last_error() explains.
typedef enum nn_status {
    /// The call succeeded.
    NN_OK = 0,
    /// An argument was null, out of range or otherwise not acceptable.
    NN_ERROR_INVALID_ARGUMENT = 1,
    /// Tensor shapes or dtypes do not fit together.
    NN_ERROR_SHAPE_MISMATCH = 2,
    /// Memory could not be allocated.
    NN_ERROR_OUT_OF_MEMORY = 3,
    /// The request is valid but not supported (for example an instruction set this CPU lacks).
    NN_ERROR_UNSUPPORTED = 4,
    /// A device (GPU) reported an error.
    NN_ERROR_DEVICE = 5,
    /// An internal error: a bug in NativeNN.
    NN_ERROR_INTERNAL = 6
} nn_status;

/// Element type of a tensor.
typedef enum nn_dtype {
    /// 32-bit IEEE float.
    NN_DTYPE_FLOAT32 = 0,
    /// 64-bit signed integer (class labels, indices).
    NN_DTYPE_INT64 = 1
} nn_dtype;

/// CPU instruction-set level of the kernels. NN_ISA_AUTO picks the best the CPU supports.
typedef enum nn_isa {
    /// Best level this CPU supports (the default).
    NN_ISA_AUTO = 0,
    /// Portable scalar reference kernels, always available.
    NN_ISA_REFERENCE = 1,
    /// AVX2 + FMA kernels.
    NN_ISA_AVX2 = 2,
    /// AVX-512 (F, BW, VL, DQ) kernels.
    NN_ISA_AVX512 = 3
} nn_isa;

/// Kind of device a tensor lives on.
typedef enum nn_device_kind {
    /// The host CPU; always present, as device 0.
    NN_DEVICE_CPU = 0,
    /// An NVIDIA GPU, driven by libnativenn_cuda.so.
    NN_DEVICE_CUDA = 1
} nn_device_kind;

/// Native memory accounting of tensor storage, in bytes.
typedef struct nn_memory_stats {
    /// Bytes held by live tensor storage now.
    int64_t live_bytes;
    /// Highest live_bytes since start or since nn_memory_reset_peak.
    int64_t peak_bytes;
    /// Bytes kept by the caching allocator for reuse (not live).
    int64_t cached_bytes;
    /// Number of live tensor handles.
    int64_t live_tensors;
    /// Storage requests served from the cache since start.
    int64_t cache_hits;
    /// Storage requests that had to ask the operating system since start.
    int64_t cache_misses;
} nn_memory_stats;

/// Opaque tensor: dtype, shape and a reference to contiguous, 64-byte aligned storage.
typedef struct nn_tensor nn_tensor;

/* ---- Library ---------------------------------------------------------------------------- */

/// Returns NN_ABI_VERSION as compiled into this library.
NN_API int32_t nn_abi_version(void);

/// Returns the message of the last failed call on this thread (empty if none). The text is owned
/// by the library and stays valid until the next failing call on the same thread.
NN_API const char* nn_last_error(void);

/// Returns the library's version text, for example "0.1.0". Owned by the library.
NN_API const char* nn_version(void);

/* ---- Threads and instruction sets ------------------------------------------------------- */

/// Sets how many threads kernels use (1 or more). The default is the number of cores.
NN_API nn_status nn_set_num_threads(int32_t count);

/// Reads how many threads kernels use.
NN_API nn_status nn_get_num_threads(int32_t* count);

/// Reads whether this CPU can run kernels of the given level (1) or not (0).
NN_API nn_status nn_cpu_supports_isa(nn_isa isa, int32_t* supported);

/// Forces the kernel level for the whole process; NN_ISA_AUTO returns to the best supported
/// level. Fails with NN_ERROR_UNSUPPORTED for a level this CPU cannot run. The environment
/// variable NATIVENN_ISA (auto, reference, avx2, avx512) sets it at start-up.
NN_API nn_status nn_set_isa(nn_isa isa);

/// Reads the level kernels run at now (never NN_ISA_AUTO).
NN_API nn_status nn_get_isa(nn_isa* isa);

/* ---- Devices ---------------------------------------------------------------------------- */

/// Reads how many devices of the kind this process can use: 1 for NN_DEVICE_CPU; for
/// NN_DEVICE_CUDA the number of CUDA devices, or 0 when CUDA cannot be used (nn_device_check says
/// why). The first CUDA question loads libnativenn_cuda.so, from the path in NATIVENN_CUDA_LIBRARY
/// when that is set (and only there), else from the folder of libnativenn itself; the outcome is
/// kept for the life of the process.
NN_API nn_status nn_device_count(nn_device_kind kind, int32_t* count);

/// Returns NN_OK when the device can be used. Otherwise returns NN_ERROR_UNSUPPORTED, and
/// nn_last_error() says why: libnativenn_cuda.so was not found (naming the paths tried), could
/// not be loaded, or was built from other sources; the NVIDIA driver is missing; the driver sees no
/// device; or the index is past the last device.
NN_API nn_status nn_device_check(nn_device_kind kind, int32_t index);

/* ---- Memory ----------------------------------------------------------------------------- */

/// Reads the current memory accounting.
NN_API nn_status nn_memory_get_stats(nn_memory_stats* stats);

/// Sets peak_bytes to the current live_bytes.
NN_API nn_status nn_memory_reset_peak(void);

/// Returns every cached (not live) block to the operating system.
NN_API nn_status nn_memory_release_cached(void);

/* ---- Tensors ---------------------------------------------------------------------------- */

/// Creates a zero-filled tensor of the given dtype and shape (ndim 0..NN_MAX_DIMS; ndim 0 is a
/// scalar; every size 0 or more). The caller owns the result and frees it with nn_tensor_release.
NN_API nn_status nn_tensor_create(nn_dtype dtype, int32_t ndim, const int64_t* shape, nn_tensor** result);

/// Releases a tensor handle; its storage is freed (returned to the cache) when no view shares it.
/// Releasing null is allowed and does nothing.
NN_API nn_status nn_tensor_release(nn_tensor* tensor);

/// Creates a new handle that shares the tensor's storage under another shape with the same
/// element count (like torch.reshape on a contiguous tensor).
NN_API nn_status nn_tensor_reshape(const nn_tensor* tensor, int32_t ndim, const int64_t* shape, nn_tensor** result);

/// Reads the tensor's element type.
NN_API nn_status nn_tensor_dtype(const nn_tensor* tensor, nn_dtype* dtype);

/// Reads the number of dimensions.
NN_API nn_status nn_tensor_ndim(const nn_tensor* tensor, int32_t* ndim);

/// Copies the shape into sizes, which has room for capacity entries (at least ndim).
NN_API nn_status nn_tensor_shape(const nn_tensor* tensor, int64_t* sizes, int32_t capacity);

/// Reads the number of elements (the product of the shape; 1 for a scalar).
NN_API nn_status nn_tensor_numel(const nn_tensor* tensor, int64_t* count);

/// Reads the address of the tensor's first element (CPU tensors). Valid while the tensor lives.
NN_API nn_status nn_tensor_data(const nn_tensor* tensor, void** data);

/// Copies byte_count bytes from source into the tensor; byte_count must equal its size in bytes.
NN_API nn_status nn_tensor_copy_from(nn_tensor* tensor, const void* source, int64_t byte_count);

/// Copies the tensor into destination; byte_count must equal its size in bytes.
NN_API nn_status nn_tensor_copy_to(const nn_tensor* tensor, void* destination, int64_t byte_count);

/// Copies the elements of source into destination (same dtype and element count).
NN_API nn_status nn_tensor_copy(const nn_tensor* source, nn_tensor* destination);

/// Sets every element of a float32 tensor to value.
NN_API nn_status nn_tensor_fill_float32(nn_tensor* tensor, float value);

/// Sets every element of an int64 tensor to value.
NN_API nn_status nn_tensor_fill_int64(nn_tensor* tensor, int64_t value);

/// Fills a float32 tensor with samples uniform in [low, high). Element i depends only on seed
/// and i (a counter-based generator: SplitMix64 of seed and i), so results do not depend on the
/// thread count.
NN_API nn_status nn_tensor_fill_uniform(nn_tensor* tensor, uint64_t seed, float low, float high);

/// Fills a float32 tensor with normal samples of the given mean and standard deviation
/// (Box-Muller over the same counter-based generator as nn_tensor_fill_uniform).
NN_API nn_status nn_tensor_fill_normal(nn_tensor* tensor, uint64_t seed, float mean, float std);

/* ---- Matrix multiplication --------------------------------------------------------------- */

/// C = alpha * op(A) op(B) + beta * C on 2-D float32 tensors, where op transposes its argument
/// when the matching flag is 1: A is [M,K] ([K,M] when transpose_a is 1), B is [K,N] ([N,K] when
/// transpose_b is 1) and C is [M,N]. With beta = 0 the previous contents of C are not read (NaN in
/// C does not propagate). C must not share storage with A or B.
NN_API nn_status nn_matmul(const nn_tensor* a, int32_t transpose_a, const nn_tensor* b, int32_t transpose_b,
                           float alpha, float beta, nn_tensor* c);

/* ---- Element-wise operations ---------------------------------------------------------------- */
/* Float32 tensors in, caller-allocated float32 tensors out. Unless a function says otherwise, its
 * output may be one of its inputs (in place) when the shapes allow. */

/// out = a + b element by element; a, b and out have one shape (no broadcasting).
NN_API nn_status nn_add(const nn_tensor* a, const nn_tensor* b, nn_tensor* out);

/// out = a - b element by element; a, b and out have one shape.
NN_API nn_status nn_sub(const nn_tensor* a, const nn_tensor* b, nn_tensor* out);

/// out = a * b element by element; a, b and out have one shape.
NN_API nn_status nn_mul(const nn_tensor* a, const nn_tensor* b, nn_tensor* out);

/// y = x * scale; x and y have one shape.
NN_API nn_status nn_scale(const nn_tensor* x, float scale, nn_tensor* y);

/// y = x + value; x and y have one shape.
NN_API nn_status nn_add_scalar(const nn_tensor* x, float value, nn_tensor* y);

/// y += alpha * x (torch.Tensor.add_(x, alpha=alpha)); x and y have one shape. The multiply-add may
/// be rounded once.
NN_API nn_status nn_axpy(float alpha, const nn_tensor* x, nn_tensor* y);

/// y = exp(x); x and y have one shape.
NN_API nn_status nn_exp(const nn_tensor* x, nn_tensor* y);

/// y = log(x) (natural logarithm; -inf at 0, NaN below); x and y have one shape.
NN_API nn_status nn_log(const nn_tensor* x, nn_tensor* y);

/// y = x * x; x and y have one shape.
NN_API nn_status nn_square(const nn_tensor* x, nn_tensor* y);

/// y = x + bias over the channel dimension: x is [N, C, ...] (two or more dimensions), bias is [C]
/// and is added along dim 1, y has the shape of x and may be x but not bias.
NN_API nn_status nn_bias_add(const nn_tensor* x, const nn_tensor* bias, nn_tensor* y);

/// dbias = dy summed over every dimension but dim 1: dy is [N, C, ...], dbias is [C] in separate
/// storage. The gradient of nn_bias_add's bias (Linear with [N, C], Conv2d with [N, C, H, W]).
NN_API nn_status nn_bias_backward(const nn_tensor* dy, nn_tensor* dbias);

/// result = the sum of all elements of x, accumulated in double; result holds one value (any shape
/// of one element) in storage separate from x.
NN_API nn_status nn_sum(const nn_tensor* x, nn_tensor* result);

/// result = the mean of all elements of x (NaN when x is empty, as in PyTorch); result holds one
/// value in storage separate from x.
NN_API nn_status nn_mean(const nn_tensor* x, nn_tensor* result);

/// result = x.sum(0) for a 2-D x [R, C]: result is [C] in storage separate from x.
NN_API nn_status nn_sum_dim0(const nn_tensor* x, nn_tensor* result);

/// y = the transpose of a 2-D x: x is [R, C], y is [C, R] in storage separate from x.
NN_API nn_status nn_transpose(const nn_tensor* x, nn_tensor* y);

/* ---- Activations ---------------------------------------------------------------------------- */
/* Forward: x -> y of one shape (y may be x). Backward: dx from dy and what PyTorch keeps for it
 * (the input x for ReLU, LeakyReLU and ELU, the output y for sigmoid and tanh), all of one shape
 * (dx may be dy). NaN inputs give NaN. */

/// y = x > 0 ? x : 0.
NN_API nn_status nn_relu_forward(const nn_tensor* x, nn_tensor* y);

/// dx = x > 0 ? dy : 0 (the gradient at 0 is 0, as in PyTorch); x is the forward's input.
NN_API nn_status nn_relu_backward(const nn_tensor* x, const nn_tensor* dy, nn_tensor* dx);

/// y = x > 0 ? x : negative_slope * x.
NN_API nn_status nn_leaky_relu_forward(const nn_tensor* x, float negative_slope, nn_tensor* y);

/// dx = x > 0 ? dy : negative_slope * dy; x is the forward's input.
NN_API nn_status nn_leaky_relu_backward(const nn_tensor* x, const nn_tensor* dy, float negative_slope, nn_tensor* dx);

/// y = x > 0 ? x : alpha * (exp(x) - 1).
NN_API nn_status nn_elu_forward(const nn_tensor* x, float alpha, nn_tensor* y);

/// dx = x > 0 ? dy : alpha * exp(x) * dy; x is the forward's input.
NN_API nn_status nn_elu_backward(const nn_tensor* x, const nn_tensor* dy, float alpha, nn_tensor* dx);

/// y = 1 / (1 + exp(-x)).
NN_API nn_status nn_sigmoid_forward(const nn_tensor* x, nn_tensor* y);

/// dx = dy * (1 - y) * y; y is the forward's output.
NN_API nn_status nn_sigmoid_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx);

/// y = tanh(x).
NN_API nn_status nn_tanh_forward(const nn_tensor* x, nn_tensor* y);

/// dx = dy * (1 - y * y); y is the forward's output.
NN_API nn_status nn_tanh_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx);

/* ---- Softmax -------------------------------------------------------------------------------- */
/* Over dim 1 of x [N, C, ...] (two or more dimensions), with the maximum subtracted first so large
 * values stay finite; every tensor has the shape of x, and outputs may be inputs. */

/// y = softmax(x, dim=1).
NN_API nn_status nn_softmax_forward(const nn_tensor* x, nn_tensor* y);

/// dx = y * (dy - sum over dim 1 of dy * y); y is the forward's output.
NN_API nn_status nn_softmax_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx);

/// y = log_softmax(x, dim=1).
NN_API nn_status nn_log_softmax_forward(const nn_tensor* x, nn_tensor* y);

/// dx = dy - exp(y) * (sum over dim 1 of dy); y is the forward's output.
NN_API nn_status nn_log_softmax_backward(const nn_tensor* y, const nn_tensor* dy, nn_tensor* dx);

/* ---- Losses --------------------------------------------------------------------------------- */
/* As torch.nn.functional computes them. With NN_REDUCTION_NONE the loss has one value per sample
 * (the targets' shape) and the backward takes dloss of that shape; with MEAN or SUM the loss and
 * dloss hold one value. Outputs are in storage separate from the inputs. */

/// How a loss reduces its per-sample values (torch.nn.functional's reduction argument).
typedef enum nn_reduction {
    /// One loss per sample, in a tensor of the targets' shape.
    NN_REDUCTION_NONE = 0,
    /// The mean over the samples, one value (NaN over zero samples).
    NN_REDUCTION_MEAN = 1,
    /// The sum over the samples, one value.
    NN_REDUCTION_SUM = 2
} nn_reduction;

/// Cross-entropy of raw scores, log_softmax over dim 1 then the negative log-likelihood, fused:
/// logits is float32 [N, C, ...], targets is int64 [N, ...] (logits' shape without dim 1) with every
/// value in [0, C); a target outside fails with NN_ERROR_INVALID_ARGUMENT naming it.
NN_API nn_status nn_cross_entropy_forward(const nn_tensor* logits, const nn_tensor* targets, nn_reduction reduction,
                                          nn_tensor* loss);

/// dlogits = (softmax(logits, dim=1) - onehot(targets)) * dloss (divided by the sample count for
/// MEAN); dlogits has the shape of logits.
NN_API nn_status nn_cross_entropy_backward(const nn_tensor* logits, const nn_tensor* targets, const nn_tensor* dloss,
                                           nn_reduction reduction, nn_tensor* dlogits);

/// Negative log-likelihood: loss = -input[target] per sample; input is float32 [N, C, ...] of
/// log-probabilities, targets as for nn_cross_entropy_forward.
NN_API nn_status nn_nll_forward(const nn_tensor* input, const nn_tensor* targets, nn_reduction reduction,
                                nn_tensor* loss);

/// dinput = -dloss at each sample's target and 0 elsewhere (divided by the sample count for MEAN);
/// dinput is [N, C, ...] and gives the class count.
NN_API nn_status nn_nll_backward(const nn_tensor* targets, const nn_tensor* dloss, nn_reduction reduction,
                                 nn_tensor* dinput);

/// Mean squared error: loss = (x - target)^2 per element; x and target have one shape.
NN_API nn_status nn_mse_forward(const nn_tensor* x, const nn_tensor* target, nn_reduction reduction, nn_tensor* loss);

/// dx = 2 (x - target) * dloss (2 / numel for MEAN); dx has the shape of x.
NN_API nn_status nn_mse_backward(const nn_tensor* x, const nn_tensor* target, const nn_tensor* dloss,
                                 nn_reduction reduction, nn_tensor* dx);

/// Binary cross-entropy of probabilities: loss = -(target log x + (1 - target) log(1 - x)) with
/// each log clamped at -100, as PyTorch does; every x must lie in [0, 1] (NN_ERROR_INVALID_ARGUMENT
/// otherwise).
NN_API nn_status nn_binary_cross_entropy_forward(const nn_tensor* x, const nn_tensor* target, nn_reduction reduction,
                                                 nn_tensor* loss);

/// dx = dloss (x - target) / max(x (1 - x), 1e-12) (divided by numel for MEAN).
NN_API nn_status nn_binary_cross_entropy_backward(const nn_tensor* x, const nn_tensor* target, const nn_tensor* dloss,
                                                  nn_reduction reduction, nn_tensor* dx);

/* ---- Dropout -------------------------------------------------------------------------------- */

/// Training-mode dropout: mask = keep ? 1 / (1 - p) : 0 and y = x * mask, where element i is kept
/// when the counter-based uniform sample of (seed, i) (as nn_tensor_fill_uniform over [0, 1)) is at
/// least p. The mask depends only on seed and i, never on threads or instruction set. p must be
/// in [0, 1]: p = 0 gives y = x, p = 1 gives y = x * 0. x, y and mask have one shape; y may be x,
/// mask is separate from both.
NN_API nn_status nn_dropout_forward(const nn_tensor* x, float p, uint64_t seed, nn_tensor* y, nn_tensor* mask);

/// dx = dy * mask, with the mask of nn_dropout_forward; dy, mask and dx have one shape.
NN_API nn_status nn_dropout_backward(const nn_tensor* dy, const nn_tensor* mask, nn_tensor* dx);

/* ---- Optimizer steps ------------------------------------------------------------------------ */
/* One fused, in-place update of a parameter from its gradient and its state buffers, with the
 * formulas of the torch.optim documentation. step counts from 1 and is the step being taken; at
 * step 1 every state buffer starts afresh and is not read (so the caller only allocates them).
 * param, grad and the buffers are float32 tensors of one shape, each in its own storage.
 * Hyper-parameters are doubles, as in torch.optim, and are checked as its constructors check them. */

/// Hyper-parameters of nn_sgd_step (torch.optim.SGD).
typedef struct nn_sgd_params {
    /// Learning rate.
    double lr;
    /// Momentum factor; 0 turns momentum off.
    double momentum;
    /// Dampening of the momentum (applied from step 2 on).
    double dampening;
    /// L2 penalty added to the gradient.
    double weight_decay;
    /// 1 for Nesterov momentum (needs momentum > 0 and dampening 0), else 0.
    int32_t nesterov;
} nn_sgd_params;

/// Hyper-parameters of nn_adagrad_step (torch.optim.Adagrad).
typedef struct nn_adagrad_params {
    /// Learning rate.
    double lr;
    /// Learning-rate decay: step t uses lr / (1 + (t - 1) lr_decay).
    double lr_decay;
    /// L2 penalty added to the gradient.
    double weight_decay;
    /// Starting value of the sum of squared gradients.
    double initial_accumulator_value;
    /// Added to the denominator for numerical stability.
    double eps;
} nn_adagrad_params;

/// Hyper-parameters of nn_rmsprop_step (torch.optim.RMSprop).
typedef struct nn_rmsprop_params {
    /// Learning rate.
    double lr;
    /// Smoothing constant of the squared-gradient average.
    double alpha;
    /// Added to the denominator for numerical stability.
    double eps;
    /// L2 penalty added to the gradient.
    double weight_decay;
    /// Momentum factor; 0 turns momentum off.
    double momentum;
    /// 1 to normalise by the variance estimate (centered RMSprop), else 0.
    int32_t centered;
} nn_rmsprop_params;

/// Hyper-parameters of nn_adam_step and nn_adamw_step (torch.optim.Adam and AdamW).
typedef struct nn_adam_params {
    /// Learning rate.
    double lr;
    /// Decay rate of the gradient average, in [0, 1).
    double beta1;
    /// Decay rate of the squared-gradient average, in [0, 1).
    double beta2;
    /// Added to the denominator for numerical stability.
    double eps;
    /// Weight decay: an L2 penalty added to the gradient for Adam, a decay of the parameter by
    /// lr * weight_decay before the step for AdamW.
    double weight_decay;
    /// 1 for the AMSGrad variant (keeps the largest squared-gradient average), else 0.
    int32_t amsgrad;
} nn_adam_params;

/// SGD step: g = grad + weight_decay param; with momentum, buf = g at step 1 and momentum buf +
/// (1 - dampening) g after, and g = nesterov ? g + momentum buf : buf; then param -= lr g.
/// When params->momentum is 0, momentum_buffer is neither used nor checked and may be null.
NN_API nn_status nn_sgd_step(const nn_sgd_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                             nn_tensor* momentum_buffer);

/// Adagrad step: g = grad + weight_decay param; sum += g^2 (sum starts from
/// initial_accumulator_value); param -= lr / (1 + (step - 1) lr_decay) * g / (sqrt(sum) + eps).
NN_API nn_status nn_adagrad_step(const nn_adagrad_params* params, int64_t step, nn_tensor* param,
                                 const nn_tensor* grad, nn_tensor* sum);

/// RMSprop step: square_avg = alpha square_avg + (1 - alpha) g^2; centered also keeps grad_avg and
/// divides by sqrt(square_avg - grad_avg^2) + eps instead of sqrt(square_avg) + eps; with momentum
/// the quotient accumulates in momentum_buffer. A buffer the params do not use (momentum_buffer
/// when params->momentum is 0, grad_avg when params->centered is 0) is neither used nor checked and
/// may be null.
NN_API nn_status nn_rmsprop_step(const nn_rmsprop_params* params, int64_t step, nn_tensor* param,
                                 const nn_tensor* grad, nn_tensor* square_avg, nn_tensor* momentum_buffer,
                                 nn_tensor* grad_avg);

/// Adam step with L2 weight decay and bias corrections by step: exp_avg and exp_avg_sq are the
/// gradient and squared-gradient averages; max_exp_avg_sq keeps the largest exp_avg_sq for AMSGrad
/// and is otherwise neither used nor checked (it may then be null).
NN_API nn_status nn_adam_step(const nn_adam_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                              nn_tensor* exp_avg, nn_tensor* exp_avg_sq, nn_tensor* max_exp_avg_sq);

/// AdamW step: param *= 1 - lr weight_decay first (decoupled weight decay), then Adam without the
/// L2 term; buffers as for nn_adam_step.
NN_API nn_status nn_adamw_step(const nn_adam_params* params, int64_t step, nn_tensor* param, const nn_tensor* grad,
                               nn_tensor* exp_avg, nn_tensor* exp_avg_sq, nn_tensor* max_exp_avg_sq);

/* ---- Convolution ---------------------------------------------------------------------------- */
/* PyTorch's semantics: NCHW, weight [out, in/groups, kh, kw] for conv2d and [in, out/groups, kh, kw]
 * for conv_transpose2d, cross-correlation, floor-mode output sizes. Outputs are overwritten. A bias
 * gradient is nn_bias_backward of the output gradient. */

/// Geometry of conv2d and conv_transpose2d, per axis (torch.nn.functional's stride, padding,
/// dilation, groups and output_padding).
typedef struct nn_conv2d_params {
    /// Step between windows along the height; 1 or more.
    int32_t stride_h;
    /// Step between windows along the width; 1 or more.
    int32_t stride_w;
    /// Zero rows added above and below; 0 or more.
    int32_t padding_h;
    /// Zero columns added left and right; 0 or more.
    int32_t padding_w;
    /// Spacing between kernel rows; 1 or more.
    int32_t dilation_h;
    /// Spacing between kernel columns; 1 or more.
    int32_t dilation_w;
    /// Channel groups; divides the input and output channel counts.
    int32_t groups;
    /// conv_transpose2d only (0 for conv2d): rows added at the bottom of the output, below stride_h or dilation_h.
    int32_t output_padding_h;
    /// conv_transpose2d only (0 for conv2d): columns added at the right of the output.
    int32_t output_padding_w;
} nn_conv2d_params;

/// Writes the shape [N, K, P, Q] of conv2d's output for input x_shape [N, C, H, W] and weight
/// weight_shape [K, C/groups, R, S] into y_shape (4 entries), or fails naming what does not fit.
NN_API nn_status nn_conv2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape, const nn_conv2d_params* params,
                                        int64_t* y_shape);

/// y = conv2d(x, weight) + bias: x [N,C,H,W], weight [K,C/groups,R,S], bias [K] or null -> y [N,K,P,Q].
NN_API nn_status nn_conv2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                                   const nn_conv2d_params* params, nn_tensor* y);

/// Input gradient of conv2d: dy [N,K,P,Q], weight [K,C/groups,R,S] -> dx [N,C,H,W] (its shape gives H and W).
NN_API nn_status nn_conv2d_backward_data(const nn_tensor* dy, const nn_tensor* weight, const nn_conv2d_params* params,
                                         nn_tensor* dx);

/// Weight gradient of conv2d: x [N,C,H,W], dy [N,K,P,Q] -> dweight [K,C/groups,R,S].
NN_API nn_status nn_conv2d_backward_weight(const nn_tensor* x, const nn_tensor* dy, const nn_conv2d_params* params,
                                           nn_tensor* dweight);

/// Writes the shape [N, Cout, Ho, Wo] of conv_transpose2d's output for x_shape [N, Cin, H, W] and
/// weight_shape [Cin, Cout/groups, R, S]: Ho = (H - 1) stride - 2 padding + dilation (R - 1) + output_padding + 1.
NN_API nn_status nn_conv_transpose2d_output_shape(const int64_t* x_shape, const int64_t* weight_shape,
                                                  const nn_conv2d_params* params, int64_t* y_shape);

/// y = conv_transpose2d(x, weight) + bias: x [N,Cin,H,W], weight [Cin,Cout/groups,R,S], bias [Cout] or null.
NN_API nn_status nn_conv_transpose2d_forward(const nn_tensor* x, const nn_tensor* weight, const nn_tensor* bias,
                                             const nn_conv2d_params* params, nn_tensor* y);

/// Input gradient of conv_transpose2d: dy [N,Cout,Ho,Wo], weight [Cin,Cout/groups,R,S] -> dx [N,Cin,H,W].
NN_API nn_status nn_conv_transpose2d_backward_data(const nn_tensor* dy, const nn_tensor* weight,
                                                   const nn_conv2d_params* params, nn_tensor* dx);

/// Weight gradient of conv_transpose2d: x [N,Cin,H,W], dy [N,Cout,Ho,Wo] -> dweight [Cin,Cout/groups,R,S].
NN_API nn_status nn_conv_transpose2d_backward_weight(const nn_tensor* x, const nn_tensor* dy,
                                                     const nn_conv2d_params* params, nn_tensor* dweight);

/* ---- Pooling -------------------------------------------------------------------------------- */

/// Geometry of max_pool2d and avg_pool2d (torch.nn.functional's arguments, per axis).
typedef struct nn_pool2d_params {
    /// Window height; 1 or more.
    int32_t kernel_h;
    /// Window width; 1 or more.
    int32_t kernel_w;
    /// Step between windows along the height; 1 or more (PyTorch's default is the kernel size).
    int32_t stride_h;
    /// Step between windows along the width; 1 or more.
    int32_t stride_w;
    /// Implicit padding above and below: at most half the kernel height (-inf for max, 0 for average).
    int32_t padding_h;
    /// Implicit padding left and right: at most half the kernel width.
    int32_t padding_w;
    /// 1 to use ceil instead of floor for the output size (a last window must start inside the input or left padding).
    int32_t ceil_mode;
    /// avg_pool2d only: 1 to count padded positions in the divisor (PyTorch's default), 0 not to.
    int32_t count_include_pad;
} nn_pool2d_params;

/// Writes the shape [N, C, P, Q] of the pooled output for x_shape [N, C, H, W] into y_shape.
NN_API nn_status nn_pool2d_output_shape(const int64_t* x_shape, const nn_pool2d_params* params, int64_t* y_shape);

/// Max pooling: x [N,C,H,W] -> y [N,C,P,Q] and int64 indices [N,C,P,Q] (flat h W + w in each
/// plane, the first maximum on ties, NaN propagating), which the backward reads.
NN_API nn_status nn_max_pool2d_forward(const nn_tensor* x, const nn_pool2d_params* params, nn_tensor* y,
                                       nn_tensor* indices);

/// Max pooling's input gradient: dy [N,C,P,Q] and the forward's indices -> dx [N,C,H,W].
NN_API nn_status nn_max_pool2d_backward(const nn_tensor* dy, const nn_tensor* indices, const nn_pool2d_params* params,
                                        nn_tensor* dx);

/// Average pooling: x [N,C,H,W] -> y [N,C,P,Q].
NN_API nn_status nn_avg_pool2d_forward(const nn_tensor* x, const nn_pool2d_params* params, nn_tensor* y);

/// Average pooling's input gradient: dy [N,C,P,Q] -> dx [N,C,H,W].
NN_API nn_status nn_avg_pool2d_backward(const nn_tensor* dy, const nn_pool2d_params* params, nn_tensor* dx);

#ifdef __cplusplus
}
#endif

#endif /* NATIVENN_H */
