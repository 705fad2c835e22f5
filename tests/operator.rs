//! The operator, asked of PETSc itself under real MPI: the symmetric form
//! is symmetric (and the seed's is not), and the matrix-free product (and
//! residual norm) equals the assembled one. Each check runs as a child `mpiexec` job executing
//! the `#[ignore]`d test of the same name in this binary.

mod common;
#[path = "common/petsc.rs"]
mod in_petsc;

use common::under_mpi;
use in_petsc::with_petsc;
use ndarray::Ix3;
use petsc::NormType;
use poisson::config::{Config, Dirichlet};
use poisson::grid::Grid;
use poisson::operator;

#[test]
fn petsc_finds_the_operator_symmetric() {
    for ranks in [1, 3] {
        under_mpi("mpi_symmetry", ranks);
    }
}

#[test]
fn matrix_free_products_equal_assembled_ones() {
    // Four ranks split the grid both ways: ghosts on every side.
    for ranks in [2, 4] {
        under_mpi("mpi_products", ranks);
    }
}

fn config(dim: usize, dirichlet: Dirichlet) -> Config {
    with_points(if dim == 2 { &[13, 11] } else { &[7, 9, 8] }, dirichlet)
}

fn with_points(points: &[usize], dirichlet: Dirichlet) -> Config {
    Config { dirichlet, ..Config::new(points) }
}

#[test]
#[ignore = "runs under mpiexec, started by petsc_finds_the_operator_symmetric"]
fn mpi_symmetry() {
    with_petsc(|petsc| {
        for dim in [2, 3] {
            for (dirichlet, symmetric) in [(Dirichlet::Symmetric, true), (Dirichlet::Seed, false)] {
                let grid = Grid::new(petsc, &config(dim, dirichlet)).unwrap();
                let a = operator::assembled(&grid, dirichlet).unwrap();
                // MatIsSymmetric compares A with its transpose, entry by entry.
                assert_eq!(a.is_symmetric(0.0).unwrap(), symmetric, "{dim}-D, {dirichlet:?}");
            }
        }
    });
}

#[test]
#[ignore = "runs under mpiexec, started by matrix_free_products_equal_assembled_ones"]
fn mpi_products() {
    with_petsc(|petsc| {
        // 45 x 23: rows long enough for the product's vector loop to run
        // whole vectors and a remainder on every rank.
        for points in [&[13, 11][..], &[45, 23], &[7, 9, 8]] {
            for dirichlet in [Dirichlet::Symmetric, Dirichlet::Seed] {
                let (dim, grid) = (points.len(), Grid::new(petsc, &with_points(points, dirichlet)).unwrap());
                let (free, assembled) =
                    (operator::matrix_free(&grid, dirichlet).unwrap(), operator::assembled(&grid, dirichlet).unwrap());
                // An x with a different value at every node, boundary included.
                let mut x = grid.dm.global_vector().unwrap();
                {
                    let mut view = grid.dm.view_mut::<Ix3>(&mut x).unwrap();
                    let o = view.patch().start;
                    for ((k, j, i), v) in view.array_mut().indexed_iter_mut() {
                        let (i, j, k) = (o[0] + i, o[1] + j, o[2] + k);
                        *v = ((i * 7 + j * 13 + k * 29) % 17) as f64 - 8.0 + 0.1 * i as f64;
                    }
                }
                let (mut y_free, mut y_assembled) = (x.duplicate().unwrap(), x.duplicate().unwrap());
                free.mult(&x, &mut y_free).unwrap();
                assembled.mult(&x, &mut y_assembled).unwrap();
                let scale = y_assembled.norm(NormType::Infinity).unwrap();
                assert!(scale > 0.0);
                // ||b - A x||, summed in one pass by the matrix-free
                // operator, formed as a vector with the assembled one.
                let mut b = y_assembled.duplicate().unwrap();
                b.copy_from(&y_assembled).unwrap();
                b.axpy(0.01, &x).unwrap();
                let ([fused, fused_b], [formed, formed_b]) =
                    (free.residual_norms(&x, &b).unwrap(), assembled.residual_norms(&x, &b).unwrap());
                let expected = 0.01 * x.norm(NormType::Two).unwrap();
                // b - A x cancels most of b: its rounding scales with ||b||.
                let b_norm = b.norm(NormType::Two).unwrap();
                let close = 8.0 * f64::EPSILON * b_norm;
                assert!((fused - formed).abs() <= close, "{dim}-D {dirichlet:?}: {fused:e} vs {formed:e}");
                assert!((formed - expected).abs() <= 1e-9 * expected, "{dim}-D {dirichlet:?}: {formed:e}");
                // ||b|| beside it, from the same pass and from VecNorm.
                assert!((fused_b - b_norm).abs() <= 1e-12 * b_norm, "{dim}-D {dirichlet:?}: {fused_b:e} vs {b_norm:e}");
                assert_eq!(formed_b, b_norm);
                y_free.axpy(-1.0, &y_assembled).unwrap();
                let diff = y_free.norm(NormType::Infinity).unwrap();
                assert!(diff <= 1e-14 * scale, "{dim}-D {dirichlet:?}: products differ by {diff:e} of {scale:e}");
            }
        }
    });
}
