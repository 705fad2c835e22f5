//! A series of runs (solver sets x grids x rank counts), each repeated, the
//! median run kept, with speed-ups and efficiencies against the smallest
//! rank count and the STREAM bandwidth of the same rank counts.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use crate::error::Error;
use crate::job::{GridSize, Launcher, Measurement, SolverSet};
use crate::stream;

/// What the series measures, which says how runs are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Fixed grids, more ranks: speed-up against the fewest ranks.
    Strong,
    /// Fixed work per rank: the time should stay flat.
    Weak,
    /// Solvers over grid sizes (and rank counts): time and rate per size.
    Compare,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Strong => "strong",
            Mode::Weak => "weak",
            Mode::Compare => "compare",
        }
    }
}

/// One measured point: a solver set on a grid on some ranks.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub solver: String,
    pub grid: GridSize,
    pub ranks: usize,
    pub repeats: usize,
    /// The median run (by solver time) of the repeats.
    pub median: Measurement,
    /// Against the fewest ranks of the same solver and grid (weak: same
    /// solver): strong t0/t, weak (t0/t) (p/p0).
    pub speedup: f64,
    /// speedup p0/p.
    pub efficiency: f64,
    /// Aggregate STREAM triad bandwidth of `ranks` concurrent workers (B/s).
    pub stream_bandwidth: f64,
    /// The same against the fewest ranks: what a memory-bound code can gain.
    pub stream_speedup: f64,
}

impl Row {
    pub fn dof_per_s(&self) -> f64 {
        self.median.unknowns as f64 / self.median.solver_s
    }

    /// Peak resident memory over the unknowns: all the run's memory
    /// (program, libraries, MPI buffers included), so meaningful on large grids.
    pub fn bytes_per_dof(&self) -> f64 {
        self.median.peak_memory / self.median.unknowns as f64
    }
}

/// The runs to make: every solver set on every (grid, ranks) pair.
pub struct Plan {
    pub mode: Mode,
    pub solvers: Vec<SolverSet>,
    pub points: Vec<(GridSize, usize)>,
    /// Options for every run, after the solver set's.
    pub common: Vec<String>,
    pub repeat: usize,
    /// Elements per STREAM array per worker.
    pub stream_elements: usize,
}

/// The grid of a weak-scaling run: `per_rank` points per direction per rank
/// at one rank, the same number of unknowns per rank at `ranks`.
pub fn weak_grid(dim: u32, per_rank: usize, ranks: usize) -> GridSize {
    let points = (per_rank as f64 * (ranks as f64).powf(1.0 / dim as f64)).round() as usize;
    GridSize { dim, points }
}

/// A progress line on stderr: rewritten in place on a terminal, one line
/// per step otherwise (logs, pipes).
struct Progress {
    terminal: bool,
}

impl Progress {
    fn show(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.terminal {
            write!(err, "\r\x1b[2K{text}").ok();
            err.flush().ok();
        } else {
            writeln!(err, "{text}").ok();
        }
    }

