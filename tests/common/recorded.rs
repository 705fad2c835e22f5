//! Runs whose results the tests read from the run's record (`-record`),

#![allow(dead_code)] // each test file uses its own part of this module
//! never from the text report, which is for people. Included by the tests
//! of the poisson package (the record's type is poisson's).

use poisson::record::Record;

use crate::common::{Run, mpiexec, poisson_binary, scratch};

/// A run and what it recorded.
pub struct Recorded {
    pub run: Run,
    pub record: Record,
}

impl Recorded {
    pub fn iterations(&self) -> usize {
        self.record.result.iterations
    }

    /// The PETSc reason the solve ended with (`CONVERGED_RTOL`...).
    pub fn reason(&self) -> &str {
        &self.record.result.reason.name
    }

    /// (max, L2) of u - exact: the problem must have an exact solution.
    pub fn error_norms(&self) -> (f64, f64) {
        let error = self.record.result.error.unwrap_or_else(|| panic!("no error norms in {:?}", self.record.problem));
        (error.max, error.l2)
    }

    /// The average factor per iteration of the residual history.
    pub fn convergence_factor(&self) -> f64 {
        let factor = self.record.result.convergence_factor();
        factor.unwrap_or_else(|| panic!("no convergence factor in {:?}", self.record.result))
    }
}

/// Runs poisson with `args` and `-record` on `ranks` processes; the run
/// must end (exit 0, or 2: ran to its end without converging) with a record.
pub fn recorded(ranks: usize, args: &[&str]) -> Recorded {
    recorded_in(ranks, args, &[])
}

/// As `recorded`, with `env` added to the job's environment.
pub fn recorded_in(ranks: usize, args: &[&str], env: &[(&str, &str)]) -> Recorded {
    let dir = scratch("recorded");
    let file = dir.join(format!("{}.json", std::thread::current().name().unwrap_or("run").replace("::", "-")));
    let run = mpiexec(ranks, poisson_binary(), &[args, &["-record", file.to_str().unwrap()]].concat(), env);
    assert!(matches!(run.status, Some(0 | 2)), "{args:?}: exit {:?}\n{}\n{}", run.status, run.stdout, run.stderr);
    let record = Record::read(&file).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", run.stderr));
    std::fs::remove_file(&file).unwrap();
    Recorded { run, record }
}

/// As `recorded`; the solve must converge (exit 0).
pub fn solved(ranks: usize, args: &[&str]) -> Recorded {
    let recorded = recorded(ranks, args);
    recorded.run.assert_success();
    assert!(recorded.record.result.converged, "{args:?}: {:?}", recorded.record.result.reason);
    recorded
}
