// Threading: kernels parallelise with OpenMP, always naming the thread count explicitly
// (`#pragma omp parallel for num_threads(nn::core::num_threads())`), because OpenMP's own
// setting is per calling thread and .NET calls arrive on many threads.
#pragma once

namespace nn::core {

// Threads kernels use; defaults to the number of cores the process may run on.
int num_threads();

// 1 <= count <= 1024; throws nn::core::Error(NN_ERROR_INVALID_ARGUMENT) otherwise.
void set_num_threads(int count);

}  // namespace nn::core
