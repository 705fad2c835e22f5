//! Options as in PETSc programs, as a user meets them: one size means a
//! square, PETSc's global options work, every bad value or source is refused
//! with one line (or, for settings kept for other PETSc programs, warned
//! of), and `-version` says what runs.

mod common;
#[path = "common/recorded.rs"]
mod recorded;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Run, assert_refused, launch, poisson, poisson_binary, poisson_ok, scratch};
use recorded::solved;

/// Longer than any run here takes.
const TIMEOUT: Duration = Duration::from_secs(60);

fn poisson_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    launch(&[], 2, poisson_binary(), args, env, TIMEOUT)
}

fn refused(args: &[&str], expected: &str) {
    assert_refused(&poisson(2, args), args, expected);
}

#[test]
fn one_size_means_a_square_or_a_cube() {
    let points = |args: &[&str]| solved(2, args).record.problem.points;
    assert_eq!(points(&["-nx", "129"]), [129, 129]);
    assert_eq!(points(&["-dim", "3", "-nx", "9"]), [9, 9, 9]);
    assert_eq!(points(&["-nx", "33", "-ny", "17"]), [33, 17]);
}

#[test]
fn bad_values_are_refused_with_the_value_typed() {
    for (args, expected) in [
        (&["-ksp_rtol", "nan"][..], "-ksp_rtol nan: a finite number from 0 to 1 (excluded) is needed"),
        (&["-ksp_rtol", "inf"], "-ksp_rtol inf: a finite number"),
        (&["-ksp_rtol", "-1"], "-ksp_rtol -1: a finite number"),
        (&["-ksp_atol", "nan"], "-ksp_atol nan: a finite number at least 0 is needed"),
        (&["-ksp_divtol", "nan"], "-ksp_divtol nan: a finite number at least 1 is needed"),
        (&["-ksp_max_it", "-1"], "-ksp_max_it -1: out of range, at least 0"),
        (&["-ksp_max_it", "99999999999"], "-ksp_max_it 99999999999: out of range"),
        (&["-nx", "2147483648"], "-nx 2147483648: out of range"),
        (&["-nx", ""], "-nx: empty value"),
        (&["-nx"], "-nx needs a value"),
        (&["-ñx", "5"], "-ñx: not an option name (did you mean -nx?)"),
        (&["nx", "33"], "nx: a stray word on the command line"),
        (&["-nx", "33", "44"], "44: a stray word on the command line"),
        (&["-"], "-: not an option name"),
        (&["-pc_mg_levels", "0"], "-pc_mg_levels 0: out of range, at least 1"),
        (&["-pc_gmg_smooth_up", "1.5"], "-pc_gmg_smooth_up 1.5: not an integer"),
    ] {
        refused(args, expected);
    }
}

#[test]
fn a_misspelt_option_gets_the_nearest_name() {
    refused(&["-nx", "17", "-ksp_rtl", "1e-8"], "unknown option -ksp_rtl (did you mean -ksp_rtol?)");
    refused(&["-nx", "17", "-pc_type", "gmg", "-pc_gmg_smoth_up", "2"], "(did you mean -pc_gmg_smooth_up?)");
    refused(&["-nx", "17", "-pc_gmg_smooth_up", "2"], "-pc_gmg_smooth_up: an option of -pc_type gmg, which this run");
    refused(&["-nx", "17", "-zzz"], "unknown option -zzz (see -help)");
}

