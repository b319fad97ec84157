#ifndef SEQ_ICU_H
#define SEQ_ICU_H
// Plain C entry points over the few ICU calls seq uses. ICU renames its symbols per
// version (u_foo_72) with macros Swift cannot import, so Swift calls these instead.
// Strings cross this boundary as UTF-32 (one uint32_t per Unicode scalar); a negative
// return value means an ICU error or a too-small output buffer.
#include <stdint.h>

/// ICU's version string, e.g. "72.1".
const char *seq_icu_version(void);
/// The Unicode version of ICU's data, e.g. "15.0".
const char *seq_icu_unicode_version(void);

/// General category of `c` as ICU's UCharCategory value (U_NON_SPACING_MARK = 6, ...).
int32_t seq_icu_char_type(uint32_t c);
/// The Unicode White_Space property.
int32_t seq_icu_is_white_space(uint32_t c);
/// The Unicode Alphabetic property.
int32_t seq_icu_is_alphabetic(uint32_t c);
/// Canonical combining class.
int32_t seq_icu_combining_class(uint32_t c);

/// Normalization forms for `seq_icu_normalize`.
enum { SEQ_ICU_NFC = 0, SEQ_ICU_NFD = 1, SEQ_ICU_NFKC = 2, SEQ_ICU_NFKD = 3 };

/// Normalizes `count` scalars of `input` into `output` (capacity `capacity` scalars).
/// Returns the number of scalars written, or -1.
int32_t seq_icu_normalize(int32_t form, const uint32_t *input, int32_t count,
                          uint32_t *output, int32_t capacity);

/// 1 when normalization `form` never combines `c` with what comes before it.
int32_t seq_icu_has_boundary_before(int32_t form, uint32_t c);

/// Full (possibly expanding) lowercase of `count` scalars in the root locale, without
/// context-sensitive rules when `count` is 1. Returns scalars written, or -1.
int32_t seq_icu_to_lower(const uint32_t *input, int32_t count, uint32_t *output, int32_t capacity);

/// Word boundaries (UAX #29 with ICU's dictionaries for Chinese, Japanese, Thai, ...)
/// of `count` scalars: writes boundary positions as scalar indices, 0 and `count` included,
/// and each segment's rule status (0 = none/space/punctuation, >= 100 number, letter, kana,
/// ideograph) into `statuses` (one per segment). Returns the number of boundaries, or -1.
int32_t seq_icu_word_boundaries(const uint32_t *input, int32_t count,
                                int32_t *boundaries, int32_t *statuses, int32_t capacity);



/// The Unicode version in which `c` was assigned, as major * 100 + minor (0 if unassigned).
int32_t seq_icu_char_age(uint32_t c);
#endif
