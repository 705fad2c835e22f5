//! The fast path, `-pc_type gmg`: matrix-free geometric multigrid. It must
//! solve the same discrete problem as the assembled operator solved
//! directly, on any number of ranks, at a rate that does not depend on the
//! grid; one full-multigrid cycle must land near discretization error; and
//! what it cannot do it must refuse clearly.

mod common;
#[path = "common/recorded.rs"]
mod recorded;

use std::path::Path;
use std::sync::OnceLock;

use common::{mpiexec, poisson, poisson_binary, read_petsc_vec, scratch};
use recorded::{Recorded, solved};

const GRID_2D: [&str; 4] = ["-nx", "65", "-ny", "65"];
const GRID_3D: [&str; 8] = ["-dim", "3", "-nx", "33", "-ny", "33", "-nz", "33"];
/// The assembled operator solved directly: the reference.
const LU: [&str; 5] = ["-assemble", "-pc_type", "lu", "-ksp_type", "preonly"];
/// The fast path iterated to well below the 1e-8 the comparisons ask.
const GMG: [&str; 6] = ["-pc_type", "gmg", "-ksp_type", "richardson", "-ksp_rtol", "1e-12"];
/// How close to the direct solve the fast path's solution must be,
/// relative to the solution's size.
const AGREEMENT: f64 = 1e-8;

/// Solves the manufactured problem with `args` on `ranks` processes; the
/// run must succeed. Returns the run and the solution in natural order.
fn solve(ranks: usize, args: &[&str], name: &str) -> (Recorded, Vec<f64>) {
    let file = scratch("multigrid").join(format!("{name}-{ranks}.dat"));
    let viewer = format!("binary:{}", file.display());
    let run = solved(ranks, &[&["-problem", "manufactured"], args, &["-solution_view", &viewer]].concat());
    let u = read_petsc_vec(&file);
    (run, u)
}

/// The direct solve of the assembled operator on one rank.
fn direct(grid: &[&str], name: &str) -> (Recorded, Vec<f64>) {
    let (run, u) = solve(1, &[grid, &LU[..]].concat(), name);
    assert_solver(&run, "preonly", "lu");
    (run, u)
}

/// The direct solutions on the 2-D and 3-D grids, solved once for all the
/// tests (the 3-D LU takes seconds).
fn reference_2d() -> &'static [f64] {
    static U: OnceLock<Vec<f64>> = OnceLock::new();
    U.get_or_init(|| direct(&GRID_2D, "lu-2d").1)
}

fn reference_3d() -> &'static [f64] {
    static U: OnceLock<Vec<f64>> = OnceLock::new();
    U.get_or_init(|| direct(&GRID_3D, "lu-3d").1)
}

/// max |u - reference| / max |reference|.
fn relative_difference(u: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(u.len(), reference.len(), "the solutions have different sizes");
    let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "the reference solution is zero");
    max_difference(u, reference) / scale
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// The run's record names this KSP and PC.
fn assert_solver(run: &Recorded, ksp: &str, pc: &str) {
    let problem = &run.record.problem;
    assert_eq!((problem.ksp_type.as_str(), problem.pc_type.as_str()), (ksp, pc), "{problem:?}");
}

/// The fast path solved this run.
fn assert_gmg(run: &Recorded, ksp: &str) {
    assert_solver(run, ksp, "gmg");
}

/// The run applied the operator `form` ("matrix-free" or "assembled").
fn assert_operator(run: &Recorded, form: &str) {
    assert_eq!(run.record.problem.operator, form, "{:?}", run.record.problem);
}

