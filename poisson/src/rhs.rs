//! The right-hand side: f at interior nodes, plus, in the symmetric form,
//! the boundary values the operator has eliminated; the boundary value
//! times the row's diagonal at boundary nodes.

use ndarray::Ix3;
use petsc::{Result, Vector};

use crate::grid::Grid;
use crate::operator::Stencil;
use crate::problem::Problem;

pub fn build<'p>(grid: &Grid<'p>, stencil: &Stencil, problem: Problem) -> Result<Vector<'p>> {
    let dim = grid.dim;
    let mut b = grid.dm.global_vector()?;
    b.set_name("rhs")?;
    let mut view = grid.dm.view_mut::<Ix3>(&mut b)?;
    let o = view.patch().start;
    for ((kl, jl, il), v) in view.array_mut().indexed_iter_mut() {
        let n = [o[0] + il, o[1] + jl, o[2] + kl];
        *v = if grid.on_boundary(n) {
            stencil.boundary_diagonal() * problem.boundary(dim, grid.point(n))
        } else {
            let mut value = problem.forcing(dim, grid.point(n));
            for d in 0..dim {
                for nb in [n[d] - 1, n[d] + 1] {
                    let mut m = n;
                    m[d] = nb;
                    let w = stencil.eliminated_weight(n, m);
                    if w != 0.0 {
                        value += w * problem.boundary(dim, grid.point(m));
                    }
                }
            }
            value
        };
    }
    drop(view);
    Ok(b)
}
