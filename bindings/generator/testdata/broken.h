/* An unknown type: clang reports an error and would otherwise carry on with `int`. */
#include <stdint.h>

int32_t broken_function(unknown_type value);