#[test]
fn the_fast_path_solves_what_the_direct_solve_solves_on_1_to_4_ranks() {
    for (dim, grid, reference, all_ranks) in
        [("2d", &GRID_2D[..], reference_2d(), &[1, 2, 3, 4][..]), ("3d", &GRID_3D, reference_3d(), &[1, 2, 3])]
    {
        for &ranks in all_ranks {
            let (run, u) = solve(ranks, &[grid, &GMG[..]].concat(), &format!("fast-{dim}"));
            assert_gmg(&run, "richardson");
            assert_operator(&run, "matrix-free");
            if ranks == 4 {
                // A 2 x 2 process grid: ranks meet at corners, whose ghosts
                // only a box stencil exchanges.
                assert_eq!(run.record.problem.processes, [2, 2], "not a 2 x 2 process grid");
            }
            let difference = relative_difference(&u, reference);
            assert!(difference <= AGREEMENT, "{dim}, {ranks} ranks: differs from LU by {difference:e} (relative)");
        }
    }
    // And a 2 x 2 layout in 3-D, asked for explicitly.
    let layout = ["-da_processors_x", "2", "-da_processors_y", "2", "-da_processors_z", "1"];
    let (run, u) = solve(4, &[&GRID_3D[..], &GMG, &layout].concat(), "fast-3d-2x2");
    assert_eq!(run.record.problem.processes, [2, 2, 1]);
    let difference = relative_difference(&u, reference_3d());
    assert!(difference <= AGREEMENT, "3d, 2 x 2 x 1 ranks: differs from LU by {difference:e} (relative)");
}

/// The average convergence factor of richardson with `cycle` on `grid`.
fn richardson_factor(grid: &[&str], cycle: &[&str]) -> f64 {
    let args = ["-pc_type", "gmg", "-ksp_type", "richardson", "-ksp_rtol", "1e-10"];
    let run = solved(2, &[&["-problem", "manufactured"], grid, &args, cycle].concat());
    assert_gmg(&run, "richardson");
    assert_eq!(run.reason(), "CONVERGED_RTOL");
    assert!(run.iterations() >= 2, "{cycle:?}: too few iterations to average over: {}", run.iterations());
    run.convergence_factor()
}

/// Richardson's average factors with the options `cycle` in 2-D and 3-D,
/// below `bound` (2-D, 3-D).
fn assert_factors_below(cycle: &[&str], bound: [f64; 2]) {
    let factors = [("2d", &GRID_2D[..]), ("3d", &GRID_3D)].map(|(dim, grid)| (dim, richardson_factor(grid, cycle)));
    assert!(
        factors.iter().zip(bound).all(|((_, f), b)| *f < b),
        "{cycle:?}: average factors {factors:?}, bounds {bound:?}"
    );
}

/// The fast path's cycle: at least tenfold per iteration.
#[test]
fn f_cycles_reduce_the_residual_tenfold_per_iteration() {
    assert_factors_below(&["-pc_gmg_type", "full"], [0.1, 0.1]);
}

/// One red-black Gauss-Seidel sweep down and one up (the V-cycle's default
/// smoother): a V-cycle converges as textbook red-black multigrid does,
/// about 0.12 in 2-D and 0.21 in 3-D (an independent Python version of the
/// same cycle gave 0.119 and 0.214).
#[test]
fn v_cycles_converge_as_red_black_multigrid_does() {
    assert_factors_below(&["-pc_gmg_type", "multiplicative"], [0.13, 0.24]);
}

#[test]
fn cg_with_v_cycles_converges_to_the_direct_solution() {
    let cg = ["-pc_type", "gmg", "-pc_gmg_type", "multiplicative", "-ksp_type", "cg", "-ksp_rtol", "1e-10"];
    for (dim, grid, reference) in [("2d", &GRID_2D[..], reference_2d()), ("3d", &GRID_3D, reference_3d())] {
        for ranks in [1, 2] {
            let (run, u) = solve(ranks, &[grid, &cg[..]].concat(), &format!("cg-{dim}"));
            assert_gmg(&run, "cg");
            assert_eq!(run.reason(), "CONVERGED_RTOL");
            assert!(run.iterations() <= 20, "{dim}, {ranks} ranks: {} iterations", run.iterations());
            let difference = relative_difference(&u, reference);
            assert!(difference <= AGREEMENT, "{dim}, {ranks} ranks: differs from LU by {difference:e} (relative)");
        }
    }
}

