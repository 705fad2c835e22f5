//! PETSc inside a test process that `under_mpi` started under mpiexec.

use petsc::Petsc;

/// Runs `f` with MPI and PETSc initialized, then finalizes both.
pub fn with_petsc(f: impl FnOnce(&Petsc)) {
    let universe = mpi::initialize().expect("MPI initializes once");
    let name = std::env::current_exe().map(|e| e.display().to_string()).unwrap_or_default();
    let petsc = Petsc::init(&universe, [name], "").unwrap();
    f(&petsc);
}
