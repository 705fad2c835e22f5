//! The benches' grids, and the bytes each product must move at least: the
//! honest denominator of a bandwidth.

use std::mem::size_of;

use petsc::{Petsc, PetscInt};
use poisson::config::Config;
use poisson::grid::Grid;
use poisson_scaling::job::GridSize;

/// The grid of a bench case (the driver's grid sizes), laid out on one process.
pub fn grid<'p>(petsc: &'p Petsc, size: GridSize) -> Grid<'p> {
    let config = Config::new(&[size.points; 3][..size.dim as usize]);
    Grid::new(petsc, &config).expect("the grid is laid out")
}

/// The name criterion files the results under.
pub fn param(size: GridSize) -> String {
    format!("{}d-{}", size.dim, size.points)
}

/// A stencil product (5 or 7 points) reads x once and writes y once: 16 bytes per unknown
/// (more if caches cannot keep the neighbouring rows, or count the
/// write-allocate read of y; the shell matrix moves only the ghosts besides).
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
