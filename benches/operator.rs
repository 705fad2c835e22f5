//! Single-process kernels against the machine's memory bandwidth:
//!
//! - `stream/triad`: the STREAM triad on arrays far beyond the caches, the
//!   reference bandwidth;
//! - `apply/*`: one operator product y = A x, matrix-free (the shell
//!   matrix: ghosts moved and stencil; and the stencil alone) and PETSc's
//!   AIJ MatMult, from in-cache to out-of-cache grids;
//! - `assembly/aij`: building the AIJ matrix (MatSetValuesStencil, assembly);
//! - `gmg/*`: the fast path's kernels on one process's arrays: a fused
//!   red-black Gauss-Seidel sweep, the residual restricted as computed, the
//!   coarse correction interpolated and added;
//!   then the same kernels, the matrix-free product's stencil and the
//!   verification's true residual on 2 threads at once (as in a 2-rank
//!   solve, which shares one memory bus) against the triad on 2 threads.
//!
//! Products report GB/s of the bytes they must move at least (see
//! `kernels`); a closing summary gives each as a fraction of the triad
//! measured in the same run.
//!
//! `cargo bench --bench operator` (criterion options after `--`).

mod support {
    pub mod kernels;
    pub mod summary;
}

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use petsc::Petsc;
use poisson::config::Dirichlet;
use poisson::multigrid::OMEGAS;
use poisson::multigrid::kernels::{self as mg, Coefficients, LevelPart, PatchValues, Scratch};
use poisson::operator::{self as op, Stencil};
use poisson_scaling::job::GridSize;
use poisson_scaling::stream::{self, Kernel, Triad};
use support::kernels::{aij_bytes, grid, matrix_free_bytes, param};
use support::summary::{Record, Summary};

/// The grids: nodes per direction. On this machine (1 MiB L2 per core, 32
/// MiB L3) the matrix-free product's x and y (16 B per unknown) fit in L2 on
/// 129² and 33³, in L3 on 257², 1025² and 65³, in no cache on 2049² and
/// 129³; AIJ moves about 5x (2-D) or 7x (3-D) as many bytes.
const CASES: [GridSize; 7] = [square(129), square(257), square(1025), square(2049), cube(33), cube(65), cube(129)];

const fn square(points: usize) -> GridSize {
    GridSize { dim: 2, points }
}

const fn cube(points: usize) -> GridSize {
    GridSize { dim: 3, points }
}

/// poisson's default operator.
const DIRICHLET: Dirichlet = Dirichlet::Symmetric;

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .output_directory(&support::summary::criterion_directory())
        .configure_from_args();
    let mut summary = Summary::default();
    // One MPI process (singleton start-up), alive through every benchmark.
    let universe = mpi::initialize().expect("MPI initializes");
    let petsc = Petsc::init(&universe, ["operator-bench".to_string()], "").expect("PETSc initializes");
    triad(&mut criterion, &mut summary);
    apply(&mut criterion, &petsc, &mut summary);
    assembly(&mut criterion, &petsc, &mut summary);
    multigrid(&mut criterion, &mut summary);
    criterion.final_summary();
    summary.print();
    if criterion_filter_allows("gmg") {
        for size in WORKER_CASES {
            two_workers(&petsc, size);
        }
    }
}

fn triad(c: &mut Criterion, summary: &mut Summary) {
    let mut group = c.benchmark_group("stream");
    let mut triad = Triad::new(stream::DEFAULT_ELEMENTS);
    let mb = stream::DEFAULT_ELEMENTS * 8 / 1_000_000;
    group.throughput(Throughput::Bytes(triad.bytes()));
    let record = Record::new("stream", "triad", "3x80MB", format!("triad, 3 arrays of {mb} MB"), triad.bytes(), 0);
    group.bench_function(BenchmarkId::new("triad", "3x80MB"), |b| {
        summary.ran(&record);
        b.iter(|| triad.run())
    });
    group.finish();
}

