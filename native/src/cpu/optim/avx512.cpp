// param [n], grad [n], state [n]... -> param and state updated in place
// The family's vector kernels (vector_kernels.h) on the Avx512 kit.
#include "cpu/eltwise/simd_avx512.h"
#include "cpu/optim/vector_kernels.h"

namespace nn::cpu {

void sgd_step_avx512(const SgdStep& problem) { sgd_step_vector<Avx512>(problem); }
void adagrad_step_avx512(const AdagradStep& problem) { adagrad_step_vector<Avx512>(problem); }
void rmsprop_step_avx512(const RmspropStep& problem) { rmsprop_step_vector<Avx512>(problem); }
void adam_step_avx512(const AdamStep& problem) { adam_step_vector<Avx512>(problem); }

}  // namespace nn::cpu
