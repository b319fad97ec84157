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

/// MPI_Finalize, if seq_mpi_init succeeded.
void seq_mpi_finalize(void);

/// MPI_Abort on MPI_COMM_WORLD: ends every process of the job with `code`.
void seq_mpi_abort(int code);

#endif