#[test]
fn iterations_do_not_grow_with_the_grid() {
    for cycle in ["full", "multiplicative"] {
        let its: Vec<usize> = [33, 65, 129]
            .iter()
            .map(|n| {
                let n = n.to_string();
                let args = ["-nx", &n, "-ny", &n, "-pc_gmg_type", cycle, "-ksp_rtol", "1e-10"];
                let run = solved(2, &[&["-problem", "manufactured"], &GMG[..4], &args].concat());
                assert_gmg(&run, "richardson");
                assert_eq!(run.reason(), "CONVERGED_RTOL");
                run.iterations()
            })
            .collect();
        assert!(
            its.iter().all(|&n| n <= its[0] + 1),
            "{cycle}: iterations {its:?} on 33², 65², 129² grow with the grid"
        );
    }
}

#[test]
fn one_f_cycle_lands_within_a_tenth_of_the_discretization_error() {
    // Over-relaxation is what gets there with so few cycles: red-black
    // Gauss-Seidel (-pc_gmg_omega 1) needs two V-cycles on the finest grid
    // in 2-D and three in 3-D (docs/fast-path.md).
    let grids: [&[&str]; 2] = [&["-nx", "129", "-ny", "129"], &GRID_3D];
    for (dim, grid) in [2, 3].into_iter().zip(grids) {
        let (lu, u_lu) = direct(grid, &format!("lu-fmg-{dim}"));
        let discretization = lu.error_norms().0;
        assert!(discretization > 0.0, "{:?}", lu.record.result);
        let fmg = ["-pc_type", "gmg", "-ksp_type", "preonly"];
        let (run, u_fmg) = solve(2, &[grid, &fmg[..]].concat(), &format!("fmg-{dim}"));
        assert_gmg(&run, "preonly");
        assert_eq!(run.iterations(), 1, "preonly applies the cycle once");
        let algebraic = max_difference(&u_fmg, &u_lu);
        assert!(
            algebraic <= 0.1 * discretization,
            "{dim}-D, one F-cycle: algebraic error {algebraic:e}, discretization error {discretization:e}"
        );
    }
}

#[test]
fn one_v_cycle_on_large_levels_still_lands_within_a_tenth() {
    // From 129^3 up, levels larger than 33^3 get one V-cycle in the
    // F-cycle instead of two (measured: 0.079 of the discretization error
    // at 129^3, 0.080 at 257^3). The reference is the fast path iterated to
    // 1e-12, which agrees with LU on smaller grids (the tests above).
    let grid = ["-dim", "3", "-nx", "129", "-ny", "129", "-nz", "129"];
    let (converged, u_converged) = solve(2, &[&grid[..], &GMG[..]].concat(), "converged-129");
    let discretization = converged.error_norms().0;
    assert!(discretization > 0.0, "{:?}", converged.record.result);
    let fmg = ["-pc_type", "gmg", "-ksp_type", "preonly", "-ksp_view"];
    let (run, u_fmg) = solve(2, &[&grid[..], &fmg[..]].concat(), "fmg-129");
    assert!(
        run.run.stdout.contains("1 V-cycle(s) per level (2 on levels of at most 33 points per direction)"),
        "{}",
        run.run.stdout
    );
    let algebraic = max_difference(&u_fmg, &u_converged);
    assert!(
        algebraic <= 0.1 * discretization,
        "129^3, one F-cycle: algebraic error {algebraic:e}, discretization error {discretization:e}"
    );
}

