// extern "C" shim for matrix multiplication: validates tensors and hands raw pointers to the GEMM family.
#include <cstdint>

#include "api/guard.h"
#include "core/tensor.h"
#include "cpu/gemm/gemm.h"

using nn::api::guard;
using nn::api::require;
using nn::core::describe;
using nn::core::throw_error;

namespace {

void require_float_matrix(const nn_tensor& tensor, const char* argument) {
    if (tensor.dtype != NN_DTYPE_FLOAT32 || tensor.ndim != 2) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "%s is %s but must be a 2-D float32 tensor", argument,
                    describe(tensor).c_str());
    }
}

void require_flag(int32_t flag, const char* argument) {
    if (flag != 0 && flag != 1) throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is %d but must be 0 or 1", argument, flag);
}

bool overlaps(const nn_tensor& first, const nn_tensor& second) {
    const auto* first_begin = static_cast<const char*>(first.raw_data());
    const auto* second_begin = static_cast<const char*>(second.raw_data());
    return first.byte_size() > 0 && second.byte_size() > 0 && first_begin < second_begin + second.byte_size() &&
           second_begin < first_begin + first.byte_size();
}

}  // namespace

extern "C" {

nn_status nn_matmul(const nn_tensor* a, int32_t transpose_a, const nn_tensor* b, int32_t transpose_b, float alpha,
                    float beta, nn_tensor* c) {
    return guard("nn_matmul", [&] {
        const auto& left = require(a, "a");
        const auto& right = require(b, "b");
        auto& output = require(c, "c");
        require_flag(transpose_a, "transpose_a");
        require_flag(transpose_b, "transpose_b");
        require_float_matrix(left, "a");
        require_float_matrix(right, "b");
        require_float_matrix(output, "c");
        const int64_t m = transpose_a ? left.size(1) : left.size(0);
        const int64_t k = transpose_a ? left.size(0) : left.size(1);
        const int64_t right_k = transpose_b ? right.size(1) : right.size(0);
        const int64_t n = transpose_b ? right.size(0) : right.size(1);
        if (k != right_k) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "a is %s%s and b is %s%s: inner sizes %lld and %lld differ",
                        describe(left).c_str(), transpose_a ? " (transposed)" : "", describe(right).c_str(),
                        transpose_b ? " (transposed)" : "", static_cast<long long>(k), static_cast<long long>(right_k));
        }
        if (output.size(0) != m || output.size(1) != n) {
            throw_error(NN_ERROR_SHAPE_MISMATCH, "c is %s but the product of a %s and b %s is [%lld,%lld]",
                        describe(output).c_str(), describe(left).c_str(), describe(right).c_str(),
                        static_cast<long long>(m), static_cast<long long>(n));
        }
        if (overlaps(output, left) || overlaps(output, right)) {
            throw_error(NN_ERROR_INVALID_ARGUMENT, "c shares storage with a or b; the product needs a separate output");
        }
        nn::cpu::GemmProblem problem;
        problem.transpose_a = transpose_a != 0;
        problem.transpose_b = transpose_b != 0;
        problem.m = m;
        problem.n = n;
        problem.k = k;
        problem.alpha = alpha;
        problem.a = left.data<float>();
        problem.lda = left.size(1);
        problem.b = right.data<float>();
        problem.ldb = right.size(1);
        problem.beta = beta;
        problem.c = output.data<float>();
        problem.ldc = n;
        nn::cpu::gemm(problem);
    });
}

}  // extern "C"
