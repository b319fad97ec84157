#ifndef SEQ_SIMD_H
#define SEQ_SIMD_H
// Instructions Swift does not expose, as always-inline C that the Swift compiler inlines:
// non-temporal (streaming) stores, which write a cache line without first reading it, for
// outputs too large to stay in cache; prefetch and spin-wait hints; the CPU count of the
// affinity mask. ext_vector_type(16) float imports as SIMD16<Float>.

typedef float seq_f32x16 __attribute__((ext_vector_type(16)));

/// Stores 16 floats to a 64-byte aligned address, bypassing the caches.
static inline __attribute__((always_inline)) void seq_store_stream(float *p, seq_f32x16 v) {
    __builtin_nontemporal_store(v, (seq_f32x16 *)p);
}

/// Orders streaming stores before anything stored after it (end of a kernel's chunk).
static inline __attribute__((always_inline)) void seq_store_fence(void) {
#if defined(__x86_64__)
    __builtin_ia32_sfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/// A spin-wait hint (PAUSE): a spinning worker yields the core's pipeline while it waits.
static inline __attribute__((always_inline)) void seq_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks for the cache line holding `p` ahead of its use (read, keep in all levels).
static inline __attribute__((always_inline)) void seq_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// CPUs this process may run on (its affinity mask: `taskset`, a container's cpuset),
/// or 0 when the system cannot say.
int seq_affinity_cpus(void);

#endif
