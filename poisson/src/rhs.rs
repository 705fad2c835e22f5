//! The right-hand side: f at interior nodes, plus, in the symmetric form,
//! the boundary values the operator has eliminated; the boundary value
//! times the row's diagonal at boundary nodes.
//!
//! Filled a grid line at a time as the vector's memory is mapped: only
//! nodes next to the boundary look at their neighbours, so a constant f
//! costs no pass over memory of its own.

use petsc::{Result, Vector};

use crate::grid::Grid;
use crate::operator::Stencil;
use crate::problem::Problem;

pub fn build<'p>(grid: &Grid<'p>, stencil: &Stencil, problem: Problem) -> Result<Vector<'p>> {
    let (dim, points) = (grid.dim, grid.points());
    let patch = grid.dm.corners()?;
    let (o, size) = (patch.start, patch.size);
    let boundary = |n: [usize; 3]| stencil.boundary_diagonal() * problem.boundary(dim, grid.point(n));
    // f at an interior node, with what its boundary neighbours contribute.
    let interior = |n: [usize; 3]| {
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
    let near = |d: usize, i: usize| d < dim && (i == 1 || i + 2 == points[d]);
    let fill_line = |line: usize, out: &mut [f64]| {
        let (y, z) = (o[1] + line % size[1], o[2] + line / size[1]);
        let node = |i: usize| [o[0] + i, y, z];
        // A line on the boundary (x = 1 is interior: every grid has 3 nodes per direction at least).
        if grid.on_boundary([1, y, z]) {
            out.iter_mut().enumerate().for_each(|(i, v)| *v = boundary(node(i)));
            return;
        }
        let lines_near = near(1, y) || near(2, z);
        if let (Some(f), false) = (problem.constant_forcing(), lines_near) {
            // Boundary values, and neighbours' contributions, at the line's
            // ends only.
            out.fill(f);
            let last = points[0] - 1;
            for x in [0, 1, last - 1, last].into_iter().filter(|x| (o[0]..o[0] + size[0]).contains(x)) {
                let n = [x, y, z];
                out[x - o[0]] = if x == 0 || x == last { boundary(n) } else { interior(n) };
            }
            return;
        }
        for (i, v) in out.iter_mut().enumerate() {
            let n = node(i);
            *v = if n[0] == 0 || n[0] + 1 == points[0] {
                boundary(n)
            } else if lines_near || near(0, n[0]) {
                interior(n)
            } else {
                problem.forcing(dim, grid.point(n))
            };
        }
    };
    let mut b = grid.dm.global_vector_with(size[0], |start, lines| {
        for (k, out) in lines.chunks_exact_mut(size[0]).enumerate() {
            fill_line(start / size[0] + k, out);
        }
    })?;
    b.set_name("rhs")?;
    Ok(b)
}
