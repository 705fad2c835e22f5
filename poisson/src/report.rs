//! What a run tells the user: its summary at the end, and its one line on
//! stderr when something fails.

use std::fmt::Arguments;
use std::io::Write;

use crate::accuracy::ErrorNorms;
use crate::config::Config;
use crate::grid::Grid;
use crate::solver::SolveReport;

/// The lines printed after a solve.
pub fn summary(
    grid: &Grid,
    config: &Config,
    processes: usize,
    solve: &SolveReport,
    error: Option<ErrorNorms>,
) -> String {
    let dim = grid.dim;
    let join = |v: &[usize]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" x ");
    let operator = crate::operator::kind(config.assemble);
    let verdict = if solve.reason.converged() { "converged" } else { "did not converge" };
    let problem = match config.problem {
        crate::problem::Problem::Seed => "seed (f = 1, u = 0 on the boundary)",
        crate::problem::Problem::Manufactured => "manufactured (exact solution known)",
    };
    let mut text = format!(
        "Grid: {} points ({} unknowns) on {processes} process{} ({}), {operator} operator\n\
         Problem: {problem}, {} Dirichlet rows\n\
         Solver: KSP {}, PC {}, rtol {:e}, at most {} iterations\n\
         Result: {verdict} ({}) in {} iterations; residual norm {:.3e}, true relative residual {:.3e}\n",
        join(&grid.info.points[..dim]),
        grid.unknowns(),
        if processes == 1 { "" } else { "es" },
        join(&grid.info.processes[..dim]),
        config.dirichlet.name(),
        solve.ksp_type,
        solve.pc_type,
        solve.rtol,
        solve.max_iterations,
        solve.reason.name,
        solve.iterations,
        solve.residual_norm,
        solve.true_relative_residual,
    );
    if let Some(factor) = solve.convergence_factor() {
        // Fixed point while it reads well; multigrid's factors can be 1e-4.
        let factor = if factor >= 0.01 { format!("{factor:.3}") } else { format!("{factor:.2e}") };
        text += &format!("Convergence: average factor {factor} per iteration\n");
    }
    if let Some(e) = error {
        text += &format!("Error: max {:.3e}, L2 {:.3e} (u - exact at the nodes; h = {:.3e})\n", e.max, e.l2, grid.h[0]);
    }
    text
}

/// Writes `line` and its newline to stderr in one write. `eprintln!` writes
/// each piece of its format apart, and mpiexec, which forwards what a rank
/// writes as it comes, can put its own output between them: Open MPI's
/// MPI_ABORT notice was seen between "poisson: " and the message.
pub fn stderr_line(line: Arguments) {
    let line = format!("{line}\n");
    // With stderr gone there is nobody left to tell.
    let _ = std::io::stderr().write_all(line.as_bytes());
}
