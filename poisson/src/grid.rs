//! The grid: a DMDA of nodes on the unit square or cube, boundary nodes
//! included, distributed over the processes as PETSc chooses.

use petsc::{Boundary, DaInfo, Dm, Error, PcType, Petsc, PetscInt, Result, StencilType};

use crate::config::{Config, MIN_POINTS};
use crate::multigrid::Gmg;
use crate::problem::Point;

/// The grid's first node: the corner of the unit square or cube.
pub const ORIGIN: Point = [0.0; 3];

/// A distributed grid of `points` nodes per direction, spacing `h`.
pub struct Grid<'p> {
    pub dm: Dm<'p>,
    pub info: DaInfo,
    /// 2 or 3.
    pub dim: usize,
    /// Node spacing per direction: 1 / (points - 1); 0 for z in 2-D.
    pub h: [f64; 3],
}

impl<'p> Grid<'p> {
    /// Creates and distributes the grid. DMDA options (`-da_grid_x`,
    /// `-da_refine`, `-da_processors_x`...) apply on top of `-nx`...
    pub fn new(petsc: &'p Petsc<'_>, config: &Config) -> Result<Self> {
        Self::new_checked(petsc, config, |_| Ok(())).map(|(grid, ())| grid)
    }

    /// Creates the grid; `check` sees its points per direction, options
    /// applied, before it is distributed (which takes memory in proportion),
    /// and what it returns is returned with the grid.
    pub fn new_checked<T>(
        petsc: &'p Petsc<'_>,
        config: &Config,
        check: impl FnOnce([usize; 3]) -> Result<T>,
    ) -> Result<(Self, T)> {
        let [nx, ny, nz] = config.points.map(|n| n as PetscInt);
        let star = StencilType::Star;
        let mut dm = match config.dim {
            2 => Dm::da(petsc, [Boundary::None; 2], star, [nx, ny], 1, 1)?,
            _ => Dm::da(petsc, [Boundary::None; 3], star, [nx, ny, nz], 1, 1)?,
        };
        dm.set_from_options()?;
        let checked = check(dm.info()?.points)?;
        let asked = config.points[..config.dim].iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" x ");
        let context = |e: Error| e.context(format!("cannot lay out a {asked} grid on {} processes", petsc.size()));
        dm.decide_layout().map_err(context)?;
        if needs_set_up(petsc)? {
            dm.set_up().map_err(context)?;
        }
        let info = dm.info()?;
        // DMDA options may have changed the sizes: check what PETSc built.
        if let Some(&n) = info.points[..config.dim].iter().find(|&&n| n < MIN_POINTS) {
            return Err(Error::usage(format!(
                "a grid of {n} points per direction has no interior: at least {MIN_POINTS} are needed"
            )));
        }
        let h = spacing(config.dim, info.points);
        Ok((Grid { dm, info, dim: config.dim, h }, checked))
    }

    /// Gives the nodes their coordinates in the unit square or cube, for
    /// viewers that write the geometry (VTK). Only then: they cost 2 or 3
    /// values per node.
    pub fn add_coordinates(&mut self) -> Result<()> {
        self.dm.set_uniform_coordinates(ORIGIN.map(|o| [o, o + 1.0]))
    }

    /// Number of unknowns (one per node).
    pub fn unknowns(&self) -> usize {
        self.info.points.iter().product()
    }

    /// Grid points (x, y, z); z is 1 in 2-D.
    pub fn points(&self) -> [usize; 3] {
        self.info.points
    }

    /// Whether node `n` (indices x, y, z) lies on the boundary.
    pub fn on_boundary(&self, n: [usize; 3]) -> bool {
        on_boundary(self.dim, self.points(), n)
    }

    /// The coordinates of node `n`.
    pub fn point(&self, n: [usize; 3]) -> Point {
        [0, 1, 2].map(|d| ORIGIN[d] + n[d] as f64 * self.h[d])
    }

    /// The volume (area in 2-D) of a cell, which scales discrete L2 norms.
    pub fn cell_volume(&self) -> f64 {
        self.h[..self.dim].iter().product()
    }
}

/// Whether the run needs the DMDA set up from the start (its index maps
/// and scatters, which cost more than filling the right-hand side): for any
/// solver but the fast path, since PETSc's solvers take the grid and make
/// their work vectors from it, and for any viewer, since PETSc writes a
/// DMDA's vectors in the grid's natural order (`-dm_view` shows the set-up
/// itself). The fast path needs only the layout (records and pictures
/// gather from it too); a reference solution, read through PETSc's DMDA
/// loader, sets the grid up when it comes to it.
fn needs_set_up(petsc: &Petsc) -> Result<bool> {
    if petsc.option_string("-pc_type")?.as_deref() != Some(Gmg::NAME) {
        return Ok(true);
    }
    Ok(petsc.options()?.iter().any(|(name, _)| shows_the_grid(name)))
}

/// Whether an option views a vector or the grid: the solver's, the log's
/// and the options' own views show neither.
fn shows_the_grid(name: &str) -> bool {
    const NEITHER: [&str; 4] = ["-log_view", "-ksp_view", "-memory_view", "-options_view"];
    ["view", "draw", "monitor_solution"].iter().any(|word| name.contains(word)) && !NEITHER.contains(&name)
}

/// The node spacing per direction of a grid of `points` nodes spanning the
/// unit square (`dim` 2) or cube: 1 / (points - 1); 0 beyond `dim`.
pub fn spacing(dim: usize, points: [usize; 3]) -> [f64; 3] {
    [0, 1, 2].map(|d| if d < dim { 1.0 / (points[d] - 1) as f64 } else { 0.0 })
}

/// 1/h² per direction for the same grid, the Laplacian's coefficients:
/// (points - 1)², exact in floating point; 0 beyond `dim`.
pub fn inverse_h2(dim: usize, points: [usize; 3]) -> [f64; 3] {
    [0, 1, 2].map(|d| if d < dim { ((points[d] - 1) as f64).powi(2) } else { 0.0 })
}

/// Whether node `n` of a grid of `points` lies on the boundary of the
/// square (`dim` 2, z ignored) or cube.
pub fn on_boundary(dim: usize, points: [usize; 3], n: [usize; 3]) -> bool {
    (0..dim).any(|d| n[d] == 0 || n[d] == points[d] - 1)
}
