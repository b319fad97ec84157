#include "seq_mpi.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>

// Open MPI's handle types are pointers to its predefined objects; `void *` has the same ABI.
typedef void *handle;
static int (*mpi_init)(int *, char ***);
static int (*mpi_comm_rank)(handle, int *);
static int (*mpi_comm_size)(handle, int *);
static int (*mpi_allreduce)(const void *, void *, int, handle, handle, handle);
static int (*mpi_finalize)(void);
static int (*mpi_abort)(handle, int);
static int (*mpi_iallreduce)(const void *, void *, int, handle, handle, handle, handle *);
static int (*mpi_test)(handle *, int *, void *);
static int (*mpi_wait)(handle *, void *);
static handle comm_world, type_float, type_double, op_sum;
#define MPI_IN_PLACE_ADDRESS ((void *)1)   // Open MPI's MPI_IN_PLACE
static int initialized;

static void *need(void *library, const char *name, int *missing) {
    void *symbol = dlsym(library, name);
    if (!symbol) *missing = 1;
    return symbol;
}

int seq_mpi_init(int *rank, int *size, char *error, size_t capacity) {
    // RTLD_GLOBAL: Open MPI's own plug-ins (mca_*.so) resolve libmpi's symbols through it.
    void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!library) library = dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(error, capacity, "this process runs under mpirun but Open MPI's libmpi.so.40 cannot be loaded (%s); install libopenmpi-dev (scripts/install-deps.sh)", dlerror());
        return -1;
    }
    int missing = 0;
    *(void **)&mpi_init = need(library, "MPI_Init", &missing);
    *(void **)&mpi_comm_rank = need(library, "MPI_Comm_rank", &missing);
    *(void **)&mpi_comm_size = need(library, "MPI_Comm_size", &missing);
    *(void **)&mpi_allreduce = need(library, "MPI_Allreduce", &missing);
    *(void **)&mpi_finalize = need(library, "MPI_Finalize", &missing);
    *(void **)&mpi_abort = need(library, "MPI_Abort", &missing);
    *(void **)&mpi_iallreduce = need(library, "MPI_Iallreduce", &missing);
    *(void **)&mpi_test = need(library, "MPI_Test", &missing);
    *(void **)&mpi_wait = need(library, "MPI_Wait", &missing);
    comm_world = need(library, "ompi_mpi_comm_world", &missing);
    type_float = need(library, "ompi_mpi_float", &missing);
    type_double = need(library, "ompi_mpi_double", &missing);
    op_sum = need(library, "ompi_mpi_op_sum", &missing);
    if (missing) {
        snprintf(error, capacity, "the libmpi loaded is not Open MPI's (a symbol such as ompi_mpi_comm_world is missing); seq supports Open MPI only");
        return -1;
    }
    if (mpi_init(NULL, NULL) != 0) {
        snprintf(error, capacity, "MPI_Init failed");
        return -1;
    }
    initialized = 1;
    mpi_comm_rank(comm_world, rank);
    mpi_comm_size(comm_world, size);
    return 0;
}

// MPI counts are ints: long buffers go in pieces.
static int allreduce(void *values, long count, handle type, long size) {
    char *p = values;
    while (count > 0) {
        int n = count > INT_MAX / 2 ? INT_MAX / 2 : (int)count;
        int rc = mpi_allreduce(MPI_IN_PLACE_ADDRESS, p, n, type, op_sum, comm_world);
        if (rc != 0) return rc;
        p += (long)n * size;
        count -= n;
    }
    return 0;
}

int seq_mpi_allreduce_float(float *values, long count) { return allreduce(values, count, type_float, sizeof(float)); }
int seq_mpi_allreduce_double(double *values, long count) { return allreduce(values, count, type_double, sizeof(double)); }

int seq_mpi_iallreduce_float(float *values, long count, void **request) {
    if (count > INT_MAX) return -1;
    return mpi_iallreduce(MPI_IN_PLACE_ADDRESS, values, (int)count, type_float, op_sum, comm_world, request);
}

// Open MPI's MPI_STATUS_IGNORE is a null pointer.
int seq_mpi_test(void **request, int *done) { return mpi_test(request, done, NULL); }
int seq_mpi_wait(void **request) { return mpi_wait(request, NULL); }

void seq_mpi_finalize(void) {
    if (initialized) mpi_finalize();
    initialized = 0;
}

void seq_mpi_abort(int code) {
    if (initialized) mpi_abort(comm_world, code);
}
