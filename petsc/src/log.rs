//! Log stages, so `-log_view` breaks a run's time and memory into steps.

use std::marker::PhantomData;

use petsc_sys as sys;

use crate::{Petsc, Result, c_string, check, report_drop_error};

#[derive(Clone, Copy, Debug)]
pub struct Stage {
    id: sys::PetscLogStage,
}

impl Stage {
    /// Registers a stage; every rank must register the same stages in the
    /// same order.
    pub fn register(_petsc: &Petsc, name: &str) -> Result<Stage> {
        let cname = c_string(name)?;
        let mut id: sys::PetscLogStage = 0;
        // SAFETY: valid C string (PETSc copies it) and out-pointer.
        check(unsafe { sys::PetscLogStageRegister(cname.as_ptr(), &mut id) })?;
        Ok(Stage { id })
    }

    /// Makes this the current stage until the guard is dropped.
    pub fn push(&self) -> Result<StageGuard<'_>> {
        // SAFETY: a registered stage.
        check(unsafe { sys::PetscLogStagePush(self.id) })?;
        Ok(StageGuard { _stage: PhantomData })
    }
}

/// Pops the stage when dropped.
pub struct StageGuard<'s> {
    _stage: PhantomData<&'s Stage>,
}

impl Drop for StageGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: matches the push that made this guard.
        report_drop_error("PetscLogStagePop", check(unsafe { sys::PetscLogStagePop() }));
    }
}
