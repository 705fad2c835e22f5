//! One `poisson` run under `mpiexec`, and what PETSc measured in it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use poisson::record::Record;

use crate::error::{self, Error};
use crate::petsc_log::Log;

/// A square (2-D) or cubic (3-D) grid of `points` nodes per direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GridSize {
    pub dim: u32,
    pub points: usize,
}

impl GridSize {
    pub fn unknowns(&self) -> u64 {
        (self.points as u64).pow(self.dim)
    }

    /// poisson's options for this grid. `-dim` and `-nz` are given only in
    /// 3-D, so 2-D runs need nothing beyond `-nx`/`-ny`.
    pub fn options(&self) -> Vec<String> {
        let n = self.points.to_string();
        let mut options = vec!["-nx".to_string(), n.clone(), "-ny".to_string(), n.clone()];
        if self.dim == 3 {
            options.extend(["-dim".to_string(), "3".to_string(), "-nz".to_string(), n]);
        }
        options
    }
}

impl fmt::Display for GridSize {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}{}", self.points, if self.dim == 3 { "³" } else { "²" })
    }
}

/// A named set of solver options (`gamg` = `-assemble -pc_type gamg`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolverSet {
    pub name: String,
    pub options: Vec<String>,
}

/// What one run measured: its outcome and memory from its record, times
/// (the slowest rank's) from PETSc's log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    pub unknowns: u64,
    pub converged: bool,
    pub iterations: u64,
    /// Stage "Matrix creation": the operator, assembled or not.
    pub matrix_s: f64,
    /// Event PCSetUp in stage "Solver": the preconditioner's set-up.
    pub pc_setup_s: f64,
    /// Event KSPSolve in stage "Solver": the iterations.
    pub ksp_solve_s: f64,
    /// Stage "Solver": set-up and solve, the time the series compare.
    pub solver_s: f64,
    /// Event MatMult in stage "Solver" (all levels of a multigrid).
    pub matmult_s: f64,
    pub matmult_count: u64,
    /// Peak resident memory of the run, summed over the ranks (bytes).
    pub peak_memory: f64,
}

/// How to start poisson: which mpiexec, which poisson, where the logs go.
pub struct Launcher {
    pub mpiexec: PathBuf,
    pub mpiexec_args: Vec<String>,
    pub poisson: PathBuf,
    pub log_dir: PathBuf,
}

impl Launcher {
    /// Runs poisson on `ranks` processes with `options`, PETSc's log written
    /// to `<log_dir>/<tag>.csv` and the run's record to `<log_dir>/<tag>.json`.
    pub fn run(&self, ranks: usize, options: &[String], tag: &str) -> Result<Measurement, Error> {
        let log_file = self.log_dir.join(format!("{tag}.csv"));
        let record_file = self.log_dir.join(format!("{tag}.json"));
        let mut command = Command::new(&self.mpiexec);
        command
            .args(&self.mpiexec_args)
            .args(["-n", &ranks.to_string()])
            .arg(&self.poisson)
            .args(options)
            .args(["-log_view", &format!(":{}:ascii_csv", log_file.display())])
            .arg("-record")
            .arg(&record_file)
            .stdin(Stdio::null());
        let shown = show(&command);
        let output = command.output().map_err(error::file("run", &self.mpiexec))?;
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        // 0: converged; 2: ran to the end without converging (still measured).
        if !matches!(output.status.code(), Some(0 | 2)) {
            return Err(Error::Failed { command: shown, status: output.status, why: why(&stderr, &stdout) });
        }
        measure(&record_file, &log_file).map_err(|e| e.at(format!("`{shown}`")))
    }
}

fn measure(record_file: &Path, log_file: &Path) -> Result<Measurement, Error> {
    let record = Record::read(record_file).map_err(Error::Unreadable)?;
    let text = std::fs::read_to_string(log_file).map_err(error::file("read", log_file))?;
    let log = Log::parse(&text).map_err(|e| e.at(log_file.display()))?;
    let matmult = log.event("Solver", "MatMult");
    Ok(Measurement {
        unknowns: record.problem.unknowns as u64,
        converged: record.result.converged,
        iterations: record.result.iterations as u64,
        matrix_s: log.stage("Matrix creation")?,
        pc_setup_s: log.event("Solver", "PCSetUp").seconds,
        ksp_solve_s: log.event("Solver", "KSPSolve").seconds,
        solver_s: log.stage("Solver")?,
        matmult_s: matmult.seconds,
        matmult_count: matmult.count,
        peak_memory: record.result.peak_resident_bytes as f64,
    })
}

/// The command as a shell line, for messages.
fn show(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// The most telling line of a failed run: poisson's own error, else the
/// last line mpiexec or PETSc wrote.
fn why(stderr: &str, stdout: &str) -> String {
    let ours = stderr.lines().find(|l| l.starts_with("poisson:"));
    let last = || stderr.lines().chain(stdout.lines()).rev().find(|l| !l.trim().is_empty() && !l.starts_with("---"));
    ours.or_else(last).unwrap_or("no output").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_give_their_options_and_sizes() {
        let square = GridSize { dim: 2, points: 33 };
        assert_eq!(square.options(), ["-nx", "33", "-ny", "33"]);
        assert_eq!((square.unknowns(), square.to_string()), (1089, "33²".to_string()));
        let cube = GridSize { dim: 3, points: 17 };
        assert_eq!(cube.options(), ["-nx", "17", "-ny", "17", "-dim", "3", "-nz", "17"]);
        assert_eq!(cube.unknowns(), 4913);
    }

    #[test]
    fn failures_are_told_by_poissons_own_line_first() {
        assert_eq!(why("mpiexec noise\npoisson: error: -nx 2: too small\n", ""), "poisson: error: -nx 2: too small");
        assert_eq!(why("----\nmpirun was unable to launch\n----\n", ""), "mpirun was unable to launch");
        assert_eq!(why("", ""), "no output");
    }
}
