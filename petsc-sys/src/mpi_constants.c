/* MPI handles that mpi.h defines as macros (an address in Open MPI, an
 * integer in MPICH), made into symbols Rust can link to. */
#include <mpi.h>

const MPI_Op petsc_sys_mpi_replace = MPI_REPLACE;
