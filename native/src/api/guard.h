// The wrapper around every extern "C" body: no exception crosses the C ABI, and every failure
// leaves a thread-local message that starts with the function's name.
#pragma once

#include <cstring>
#include <exception>
#include <new>

#include "core/log.h"
#include "nativenn.h"

namespace nn::api {

// Stores "function: message" (or "function: internal error: message") as this thread's
// nn_last_error() text.
void set_last_error(const char* function, const char* message) noexcept;
void set_internal_error(const char* function, const char* message) noexcept;

// Runs body and returns NN_OK, or the status of what it threw. A successful call leaves the
// thread's last message as it was, so nn_last_error() always describes the last failure.
template <class Body>
nn_status guard(const char* function, Body&& body) noexcept {
    try {
        body();
        return NN_OK;
    } catch (const core::Error& error) {
        set_last_error(function, error.what());
        // An Error that claims success is a bug in the thrower; the caller must still see a failure.
        return error.status() == NN_OK ? NN_ERROR_INTERNAL : error.status();
    } catch (const std::bad_alloc&) {
        set_last_error(function, "out of memory");
        return NN_ERROR_OUT_OF_MEMORY;
    } catch (const std::exception& error) {
        set_internal_error(function, error.what());
        return NN_ERROR_INTERNAL;
    } catch (...) {
        set_internal_error(function, "an exception of unknown type");
        return NN_ERROR_INTERNAL;
    }
}

// The bits of an enum argument as an int. A foreign caller may pass any int, but C++ forbids reading
// an enum without a fixed underlying type that holds a value outside its enumerators' range, so a
// shim validates the raw bits before it uses the enum type.
template <class Enum>
int raw_enum(const Enum& value) noexcept {
    static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized on the supported ABIs");
    int raw = 0;
    std::memcpy(&raw, &value, sizeof raw);
    return raw;
}

// Returns *pointer, or throws NN_ERROR_INVALID_ARGUMENT "<argument> is null".
template <class T>
T& require(T* pointer, const char* argument) {
    if (pointer == nullptr) core::throw_error(NN_ERROR_INVALID_ARGUMENT, "%s is null", argument);
    return *pointer;
}

}  // namespace nn::api
