//! Constants bindgen cannot produce with the right type, and the differences
//! between PETSc releases (3.18 to current), in one place.

use std::ffi::{c_char, c_void};

use crate::{MPI_Comm, PetscDataType, PetscErrorCode, PetscFileMode, PetscInt, PetscViewer};

/// `PETSC_SUCCESS` is a cast macro from 3.19 on and absent before.
pub const SUCCESS: PetscErrorCode = 0;
/// Returned by our callbacks when Rust code failed; PETSc's own code for
/// "user-provided function failed" (a macro in 3.18, an enum constant later).
pub const ERR_USER: PetscErrorCode = crate::PETSC_ERR_USER as PetscErrorCode;
/// PETSc's codes for a failed allocation, MPI call and file write.
pub const ERR_MEM: PetscErrorCode = crate::PETSC_ERR_MEM as PetscErrorCode;
pub const ERR_MPI: PetscErrorCode = crate::PETSC_ERR_MPI as PetscErrorCode;
pub const ERR_FILE_WRITE: PetscErrorCode = crate::PETSC_ERR_FILE_WRITE as PetscErrorCode;
/// Error code for errors raised on the Rust side of a call.
pub const ERR_ARG_WRONG: PetscErrorCode = crate::PETSC_ERR_ARG_WRONG as PetscErrorCode;
/// PETSc's code for an operation this build does not support.
pub const ERR_SUP: PetscErrorCode = crate::PETSC_ERR_SUP as PetscErrorCode;
/// `PETSC_DECIDE`: an untyped macro.
pub const DECIDE: PetscInt = -1;
/// `PETSC_DECIDE` for an argument whose integer type changed between
/// releases (`KSPSetResidualHistory`'s length: PetscInt, later PetscCount).
pub fn decide<T: From<i8>>() -> T {
    T::from(-1)
}

/// An error code as a plain integer: `PetscErrorCode` is an `int` up to 3.18
/// and an (unsigned) enum from 3.19 on.
#[cfg(not(petsc_ge_3_19))]
pub const fn code_to_i32(code: PetscErrorCode) -> i32 {
    code
}

#[cfg(petsc_ge_3_19)]
pub const fn code_to_i32(code: PetscErrorCode) -> i32 {
    code as i32
}

unsafe extern "C" {
    /// `MPI_REPLACE`, a macro in mpi.h (see macros.c).
    #[link_name = "petsc_sys_mpi_replace"]
    pub static MPI_REPLACE: mpi_sys::MPI_Op;

    /// The constructor of PCSHELL: exported by libpetsc but declared only in
    /// its private headers. A preconditioner type of our own registered with
    /// `PCRegister` starts as a shell, then sets its callbacks.
    pub fn PCCreate_Shell(pc: crate::PC) -> PetscErrorCode;

    /// `PetscFree`, a macro (see macros.c): frees what PETSc allocated and
    /// handed over (`PetscOptionsGetAll`'s string).
    #[link_name = "petsc_sys_free"]
    pub fn PetscFree(memory: *mut std::ffi::c_void) -> PetscErrorCode;

    /// Makes every print of PETSc's (ASCII viewers, monitors) check that its
    /// bytes were written (see macros.c). Call after PetscInitialize.
    #[link_name = "petsc_sys_check_writes"]
    pub fn check_writes();

    /// `PetscLogEventBegin`, a macro (see macros.c).
    #[link_name = "petsc_sys_log_event_begin"]
    pub fn PetscLogEventBegin(event: crate::PetscLogEvent) -> PetscErrorCode;

    /// `PetscLogEventEnd`, a macro (see macros.c).
    #[link_name = "petsc_sys_log_event_end"]
    pub fn PetscLogEventEnd(event: crate::PetscLogEvent) -> PetscErrorCode;
}

// PETSc's HDF5 viewer, declared here rather than generated from its header:
// petscviewerhdf5.h includes HDF5's headers, which PETSc's pkg-config file
// does not locate (Debian keeps them in /usr/include/hdf5/<mpi>), and these
// two functions use none of HDF5's types. Their signatures are the same from
// PETSc 3.18 to 3.22 and later.
#[cfg(petsc_have_hdf5)]
unsafe extern "C" {
    /// Opens an HDF5 file on `comm` (collective, through MPI-IO).
    pub fn PetscViewerHDF5Open(
        comm: MPI_Comm,
        name: *const c_char,
        mode: PetscFileMode,
        viewer: *mut PetscViewer,
    ) -> PetscErrorCode;

    /// Writes a scalar attribute (a string for `PETSC_STRING`) on the dataset
    /// or group `parent` (collective, the same value on every rank).
    pub fn PetscViewerHDF5WriteAttribute(
        viewer: PetscViewer,
        parent: *const c_char,
        name: *const c_char,
        datatype: PetscDataType,
        value: *const c_void,
    ) -> PetscErrorCode;
}

/// Without HDF5 no `hdf5:` viewer can have written a file to open: fails
/// with [`ERR_SUP`].
#[cfg(not(petsc_have_hdf5))]
pub unsafe fn PetscViewerHDF5Open(
    _: MPI_Comm,
    _: *const c_char,
    _: PetscFileMode,
    _: *mut PetscViewer,
) -> PetscErrorCode {
    ERR_SUP
}

/// Without HDF5: fails with [`ERR_SUP`], as [`PetscViewerHDF5Open`] does.
#[cfg(not(petsc_have_hdf5))]
pub unsafe fn PetscViewerHDF5WriteAttribute(
    _: PetscViewer,
    _: *const c_char,
    _: *const c_char,
    _: PetscDataType,
    _: *const c_void,
) -> PetscErrorCode {
    ERR_SUP
}
