// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The family's vector kernels (vector_kernels.h) on the Avx2 kit.
#include "cpu/eltwise/simd_avx2.h"
#include "cpu/softmax/vector_kernels.h"

namespace nn::cpu {

void softmax_forward_avx2(const SoftmaxForward& problem) { softmax_forward_vector<Avx2>(problem); }
void softmax_backward_avx2(const SoftmaxBackward& problem) { softmax_backward_vector<Avx2>(problem); }

}  // namespace nn::cpu
