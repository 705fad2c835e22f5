//! The run's steps as PETSc log stages (for `-log_view`), each also timed
//! by the wall clock here, for the run's record: PETSc 3.18 has no call
//! that returns a stage's time (`PetscLogStageGetPerfInfo` came later), and
//! PETSc measures only under `-log_view`.

use std::cell::RefCell;
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::traits::*;
use petsc::{Petsc, Result, Stage, StageGuard};

/// The steps, in order (`-help` names them for `-log_view`).
pub const NAMES: [&str; 6] =
    ["Domain creation", "Matrix creation", "Second member creation", "KSP creation", "Solver", "Verification"];

/// The registered stages and the wall time spent in each so far.
pub struct Stages<'p> {
    stages: Vec<Stage<'p>>,
    seconds: RefCell<[f64; NAMES.len()]>,
}

/// In a stage until dropped; adds the time spent to the stage's.
pub struct Timed<'s> {
    _guard: StageGuard<'s>,
    step: usize,
    start: Instant,
    seconds: &'s RefCell<[f64; NAMES.len()]>,
}

impl<'p> Stages<'p> {
    /// Registers the stages: every rank, in the same order.
    pub fn register(petsc: &'p Petsc<'_>) -> Result<Self> {
        let stages = NAMES.iter().map(|name| Stage::register(petsc, name)).collect::<Result<_>>()?;
        Ok(Stages { stages, seconds: RefCell::new([0.0; NAMES.len()]) })
    }

    /// Enters step `step` (an index into [`NAMES`]).
    pub fn push(&self, step: usize) -> Result<Timed<'_>> {
        Ok(Timed { _guard: self.stages[step].push()?, step, start: Instant::now(), seconds: &self.seconds })
    }

    /// (name, seconds) per step, the slowest rank's. Collective.
    pub fn wall_seconds(&self, petsc: &Petsc) -> Vec<(&'static str, f64)> {
        let mine = *self.seconds.borrow();
        let mut slowest = [0.0; NAMES.len()];
        petsc.world().all_reduce_into(&mine[..], &mut slowest[..], SystemOperation::max());
        NAMES.into_iter().zip(slowest).collect()
    }
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        self.seconds.borrow_mut()[self.step] += self.start.elapsed().as_secs_f64();
    }
}
