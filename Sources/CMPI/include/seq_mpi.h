#ifndef SEQ_MPI_H
#define SEQ_MPI_H
// The few MPI calls data-parallel training needs, reached through dlopen at run time so that
// building seq needs no MPI and a single-process run never loads it: a machine without Open
// MPI builds and runs everything else. Only Open MPI's ABI is supported (its handles are
// addresses of exported globals, e.g. MPI_COMM_WORLD = &ompi_mpi_comm_world), which is what
// Debian's libopenmpi-dev (pkg-config ompi-c) provides.
#include <stddef.h>

/// Loads libmpi and calls MPI_Init. Returns 0 on success; otherwise writes a sentence into
/// `error` (at most `capacity` bytes) and returns -1.
int seq_mpi_init(int *rank, int *size, char *error, size_t capacity);

/// In-place element-wise sum over all processes of MPI_COMM_WORLD. Returns MPI's code (0 =
/// success); with MPI's default error handler a failure aborts the job before returning.
int seq_mpi_allreduce_float(float *values, long count);
int seq_mpi_allreduce_double(double *values, long count);

/// Starts an in-place sum over all processes (MPI_Iallreduce) of at most INT_MAX floats and
/// stores its request; every process must start its non-blocking sums in the same order.
/// Returns MPI's code, or -1 when `count` is too large for one call.
int seq_mpi_iallreduce_float(float *values, long count, void **request);
/// MPI_Test: sets `done` when the request has completed (and frees it). Calling it is also
/// what moves a non-blocking collective along: Open MPI progresses them inside MPI calls.
int seq_mpi_test(void **request, int *done);
/// MPI_Wait: returns when the request has completed (and frees it).
int seq_mpi_wait(void **request);

/// MPI_Finalize, if seq_mpi_init succeeded.
void seq_mpi_finalize(void);

/// MPI_Abort on MPI_COMM_WORLD: ends every process of the job with `code`.
void seq_mpi_abort(int code);

#endif
