// Counter-based uniform and normal fills (formulas in random.h).
#include "core/random.h"

#include <cmath>

#include "core/parallel.h"

namespace nn::core {

namespace {

// Below this many elements the fill is over before an OpenMP team has started.
constexpr std::int64_t parallel_elements = std::int64_t{1} << 15;

constexpr double two_pi = 6.283185307179586476925286766559;

void require_float32(const nn_tensor& tensor) {
    if (tensor.dtype != NN_DTYPE_FLOAT32) {
        throw_error(NN_ERROR_SHAPE_MISMATCH, "tensor %s is not float32", describe(tensor).c_str());
    }
}

template <class Sample>
void fill_with(nn_tensor& tensor, Sample sample) {
    float* data = tensor.data<float>();
    const std::int64_t count = tensor.numel;
    const int threads = count < parallel_elements ? 1 : num_threads();
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (std::int64_t index = 0; index < count; ++index) data[index] = sample(static_cast<std::uint64_t>(index));
}

}  // namespace

std::uint64_t mix(std::uint64_t seed, std::uint64_t counter) {
    std::uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float uniform_sample(std::uint64_t seed, std::uint64_t index, float low, float high) {
    const double unit = static_cast<double>(mix(seed, index) >> 40) * 0x1.0p-24;
    const auto value = static_cast<float>(static_cast<double>(low) + (static_cast<double>(high) - low) * unit);
    return value < high ? value : std::nextafter(high, low);
}

float normal_sample(std::uint64_t seed, std::uint64_t index, float mean, float std) {
    const double u1 = static_cast<double>((mix(seed, 2 * index) >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(mix(seed, 2 * index + 1) >> 11) * 0x1.0p-53;
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
    return static_cast<float>(static_cast<double>(mean) + static_cast<double>(std) * z);
}

void fill_uniform(nn_tensor& tensor, std::uint64_t seed, float low, float high) {
    require_float32(tensor);
    if (!std::isfinite(low) || !std::isfinite(high) || low > high) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "low %g and high %g must be finite with low <= high",
                    static_cast<double>(low), static_cast<double>(high));
    }
    fill_with(tensor, [=](std::uint64_t index) { return uniform_sample(seed, index, low, high); });
}

void fill_normal(nn_tensor& tensor, std::uint64_t seed, float mean, float std) {
    require_float32(tensor);
    if (!std::isfinite(mean) || !std::isfinite(std) || std < 0.0f) {
        throw_error(NN_ERROR_INVALID_ARGUMENT, "mean %g and std %g must be finite with std >= 0",
                    static_cast<double>(mean), static_cast<double>(std));
    }
    fill_with(tensor, [=](std::uint64_t index) { return normal_sample(seed, index, mean, std); });
}

}  // namespace nn::core
