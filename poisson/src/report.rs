//! What a run tells the user at the end.

use crate::grid::Grid;
use crate::solver::SolveReport;

/// The lines printed after a solve.
pub fn summary(grid: &Grid, matrix_free: bool, processes: i32, solve: &SolveReport) -> String {
    let [mx, my, _] = grid.info.points;
    let [px, py, _] = grid.info.processes;
    let operator = if matrix_free { "matrix-free" } else { "assembled" };
    let verdict = if solve.reason.converged() { "converged" } else { "did not converge" };
    format!(
        "Grid: {mx} x {my} points ({} unknowns) on {processes} process{} ({px} x {py}), {operator} operator\n\
         Solver: KSP {}, PC {}, rtol {:e}, at most {} iterations\n\
         Result: {verdict} ({}) in {} iterations; residual norm {:.3e}, true relative residual {:.3e}\n",
        grid.unknowns(),
        if processes == 1 { "" } else { "es" },
        solve.ksp_type,
        solve.pc_type,
        solve.rtol,
        solve.max_iterations,
        solve.reason.name,
        solve.iterations,
        solve.residual_norm,
        solve.true_relative_residual,
    )
}
