//! The discrete operator: the 5-point (2-D) or 7-point (3-D) Laplacian on
//! interior nodes, and a Dirichlet row on boundary nodes, in the symmetric
//! form or the seed's (see [`Dirichlet`]). Applied matrix-free (a shell
//! matrix running [`Stencil::apply`]) or assembled into an AIJ matrix with
//! the same coefficients.

use ndarray::Ix3;
use petsc::{Dm, FaceExchange, Faces, Mat, MatStencil, Result, ShellOperator, Vector};

use crate::config::Dirichlet;
use crate::grid::{Grid, inverse_h2};
use crate::simd::vectorized;

/// The stencil's coefficients on a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Stencil {
    pub dim: usize,
    /// Grid points (x, y, z), to tell boundary nodes.
    pub points: [usize; 3],
    /// 1/h² per direction: the weight of a neighbour.
    pub c: [f64; 3],
    pub dirichlet: Dirichlet,
    /// Per direction d and node index n along it, the weight of the
    /// neighbour at n - 1 (`lower`) and n + 1 (`upper`) in an interior row:
    /// c[d], or 0 where the symmetric form has eliminated a boundary node.
    lower: [Vec<f64>; 3],
    upper: [Vec<f64>; 3],
}

impl Stencil {
    pub fn new(grid: &Grid, dirichlet: Dirichlet) -> Self {
        Self::on_points(grid.dim, grid.points(), dirichlet)
    }

    /// The stencil of a grid of `points` nodes spanning the unit square or
    /// cube (coarse levels of the multigrid are such grids).
    pub fn on_points(dim: usize, points: [usize; 3], dirichlet: Dirichlet) -> Self {
        let c = inverse_h2(dim, points);
        let weights = |d: usize, neighbour: fn(usize) -> usize| -> Vec<f64> {
            let m = points[d];
            (0..m)
                .map(|n| {
                    let eliminated = dirichlet == Dirichlet::Symmetric && {
                        let nb = neighbour(n);
                        nb == 0 || nb == m - 1
                    };
                    if eliminated || d >= dim || n == 0 || n == m - 1 { 0.0 } else { c[d] }
                })
                .collect()
        };
        let lower = [0, 1, 2].map(|d| weights(d, |n| n.wrapping_sub(1)));
        let upper = [0, 1, 2].map(|d| weights(d, |n| n + 1));
        Stencil { dim, points, c, dirichlet, lower, upper }
    }

    /// The diagonal of an interior row.
    pub fn diagonal(&self) -> f64 {
        2.0 * self.c.iter().sum::<f64>()
    }

    /// The diagonal of a boundary row: 1 in the seed's form; in the
    /// symmetric form the interior one, so that boundary rows neither widen
    /// the spectrum nor change the scale preconditioners see.
    pub fn boundary_diagonal(&self) -> f64 {
        match self.dirichlet {
            Dirichlet::Symmetric => self.diagonal(),
            Dirichlet::Seed => 1.0,
        }
    }

    pub fn on_boundary(&self, n: [usize; 3]) -> bool {
        crate::grid::on_boundary(self.dim, self.points, n)
    }

    /// What an interior row `n` takes from the boundary node `nb` next to
    /// it: the weight that moves the boundary value to the right-hand side
    /// in the symmetric form, nothing in the seed's.
    pub fn eliminated_weight(&self, n: [usize; 3], nb: [usize; 3]) -> f64 {
        if self.dirichlet == Dirichlet::Seed || self.on_boundary(n) || !self.on_boundary(nb) {
            return 0.0;
        }
        let d = (0..3).find(|&d| n[d] != nb[d]).expect("a neighbour differs in one direction");
        self.c[d]
    }

    /// y = A x over the owned nodes: `x` and `y` this rank's values of
    /// global vectors, `ghosts` the neighbours' values of x around them,
    /// laid out as `faces` says. Terms are summed in the order an assembled
    /// row stores them (by global index), so both operators round alike.
    /// Works a grid line at a time on contiguous slices, so the interior
    /// loop has no branches.
    pub fn apply(&self, faces: &Faces, x: &[f64], ghosts: &[f64], y: &mut [f64]) {
        vectorized(
            #[inline(always)]
            || self.rows(faces, x, ghosts, &mut InPlace(y)),
        );
    }

