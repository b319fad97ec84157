// Header-only helpers (include/seq_simd.h); this file gives the target a translation unit.
#include "seq_simd.h"
