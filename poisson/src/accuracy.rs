//! The discretization error of a run whose problem has an exact solution.

use ndarray::Ix3;
use std::io::Read;

use petsc::{Error, NormType, PetscInt, Result, Vector};

use crate::grid::Grid;
use crate::problem::Problem;

/// Norms of u - exact over all nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorNorms {
    pub max: f64,
    /// sqrt(cell volume * sum of squares): the discrete L2 norm, which
    /// tends to the continuous one as the grid is refined.
    pub l2: f64,
}

/// The exact solution at the nodes, if the problem has one.
pub fn exact<'p>(grid: &Grid<'p>, problem: Problem) -> Result<Option<Vector<'p>>> {
    let Some(u) = problem.exact(grid.dim) else { return Ok(None) };
    let mut v = grid.dm.global_vector()?;
    v.set_name("exact")?;
    let mut view = grid.dm.view_mut::<Ix3>(&mut v)?;
    let o = view.patch().start;
    for ((kl, jl, il), value) in view.array_mut().indexed_iter_mut() {
        *value = u(grid.point([o[0] + il, o[1] + jl, o[2] + kl]));
    }
    drop(view);
    Ok(Some(v))
}

/// e = x - exact, named "error" for viewers, and its norms.
pub fn error<'p>(grid: &Grid<'p>, x: &Vector<'p>, exact: &Vector<'p>) -> Result<(Vector<'p>, ErrorNorms)> {
    let mut e = x.duplicate()?;
    e.set_name("error")?;
    e.copy_from(x)?;
    e.axpy(-1.0, exact)?;
    let norms = ErrorNorms { max: e.norm(NormType::Infinity)?, l2: e.norm(NormType::Two)? * grid.cell_volume().sqrt() };
    Ok((e, norms))
}

/// How far x is from a solution another run wrote.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// max |x - reference|
    pub max: f64,
    /// The same over max |reference|.
    pub relative: f64,
}

/// x against the solution in the PETSc binary file `path`
/// (`-solution_view binary:FILE` of a run on the same grid).
pub fn difference(grid: &Grid, x: &Vector, path: &str) -> Result<Difference> {
    // Checked before PETSc reads it: a size mismatch inside VecLoad leaks
    // the vector it made for reading.
    let length = stored_length(path)?;
    if length != grid.unknowns() {
        return Err(Error::usage(format!(
            "-reference {path}: it holds {length} values, the grid has {} unknowns",
            grid.unknowns()
        )));
    }
    let mut d = grid.dm.load_global_vector(path)?;
    let scale = d.norm(NormType::Infinity)?;
    d.axpy(-1.0, x)?;
    let max = d.norm(NormType::Infinity)?;
    Ok(Difference { max, relative: if scale > 0.0 { max / scale } else { max } })
}

/// The length a PETSc binary vector file declares: a class id, then the
/// length, as big-endian integers of PETSc's size.
fn stored_length(path: &str) -> Result<usize> {
    const VEC_FILE_CLASSID: i64 = 1211214;
    let fail = |why: String| Error::usage(format!("-reference {path}: {why}"));
    let width = std::mem::size_of::<PetscInt>();
    let mut header = vec![0u8; 4 + width];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)).map_err(|e| fail(e.to_string()))?;
    let number = |bytes: &[u8]| bytes.iter().fold(0i64, |n, &b| (n << 8) | i64::from(b));
    if number(&header[..4]) != VEC_FILE_CLASSID {
        return Err(fail("not a PETSc binary vector (-solution_view binary:FILE writes one)".into()));
    }
    Ok(number(&header[4..]) as usize)
}