    fn done(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

/// Runs the plan: STREAM for each rank count first, then every run.
pub fn run(plan: &Plan, launcher: &Launcher) -> Result<Vec<Row>, Error> {
    let progress = Progress { terminal: std::io::stderr().is_terminal() };
    let mut rank_counts: Vec<usize> = plan.points.iter().map(|&(_, ranks)| ranks).collect();
    rank_counts.sort_unstable();
    rank_counts.dedup();
    let mut bandwidth = BTreeMap::new();
    for &ranks in &rank_counts {
        progress.show(&format!("STREAM triad, {ranks} workers"));
        bandwidth.insert(ranks, stream::concurrent_bandwidth(ranks, plan.stream_elements, 10));
    }

    let total = plan.solvers.len() * plan.points.len() * plan.repeat;
    let mut step = 0;
    let mut rows = Vec::new();
    for solver in &plan.solvers {
        for &(grid, ranks) in &plan.points {
            let mut options = grid.options();
            options.extend(solver.options.iter().cloned());
            options.extend(plan.common.iter().cloned());
            let mut runs = Vec::new();
            for rep in 1..=plan.repeat {
                step += 1;
                let what = format!(
                    "{} {} {grid} on {ranks} rank{}",
                    plan.mode.name(),
                    solver.name,
                    if ranks == 1 { "" } else { "s" }
                );
                progress.show(&format!("[{step}/{total}] {what}, run {rep}/{}", plan.repeat));
                let tag = format!("{}-{}-{}-n{ranks}-{rep}", plan.mode.name(), solver.name, grid.points);
                let m = launcher.run(ranks, &options, &tag)?;
                if !m.converged && rep == 1 {
                    progress.show(&format!(
                        "poisson-scaling: warning: {what} did not converge ({} iterations)",
                        m.iterations
                    ));
                    progress.done();
                }
                runs.push(m);
            }
            runs.sort_by(|a, b| a.solver_s.total_cmp(&b.solver_s));
            rows.push(Row {
                solver: solver.name.clone(),
                grid,
                ranks,
                repeats: runs.len(),
                median: runs[(runs.len() - 1) / 2],
                speedup: f64::NAN,
                efficiency: f64::NAN,
                stream_bandwidth: bandwidth[&ranks],
                stream_speedup: f64::NAN,
            });
        }
    }
    progress.done();
    compare_ranks(plan.mode, &mut rows);
    Ok(rows)
}

/// Fills speed-ups and efficiencies, each row against the row with the
/// fewest ranks of its group (same solver, and same grid but in weak mode).
pub fn compare_ranks(mode: Mode, rows: &mut [Row]) {
    let key = |r: &Row| (r.solver.clone(), if mode == Mode::Weak { None } else { Some(r.grid) });
    let mut base: BTreeMap<_, (usize, f64, f64)> = BTreeMap::new();
    for r in rows.iter() {
        let entry = base.entry(key(r)).or_insert((r.ranks, r.median.solver_s, r.stream_bandwidth));
        if r.ranks < entry.0 {
            *entry = (r.ranks, r.median.solver_s, r.stream_bandwidth);
        }
    }
    for r in rows.iter_mut() {
        let (p0, t0, bw0) = base[&key(r)];
        let scale = r.ranks as f64 / p0 as f64;
        let ratio = t0 / r.median.solver_s;
        r.speedup = if mode == Mode::Weak { ratio * scale } else { ratio };
        r.efficiency = r.speedup / scale;
        r.stream_speedup = r.stream_bandwidth / bw0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(solver: &str, points: usize, ranks: usize, seconds: f64, bandwidth: f64) -> Row {
        let median = Measurement {
            unknowns: (points * points) as u64,
            converged: true,
            iterations: 10,
            matrix_s: 0.0,
            pc_setup_s: 0.0,
            ksp_solve_s: seconds,
            solver_s: seconds,
            matmult_s: 0.0,
            matmult_count: 0,
            peak_memory: 1e6,
        };
        let nan = f64::NAN;
        Row {
            solver: solver.into(),
            grid: GridSize { dim: 2, points },
            ranks,
            repeats: 1,
            median,
            speedup: nan,
            efficiency: nan,
            stream_bandwidth: bandwidth,
            stream_speedup: nan,
        }
    }

    #[test]
    fn strong_scaling_compares_the_same_grid_and_solver() {
        let mut rows = vec![
            row("cg", 65, 2, 0.6, 15.0),
            row("cg", 65, 1, 1.0, 10.0),
            row("cg", 129, 2, 4.0, 15.0),
            row("cg", 129, 4, 1.0, 20.0),
        ];
        compare_ranks(Mode::Strong, &mut rows);
        let figures: Vec<_> = rows.iter().map(|r| (r.speedup, r.efficiency, r.stream_speedup)).collect();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        for ((s, e, b), (s2, e2, b2)) in figures.into_iter().zip([
            (1.0 / 0.6, 1.0 / 1.2, 1.5),
            (1.0, 1.0, 1.0),
            (1.0, 1.0, 1.0),
            (4.0, 2.0, 20.0 / 15.0),
        ]) {
            assert!(close(s, s2) && close(e, e2) && close(b, b2), "{s} {e} {b}");
        }
    }

    #[test]
    fn weak_scaling_compares_across_grids() {
        let mut rows = vec![row("gamg", 100, 1, 1.0, 10.0), row("gamg", 141, 2, 1.25, 18.0)];
        compare_ranks(Mode::Weak, &mut rows);
        assert_eq!((rows[1].efficiency, rows[1].speedup, rows[1].stream_speedup), (0.8, 1.6, 1.8));
    }

    #[test]
    fn weak_grids_keep_the_unknowns_per_rank() {
        assert_eq!(weak_grid(2, 513, 1).points, 513);
        assert_eq!(weak_grid(2, 513, 4).points, 1026);
        assert_eq!(weak_grid(3, 65, 8).points, 130);
        let per_rank = weak_grid(2, 513, 2).unknowns() as f64 / 2.0;
        assert!((per_rank / (513.0 * 513.0) - 1.0).abs() < 0.01);
    }
}
