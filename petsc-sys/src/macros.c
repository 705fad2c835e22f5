/* What mpi.h and PETSc's headers define as macros, made into symbols Rust
 * can link to: MPI handles (an address in Open MPI, an integer in MPICH),
 * and PetscFree (a macro calling PETSc's current free routine). Also PETSc's
 * printing hook, whose signature takes a va_list, which Rust cannot pass,
 * and the event logging macros. */
#include <errno.h>
#include <string.h>
#include <petscsys.h>

const MPI_Op petsc_sys_mpi_replace = MPI_REPLACE;

PetscErrorCode petsc_sys_free(void *memory)
{
  return PetscFree(memory);
}

/* PETSc prints everything (ASCII viewers, monitors, PetscPrintf) through
 * PetscVFPrintf, and checks neither fprintf's result nor the final flush: a
 * full disk silently truncates an ASCII file. Checked here after each print,
 * so that a write that fails is a PETSc error at the call that made it. */
static PetscErrorCode (*unchecked_vfprintf)(FILE *, const char[], va_list);

static PetscErrorCode checked_vfprintf(FILE *fd, const char format[], va_list argp)
{
  PetscErrorCode ierr = (*unchecked_vfprintf)(fd, format, argp);
  if (ierr) return ierr;
  if (fflush(fd) != 0 || ferror(fd)) {
    int error = errno;
    clearerr(fd);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing failed: %s", strerror(error));
  }
  return 0;
}

void petsc_sys_check_writes(void)
{
  if (PetscVFPrintf != checked_vfprintf) {
    unchecked_vfprintf = PetscVFPrintf;
    PetscVFPrintf = checked_vfprintf;
  }
}

/* PetscLogEventBegin and End are macros (checking whether logging is on
 * before calling the logger), in every release. */
PetscErrorCode petsc_sys_log_event_begin(PetscLogEvent event)
{
  return PetscLogEventBegin(event, 0, 0, 0, 0);
}

PetscErrorCode petsc_sys_log_event_end(PetscLogEvent event)
{
  return PetscLogEventEnd(event, 0, 0, 0, 0);
}
