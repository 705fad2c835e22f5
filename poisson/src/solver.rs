//! The linear solver: a KSP on the operator, CG without preconditioner by
//! default (the seed's choice), everything overridable from the options
//! database without prefix.

use crate::config::Dirichlet;
use crate::grid::Grid;
use crate::multigrid;
use crate::option::{Default, Kind, Opt};
use petsc::{ConvergedReason, Error, Ksp, Mat, PcType, Petsc, PetscReal, Result, Vector};

/// What a solve did, for the report.
#[derive(Clone, Debug)]
pub struct SolveReport {
    pub ksp_type: String,
    pub pc_type: String,
    pub rtol: PetscReal,
    pub max_iterations: usize,
    pub reason: ConvergedReason,
    pub iterations: usize,
    /// The last residual norm the method measured (in its own norm).
    pub residual_norm: PetscReal,
    /// ||b - A x|| / ||b||, computed after the solve.
    pub true_relative_residual: PetscReal,
    /// The residual norms the method measured, the initial guess's first
    /// (PETSc keeps the first 1000).
    pub residual_history: Vec<PetscReal>,
}

impl SolveReport {
    /// The average factor by which each iteration reduced the residual:
    /// (r_n / r_0)^(1/n). Near 0 for a good preconditioner; one that does
    /// not grow with the grid is h-independent.
    pub fn convergence_factor(&self) -> Option<f64> {
        average_factor(&self.residual_history, self.residual_norm, self.iterations)
    }
}

/// (last / first)^(1/iterations) of a residual history: none before the
/// first iteration or from a zero start.
pub fn average_factor(history: &[f64], last: f64, iterations: usize) -> Option<f64> {
    let first = history.first().copied().unwrap_or(0.0);
    (iterations > 0 && first > 0.0).then(|| (last / first).powf(1.0 / iterations as f64))
}

/// PETSc's options the program checks before PETSc reads them (PETSc takes
/// `nan` or a negative tolerance without a word, and wraps large integers):
/// the solver's tolerances, iteration limit and multigrid levels. PETSc's
/// `-help` describes them.
pub const CHECKED: [Opt; 5] = [
    Opt::plain("-ksp_rtol", Kind::Real { min: 0.0, max: 1.0, below_max: true }, "relative tolerance"),
    Opt::plain("-ksp_atol", Kind::Real { min: 0.0, max: f64::INFINITY, below_max: false }, "absolute tolerance"),
    Opt::plain("-ksp_divtol", Kind::Real { min: 1.0, max: f64::INFINITY, below_max: false }, "divergence tolerance"),
    Opt::integer("-ksp_max_it", Default::Derived("10000"), 0, "iteration limit"),
    MG_LEVELS,
];

/// PCMG's levels, which the grid must allow.
const MG_LEVELS: Opt = Opt::integer("-pc_mg_levels", Default::Derived("1"), 1, "multigrid levels");

/// Preconditioners that need no more than the operator's action, its
/// diagonal or the grid, which is all the matrix-free operator has. Others
/// fail in PETSc, or (hypre) silently build the matrix column by column.
pub const MATRIX_FREE_PCS: [&str; 3] = ["none", "jacobi", multigrid::Gmg::NAME];

/// Creates the solver with the seed's defaults, then applies the options.
/// The grid goes with it, so that `-pc_type mg` can coarsen it and
/// `-pc_type gmg` build its levels.
pub fn create<'m>(
    petsc: &'m Petsc,
    grid: &'m Grid,
    a: &'m Mat,
    matrix_free: bool,
    dirichlet: Dirichlet,
) -> Result<Ksp<'m>> {
    let mut ksp = Ksp::new(petsc)?;
    // Not set up: the fast path's alone, which takes the grid below.
    if grid.dm.is_set_up() {
        ksp.set_dm(&grid.dm)?;
    }
    ksp.set_operators(a, a)?;
    ksp.set_type("cg")?;
    ksp.pc()?.set_type("none")?;
    ksp.record_residuals()?;
    Opt::check_given(petsc, &CHECKED)?;
    ksp.set_from_options()?;
    let pc = ksp.pc()?.pc_type()?;
    if matrix_free && !MATRIX_FREE_PCS.contains(&pc.as_str()) {
        return Err(Error::usage(format!(
            "-pc_type {pc} needs the matrix entries, which the matrix-free operator does not store: \
             add -assemble (matrix-free runs take -pc_type none, jacobi or gmg)"
        )));
    }
    if pc == multigrid::Gmg::NAME {
        multigrid::check(petsc, &grid.dm, dirichlet)?;
        if !grid.dm.is_set_up() {
            // Its levels need the grid's layout only; the solver's vectors
            // come from the operator.
            ksp.set_pc_dm(&grid.dm)?;
        }
    } else if !grid.dm.is_set_up() {
        grid.dm.set_up()?;
        ksp.set_dm(&grid.dm)?;
    }
    if pc == "mg" {
        check_mg_levels(petsc, grid)?;
        // PCMG coarsens the grid and interpolates; the coarse operators are
        // then R A P of the assembled one, as in PETSc's ex45 with
        // -pc_mg_galerkin (the program computes no operator on other grids).
        if petsc.option_string("-pc_mg_galerkin")?.is_none() {
            ksp.pc()?.set_mg_galerkin()?;
        }
    }
    Ok(ksp)
}

/// Refuses more PCMG levels than the grid has: each coarser one halves the
/// intervals of the one above, in every direction.
fn check_mg_levels(petsc: &Petsc, grid: &Grid) -> Result<()> {
    let Some(levels) = MG_LEVELS.int(petsc)? else { return Ok(()) };
    let halvings = |n: usize| (n - 1).trailing_zeros() as usize;
    let most = 1 + grid.points()[..grid.dim].iter().map(|&n| halvings(n)).min().unwrap_or(0);
    if levels > most as i64 {
        let sizes: Vec<String> = grid.points()[..grid.dim].iter().map(|n| n.to_string()).collect();
        return Err(Error::usage(format!(
            "-pc_mg_levels {levels}: a {} grid has at most {most} (each level halves the intervals)",
            sizes.join(" x ")
        )));
    }
    Ok(())
}

/// What the solve did, with the true residual ||b - A x|| / ||b|| measured
/// here (after the solve, so it is not part of the solver's time).
pub fn report(ksp: &mut Ksp, a: &Mat, b: &Vector, x: &Vector) -> Result<SolveReport> {
    let [r_norm, b_norm] = a.residual_norms(x, b)?;
    let (rtol, _, _, max_iterations) = ksp.tolerances()?;
    Ok(SolveReport {
        ksp_type: ksp.ksp_type()?,
        pc_type: ksp.pc()?.pc_type()?,
        rtol,
        max_iterations,
        reason: ksp.converged_reason()?,
        iterations: ksp.iterations()?,
        residual_norm: ksp.residual_norm()?,
        true_relative_residual: if b_norm > 0.0 { r_norm / b_norm } else { 0.0 },
        residual_history: ksp.residual_history()?,
    })
}