    /// The squares of b - A x and of b summed over the owned nodes, in one
    /// pass and without a vector for the residual (which would be a grid's
    /// worth of fresh memory to fault in); arguments as [`Stencil::apply`]'s.
    pub fn residual_squares(&self, faces: &Faces, x: &[f64], ghosts: &[f64], b: &[f64]) -> [f64; 2] {
        let nx = faces.owned().size[0];
        let mut sum = Residual { b, scratch: vec![0.0; 2 * nx], sums: [0.0; 2] };
        vectorized(
            #[inline(always)]
            || self.rows(faces, x, ghosts, &mut sum),
        );
        sum.sums
    }

    /// A x over the owned nodes, a grid line at a time into `lines`.
    #[inline(always)]
    fn rows<'l>(&'l self, faces: &Faces, x: &'l [f64], ghosts: &'l [f64], lines: &mut impl Lines) {
        let owned = faces.owned();
        let (o, [nx, ny, nz]) = (owned.start, owned.size);
        let (diag, boundary_diag, three_d) = (self.diagonal(), self.boundary_diagonal(), self.dim == 3);
        let [mx, my, mz] = self.points;
        // Owned columns that are interior: [lo, hi) in local indices; of
        // those, [a, b) have both x neighbours owned.
        let (lo, hi) = (1usize.saturating_sub(o[0]).min(nx), (mx - 1).saturating_sub(o[0]).min(nx));
        let a = lo.max(1).min(hi);
        let b = hi.min(nx.saturating_sub(1)).max(a);
        let ghost = |n: [usize; 3]| faces.index(n).expect("a neighbour owns the points next to an interior row");
        // The x line (j, k) over the owned columns: owned, or ghosts.
        let line = |j: usize, k: usize| -> &[f64] {
            if (o[1]..o[1] + ny).contains(&j) && (o[2]..o[2] + nz).contains(&k) {
                &x[owned.offset([o[0], j, k])..][..nx]
            } else {
                &ghosts[ghost([o[0], j, k])..][..nx]
            }
        };
        let (lx, ux) = (&self.lower[0][o[0]..o[0] + nx], &self.upper[0][o[0]..o[0] + nx]);
        // Of [a, b), the columns [p, q) weigh both x neighbours by c[0]
        // (only the columns next to an eliminated boundary node do not, at
        // the ends): one constant for the loop, not two arrays to read.
        let cx = self.c[0];
        let weighs_cx = |i: usize| lx[i] == cx && ux[i] == cx;
        let p = (a..b).find(|&i| weighs_cx(i)).unwrap_or(b);
        let q = (p..b).rev().find(|&i| weighs_cx(i)).map_or(p, |i| i + 1);
        debug_assert!((p..q).all(weighs_cx), "eliminated columns lie at the ends of the interior");
        let boundary_row = |j: usize, k: usize| j == 0 || j == my - 1 || (three_d && (k == 0 || k == mz - 1));
        // One row's couplings on line (j, k): from the lines below, south,
        // north and above, and their weights.
        let around = |j: usize, k: usize| {
            let (s, n) = (line(j - 1, k), line(j + 1, k));
            let (bl, tl) = if three_d { (line(j, k - 1), line(j, k + 1)) } else { (s, n) };
            let weights = [self.lower[2][k], self.lower[1][j], self.upper[1][j], self.upper[2][k]];
            ([bl, s, n, tl], weights)
        };
        let plain = Plain { p, len: q - p, cx, diag };
        // The rest of an interior line: boundary columns, and the columns
        // whose x weights differ or whose x neighbour is a ghost.
        let ends = |j: usize, k: usize, c: &'l [f64], [bl, s, n, tl]: [&'l [f64]; 4], kw: [f64; 4], out: &mut [f64]| {
            for il in (0..lo).chain(hi..nx) {
                out[il] = boundary_diag * c[il];
            }
            let point = |i: usize, w: f64, e: f64| {
                if three_d {
                    row3(kw, diag, bl[i], s[i], lx[i], w, c[i], ux[i], e, n[i], tl[i])
                } else {
                    row2(kw, diag, s[i], lx[i], w, c[i], ux[i], e, n[i])
                }
            };
            for i in (a..p).chain(q..b) {
                out[i] = point(i, c[i - 1], c[i + 1]);
            }
            for i in (lo..a).chain(b..hi) {
                let w = if i == 0 { ghosts[ghost([o[0] - 1, j, k])] } else { c[i - 1] };
                let e = if i + 1 == nx { ghosts[ghost([o[0] + nx, j, k])] } else { c[i + 1] };
                out[i] = point(i, w, e);
            }
        };
        for kl in 0..nz {
            let k = o[2] + kl;
            let mut jl = 0;
            while jl < ny {
                let j = o[1] + jl;
                let row = (kl * ny + jl) * nx;
                let c = &x[row..row + nx];
                if boundary_row(j, k) {
                    let [out, _] = lines.lines(row, nx, 1);
                    for (o, v) in out.iter_mut().zip(c) {
                        *o = boundary_diag * v;
                    }
                    lines.done(row, nx, 1);
                    jl += 1;
                    continue;
                }
                // Two lines at once where both are interior (see Plain::pair).
                let count = if !three_d && plain.len > 0 && jl + 1 < ny && !boundary_row(j + 1, k) { 2 } else { 1 };
                let first = around(j, k);
                let lines_around = [first, if count == 2 { around(j + 1, k) } else { first }];
                let centres = [c, &x[row + (count - 1) * nx..][..nx]];
                let [out0, out1] = lines.lines(row, nx, count);
                if count == 2 {
                    plain.pair(centres, lines_around.map(|l| l.0), lines_around.map(|l| l.1), [&mut *out0, &mut *out1]);
                } else if plain.len > 0 {
                    plain.line(three_d, c, lines_around[0].0, lines_around[0].1, &mut *out0);
                }
                for (l, out) in [out0, out1].into_iter().take(count).enumerate() {
                    ends(j + l, k, centres[l], lines_around[l].0, lines_around[l].1, out);
                }
                lines.done(row, nx, count);
                jl += count;
            }
        }
    }

    /// The operator's diagonal over the owned nodes.
    pub fn fill_diagonal(&self, dm: &Dm, d: &mut Vector) -> Result<()> {
        let mut d = dm.view_mut::<Ix3>(d)?;
        let o = d.patch().start;
        let (diag, boundary_diag) = (self.diagonal(), self.boundary_diagonal());
        for ((kl, jl, il), out) in d.array_mut().indexed_iter_mut() {
            *out = if self.on_boundary([o[0] + il, o[1] + jl, o[2] + kl]) { boundary_diag } else { diag };
        }
        Ok(())
    }

    /// Row `n` as (column, value) pairs, columns in grid order, eliminated
    /// couplings left out.
    fn row(&self, n: [usize; 3]) -> Vec<(MatStencil, f64)> {
        if self.on_boundary(n) {
            return vec![(at(n), self.boundary_diagonal())];
        }
        let shifted = |d: usize, up: bool| {
            let mut m = n;
            m[d] = if up { m[d] + 1 } else { m[d] - 1 };
            m
        };
        let weight = |w: &[Vec<f64>; 3], d: usize| -w[d][n[d]];
        let mut row = Vec::with_capacity(7);
        row.extend((0..self.dim).rev().map(|d| (at(shifted(d, false)), weight(&self.lower, d))));
        row.push((at(n), self.diagonal()));
        row.extend((0..self.dim).map(|d| (at(shifted(d, true)), weight(&self.upper, d))));
        row.retain(|&(_, v)| v != 0.0);
        row
    }
}

