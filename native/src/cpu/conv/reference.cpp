// x [N,C,H,W], w [K,C/g,R,S] -> y [N,K,P,Q]; dy -> dx; x, dy -> dw; dy -> db
// The oracles: one output element at a time, straight from the definition, sums in double. The
// outer loop of large problems is split among threads only so that benchmarks and large tests
// finish; each element is one thread's, so no result depends on the thread count.
#include <cstdint>

#include "core/parallel.h"
#include "cpu/conv/conv.h"

namespace nn::cpu {
namespace {

// Threads for a reference call: one below a million multiply-adds, where waking a team would cost
// more than the loop (tests call the references on small shapes thousands of times).
int reference_threads(const Conv2dProblem& p) {
    return p.multiply_adds() >= (int64_t{1} << 20) ? nn::core::num_threads() : 1;
}

}  // namespace

void conv2d_forward_reference(const Conv2dForward& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t image_channel = 0; image_channel < p.batch * p.out_channels; ++image_channel) {
        const int64_t n = image_channel / p.out_channels;
        const int64_t k = image_channel % p.out_channels;
        const int64_t first_channel = k / group_out * group_in;
        const float* weight = op.weight + k * group_in * p.kernel_area();
        float* y = op.y + image_channel * p.out_plane();
        for (int64_t oh = 0; oh < p.out_height; ++oh) {
            for (int64_t ow = 0; ow < p.out_width; ++ow) {
                double sum = op.bias != nullptr ? op.bias[k] : 0.0;
                for (int64_t c = 0; c < group_in; ++c) {
                    const float* x = op.x + (n * p.in_channels + first_channel + c) * p.in_plane();
                    for (int64_t r = 0; r < p.kernel_height; ++r) {
                        const int64_t ih = oh * p.stride_height - p.padding_height + r * p.dilation_height;
                        if (ih < 0 || ih >= p.in_height) continue;
                        for (int64_t s = 0; s < p.kernel_width; ++s) {
                            const int64_t iw = ow * p.stride_width - p.padding_width + s * p.dilation_width;
                            if (iw < 0 || iw >= p.in_width) continue;
                            sum += static_cast<double>(x[ih * p.in_width + iw]) *
                                   weight[(c * p.kernel_height + r) * p.kernel_width + s];
                        }
                    }
                }
                y[oh * p.out_width + ow] = static_cast<float>(sum);
            }
        }
    }
}

// dx[n,c,ih,iw] gathers dy[n,k,oh,ow] w[k,c,r,s] over the (k, r, s) whose window puts tap (r, s)
// on (ih, iw): ih = oh stride - pad + r dilation for a whole oh inside [0, P).
void conv2d_backward_data_reference(const Conv2dBackwardData& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t image_channel = 0; image_channel < p.batch * p.in_channels; ++image_channel) {
        const int64_t n = image_channel / p.in_channels;
        const int64_t c = image_channel % p.in_channels;
        const int64_t group = c / group_in;
        float* dx = op.dx + image_channel * p.in_plane();
        for (int64_t ih = 0; ih < p.in_height; ++ih) {
            for (int64_t iw = 0; iw < p.in_width; ++iw) {
                double sum = 0.0;
                for (int64_t k = group * group_out; k < (group + 1) * group_out; ++k) {
                    const float* dy = op.dy + (n * p.out_channels + k) * p.out_plane();
                    const float* weight = op.weight + (k * group_in + c % group_in) * p.kernel_area();
                    for (int64_t r = 0; r < p.kernel_height; ++r) {
                        const int64_t row = ih + p.padding_height - r * p.dilation_height;
                        if (row < 0 || row % p.stride_height != 0 || row / p.stride_height >= p.out_height) continue;
                        const int64_t oh = row / p.stride_height;
                        for (int64_t s = 0; s < p.kernel_width; ++s) {
                            const int64_t column = iw + p.padding_width - s * p.dilation_width;
                            if (column < 0 || column % p.stride_width != 0 || column / p.stride_width >= p.out_width) {
                                continue;
                            }
                            const int64_t ow = column / p.stride_width;
                            sum += static_cast<double>(dy[oh * p.out_width + ow]) * weight[r * p.kernel_width + s];
                        }
                    }
                }
                dx[ih * p.in_width + iw] = static_cast<float>(sum);
            }
        }
    }
}

void conv2d_backward_weight_reference(const Conv2dBackwardWeight& op) {
    const Conv2dProblem& p = op.problem;
    const int64_t group_in = p.group_in_channels();
    const int64_t group_out = p.group_out_channels();
#pragma omp parallel for num_threads(reference_threads(p)) schedule(static)
    for (int64_t filter_channel = 0; filter_channel < p.out_channels * group_in; ++filter_channel) {
        const int64_t k = filter_channel / group_in;
        const int64_t c = k / group_out * group_in + filter_channel % group_in;
        float* dweight = op.dweight + filter_channel * p.kernel_area();
        for (int64_t r = 0; r < p.kernel_height; ++r) {
            for (int64_t s = 0; s < p.kernel_width; ++s) {
                double sum = 0.0;
                for (int64_t n = 0; n < p.batch; ++n) {
                    const float* x = op.x + (n * p.in_channels + c) * p.in_plane();
                    const float* dy = op.dy + (n * p.out_channels + k) * p.out_plane();
                    for (int64_t oh = 0; oh < p.out_height; ++oh) {
                        const int64_t ih = oh * p.stride_height - p.padding_height + r * p.dilation_height;
                        if (ih < 0 || ih >= p.in_height) continue;
                        for (int64_t ow = 0; ow < p.out_width; ++ow) {
                            const int64_t iw = ow * p.stride_width - p.padding_width + s * p.dilation_width;
                            if (iw < 0 || iw >= p.in_width) continue;
                            sum += static_cast<double>(dy[oh * p.out_width + ow]) * x[ih * p.in_width + iw];
                        }
                    }
                }
                dweight[r * p.kernel_width + s] = static_cast<float>(sum);
            }
        }
    }
}

void conv2d_backward_bias_reference(const Conv2dBackwardBias& op) {
    const Conv2dProblem& p = op.problem;
    for (int64_t k = 0; k < p.out_channels; ++k) {
        double sum = 0.0;
        for (int64_t n = 0; n < p.batch; ++n) {
            const float* dy = op.dy + (n * p.out_channels + k) * p.out_plane();
            for (int64_t i = 0; i < p.out_plane(); ++i) sum += dy[i];
        }
        op.dbias[k] = static_cast<float>(sum);
    }
}

}  // namespace nn::cpu
