//! Log stages, so `-log_view` breaks a run's time and memory into steps.

use std::marker::PhantomData;

use petsc_sys as sys;

use crate::{Life, Petsc, Result, c_string, check, report_drop_error};

/// A stage of `-log_view`'s report, registered with the PETSc of `'p`.
#[derive(Clone, Copy, Debug)]
pub struct Stage<'p> {
    id: sys::PetscLogStage,
    _life: Life<'p>,
}

impl<'p> Stage<'p> {
    /// Registers a stage; every rank must register the same stages in the
    /// same order.
    pub fn register(_petsc: &'p Petsc<'_>, name: &str) -> Result<Self> {
        let cname = c_string(name)?;
        let mut id: sys::PetscLogStage = 0;
        // SAFETY: valid C string (PETSc copies it) and out-pointer.
        check(unsafe { sys::PetscLogStageRegister(cname.as_ptr(), &mut id) })?;
        Ok(Stage { id, _life: PhantomData })
    }

    /// Makes this the current stage until the guard is dropped.
    pub fn push(&self) -> Result<StageGuard<'_>> {
        // SAFETY: a registered stage, PETSc still initialized ('p).
        check(unsafe { sys::PetscLogStagePush(self.id) })?;
        Ok(StageGuard { _stage: PhantomData })
    }
}

/// Pops the stage when dropped.
pub struct StageGuard<'s> {
    _stage: PhantomData<&'s Stage<'s>>,
}

impl Drop for StageGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: matches the push that made this guard.
        report_drop_error("PetscLogStagePop", check(unsafe { sys::PetscLogStagePop() }));
    }
}
