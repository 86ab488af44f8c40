// x [n] -> y [n]; saved [n], dy [n] -> dx [n]
// The family's vector kernels (vector_kernels.h) on the Avx512 kit.
#include "cpu/eltwise/simd_avx512.h"
#include "cpu/activation/vector_kernels.h"

namespace nn::cpu {

void activation_forward_avx512(const ActivationForward& problem) { activation_forward_vector<Avx512>(problem); }
void activation_backward_avx512(const ActivationBackward& problem) { activation_backward_vector<Avx512>(problem); }

}  // namespace nn::cpu