fn apply(c: &mut Criterion, petsc: &Petsc, summary: &mut Summary) {
    let mut group = c.benchmark_group("apply");
    for case in CASES {
        let grid = grid(petsc, case);
        let free = op::matrix_free(&grid, DIRICHLET).unwrap();
        let assembled = op::assembled(&grid, DIRICHLET).unwrap();
        let stencil = Stencil::new(&grid, DIRICHLET);
        let mut x = grid.dm.global_vector().unwrap();
        x.set(1.0).unwrap();
        let exchange = grid.dm.face_exchange().unwrap();
        let mut ghosts = vec![0.0; exchange.faces().len()];
        exchange.gather(&x.read().unwrap(), &mut ghosts).unwrap();
        let mut y = grid.dm.global_vector().unwrap();
        let unknowns = grid.unknowns() as u64;
        let param = param(case);
        let kernels: [(&str, &str, u64); 3] = [
            ("matrix-free", "matrix-free MatMult (ghosts + stencil)", matrix_free_bytes(unknowns)),
            ("stencil", "stencil alone (ghosts ready)", matrix_free_bytes(unknowns)),
            ("aij", "AIJ MatMult", aij_bytes(unknowns, assembled.nonzeros().unwrap() as u64)),
        ];
        for (name, label, bytes) in kernels {
            let record = Record::new("apply", name, &param, format!("{label}, {case}"), bytes, unknowns);
            group.throughput(Throughput::Bytes(bytes));
            group.bench_function(BenchmarkId::new(name, &param), |b| {
                summary.ran(&record);
                match name {
                    "matrix-free" => b.iter(|| free.mult(&x, &mut y).unwrap()),
                    "stencil" => b.iter(|| {
                        let (x, mut y) = (x.read().unwrap(), y.write().unwrap());
                        stencil.apply(exchange.faces(), &x, &ghosts, &mut y)
                    }),
                    _ => b.iter(|| assembled.mult(&x, &mut y).unwrap()),
                }
            });
        }
    }
    group.finish();
}

fn assembly(c: &mut Criterion, petsc: &Petsc, summary: &mut Summary) {
    let mut group = c.benchmark_group("assembly");
    // Tens of milliseconds to seconds per matrix: few, flat samples.
    group.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500));
    // Up to 1025² and 65³, already out of cache (84 and 19 MB matrices):
    // the largest grids would add most of a minute for the same rate.
    for case in CASES.into_iter().filter(|case| case.unknowns() <= 1025 * 1025) {
        let grid = grid(petsc, case);
        let unknowns = grid.unknowns() as u64;
        let param = param(case);
        let record = Record::new("assembly", "aij", &param, format!("AIJ assembly, {case}"), 0, unknowns);
        group.throughput(Throughput::Elements(unknowns));
        group.bench_function(BenchmarkId::new("aij", &param), |b| {
            summary.ran(&record);
            b.iter(|| black_box(op::assembled(&grid, DIRICHLET).unwrap()))
        });
    }
    group.finish();
}

/// The multigrid kernels' grids: out of every cache.
const MG_CASES: [GridSize; 4] = [square(2049), square(4097), cube(129), cube(257)];

/// One process's whole grid, as the multigrid lays out a level.
fn level(size: GridSize) -> LevelPart {
    let (dim, n) = (size.dim as usize, size.points);
    let points = if dim == 3 { [n; 3] } else { [n, n, 1] };
    let patch = petsc::Patch { start: [0; 3], size: points };
    LevelPart { dim, points, owned: patch, ghosted: patch }
}

/// The multigrid kernels, with what they do.
const MG_KERNELS: [(&str, &str); 3] = [
    ("sweep", "red-black Gauss-Seidel sweep, fused"),
    ("restrict", "residual restricted by full weighting"),
    ("interpolate", "linear interpolation added"),
];

/// One multigrid kernel on a fine level and the coarse one below it, with
/// its arrays.
struct MgKernel {
    name: &'static str,
    fine: LevelPart,
    coarse: LevelPart,
    k: Coefficients,
    u: Vec<f64>,
    f: Vec<f64>,
    fc: Vec<f64>,
    uc: Vec<f64>,
    scratch: Scratch,
}

impl MgKernel {
    fn new(name: &'static str, size: GridSize) -> Self {
        let (fine, coarse) = (level(size), level(GridSize { points: size.points / 2 + 1, ..size }));
        let (n, nc) = (fine.ghosted.len(), coarse.ghosted.len());
        MgKernel {
            name,
            k: Coefficients::new(fine.dim, fine.points, OMEGAS[fine.dim - 2]),
            u: vec![0.5; n],
            f: vec![1.0; n],
            fc: vec![0.0; nc],
            uc: vec![0.25; nc],
            scratch: Scratch::new(&fine, Some(&coarse)),
            fine,
            coarse,
        }
    }

    /// The bytes a run moves at least: a sweep reads u and f and writes u;
    /// the restriction reads u and f and writes the coarse right-hand side;
    /// interpolation reads and writes u and reads the coarse correction.
    fn bytes(&self) -> u64 {
        let (unknowns, coarse) = (self.fine.ghosted.len() as u64, 8 * self.coarse.ghosted.len() as u64);
        if self.name == "sweep" { 24 * unknowns } else { 16 * unknowns + coarse }
    }

