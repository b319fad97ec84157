#include "seq_icu.h"
#include <unicode/uversion.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/ubrk.h>
#include <unicode/utf16.h>
#include <stdlib.h>
#include <string.h>

const char *seq_icu_version(void) {
    static char buffer[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo info;
    u_getVersion(info);
    u_versionToString(info, buffer);
    return buffer;
}

const char *seq_icu_unicode_version(void) {
    static char buffer[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo info;
    u_getUnicodeVersion(info);
    u_versionToString(info, buffer);
    return buffer;
}

int32_t seq_icu_char_type(uint32_t c) { return (int32_t)u_charType((UChar32)c); }
int32_t seq_icu_is_white_space(uint32_t c) { return u_hasBinaryProperty((UChar32)c, UCHAR_WHITE_SPACE) ? 1 : 0; }
int32_t seq_icu_is_alphabetic(uint32_t c) { return u_hasBinaryProperty((UChar32)c, UCHAR_ALPHABETIC) ? 1 : 0; }
int32_t seq_icu_combining_class(uint32_t c) { return (int32_t)u_getCombiningClass((UChar32)c); }

// UTF-32 <-> UTF-16 helpers. `units` must hold 2 * count UChars.
static int32_t to_utf16(const uint32_t *input, int32_t count, UChar *units) {
    int32_t n = 0;
    for (int32_t i = 0; i < count; i++) {
        UChar32 c = (UChar32)input[i];
        if (c <= 0xFFFF) units[n++] = (UChar)c;
        else { units[n++] = U16_LEAD(c); units[n++] = U16_TRAIL(c); }
    }
    return n;
}

static int32_t from_utf16(const UChar *units, int32_t n, uint32_t *output, int32_t capacity) {
    int32_t i = 0, k = 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(units, i, n, c);
        if (k >= capacity) return -1;
        output[k++] = (uint32_t)c;
    }
    return k;
}

static const UNormalizer2 *instance(int32_t form) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = NULL;
    switch (form) {
    case SEQ_ICU_NFC: n = unorm2_getNFCInstance(&status); break;
    case SEQ_ICU_NFD: n = unorm2_getNFDInstance(&status); break;
    case SEQ_ICU_NFKC: n = unorm2_getNFKCInstance(&status); break;
    default: n = unorm2_getNFKDInstance(&status); break;
    }
    return U_FAILURE(status) ? NULL : n;
}

int32_t seq_icu_has_boundary_before(int32_t form, uint32_t c) {
    const UNormalizer2 *n = instance(form);
    return n && unorm2_hasBoundaryBefore(n, (UChar32)c) ? 1 : 0;
}

// Small inputs use the stack; large ones the heap.
#define SEQ_STACK_UNITS 512

// Runs a UTF-16 → UTF-16 ICU transform over UTF-32 input and output.
typedef int32_t (*seq_transform)(const void *ctx, const UChar *in, int32_t inLength,
                                 UChar *out, int32_t outCapacity, UErrorCode *status);

static int32_t run_utf16(seq_transform fn, const void *ctx, const uint32_t *input, int32_t count,
                         uint32_t *output, int32_t capacity) {
    UChar stackIn[SEQ_STACK_UNITS], stackOut[SEQ_STACK_UNITS * 4];
    int32_t inCap = 2 * count + 1, outCap = 2 * capacity + 1;
    UChar *in = inCap <= SEQ_STACK_UNITS ? stackIn : malloc(sizeof(UChar) * inCap);
    UChar *out = outCap <= SEQ_STACK_UNITS * 4 ? stackOut : malloc(sizeof(UChar) * outCap);
    int32_t result = -1;
    if (in && out) {
        int32_t units = to_utf16(input, count, in);
        UErrorCode status = U_ZERO_ERROR;
        int32_t written = fn(ctx, in, units, out, outCap, &status);
        if (U_SUCCESS(status)) result = from_utf16(out, written, output, capacity);
    }
    if (in != stackIn) free(in);
    if (out != stackOut) free(out);
    return result;
}

static int32_t normalize_fn(const void *ctx, const UChar *in, int32_t n, UChar *out, int32_t cap, UErrorCode *status) {
    return unorm2_normalize((const UNormalizer2 *)ctx, in, n, out, cap, status);
}

static int32_t lower_fn(const void *ctx, const UChar *in, int32_t n, UChar *out, int32_t cap, UErrorCode *status) {
    (void)ctx;
    return u_strToLower(out, cap, in, n, "", status);
}

int32_t seq_icu_normalize(int32_t form, const uint32_t *input, int32_t count,
                          uint32_t *output, int32_t capacity) {
    const UNormalizer2 *n = instance(form);
    return n ? run_utf16(normalize_fn, n, input, count, output, capacity) : -1;
}

int32_t seq_icu_to_lower(const uint32_t *input, int32_t count, uint32_t *output, int32_t capacity) {
    return run_utf16(lower_fn, NULL, input, count, output, capacity);
}

int32_t seq_icu_word_boundaries(const uint32_t *input, int32_t count,
                                int32_t *boundaries, int32_t *statuses, int32_t capacity) {
    UChar *units = malloc(sizeof(UChar) * (2 * count + 1));
    // index of the scalar that starts at each UTF-16 unit
    int32_t *scalarAt = malloc(sizeof(int32_t) * (2 * count + 2));
    if (!units || !scalarAt) { free(units); free(scalarAt); return -1; }
    int32_t n = 0;
    for (int32_t i = 0; i < count; i++) {
        scalarAt[n] = i;
        UChar32 c = (UChar32)input[i];
        if (c <= 0xFFFF) units[n++] = (UChar)c;
        else { units[n++] = U16_LEAD(c); scalarAt[n] = i; units[n++] = U16_TRAIL(c); }
    }
    scalarAt[n] = count;
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_WORD, "", units, n, &status);
    int32_t k = 0;
    if (U_SUCCESS(status)) {
        int32_t pos = ubrk_first(bi);
        while (pos != UBRK_DONE) {
            if (k >= capacity) { k = -1; break; }
            boundaries[k] = scalarAt[pos];
            if (k > 0) statuses[k - 1] = ubrk_getRuleStatus(bi);
            k++;
            pos = ubrk_next(bi);
        }
        ubrk_close(bi);
    } else {
        k = -1;
    }
    free(units);
    free(scalarAt);
    return k;
}

int32_t seq_icu_char_age(uint32_t c) {
    UVersionInfo v;
    u_charAge((UChar32)c, v);
    return (int32_t)v[0] * 100 + (int32_t)v[1];
}
