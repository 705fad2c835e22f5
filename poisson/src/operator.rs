//! The discrete operator: the 5-point Laplacian on interior nodes and the
//! identity on boundary nodes, as the seed program defines it. Applied
//! matrix-free (a shell matrix running [`Stencil::apply`]) or assembled
//! into an AIJ matrix with the same coefficients.

use ndarray::Ix2;
use petsc::{Dm, Mat, MatStencil, Result, ShellOperator, Vector};

use crate::grid::{Grid, on_boundary};

/// The stencil's coefficients on a grid of spacing (hx, hy).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stencil {
    /// 1/hx², 1/hy²: the weight of x and y neighbours.
    pub cx: f64,
    pub cy: f64,
    /// Grid points (x, y), to tell boundary nodes.
    pub points: [usize; 2],
}

impl Stencil {
    pub fn new(grid: &Grid) -> Self {
        let [hx, hy] = grid.h;
        Stencil { cx: 1.0 / (hx * hx), cy: 1.0 / (hy * hy), points: grid.points() }
    }

    pub fn diagonal(&self) -> f64 {
        2.0 * (self.cx + self.cy)
    }

    fn on_boundary(&self, i: usize, j: usize) -> bool {
        on_boundary(self.points, i, j)
    }

    /// y = A x over the owned nodes, reading x from a ghosted local vector.
    /// Terms are summed in the order an assembled row stores them (by
    /// global index), so both operators round alike.
    pub fn apply(&self, dm: &Dm, x_local: &Vector, y: &mut Vector) -> Result<()> {
        let x = dm.view::<Ix2>(x_local)?;
        let mut y = dm.view_mut::<Ix2>(y)?;
        let (xo, yo) = (x.patch().start, y.patch().start);
        let x = x.array();
        let (cx, cy, diag) = (self.cx, self.cy, self.diagonal());
        for ((jl, il), out) in y.array_mut().indexed_iter_mut() {
            let (i, j) = (yo[0] + il, yo[1] + jl);
            // Position of (i, j) in the ghosted patch.
            let (gi, gj) = (i - xo[0], j - xo[1]);
            *out = if self.on_boundary(i, j) {
                x[[gj, gi]]
            } else {
                -cy * x[[gj - 1, gi]] - cx * x[[gj, gi - 1]] + diag * x[[gj, gi]]
                    - cx * x[[gj, gi + 1]]
                    - cy * x[[gj + 1, gi]]
            };
        }
        Ok(())
    }

    /// The operator's diagonal over the owned nodes.
    pub fn fill_diagonal(&self, dm: &Dm, d: &mut Vector) -> Result<()> {
        let mut d = dm.view_mut::<Ix2>(d)?;
        let o = d.patch().start;
        let diag = self.diagonal();
        for ((jl, il), out) in d.array_mut().indexed_iter_mut() {
            *out = if self.on_boundary(o[0] + il, o[1] + jl) { 1.0 } else { diag };
        }
        Ok(())
    }

    /// Row (i, j) as (column, value) pairs, columns in grid order.
    fn row(&self, i: usize, j: usize) -> Vec<(MatStencil, f64)> {
        if self.on_boundary(i, j) {
            return vec![(at(i, j), 1.0)];
        }
        vec![
            (at(i, j - 1), -self.cy),
            (at(i - 1, j), -self.cx),
            (at(i, j), self.diagonal()),
            (at(i + 1, j), -self.cx),
            (at(i, j + 1), -self.cy),
        ]
    }
}

/// Node (i, j) in PETSc's stencil indexing.
fn at(i: usize, j: usize) -> MatStencil {
    MatStencil { i: i as _, j: j as _, k: 0, c: 0 }
}

/// The matrix-free operator: a ghost exchange, then the stencil.
struct MatrixFree<'g, 'p> {
    grid: &'g Grid<'p>,
    stencil: Stencil,
    /// Ghosted copy of the input, allocated once.
    x_local: Vector<'p>,
}

impl ShellOperator for MatrixFree<'_, '_> {
    fn mult(&mut self, x: &Vector, y: &mut Vector) -> Result<()> {
        self.grid.dm.global_to_local(x, &mut self.x_local)?;
        self.stencil.apply(&self.grid.dm, &self.x_local, y)
    }

    fn diagonal(&mut self, d: &mut Vector) -> Result<()> {
        self.stencil.fill_diagonal(&self.grid.dm, d)
    }

    fn has_diagonal(&self) -> bool {
        true
    }
}

/// The operator as a shell matrix that applies the stencil in Rust.
pub fn matrix_free<'g, 'p>(grid: &'g Grid<'p>) -> Result<Mat<'g>> {
    let operator = MatrixFree { grid, stencil: Stencil::new(grid), x_local: grid.dm.local_vector()? };
    Mat::shell(&grid.dm, operator)
}

/// The operator as an AIJ matrix (or what `-dm_mat_type` asks for).
pub fn assembled<'p>(grid: &Grid<'p>) -> Result<Mat<'p>> {
    let stencil = Stencil::new(grid);
    let mut a = grid.dm.matrix()?;
    let patch = grid.dm.corners()?;
    let [x_end, y_end, _] = patch.end();
    for j in patch.start[1]..y_end {
        for i in patch.start[0]..x_end {
            let (cols, values): (Vec<_>, Vec<_>) = stencil.row(i, j).into_iter().unzip();
            a.set_values_stencil(&[at(i, j)], &cols, &values)?;
        }
    }
    a.assemble()?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stencil() -> Stencil {
        // A 5 x 4 grid: hx = 1/4, hy = 1/3.
        Stencil { cx: 16.0, cy: 9.0, points: [5, 4] }
    }

    #[test]
    fn boundary_rows_are_the_identity() {
        for (i, j) in [(0, 0), (4, 1), (2, 0), (2, 3)] {
            let row = stencil().row(i, j);
            assert_eq!(row.len(), 1);
            assert_eq!((row[0].0.i, row[0].0.j, row[0].1), (i as _, j as _, 1.0));
        }
    }

    #[test]
    fn interior_rows_are_the_five_point_laplacian_in_grid_order() {
        let row = stencil().row(2, 1);
        let cols: Vec<_> = row.iter().map(|(c, _)| (c.i, c.j)).collect();
        assert_eq!(cols, [(2, 0), (1, 1), (2, 1), (3, 1), (2, 2)]);
        let values: Vec<_> = row.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, [-9.0, -16.0, 50.0, -16.0, -9.0]);
        // Constants are in the kernel of the Laplacian.
        assert_eq!(values.iter().sum::<f64>(), 0.0);
    }
}
