// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]
// The family's vector kernels (vector_kernels.h) on the Avx2 kit.
#include "cpu/eltwise/simd_avx2.h"
#include "cpu/eltwise/vector_kernels.h"

namespace nn::cpu {

void binary_avx2(const BinaryProblem& problem) { binary_vector<Avx2>(problem); }
void scalar_avx2(const ScalarProblem& problem) { scalar_vector<Avx2>(problem); }
void axpy_avx2(const AxpyProblem& problem) { axpy_vector<Avx2>(problem); }
void unary_avx2(const UnaryProblem& problem) { unary_vector<Avx2>(problem); }
void bias_add_avx2(const BiasAddProblem& problem) { bias_add_vector<Avx2>(problem); }
void bias_backward_avx2(const BiasBackwardProblem& problem) { bias_backward_vector<Avx2>(problem); }
void transpose_avx2(const TransposeProblem& problem) { transpose_vector<Avx2>(problem); }

}  // namespace nn::cpu
