//! The benches' grids, and the bytes each product must move at least: the
//! honest denominator of a bandwidth.

use std::fmt;
use std::mem::size_of;

use petsc::{Petsc, PetscInt};
use poisson::config::Config;
use poisson::grid::Grid;

/// A square or cubic grid of `points` nodes per direction.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    dim: usize,
    points: usize,
}

impl Case {
    pub const fn square(points: usize) -> Self {
        Case { dim: 2, points }
    }

    pub const fn cube(points: usize) -> Self {
        Case { dim: 3, points }
    }

    pub fn grid<'p>(&self, petsc: &'p Petsc) -> Grid<'p> {
        let config = Config::new(&[self.points; 3][..self.dim]);
        Grid::new(petsc, &config).expect("the grid is laid out")
    }

    pub fn unknowns(&self) -> usize {
        self.points.pow(self.dim as u32)
    }

    /// The name criterion files the results under.
    pub fn param(&self) -> String {
        format!("{}d-{}", self.dim, self.points)
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}{}", self.points, if self.dim == 3 { "³" } else { "²" })
    }
}

/// A stencil product (5 or 7 points) reads x once and writes y once: 16 bytes per unknown
/// (more if caches cannot keep the neighbouring rows, or count the
/// write-allocate read of y; the ghost update of the shell matrix copies x
/// once more).
pub fn matrix_free_bytes(unknowns: u64) -> u64 {
    16 * unknowns
}

/// An AIJ (CSR) product reads each stored nonzero's value and column index,
/// the row pointers, x once (if the caches keep the rows x is read for) and
/// writes y.
pub fn aij_bytes(unknowns: u64, nonzeros: u64) -> u64 {
    let index = size_of::<PetscInt>() as u64;
    nonzeros * (8 + index) + (unknowns + 1) * index + 16 * unknowns
}
