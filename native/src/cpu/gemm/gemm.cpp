// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// The entry point: validates the problem, then the ordered list picks the implementation.
#include "cpu/gemm/gemm.h"

#include <algorithm>

#include "core/dispatch.h"
#include "core/log.h"

namespace nn::cpu {
namespace {

const nn::core::Implementation<GemmProblem> gemm_implementations[] = {
    {"gemm_avx512", nn::core::Isa::Avx512, nullptr, gemm_avx512},
    {"gemm_avx2", nn::core::Isa::Avx2, nullptr, gemm_avx2},
    {"gemm_reference", nn::core::Isa::Reference, nullptr, gemm_reference},
};

void check_leading_dimension(const char* name, int64_t value, int64_t row_length) {
    if (value < std::max<int64_t>(row_length, 1)) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "gemm: %s = %lld is smaller than a stored row (%lld)", name,
                              static_cast<long long>(value), static_cast<long long>(row_length));
    }
}

void validate(const GemmProblem& p) {
    if (p.m < 0 || p.n < 0 || p.k < 0) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "gemm: negative size M = %lld, N = %lld, K = %lld",
                              static_cast<long long>(p.m), static_cast<long long>(p.n), static_cast<long long>(p.k));
    }
    check_leading_dimension("lda", p.lda, p.transpose_a ? p.m : p.k);
    check_leading_dimension("ldb", p.ldb, p.transpose_b ? p.k : p.n);
    check_leading_dimension("ldc", p.ldc, p.n);
    const bool reads_inputs = p.m > 0 && p.n > 0 && p.k > 0 && p.alpha != 0.0f;
    if ((reads_inputs && (p.a == nullptr || p.b == nullptr)) || (p.m > 0 && p.n > 0 && p.c == nullptr)) {
        nn::core::throw_error(NN_ERROR_INVALID_ARGUMENT, "gemm: null data pointer for M = %lld, N = %lld, K = %lld",
                              static_cast<long long>(p.m), static_cast<long long>(p.n), static_cast<long long>(p.k));
    }
}

}  // namespace

void gemm(const GemmProblem& problem) {
    validate(problem);
    nn::core::dispatch("gemm", gemm_implementations, problem);
}

}  // namespace nn::cpu
