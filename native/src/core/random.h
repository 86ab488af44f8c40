// Counter-based random fills: element i depends only on the seed and i, never on the thread count.
//
// The generator is SplitMix64 evaluated at a counter: with the golden gamma
// g = 0x9E3779B97F4A7C15 and all arithmetic modulo 2^64,
//   z = seed + (counter + 1) * g
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//   mix(seed, counter) = z ^ (z >> 31)
// which is the (counter + 1)-th output of a SplitMix64 stream seeded with seed.
//
// Uniform, element i: u = (mix(seed, i) >> 40) * 2^-24, a float in [0, 1) from the top 24 bits;
//   x = low + (high - low) * u, computed in double and rounded to float; when that rounding lands on
//   high, x is the largest float below high, so x is always in [low, high).
// Normal, element i: two independent counters 2i and 2i + 1 feed Box-Muller in double,
//   u1 = ((mix(seed, 2i) >> 11) + 1) * 2^-53        in (0, 1], 53 bits so the tail reaches 8.5 sigma
//   u2 = (mix(seed, 2i + 1) >> 11) * 2^-53          in [0, 1)
//   x = mean + std * sqrt(-2 ln u1) * cos(2 pi u2), rounded to float.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace nn::core {

std::uint64_t mix(std::uint64_t seed, std::uint64_t counter);

float uniform_sample(std::uint64_t seed, std::uint64_t index, float low, float high);
float normal_sample(std::uint64_t seed, std::uint64_t index, float mean, float std);

// Float32 tensors only (SHAPE_MISMATCH otherwise). INVALID_ARGUMENT unless low and high are finite
// with low <= high (low == high fills low), or unless mean is finite and std finite and >= 0.
void fill_uniform(nn_tensor& tensor, std::uint64_t seed, float low, float high);
void fill_normal(nn_tensor& tensor, std::uint64_t seed, float mean, float std);

}  // namespace nn::core
