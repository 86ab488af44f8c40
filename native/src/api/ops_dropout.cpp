// extern "C" shims for dropout: check p and the tensors, then hand raw pointers to the dropout family.
#include "api/guard.h"
#include "api/tensor_checks.h"
#include "core/tensor.h"
#include "cpu/dropout/dropout.h"

using nn::api::guard;
using nn::api::require;
using nn::api::require_dtype;
using nn::api::require_same_shape;

extern "C" {

nn_status nn_dropout_forward(const nn_tensor* x, float p, uint64_t seed, nn_tensor* y, nn_tensor* mask) {
    return guard("nn_dropout_forward", [&] {
        const auto& input = require(x, "x");
        auto& output = require(y, "y");
        auto& kept = require(mask, "mask");
        nn::cpu::check_dropout_probability("", p);
        require_dtype(input, NN_DTYPE_FLOAT32, "x");
        require_same_shape(input, "x", output, "y");
        require_same_shape(input, "x", kept, "mask");
        require_dtype(output, NN_DTYPE_FLOAT32, "y");
        require_dtype(kept, NN_DTYPE_FLOAT32, "mask");
        // The mask is written before y reads x, element by element.
        nn::api::require_separate(kept, "mask", input, "x");
        nn::api::require_separate(kept, "mask", output, "y");
        nn::cpu::dropout_forward({p, seed, input.numel, input.data<float>(), output.data<float>(), kept.data<float>()});
    });
}

nn_status nn_dropout_backward(const nn_tensor* dy, const nn_tensor* mask, nn_tensor* dx) {
    return guard("nn_dropout_backward", [&] {
        const auto& gradient = require(dy, "dy");
        const auto& kept = require(mask, "mask");
        auto& output = require(dx, "dx");
        require_dtype(gradient, NN_DTYPE_FLOAT32, "dy");
        require_same_shape(gradient, "dy", kept, "mask");
        require_same_shape(gradient, "dy", output, "dx");
        require_dtype(kept, NN_DTYPE_FLOAT32, "mask");
        require_dtype(output, NN_DTYPE_FLOAT32, "dx");
        nn::cpu::dropout_backward({gradient.numel, gradient.data<float>(), kept.data<float>(), output.data<float>()});
    });
}

}  // extern "C"
