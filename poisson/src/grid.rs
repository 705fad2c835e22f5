//! The grid: a DMDA of nodes on the unit square, boundary nodes included,
//! distributed over the processes as PETSc chooses.

use petsc::{Boundary, DaInfo, Dm, Error, Petsc, PetscInt, Result, StencilType};

use crate::config::{Config, MIN_POINTS};

/// A distributed grid of `points` nodes per direction, spacing `h`.
pub struct Grid<'p> {
    pub dm: Dm<'p>,
    pub info: DaInfo,
    /// Node spacing per direction (x, y): 1 / (points - 1).
    pub h: [f64; 2],
}

impl<'p> Grid<'p> {
    /// Creates and distributes the grid. DMDA options (`-da_grid_x`,
    /// `-da_processors_x`...) apply on top of `-nx`/`-ny`.
    pub fn new(petsc: &'p Petsc<'_>, config: &Config) -> Result<Self> {
        let [nx, ny] = config.points.map(|n| n as PetscInt);
        let mut dm = Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [nx, ny], 1, 1)?;
        dm.set_from_options()?;
        dm.set_up()
            .map_err(|e| e.context(format!("cannot lay out a {nx} x {ny} grid on {} processes", petsc.size())))?;
        let info = dm.info()?;
        // DMDA options may have changed the sizes: check what PETSc built.
        if let Some(&n) = info.points[..2].iter().find(|&&n| n < MIN_POINTS) {
            return Err(Error::usage(format!(
                "a grid of {n} points per direction has no interior: at least {MIN_POINTS} are needed"
            )));
        }
        let h = [0, 1].map(|d| 1.0 / (info.points[d] - 1) as f64);
        Ok(Grid { dm, info, h })
    }

    /// Number of unknowns (one per node).
    pub fn unknowns(&self) -> usize {
        self.info.points.iter().product()
    }

    /// Grid points (x, y).
    pub fn points(&self) -> [usize; 2] {
        [self.info.points[0], self.info.points[1]]
    }
}

/// Whether node (i, j) of a grid of `points` lies on the square's boundary.
pub fn on_boundary(points: [usize; 2], i: usize, j: usize) -> bool {
    let [mx, my] = points;
    i == 0 || j == 0 || i == mx - 1 || j == my - 1
}
