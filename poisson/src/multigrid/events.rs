//! The fast path's events in `-log_view`: each kernel on each level, and
//! the coarse solve, as PCMG's `-pc_mg_log` and HPGMG's timers break a
//! cycle down. Events nest: a level's smoothing includes its ghost
//! exchanges.

use petsc::{Event, Petsc, Result};

/// What a level times, in the order of [`NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Red-black Gauss-Seidel sweeps, ghost exchanges included.
    Smooth,
    /// The residual restricted to the level below (or the right-hand side,
    /// on the F-cycle's way down).
    ResidualRestriction,
    /// The correction from the level below added (linear), or the F-cycle's
    /// start from it (cubic).
    Interpolation,
    /// Ghost values moved between ranks (updates and sums).
    GhostExchange,
}

/// The events' names; a level's are these followed by " L" and its number,
/// 0 for the coarsest (as `-ksp_view` numbers them).
pub const NAMES: [&str; 4] = ["GMGSmooth", "GMGResRestr", "GMGInterp", "GMGGhosts"];

/// Every kernel, in the order of [`NAMES`].
pub const KERNELS: [Kernel; 4] =
    [Kernel::Smooth, Kernel::ResidualRestriction, Kernel::Interpolation, Kernel::GhostExchange];

/// The coarsest level's direct solve.
pub const COARSE: &str = "GMGCoarseSolve";

/// The name of `kernel`'s event on `level`.
pub fn name(kernel: Kernel, level: usize) -> String {
    format!("{} L{level}", NAMES[kernel as usize])
}

/// One level's events.
#[derive(Clone, Copy, Debug)]
pub struct LevelEvents<'p>([Event<'p>; 4]);

impl<'p> LevelEvents<'p> {
    /// Registers (or finds) the events of `level`: every rank alike.
    pub fn register(petsc: &'p Petsc, level: usize) -> Result<Self> {
        let [a, b, c, d] = KERNELS.map(|k| Event::register(petsc, &name(k, level)));
        Ok(LevelEvents([a?, b?, c?, d?]))
    }

    pub fn get(&self, kernel: Kernel) -> &Event<'p> {
        &self.0[kernel as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_kernel_and_level() {
        assert_eq!(name(Kernel::Smooth, 0), "GMGSmooth L0");
        assert_eq!(name(Kernel::GhostExchange, 11), "GMGGhosts L11");
        // -log_view aligns its columns for names up to 16 characters; a
        // grid has at most 14 levels in 2-D (16385^2: 16384 = 2^14 intervals).
        assert!(NAMES.iter().all(|n| name_fits(n)) && COARSE.len() <= 16);
    }

    fn name_fits(n: &str) -> bool {
        n.len() + " L13".len() <= 16
    }
}
