//! The right-hand side: f = 1 at interior nodes, the boundary value (0) at
//! boundary nodes, whose rows are the identity.

use ndarray::Ix2;
use petsc::{Result, Vector};

use crate::grid::{Grid, on_boundary};

pub fn seed<'p>(grid: &Grid<'p>) -> Result<Vector<'p>> {
    let mut b = grid.dm.global_vector()?;
    b.set_name("rhs")?;
    {
        let mut view = grid.dm.view_mut::<Ix2>(&mut b)?;
        let o = view.patch().start;
        for ((jl, il), v) in view.array_mut().indexed_iter_mut() {
            *v = if on_boundary(grid.points(), o[0] + il, o[1] + jl) { 0.0 } else { 1.0 };
        }
    }
    Ok(b)
}