/// One row; in 2-D the z terms are absent, not zero, so that the sums
/// round as the assembled rows'. `k`: the weights below, south, north and
/// above.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row3(k: [f64; 4], diag: f64, b: f64, s: f64, lx: f64, w: f64, c: f64, ux: f64, e: f64, n: f64, t: f64) -> f64 {
    let [cb, cs, cn, ct] = k;
    -cb * b - cs * s - lx * w + diag * c - ux * e - cn * n - ct * t
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row2(k: [f64; 4], diag: f64, s: f64, lx: f64, w: f64, c: f64, ux: f64, e: f64, n: f64) -> f64 {
    let [_, cs, cn, _] = k;
    -cs * s - lx * w + diag * c - ux * e - cn * n
}

/// The columns [p, p + len) of interior lines, whose x neighbours all weigh
/// `cx`: loops over contiguous slices of one length, without bounds checks.
/// Functions, not closures, so that they are built into the kernel for the
/// processor's vectors (see [`vectorized`]).
#[derive(Clone, Copy)]
struct Plain {
    p: usize,
    len: usize,
    cx: f64,
    diag: f64,
}

impl Plain {
    #[inline(always)]
    fn at<'v>(&self, v: &'v [f64], from: usize) -> &'v [f64] {
        &v[from..from + self.len]
    }

    /// Line c, given the lines below, south, north and above it and their weights.
    #[inline(always)]
    fn line(&self, three_d: bool, c: &[f64], [bl, s, n, tl]: [&[f64]; 4], k: [f64; 4], out: &mut [f64]) {
        let (p, cx, diag) = (self.p, self.cx, self.diag);
        let (cc, w, e, ss, nn) = (self.at(c, p), self.at(c, p - 1), self.at(c, p + 1), self.at(s, p), self.at(n, p));
        let mid = &mut out[p..p + self.len];
        if three_d {
            let (bb, tt) = (self.at(bl, p), self.at(tl, p));
            for i in 0..self.len {
                mid[i] = row3(k, diag, bb[i], ss[i], cx, w[i], cc[i], cx, e[i], nn[i], tt[i]);
            }
        } else {
            for i in 0..self.len {
                mid[i] = row2(k, diag, ss[i], cx, w[i], cc[i], cx, e[i], nn[i]);
            }
        }
    }

    /// In 2-D, two lines next to each other in one loop, which reads the
    /// lines they share once: 4 lines of x for 2 of output, not 6, so that
    /// fewer stream in from beyond L1. (In 3-D, where each line reads two
    /// more from the planes beside, pairs measured slower.)
    #[inline(always)]
    fn pair(&self, c: [&[f64]; 2], around: [[&[f64]; 4]; 2], k: [[f64; 4]; 2], out: [&mut [f64]; 2]) {
        let (p, cx, diag) = (self.p, self.cx, self.diag);
        let [out0, out1] = out;
        let (m0, m1) = (&mut out0[p..p + self.len], &mut out1[p..p + self.len]);
        let (ss, c0, c1, nn) = (self.at(around[0][1], p), self.at(c[0], p), self.at(c[1], p), self.at(around[1][2], p));
        let (w0, e0) = (self.at(c[0], p - 1), self.at(c[0], p + 1));
        let (w1, e1) = (self.at(c[1], p - 1), self.at(c[1], p + 1));
        for i in 0..self.len {
            m0[i] = row2(k[0], diag, ss[i], cx, w0[i], c0[i], cx, e0[i], c1[i]);
            m1[i] = row2(k[1], diag, c0[i], cx, w1[i], c1[i], cx, e1[i], nn[i]);
        }
    }
}