    fn run(&mut self) {
        let MgKernel { fine, coarse, k, ref mut u, ref f, ref mut fc, ref uc, ref mut scratch, .. } = *self;
        let rhs = PatchValues { data: f, patch: fine.ghosted };
        match self.name {
            "sweep" => {
                mg::relax_faces(&k, &fine, u, rhs);
                mg::sweep_fused(&k, &fine, black_box(u), rhs, None);
            }
            "restrict" => mg::restrict(&k, &fine, Some(u), rhs, &coarse, black_box(fc), scratch),
            _ => mg::interpolate(&coarse, uc, &fine, black_box(u), scratch, None),
        }
    }
}

fn multigrid(c: &mut Criterion, summary: &mut Summary) {
    let mut group = c.benchmark_group("gmg");
    group.sample_size(20);
    for case in MG_CASES {
        let param = param(case);
        for (name, label) in MG_KERNELS {
            let mut kernel = MgKernel::new(name, case);
            let (bytes, unknowns) = (kernel.bytes(), kernel.fine.ghosted.len() as u64);
            let record = Record::new("gmg", name, &param, format!("{label}, {case}"), bytes, unknowns);
            group.throughput(Throughput::Bytes(bytes));
            group.bench_function(BenchmarkId::new(name, &param), |b| {
                summary.ran(&record);
                b.iter(|| kernel.run())
            });
        }
    }
    group.finish();
}

/// Whether the command line's criterion filter (if any) names `group`.
fn criterion_filter_allows(group: &str) -> bool {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    filters.is_empty()
        || filters.iter().any(|f| f.split('|').any(|part| part.starts_with(group) || group.starts_with(part)))
}

/// The grids of the kernels on 2 threads at once: about half of 4097²'s
/// and of 257³'s unknowns, one rank's share in a 2-rank solve.
const WORKER_CASES: [GridSize; 2] = [square(2897), cube(205)];

/// The kernels on `workers` threads at once, each on its own grid of
/// `size`, best of 10 rounds, against the triad on as many threads run in
/// the same rounds (see [`stream::concurrent_rates`]).
fn two_workers(petsc: &Petsc, size: GridSize) {
    const WORKERS: usize = 2;
    const ROUNDS: usize = 10;
    let grid = grid(petsc, size);
    let (stencil, exchange) = (Stencil::new(&grid, DIRICHLET), grid.dm.face_exchange().unwrap());
    let (faces, n) = (exchange.faces(), grid.unknowns());
    let rates = stream::concurrent_rates(WORKERS, ROUNDS, || {
        // The matrix-free product's stencil (what the shell matrix runs once
        // the ghosts are in; one process has none), y = A x: 16 bytes per unknown.
        let (x, mut y, ghosts) = (vec![1.0; n], vec![0.0; n], vec![0.0; faces.len()]);
        let stencil = &stencil;
        let product: Kernel = Box::new(move || {
            stencil.apply(faces, &x, &ghosts, black_box(&mut y));
            matrix_free_bytes(n as u64)
        });
        // The verification's true residual: the squares of b - A x and of b
        // summed, x and b read once, nothing written: 16 bytes per unknown.
        let (x, b, ghosts) = (vec![1.0; n], vec![2.0; n], vec![0.0; faces.len()]);
        let residual: Kernel = Box::new(move || {
            black_box(stencil.residual_squares(faces, &x, &ghosts, black_box(&b)));
            matrix_free_bytes(n as u64)
        });
        let mut kernels = vec![stream::triad(stream::DEFAULT_ELEMENTS), product, residual];
        for (name, _) in MG_KERNELS {
            let mut kernel = MgKernel::new(name, size);
            let bytes = kernel.bytes();
            kernels.push(Box::new(move || {
                kernel.run();
                bytes
            }));
        }
        kernels
    });
    println!("\nOn {WORKERS} threads at once, each on its own {size} grid (best of {ROUNDS}, in turn with the triad):");
    println!("{:<44}{:>12}{:>10}", "kernel", "GB/s", "of triad");
    let names = ["triad".to_string(), "matrix-free product".to_string(), "true residual".to_string()]
        .into_iter()
        .chain(MG_KERNELS.map(|(name, _)| name.to_string()));
    for (i, (name, rate)) in names.zip(&rates).enumerate() {
        let label = if i == 0 { format!("{name}, {WORKERS} threads") } else { format!("{name}, {WORKERS} x {size}") };
        println!("{label:<44}{:>12.2}{:>9.0}%", rate / 1e9, 100.0 * rate / rates[0]);
    }
}
