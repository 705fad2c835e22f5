//! `poisson`: the Poisson equation on a Cartesian grid, solved with PETSc.
//!
//! The program reproduces the seed's C example (see README): a DMDA grid,
//! the 5- or 7-point operator applied matrix-free or assembled, a right-hand side,
//! and a KSP configured from the options database.

pub mod accuracy;
pub mod agreement;
pub mod command_line;
pub mod config;
pub mod grid;
pub mod hdf5;
pub mod memory;
pub mod multigrid;
pub mod operator;
pub mod option;
pub mod outputs;
pub mod picture;
pub mod problem;
pub mod record;
pub mod replay;
pub mod report;
pub mod rhs;
pub mod run;
pub mod simd;
pub mod solver;
pub mod stages;
