// OpenBLAS's cblas.h (Debian: libopenblas-dev; include path from pkg-config `openblas`).
// It also declares openblas_set_num_threads / openblas_get_corename, which seq uses.
#include <cblas.h>
#if defined(__GLIBC__) || defined(__linux__)
// glibc's mallopt: SeqTensor keeps large freed blocks in the heap (see Storage.swift).
#include <malloc.h>
#endif