#[test]
fn other_programs_settings_are_warned_of_not_refused() {
    let run = poisson_with(&["-nx", "17"], &[("PETSC_OPTIONS", "-snes_monitor")]);
    run.assert_success();
    let warnings: Vec<_> = run.stderr.lines().filter(|l| l.starts_with("poisson: warning:")).collect();
    assert_eq!(warnings, ["poisson: warning: unused option from PETSC_OPTIONS or an options file: -snes_monitor"]);
    // PETSc reads ~/.petscrc: a home holding another program's settings.
    let home = scratch("petscrc-home");
    std::fs::write(home.join(".petscrc"), "-ts_monitor\n").unwrap();
    let run = poisson_with(&["-nx", "17"], &[("HOME", home.to_str().unwrap())]);
    run.assert_success();
    assert!(run.stderr.contains("poisson: warning: unused option from PETSC_OPTIONS or an options file: -ts_monitor"));
    // Words that are no options at all are a mistake, not a setting.
    let run = poisson_with(&["-nx", "17"], &[("PETSC_OPTIONS", "garbage words here")]);
    assert_refused(&run, &["PETSC_OPTIONS=garbage words here"], "PETSC_OPTIONS: garbage: a stray word");
}

#[test]
fn petscs_global_options_do_what_they_do_in_petsc() {
    let left = poisson_ok(2, &["-nx", "17", "-options_left"]);
    assert!(left.stdout.contains("There are no unused options."), "{}", left.stdout);
    let view = poisson_ok(2, &["-nx", "17", "-options_view"]);
    assert!(view.stdout.contains("#PETSc Option Table entries:") && view.stdout.contains("-nx 17"), "{}", view.stdout);
    let log = poisson_ok(2, &["-nx", "17", "-log_view", "-malloc_debug"]);
    assert!(log.stdout.contains("Performance Summary"), "{}", log.stdout);
}

#[test]
fn version_says_what_runs_and_solves_nothing() {
    let run = poisson_ok(2, &["-version"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("poisson 0.1.0 (commit ") && !lines[0].contains("unknown"), "{}", lines[0]);
    assert!(lines[1].starts_with("Petsc Release Version 3."), "{}", lines[1]);
    assert!(lines[2].starts_with("MPI: ") && lines[2].len() > 10, "{}", lines[2]);
}

#[test]
fn petscs_own_multigrid_works_on_the_assembled_operator() {
    for args in [&["-nx", "257"][..], &["-dim", "3", "-nx", "33"]] {
        let mg = [args, &["-assemble", "-pc_type", "mg", "-pc_mg_levels", "4", "-ksp_view"]].concat();
        let run = solved(2, &mg);
        assert!(run.run.stdout.contains("levels=4"), "{}", run.run.stdout);
        assert!(run.iterations() <= 8, "{args:?}: {} iterations", run.iterations());
    }
    // As many levels as the grid halves into, not one more.
    assert!(solved(2, &["-nx", "17", "-assemble", "-pc_type", "mg", "-pc_mg_levels", "5"]).iterations() <= 8);
    refused(&["-nx", "17", "-assemble", "-pc_type", "mg", "-pc_mg_levels", "6"], "a 17 x 17 grid has at most 5");
}

#[test]
fn options_files_that_cannot_be_options_files_are_refused() {
    let dir = scratch("options-files");
    let (a, b) = (dir.join("a.opts"), dir.join("b.opts"));
    std::fs::write(&a, format!("-options_file {}\n", a.display())).unwrap();
    refused(&["-options_file", a.to_str().unwrap()], "includes itself");
    std::fs::write(&a, format!("-nx 9\n-options_file {}\n", b.display())).unwrap();
    std::fs::write(&b, format!("-options_file {}\n", a.display())).unwrap();
    refused(&["-options_file", a.to_str().unwrap()], "includes itself");
    refused(&["-options_file", "/dev/zero"], "-options_file /dev/zero: not a regular file");
    refused(&["-options_file", "/proc/self/mem"], "-options_file /proc/self/mem: ");
    let big = dir.join("big.opts");
    std::fs::write(&big, "# padding\n".repeat(200_000)).unwrap();
    refused(&["-options_file", big.to_str().unwrap()], "not an options file");
}

#[test]
fn arguments_that_are_not_text_are_refused() {
    let mut command = Command::new("mpiexec");
    common::mpi_environment(&mut command)
        .args(["-n", "2"])
        .arg(poisson_binary())
        .arg("-problem")
        .arg(OsStr::from_bytes(b"\xff\xfe"))
        .stdin(Stdio::null());
    let out = command.output().expect("mpiexec runs");
    let run = Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
        seconds: 0.0,
    };
    assert_refused(&run, &["-problem", "\\xff\\xfe"], "argument 2 (\\xff\\xfe) is not UTF-8 text");
}

