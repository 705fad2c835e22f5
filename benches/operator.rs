//! The operator's action, matrix-free (our stencil in Rust) against PETSc's
//! assembled AIJ MatMult, on one process, from in-cache to out-of-cache
//! grids. Throughput is in unknowns per second.
//!
//! `cargo bench --bench operator`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use petsc::Petsc;
use poisson::config::{Config, Dirichlet};
use poisson::grid::Grid;
use poisson::operator;

fn apply(c: &mut Criterion) {
    // One MPI process (singleton start-up); MPI and PETSc live through every
    // benchmark of this function.
    let universe = mpi::initialize().expect("MPI initializes");
    let petsc = Petsc::init(&universe, ["operator-bench".to_string()], "").expect("PETSc initializes");
    let mut group = c.benchmark_group("operator apply");
    for n in [257, 1025, 2049] {
        let grid = Grid::new(&petsc, &Config::new(&[n, n])).unwrap();
        let free = operator::matrix_free(&grid, Dirichlet::Symmetric).unwrap();
        let assembled = operator::assembled(&grid, Dirichlet::Symmetric).unwrap();
        let mut x = grid.dm.global_vector().unwrap();
        x.set(1.0).unwrap();
        let mut y = grid.dm.global_vector().unwrap();
        group.throughput(Throughput::Elements(grid.unknowns() as u64));
        group.bench_function(BenchmarkId::new("matrix-free", n), |b| b.iter(|| free.mult(&x, &mut y).unwrap()));
        group.bench_function(BenchmarkId::new("assembled AIJ", n), |b| b.iter(|| assembled.mult(&x, &mut y).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
