// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The family's vector kernels (vector_kernels.h) on the Avx2 kit.
#include "cpu/eltwise/simd_avx2.h"
#include "cpu/activation/vector_kernels.h"

namespace nn::cpu {

void activation_forward_avx2(const ActivationForward& problem) { activation_forward_vector<Avx2>(problem); }
void activation_backward_avx2(const ActivationBackward& problem) { activation_backward_vector<Avx2>(problem); }

}  // namespace nn::cpu