/// Where [`Stencil::rows`] puts lines of A x: the `count` (1 or 2) lines
/// starting at owned index `row` are written into the slices `lines`
/// returns (the second empty for one line), then `done`.
trait Lines {
    fn lines(&mut self, row: usize, len: usize, count: usize) -> [&mut [f64]; 2];
    fn done(&mut self, row: usize, len: usize, count: usize);
}

/// Into y, in place.
struct InPlace<'y>(&'y mut [f64]);

impl Lines for InPlace<'_> {
    fn lines(&mut self, row: usize, len: usize, count: usize) -> [&mut [f64]; 2] {
        let (first, second) = self.0[row..row + count * len].split_at_mut(len);
        [first, second]
    }

    fn done(&mut self, _row: usize, _len: usize, _count: usize) {}
}

/// Into two lines of scratch, whose (b - A x)² are summed, and b² beside them.
struct Residual<'b> {
    b: &'b [f64],
    scratch: Vec<f64>,
    sums: [f64; 2],
}

impl Lines for Residual<'_> {
    fn lines(&mut self, _row: usize, len: usize, count: usize) -> [&mut [f64]; 2] {
        let (first, second) = self.scratch[..count * len].split_at_mut(len);
        [first, second]
    }

    #[inline(always)]
    fn done(&mut self, row: usize, len: usize, count: usize) {
        let n = count * len;
        let (b, ax) = (&self.b[row..row + n], &self.scratch[..n]);
        for (b, ax) in b.chunks_exact(len).zip(ax.chunks_exact(len)) {
            // One sum a loop: two in one loop were packed into half-width vectors.
            self.sums[0] += lanes(b, ax, |b, ax| (b - ax) * (b - ax));
            self.sums[1] += lanes(b, b, |b, _| b * b);
        }
    }
}

