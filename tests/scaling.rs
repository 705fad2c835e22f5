//! poisson-scaling as users run it: a tiny strong and weak series (real MPI
//! runs of poisson), its CSV, Markdown and SVG files, and its errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One series at a time: each one starts MPI jobs on a small machine.
static ONE_SERIES: Mutex<()> = Mutex::new(());

fn scaling(args: &[&str]) -> Output {
    let program = Path::new(env!("CARGO_BIN_EXE_poisson-scaling"));
    // poisson-scaling runs the poisson beside it, which cargo builds here
    // only along with poisson's own tests (the workspace's `cargo test`).
    let poisson = program.with_file_name("poisson");
    let release = if cfg!(debug_assertions) { "" } else { " --release" };
    assert!(poisson.is_file(), "no {}: build poisson first (cargo build{release} -p poisson)", poisson.display());
    let _one = ONE_SERIES.lock().unwrap_or_else(|e| e.into_inner());
    common::mpi_environment(&mut Command::new(program))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("poisson-scaling runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("poisson-scaling-test-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

/// A command line's words (the scratch paths have no spaces).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn succeed(args: &[&str]) -> String {
    let out = scaling(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?} failed:\nstdout:\n{stdout}\nstderr:\n{stderr}");
    stderr.into_owned()
}

/// The CSV as header and rows of fields, every row as long as the header.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines().map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    let header = lines.next().expect("a header");
    let rows: Vec<_> = lines.collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
    }
    (header, rows)
}

fn column<'r>(header: &[String], row: &'r [String], name: &str) -> &'r str {
    &row[header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))]
}

fn number(header: &[String], row: &[String], name: &str) -> f64 {
    let text = column(header, row, name);
    let value: f64 = text.parse().unwrap_or_else(|_| panic!("{name} = {text:?} is not a number"));
    assert!(value.is_finite(), "{name} = {value}");
    value
}

#[test]
fn a_strong_series_writes_its_csv_table_and_plot() {
    let out = scratch("strong");
    let dir = out.to_str().unwrap();
    let progress = succeed(&words(&format!(
        "strong --grid 33 --ranks 1,2 --repeat 2 --solver cg --solver gamg --stream-elements 100000 --out {dir} \
         -- -ksp_rtol 1e-6"
    )));
    assert!(progress.contains("[8/8] strong gamg 33² on 2 ranks, run 2/2"), "{progress}");

    let (header, rows) = read_csv(&out.join("strong.csv"));
    assert_eq!(rows.len(), 4, "two solvers on 1 and 2 ranks");
    for row in &rows {
        assert_eq!(column(&header, row, "points"), "33");
        assert_eq!(number(&header, row, "unknowns"), 1089.0);
        assert_eq!(number(&header, row, "repeats"), 2.0);
        assert_eq!(column(&header, row, "converged"), "true");
        assert!(number(&header, row, "iterations") > 0.0);
        for name in ["solver_s", "ksp_solve_s", "matmult_s", "dof_per_s", "bytes_per_dof", "stream_bytes_per_s"] {
            assert!(number(&header, row, name) > 0.0, "{name} in {row:?}");
        }
        // Set-up and iterations are parts of the solver stage on every rank
        // (each figure is its slowest rank's, so only each part is bounded).
        for part in ["pc_setup_s", "ksp_solve_s", "matmult_s"] {
            assert!(number(&header, row, part) <= number(&header, row, "solver_s"), "{part} in {row:?}");
        }
        let ranks = number(&header, row, "ranks");
        let efficiency = number(&header, row, "efficiency");
        assert!((number(&header, row, "speedup") / ranks - efficiency).abs() < 1e-9);
        if ranks == 1.0 {
            assert_eq!((efficiency, number(&header, row, "stream_speedup")), (1.0, 1.0));
        }
    }
    let solvers: Vec<_> = rows.iter().map(|r| column(&header, r, "solver")).collect();
    assert_eq!(solvers, ["cg", "cg", "gamg", "gamg"]);
    // CG without preconditioner takes as many iterations on any rank count.
    assert_eq!(column(&header, &rows[0], "iterations"), column(&header, &rows[1], "iterations"));
    // Every run's PETSc log and record are kept.
    let kept: Vec<_> = std::fs::read_dir(out.join("logs")).unwrap().map(|e| e.unwrap().path()).collect();
    let of = |ext: &str| kept.iter().filter(|p| p.extension().is_some_and(|e| e == ext)).count();
    assert_eq!((of("csv"), of("json"), kept.len()), (8, 8, 16));

    let table = std::fs::read_to_string(out.join("strong.md")).unwrap();
    let lines: Vec<_> = table.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(lines.len(), 2 + 4, "{table}");
    assert!(lines[0].contains("| solver | grid | ranks | iterations |"), "{table}");
    assert!(lines[2].starts_with("| cg | 33² | 1 |"), "{table}");
    assert!(table.contains("`gamg` = `-assemble -ksp_type cg -pc_type gamg`"), "{table}");
    assert!(table.contains("Every run: `-ksp_rtol 1e-6`."), "{table}");

    let svg = std::fs::read_to_string(out.join("strong.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "not an SVG document");
    for text in ["parallel efficiency", "cg 33²", "gamg 33²", "STREAM speed-up / ranks", "<polyline", "<circle"] {
        assert!(svg.contains(text), "no {text:?} in the plot");
    }
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_weak_series_grows_the_grid_with_the_ranks() {
    let out = scratch("weak");
    let dir = out.to_str().unwrap();
    succeed(&words(&format!(
        "weak --dim 3 --points-per-rank 9 --ranks 1,2 --repeat 1 --stream-elements 100000 --out {dir}"
    )));
    let (header, rows) = read_csv(&out.join("weak.csv"));
    let grids: Vec<_> = rows.iter().map(|r| column(&header, r, "points")).collect();
    // 9³ on one rank, 11³ (about 2 x 9³) on two.
    assert_eq!(grids, ["9", "11"]);
    assert_eq!(column(&header, &rows[1], "unknowns"), "1331");
    assert_eq!(column(&header, &rows[1], "solver"), "default");
    assert!(out.join("weak.md").is_file() && out.join("weak.svg").is_file());
    std::fs::remove_dir_all(out).ok();
}

/// Runs and returns stderr, which must be one error line, and the status.
fn fail(args: &[&str]) -> String {
    let out = scaling(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    let errors: Vec<_> = stderr.lines().filter(|l| l.starts_with("poisson-scaling: error: ")).collect();
    assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    errors[0].to_string()
}

#[test]
fn bad_input_and_failed_runs_are_one_error_line() {
    let out = scratch("errors");
    let dir = out.to_str().unwrap();
    let tiny = ["strong", "--grid", "9", "--ranks", "1", "--repeat", "1", "--stream-elements", "1000", "--out", dir];
    let with = |more: &[&'static str]| [&tiny[..], more].concat();
    assert!(fail(&with(&["--solver", "gmag"])).contains("no such preset"));
    assert!(fail(&["strong", "--repeat", "0"]).contains("--repeat"));
    assert!(fail(&["strong", "--grid", "2"]).contains("at least 3"));
    assert!(fail(&with(&["--mpiexec", "/nonexistent/mpiexec"])).contains("cannot run /nonexistent/mpiexec"));
    // poisson refuses GAMG on its matrix-free operator: its own error is told.
    let refused = fail(&with(&["--", "-pc_type", "gamg"]));
    assert!(refused.contains("poisson: error: -pc_type gamg needs the matrix entries"), "{refused}");
    std::fs::remove_dir_all(out).ok();
}
