// Errors and verbose logging inside the core. Kernels and core code throw nn::core::Error; the
// extern "C" shims in src/api catch it (and everything else) and turn it into nn_status plus the
// thread-local message nn_last_error() returns.
#pragma once

#include <stdexcept>
#include <string>

#include "nativenn.h"

namespace nn::core {

class Error : public std::runtime_error {
public:
    Error(nn_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
    nn_status status() const noexcept { return status_; }

private:
    nn_status status_;
};

// printf-style helpers that throw Error with the formatted message.
[[noreturn]] void throw_error(nn_status status, const char* format, ...) __attribute__((format(printf, 2, 3)));
[[noreturn]] void throw_internal(const char* format, ...) __attribute__((format(printf, 1, 2)));

// True when NATIVENN_VERBOSE=1 was set at start-up.
bool verbose();

// Prints one line to stderr, prefixed "nativenn: ", when verbose() is true.
void verbose_log(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace nn::core