/// The sum of `term` over pairs from `u` and `v` (of equal lengths), in
/// lanes, so that each addition need not wait for the one before (and the
/// loop vectorizes).
#[inline(always)]
fn lanes(u: &[f64], v: &[f64], term: impl Fn(f64, f64) -> f64) -> f64 {
    const LANES: usize = 4;
    let mut lanes = [0.0; LANES];
    let (u, v) = (u.chunks_exact(LANES), v.chunks_exact(LANES));
    let rest = u.remainder().iter().zip(v.remainder());
    for (u, v) in u.zip(v) {
        (0..LANES).for_each(|i| lanes[i] += term(u[i], v[i]));
    }
    for (lane, (u, v)) in lanes.iter_mut().zip(rest) {
        *lane += term(*u, *v);
    }
    lanes.iter().sum()
}

/// Node n in PETSc's stencil indexing.
fn at(n: [usize; 3]) -> MatStencil {
    MatStencil { i: n[0] as _, j: n[1] as _, k: n[2] as _, c: 0 }
}

/// The matrix-free operator: the ghosts moved, then the stencil.
struct MatrixFree<'g, 'p> {
    grid: &'g Grid<'p>,
    stencil: Stencil,
    exchange: FaceExchange<'p>,
    /// The input's values next to the owned points, allocated once.
    ghosts: Vec<f64>,
}

impl ShellOperator for MatrixFree<'_, '_> {
    fn mult(&mut self, x: &Vector, y: &mut Vector) -> Result<()> {
        let x = x.read()?;
        self.exchange.gather(&x, &mut self.ghosts)?;
        self.stencil.apply(self.exchange.faces(), &x, &self.ghosts, &mut y.write()?);
        Ok(())
    }

    fn diagonal(&mut self, d: &mut Vector) -> Result<()> {
        self.stencil.fill_diagonal(&self.grid.dm, d)
    }

    fn has_diagonal(&self) -> bool {
        true
    }

    fn residual_squares(&mut self, x: &Vector, b: &Vector) -> Option<Result<[f64; 2]>> {
        let mut sum = || {
            let x = x.read()?;
            self.exchange.gather(&x, &mut self.ghosts)?;
            Ok(self.stencil.residual_squares(self.exchange.faces(), &x, &self.ghosts, &b.read()?))
        };
        Some(sum())
    }
}

/// How the operator is applied, as the report and the HDF5 output say it.
pub fn kind(assemble: bool) -> &'static str {
    if assemble { "assembled" } else { "matrix-free" }
}

/// The operator as a shell matrix that applies the stencil in Rust.
pub fn matrix_free<'g, 'p>(grid: &'g Grid<'p>, dirichlet: Dirichlet) -> Result<Mat<'g>> {
    let exchange = grid.dm.face_exchange()?;
    let ghosts = petsc::filled_vec(exchange.faces().len(), 0.0, "the operator's ghosts")?;
    let operator = MatrixFree { grid, stencil: Stencil::new(grid, dirichlet), exchange, ghosts };
    let mut a = Mat::shell(&grid.dm, operator)?;
    a.set_symmetric(dirichlet == Dirichlet::Symmetric)?;
    Ok(a)
}

/// The operator as an AIJ matrix (or what `-dm_mat_type` asks for).
pub fn assembled<'p>(grid: &Grid<'p>, dirichlet: Dirichlet) -> Result<Mat<'p>> {
    assemble(&grid.dm, &Stencil::new(grid, dirichlet))
}

