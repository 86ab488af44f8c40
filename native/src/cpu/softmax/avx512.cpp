// x [outer, channels, inner] -> y [outer, channels, inner]; y, dy -> dx
// The family's vector kernels (vector_kernels.h) on the Avx512 kit.
#include "cpu/eltwise/simd_avx512.h"
#include "cpu/softmax/vector_kernels.h"

namespace nn::cpu {

void softmax_forward_avx512(const SoftmaxForward& problem) { softmax_forward_vector<Avx512>(problem); }
void softmax_backward_avx512(const SoftmaxBackward& problem) { softmax_backward_vector<Avx512>(problem); }

}  // namespace nn::cpu
