// logits [outer, classes, 1], targets [outer] -> loss [outer] or one value; and the backward
// The family's vector cross-entropy (vector_kernels.h) on the Avx512 kit.
#include "cpu/eltwise/simd_avx512.h"
#include "cpu/loss/vector_kernels.h"

namespace nn::cpu {

void cross_entropy_forward_avx512(const CrossEntropyForward& problem) { cross_entropy_forward_vector<Avx512>(problem); }
void cross_entropy_backward_avx512(const CrossEntropyBackward& problem) { cross_entropy_backward_vector<Avx512>(problem); }

}  // namespace nn::cpu