#[test]
fn matrix_free_and_assembled_give_the_same_gmg_solution() {
    for (dim, grid, reference) in [("2d", &GRID_2D[..], reference_2d()), ("3d", &GRID_3D, reference_3d())] {
        let (free, u_free) = solve(2, &[grid, &GMG[..]].concat(), &format!("free-{dim}"));
        let (assembled, u_assembled) = solve(2, &[grid, &GMG[..], &["-assemble"]].concat(), &format!("as-{dim}"));
        assert_operator(&free, "matrix-free");
        assert_operator(&assembled, "assembled");
        assert_gmg(&assembled, "richardson");
        for (form, u) in [("matrix-free", &u_free), ("assembled", &u_assembled)] {
            let difference = relative_difference(u, reference);
            assert!(difference <= AGREEMENT, "{dim}, {form}: differs from LU by {difference:e} (relative)");
        }
        let difference = relative_difference(&u_assembled, &u_free);
        assert!(difference <= AGREEMENT, "{dim}: matrix-free and assembled differ by {difference:e} (relative)");
    }
}

/// Bad input on `ranks` ranks (see `common::assert_refused`).
fn assert_refused(ranks: usize, args: &[&str], expected: &str) {
    common::assert_refused(&poisson(ranks, args), args, expected);
}

#[test]
fn what_the_fast_path_cannot_do_is_refused() {
    assert_refused(
        2,
        &["-pc_type", "gmg", "-dirichlet", "seed"],
        "-pc_type gmg solves the symmetric form only (the default): drop -dirichlet seed",
    );
    assert_refused(
        2,
        &["-pc_type", "gmg", "-nx", "1000", "-ny", "1000"],
        "-pc_type gmg: the 1000 x 1000 grid coarsens no further than 1000 x 1000 points",
    );
    assert_refused(
        2,
        &["-pc_type", "gmg", "-pc_gmg_type", "bogus"],
        "-pc_gmg_type bogus: choose full or multiplicative",
    );
    assert_refused(2, &["-pc_type", "gmg", "-pc_gmg_levels", "0"], "-pc_gmg_levels 0: out of range, at least 1");
}

#[test]
fn help_lists_the_gmg_options() {
    let run = poisson(2, &["-help"]);
    run.assert_success();
    for ours in [
        "-pc_gmg_type <full>",
        "-pc_gmg_levels",
        "-pc_gmg_smooth_down",
        "-pc_gmg_smooth_up",
        "-pc_gmg_fmg_cycles",
        "-pc_gmg_fmg_finest_cycles",
    ] {
        assert!(run.stdout.contains(ours), "-help lacks {ours}:\n{}", run.stdout);
    }
    // PETSc's own -pc_type line lists the registered types.
    let pc_type = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("-pc_type <"))
        .unwrap_or_else(|| panic!("-help has no -pc_type line:\n{}", run.stdout));
    assert!(pc_type.split_whitespace().any(|w| w == "gmg"), "gmg is not among the PC types: {pc_type:?}");
}

