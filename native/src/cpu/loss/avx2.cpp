// logits [outer, classes, 1], targets [outer] -> loss [outer] or one value; and the backward
// The family's vector cross-entropy (vector_kernels.h) on the Avx2 kit.
#include "cpu/eltwise/simd_avx2.h"
#include "cpu/loss/vector_kernels.h"

namespace nn::cpu {

void cross_entropy_forward_avx2(const CrossEntropyForward& problem) { cross_entropy_forward_vector<Avx2>(problem); }
void cross_entropy_backward_avx2(const CrossEntropyBackward& problem) { cross_entropy_backward_vector<Avx2>(problem); }

}  // namespace nn::cpu