/// A valid value for each option `-help` lists as the program's own.
fn valid_value(option: &str, dir: &std::path::Path) -> Vec<String> {
    let file = |name: &str| dir.join(name).display().to_string();
    let words: Vec<String> = match option {
        "-dim" => vec!["3".into(), "-nx".into(), "9".into()],
        "-nx" | "-ny" => vec!["9".into()],
        "-nz" => vec!["9".into(), "-dim".into(), "3".into(), "-nx".into(), "9".into()],
        "-problem" | "-dirichlet" => vec![if option == "-problem" { "manufactured" } else { "seed" }.into()],
        "-assemble" => vec![],
        "-solution_view" => vec![format!("vtk:{}", file("u.vts"))],
        "-error_view" => vec![format!("binary:{}", file("e.dat")), "-problem".into(), "manufactured".into()],
        "-solution_png" => vec![file("u.png")],
        "-error_png" => vec![file("e.png"), "-problem".into(), "manufactured".into()],
        "-png_slice" => vec!["2".into(), "-dim".into(), "3".into(), "-nx".into(), "9".into()],
        "-reference" => vec![file("reference.dat")],
        "-record" => vec![file("run.json")],
        "-pc_gmg_type" => vec!["multiplicative".into(), "-pc_type".into(), "gmg".into()],
        "-pc_gmg_levels"
        | "-pc_gmg_smooth_down"
        | "-pc_gmg_smooth_up"
        | "-pc_gmg_fmg_cycles"
        | "-pc_gmg_fmg_finest_cycles" => vec!["2".into(), "-pc_type".into(), "gmg".into()],
        "-pc_gmg_omega" => vec!["1.1".into(), "-pc_type".into(), "gmg".into()],
        other => panic!("{other} is declared but this test has no value for it: add one"),
    };
    words
}

#[test]
fn every_declared_option_is_listed_and_accepted() {
    let help = poisson_ok(1, &["-help"]);
    let declared: Vec<String> = ["Options of poisson", "The fast path, -pc_type gmg"]
        .iter()
        .flat_map(|heading| {
            let section = help.stdout.split(heading).nth(1).unwrap_or_else(|| panic!("-help lacks {heading:?}"));
            let lines = section.lines().skip_while(|l| !l.starts_with("  -")).take_while(|l| l.starts_with("  "));
            lines
                .filter_map(|l| l.trim_start().strip_prefix('-'))
                .map(|o| format!("-{}", o.split([' ', ',']).next().unwrap()))
        })
        .filter(|o| o != "-gmg_coarse_ksp_type")
        .collect();
    assert!(declared.len() >= 19, "{declared:?}");
    let dir = scratch("declared");
    poisson_ok(1, &["-nx", "9", "-solution_view", &format!("binary:{}", dir.join("reference.dat").display())]);
    for option in &declared {
        let value = valid_value(option, &dir);
        let args: Vec<&str> = [&["-nx", "9"][..], &[option.as_str()]]
            .concat()
            .into_iter()
            .chain(value.iter().map(String::as_str))
            .collect();
        // -nx given twice: PETSc keeps the last one.
        poisson_ok(1, &args);
    }
    refused(&["-nx", "9", "-not_declared_anywhere", "1"], "unknown option -not_declared_anywhere");
}

#[test]
fn the_options_page_is_the_help_text() {
    let help = poisson_ok(1, &["-help"]).stdout;
    let start = help.find("poisson: solves").expect("-help starts with poisson's own text");
    let end = start + help[start..].find("Exit status").expect("and ends it with the exit statuses");
    let ours = &help[start..end + help[end..].find('\n').unwrap() + 1];
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/options.md")).unwrap();
    assert!(page.contains(ours), "docs/options.md lacks poisson's -help text; it is now:\n{ours}");
}
