// Error helpers and the NATIVENN_VERBOSE logging switch.
#include "core/log.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nn::core {

namespace {

std::string format_message(const char* format, va_list arguments) {
    va_list copy;
    va_copy(copy, arguments);
    const int length = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (length <= 0) return std::string();
    std::string text(static_cast<std::size_t>(length), '\0');
    std::vsnprintf(text.data(), text.size() + 1, format, arguments);
    return text;
}

}  // namespace

void throw_error(nn_status status, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    std::string message = format_message(format, arguments);
    va_end(arguments);
    throw Error(status, message);
}

void throw_internal(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    std::string message = format_message(format, arguments);
    va_end(arguments);
    throw Error(NN_ERROR_INTERNAL, message);
}

bool verbose() {
    static const bool enabled = [] {
        const char* setting = std::getenv("NATIVENN_VERBOSE");
        return setting != nullptr && std::strcmp(setting, "1") == 0;
    }();
    return enabled;
}

void verbose_log(const char* format, ...) {
    if (!verbose()) return;
    va_list arguments;
    va_start(arguments, format);
    std::string line = "nativenn: " + format_message(format, arguments) + "\n";
    va_end(arguments);
    // One write per line keeps lines from different threads whole.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace nn::core
