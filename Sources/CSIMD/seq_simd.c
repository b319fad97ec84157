// seq_simd.h's helpers are header-only but for the CPU count, which needs _GNU_SOURCE.
#define _GNU_SOURCE
#include <sched.h>
#include "seq_simd.h"

int seq_affinity_cpus(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}