/// The stencil's matrix on the DMDA `dm`.
pub fn assemble<'p>(dm: &Dm<'p>, stencil: &Stencil) -> Result<Mat<'p>> {
    let mut a = dm.matrix()?;
    let patch = dm.corners()?;
    let end = patch.end();
    for k in patch.start[2]..end[2] {
        for j in patch.start[1]..end[1] {
            for i in patch.start[0]..end[0] {
                let (cols, values): (Vec<_>, Vec<_>) = stencil.row([i, j, k]).into_iter().unzip();
                a.set_values_stencil(&[at([i, j, k])], &cols, &values)?;
            }
        }
    }
    a.assemble()?;
    // Tells PETSc (GAMG, hypre, CG checks) what it may rely on.
    a.set_symmetric(stencil.dirichlet == Dirichlet::Symmetric)?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use petsc::PetscInt;

    use super::*;

    fn cols(row: &[(MatStencil, f64)]) -> Vec<(PetscInt, PetscInt, PetscInt)> {
        row.iter().map(|(c, _)| (c.i, c.j, c.k)).collect()
    }

    fn values(row: &[(MatStencil, f64)]) -> Vec<f64> {
        row.iter().map(|(_, v)| *v).collect()
    }

    /// A 5 x 4 grid: hx = 1/4, hy = 1/3.
    fn stencil_2d(dirichlet: Dirichlet) -> Stencil {
        Stencil::on_points(2, [5, 4, 1], dirichlet)
    }

    #[test]
    fn seed_form_boundary_rows_are_the_identity() {
        for n in [[0, 0, 0], [4, 1, 0], [2, 0, 0], [2, 3, 0]] {
            let row = stencil_2d(Dirichlet::Seed).row(n);
            assert_eq!(cols(&row), [(n[0] as PetscInt, n[1] as PetscInt, 0)]);
            assert_eq!(values(&row), [1.0]);
        }
    }

    #[test]
    fn seed_form_keeps_boundary_couplings_in_grid_order() {
        let row = stencil_2d(Dirichlet::Seed).row([2, 1, 0]);
        assert_eq!(cols(&row), [(2, 0, 0), (1, 1, 0), (2, 1, 0), (3, 1, 0), (2, 2, 0)]);
        let v = values(&row);
        assert!(v.iter().zip([-9.0, -16.0, 50.0, -16.0, -9.0]).all(|(a, b)| (a - b).abs() < 1e-12), "{v:?}");
    }

    #[test]
    fn symmetric_form_eliminates_boundary_nodes_and_scales_boundary_rows() {
        let s = stencil_2d(Dirichlet::Symmetric);
        // (2, 1): its neighbour (2, 0) is on the boundary.
        let row = s.row([2, 1, 0]);
        assert_eq!(cols(&row), [(1, 1, 0), (2, 1, 0), (3, 1, 0), (2, 2, 0)]);
        // (1, 1): two boundary neighbours, (1, 0) and (0, 1).
        assert_eq!(cols(&s.row([1, 1, 0])), [(1, 1, 0), (2, 1, 0), (1, 2, 0)]);
        assert_eq!(values(&s.row([0, 2, 0])), [s.diagonal()]);
        assert!((s.eliminated_weight([2, 1, 0], [2, 0, 0]) - 9.0).abs() < 1e-12);
        assert_eq!(s.eliminated_weight([2, 1, 0], [3, 1, 0]), 0.0);
    }

    #[test]
    fn symmetric_rows_are_symmetric_in_3d() {
        let s = Stencil::on_points(3, [5, 6, 5], Dirichlet::Symmetric);
        let entry = |r: [usize; 3], c: [usize; 3]| {
            s.row(r).into_iter().find(|(m, _)| [m.i, m.j, m.k] == c.map(|v| v as PetscInt)).map(|(_, v)| v)
        };
        let nodes: Vec<[usize; 3]> =
            (0..5).flat_map(|k| (0..6).flat_map(move |j| (0..5).map(move |i| [i, j, k]))).collect();
        for &r in &nodes {
            let row = s.row(r);
            assert!(row.len() <= 7);
            for (m, v) in row {
                let c = [m.i as usize, m.j as usize, m.k as usize];
                assert_eq!(entry(c, r), Some(v), "A[{r:?}][{c:?}]");
            }
        }
        // An interior node with no boundary neighbour has the full 7 points.
        assert_eq!(s.row([2, 2, 2]).len(), 7);
        assert_eq!(s.row([1, 2, 2]).len(), 6);
    }
}
