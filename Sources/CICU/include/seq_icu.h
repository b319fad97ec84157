#ifndef SEQ_ICU_H
#define SEQ_ICU_H
// Plain C entry points over the few ICU calls seq uses. ICU renames its symbols per
// version (u_foo_72) with macros Swift cannot import, so Swift calls these instead.
#include <stdint.h>

/// ICU's version string, e.g. "72.1".
const char *seq_icu_version(void);

#endif
