//! Log stages, so `-log_view` breaks a run's time and memory into steps,
//! and events, which time pieces of code within them.

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

/// An event of `-log_view`'s report: calls, time, messages and flops of a
/// piece of code, within whichever stage is current.
#[derive(Clone, Copy, Debug)]
pub struct Event<'p> {
    id: sys::PetscLogEvent,
    _life: Life<'p>,
}

impl<'p> Event<'p> {
    /// Registers an event (or finds the one of that name registered
    /// before); every rank must register the same events in the same order.
    pub fn register(_petsc: &'p Petsc<'_>, name: &str) -> Result<Self> {
        let cname = c_string(name)?;
        let mut id: sys::PetscLogEvent = 0;
        // SAFETY: valid C string (PETSc copies it) and out-pointer; the
        // generic object class, which PETSc registers when it starts.
        check(unsafe { sys::PetscLogEventRegister(cname.as_ptr(), sys::PETSC_OBJECT_CLASSID, &mut id) })?;
        Ok(Event { id, _life: PhantomData })
    }

    /// Times what runs until the guard is dropped as this event.
    pub fn begin(&self) -> Result<EventGuard<'_>> {
        // SAFETY: a registered event, PETSc still initialized ('p).
        check(unsafe { sys::compat::PetscLogEventBegin(self.id) })?;
        Ok(EventGuard { id: self.id, _event: PhantomData })
    }

    /// Runs `f` as this event.
    pub fn time<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let guard = self.begin()?;
        let out = f();
        drop(guard);
        out
    }
}

/// Ends the event when dropped.
pub struct EventGuard<'e> {
    id: sys::PetscLogEvent,
    _event: PhantomData<&'e Event<'e>>,
}

impl Drop for EventGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: matches the begin that made this guard.
        report_drop_error("PetscLogEventEnd", check(unsafe { sys::compat::PetscLogEventEnd(self.id) }));
    }
}