#[test]
fn ksp_view_describes_the_levels() {
    // One rank: every rank must keep two nodes per direction, so two
    // ranks stop coarsening 65 points at 5.
    let run = poisson(1, &[&["-problem", "manufactured"], &GRID_2D[..], &["-pc_type", "gmg", "-ksp_view"]].concat());
    run.assert_success();
    assert!(run.stdout.contains("geometric multigrid"), "{}", run.stdout);
    for level in ["level 5: 65 x 65 points", "level 4: 33 x 33 points", "level 0: 3 x 3 points"] {
        assert!(run.stdout.contains(level), "-ksp_view lacks {level:?}:\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("level 6:"), "65 points coarsen to 6 levels:\n{}", run.stdout);
    let limited = poisson(2, &[&GRID_3D[..], &["-pc_type", "gmg", "-pc_gmg_levels", "2", "-ksp_view"]].concat());
    limited.assert_success();
    assert!(limited.stdout.contains("2 levels"), "{}", limited.stdout);
    for level in ["level 1: 33 x 33 x 33 points", "level 0: 17 x 17 x 17 points"] {
        assert!(limited.stdout.contains(level), "-ksp_view lacks {level:?}:\n{}", limited.stdout);
    }
}

/// poisson with `args` and `-ksp_view` on 2 ranks, each run by qemu's
/// user-mode emulation of processor `cpu`, so that the kernels see its
/// instruction sets: its report and the digest of its solution.
fn emulated(cpu: &str, args: &[&str]) -> (String, String) {
    let file = scratch("emulated").join(format!("{cpu}.json"));
    let program = [&["-cpu", cpu, poisson_binary().to_str().unwrap()], args].concat();
    let run = mpiexec(
        2,
        Path::new("qemu-x86_64"),
        &[&program[..], &["-ksp_view", "-record", file.to_str().unwrap()]].concat(),
        &[],
    );
    run.assert_success();
    let record = poisson::record::Record::read(&file).unwrap_or_else(|e| panic!("{cpu} {args:?}: {e}"));
    (run.stdout, record.solution.sha256)
}

#[test]
fn the_kernels_give_the_same_bits_with_and_without_avx2() {
    // Nehalem has SSE4.2 and no AVX; Haswell has AVX2 and FMA (qemu
    // emulates both on any x86-64 host). Each kernel runs the variant built
    // for the processor it finds: the multigrid's and the matrix-free
    // product's (CG on the operator alone), in 2-D and 3-D.
    let cases: [&[&str]; 3] = [
        &["-nx", "257", "-ny", "129", "-pc_type", "gmg"],
        &["-dim", "3", "-nx", "33", "-ny", "65", "-nz", "49", "-pc_type", "gmg"],
        &["-nx", "200", "-ny", "180", "-ksp_rtol", "1e-10"],
    ];
    for args in cases {
        let (baseline, avx2) = (emulated("Nehalem", args), emulated("Haswell", args));
        if args.contains(&"gmg") {
            for ((report, _), isa) in [(&baseline, "the x86-64 baseline"), (&avx2, "AVX2 and FMA")] {
                assert!(
                    report.contains(&format!("kernels built for {isa}")),
                    "{args:?}: not built for {isa}:\n{report}"
                );
            }
        }
        assert_eq!(baseline.1, avx2.1, "{args:?}: the solution differs with AVX2");
        let native = recorded::solved(2, args).record.solution.sha256;
        assert_eq!(native, avx2.1, "{args:?}: the solution differs on this processor");
    }
}

#[test]
fn log_view_times_each_kernel_on_each_level() {
    use poisson::multigrid::events::{COARSE, KERNELS, Kernel, NAMES, name};
    // 65 points on 2 ranks: levels 65, 33, 17, 9 and 5, numbered 4 to 0.
    let run = poisson(2, &[&GRID_2D[..], &["-pc_type", "gmg", "-ksp_type", "preonly", "-log_view"]].concat());
    run.assert_success();
    assert_eq!(KERNELS.map(|k| NAMES[k as usize]), NAMES, "every kernel has its name");
    let mut expected: Vec<String> = (1..=4).flat_map(|level| KERNELS.map(|k| name(k, level))).collect();
    expected.extend([name(Kernel::GhostExchange, 0), COARSE.to_string()]);
    // An event's line: its name, then its call count.
    let calls = |event: &str| {
        run.stdout.lines().find_map(|l| {
            let rest = l.strip_prefix(event)?.trim_start();
            rest.split_whitespace().next()?.parse::<u64>().ok().filter(|_| l.as_bytes()[event.len()] == b' ')
        })
    };
    for event in &expected {
        let n = calls(event).unwrap_or_else(|| panic!("-log_view has no line for {event:?}:\n{}", run.stdout));
        assert!(n > 0, "{event} ran {n} times");
    }
    assert!(calls(&name(Kernel::Smooth, 5)).is_none(), "a fifth level on 65 points:\n{}", run.stdout);
}
