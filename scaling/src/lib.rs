//! `poisson-scaling`: measures how `poisson` scales. It runs the program
//! under mpiexec in series (strong, weak, solver comparison), reads PETSc's
//! own timings of each run, and writes a CSV file, a Markdown table and an
//! SVG plot. The STREAM triad gives the machine's bandwidth for comparison.
//!
//! poisson's benches use this library too, for the same STREAM triad
//! (`stream`) and grid sizes (`job::GridSize`).

pub mod cli;
pub mod error;
pub mod job;
pub mod petsc_log;
pub mod plot;
pub mod series;
pub mod stream;
pub mod table;
