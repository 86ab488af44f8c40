/* A header that exercises every construct the binding generator handles; its tests read the
 * generated text. Not part of the product's ABI.
 */
#ifndef SAMPLE_H
#define SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SAMPLE_API __attribute__((visibility("default")))

/// A plain integer constant.
#define SAMPLE_COUNT 4

/// Negative and parenthesized.
#define SAMPLE_NEGATIVE (-12)

/// Too large for 32 bits.
#define SAMPLE_LARGE 5000000000

/// Unsigned and too large for int.
#define SAMPLE_MASK 0xFFFFFFFFu

/// A single-precision value.
#define SAMPLE_EPSILON 1e-5f

/// Escaped in XML: a < b && c > d.
#define SAMPLE_ESCAPED 1

#define SAMPLE_UNDOCUMENTED 0x10
#define SAMPLE_FUNCTION_LIKE(x) ((x) + 1)
#define SAMPLE_EXPRESSION (SAMPLE_COUNT * 2)
#define SAMPLE_TEXT "text"

/// Needs 64 bits.
typedef enum sample_wide {
    SAMPLE_WIDE_SMALL = 0, ///< Fits in 32 bits.
    SAMPLE_WIDE_BIG = 0x100000000
} sample_wide;

/// Has a negative member.
typedef enum sample_signed {
    /// Below zero.
    SAMPLE_SIGNED_MINUS = -1,
    SAMPLE_SIGNED_PLUS = 1 << 4
} sample_signed;

/// Fits only in an unsigned 32-bit type.
typedef enum sample_flags {
    SAMPLE_FLAG_LOW = 1,
    SAMPLE_FLAG_HIGH = 0x80000000u
} sample_flags;

/// Members become constants: the enum has no name.
enum {
    SAMPLE_ANONYMOUS_FIRST = 7,
    SAMPLE_ANONYMOUS_SECOND
};

/// A point in the plane.
typedef struct sample_point {
    /// Horizontal position.
    float x;
    /// Vertical position.
    float y;
} sample_point;

/// One field of every scalar type.
typedef struct sample_scalars {
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    uint16_t u16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    size_t size;
    intptr_t signed_address;
    uintptr_t address;
    ptrdiff_t difference;
    float single;
    double real;
    char character;
    signed char signed_character;
    unsigned char unsigned_character;
    short int16_plain;
    unsigned short uint16_plain;
    int int32_plain;
    unsigned int uint32_plain;
    long long int64_plain;
    unsigned long long uint64_plain;
    bool flag;
} sample_scalars;

typedef struct sample_tensor sample_tensor;
typedef struct sample_model sample_model;

/// Arrays, nested structs, pointers and a callback.
typedef struct sample_params {
    /// Kernel height and width.
    int64_t kernel_size[2];
    int32_t padding[2][3];
    sample_point corners[4];
    sample_point origin;
    sample_flags flags;
    const char* name;
    char label[16];
    sample_tensor* scratch;
    sample_tensor* inputs[2];
    void (*callback)(int32_t code, void* state);
    struct sample_inner {
        int32_t depth;
    } inner;
    uint8_t tail;
} sample_params;

/// Named only by its typedef.
typedef struct {
    int32_t value;
} sample_unnamed;

/// Overlapping views of eight bytes.
typedef union sample_value {
    int64_t integer;
    double real;
    uint8_t bytes[8];
} sample_value;

typedef int32_t sample_index;

typedef void (*sample_visitor)(sample_index index, const sample_point* point, void* state);

/// Returns the library's name. Owned by the library.
SAMPLE_API const char* sample_name(void);

/// Creates a tensor.
SAMPLE_API int32_t sample_create(const int64_t* shape, int32_t ndim, sample_tensor** result);

/// Releases a tensor.
SAMPLE_API int32_t sample_release(sample_tensor* tensor);

/// Stacks tensors: an input array of handles
/// and one new handle out.
SAMPLE_API int32_t sample_stack(sample_tensor* const* inputs, int32_t count, sample_tensor** result);

/// Opens a model; the handle is the return value.
SAMPLE_API sample_model* sample_model_open(const char* path);

/// Closes a model.
SAMPLE_API int32_t sample_model_close(sample_model* model);

/// Applies settings.
/// \param params Settings & limits.
/// \param[out] value Receives <the> result.
/// \return Zero on success.
SAMPLE_API int32_t sample_configure(const sample_params* params, sample_value* value);

/// Takes structs by value.
SAMPLE_API sample_point sample_by_value(sample_point point, sample_scalars scalars, sample_unnamed unnamed);

/// An array parameter is a pointer.
SAMPLE_API int32_t sample_array_parameter(int64_t sizes[4]);

/// Calls visitor for every point.
SAMPLE_API int32_t sample_each(sample_visitor visitor, void* state);

/// Parameter names that are C# keywords.
SAMPLE_API void sample_keywords(int32_t params, int32_t object, int32_t string);

/// A typedef of a fixed-width type.
SAMPLE_API sample_index sample_alias(sample_index index, sample_wide wide, sample_signed sign);

SAMPLE_API int32_t sample_unnamed_parameter(int32_t, float);

static inline int32_t sample_inline(void) { return 1; }

#ifdef __cplusplus
}
#endif

#endif /* SAMPLE_H */
