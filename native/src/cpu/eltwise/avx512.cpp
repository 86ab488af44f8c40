// a [n], b [n] -> out [n]; x [n] -> y [n]; x [outer, channels, inner], bias [channels] -> y;
// dy [outer, channels, inner] -> dbias [channels]; x [rows, columns] -> y [columns, rows]
// The family's vector kernels (vector_kernels.h) on the Avx512 kit.
#include "cpu/eltwise/simd_avx512.h"
#include "cpu/eltwise/vector_kernels.h"

namespace nn::cpu {

void binary_avx512(const BinaryProblem& problem) { binary_vector<Avx512>(problem); }
void scalar_avx512(const ScalarProblem& problem) { scalar_vector<Avx512>(problem); }
void axpy_avx512(const AxpyProblem& problem) { axpy_vector<Avx512>(problem); }
void unary_avx512(const UnaryProblem& problem) { unary_vector<Avx512>(problem); }
void bias_add_avx512(const BiasAddProblem& problem) { bias_add_vector<Avx512>(problem); }
void bias_backward_avx512(const BiasBackwardProblem& problem) { bias_backward_vector<Avx512>(problem); }
void transpose_avx512(const TransposeProblem& problem) { transpose_vector<Avx512>(problem); }

}  // namespace nn::cpu
