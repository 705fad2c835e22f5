//! Faults, as a hostile user or a full disk makes them: every one ends the
//! job on every rank, without a hang, with one line of ours on stderr, the
//! exit status saying what happened, and no file destroyed.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{Run, launch, poisson_binary, scratch};

/// A fault must end the job, not hang it: one still running after a minute
/// fails the test (the launcher kills it). How fast is not asserted here: a
/// loaded machine stretches any run.
fn poisson_in(wrapper: &[&str], ranks: usize, args: &[&str]) -> Run {
    launch(wrapper, ranks, poisson_binary(), args, &[], Duration::from_secs(60))
}

fn poisson(ranks: usize, args: &[&str]) -> Run {
    poisson_in(&[], ranks, args)
}

/// Exit 1, one line of ours naming `expected`, nothing else of ours, no
/// panic, no PETSc traceback.
fn assert_fails(run: &Run, args: &[&str], expected: &str) {
    assert_eq!(run.status, Some(1), "{args:?}:\n{}\n{}", run.stdout, run.stderr);
    let ours = run.our_errors();
    assert_eq!(ours.len(), 1, "{args:?}: expected one line, stderr:\n{}", run.stderr);
    assert!(ours[0].contains(expected), "{args:?}: {:?} lacks {expected:?}", ours[0]);
    for noise in ["panicked", "RUST_BACKTRACE", "PETSC ERROR", "Signal", "signal"] {
        assert!(!run.stderr.contains(noise), "{args:?}: {noise} in stderr:\n{}", run.stderr);
    }
}

/// A file system mounted for a test (as root: CI's case), unmounted after.
struct Mount(PathBuf);

impl Mount {
    /// A tmpfs of `size` at a fresh directory, with `options` (ro...); None
    /// when this user may not mount.
    fn tmpfs(name: &str, options: &str) -> Option<Mount> {
        let dir = scratch(name);
        let status = Command::new("mount").args(["-t", "tmpfs", "-o", options, "tmpfs"]).arg(&dir).status().ok()?;
        status.success().then(|| Mount(dir))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Every output kind, into a missing directory, a directory, `/dev/full`,
/// a read-only file system and a full one, on 2 ranks (and 3 for some).
#[test]
fn every_output_kind_fails_cleanly_on_a_bad_target() {
    let read_only = Mount::tmpfs("read-only", "ro,size=1m");
    let full = Mount::tmpfs("full", "size=64k");
    if let Some(m) = &full {
        // Filled up: even a small output cannot be written.
        let _ = fs::write(m.0.join("filler"), vec![0u8; 1 << 20]);
    }
    let dir = scratch("bad-targets");
    let mut targets = vec![
        ("/nonexistent/dir/out".to_string(), "No such file or directory"),
        (dir.display().to_string(), "is a directory"),
        ("/dev/full".to_string(), "No space left on device"),
    ];
    if let Some(m) = &read_only {
        targets.push((m.0.join("out").display().to_string(), "Read-only file system"));
    }
    if let Some(m) = &full {
        targets.push((m.0.join("out").display().to_string(), "No space left on device"));
    }
    let kinds = [
        ("-solution_view", "vtk:", ".vts"),
        ("-solution_view", "hdf5:", ".h5"),
        ("-solution_view", "binary:", ".dat"),
        ("-solution_view", "ascii:", ".txt"),
        ("-solution_png", "", ".png"),
        ("-ksp_view", ":", ".txt"),
        ("-ksp_monitor", ":", ".txt"),
        ("-log_view", ":", ".txt"),
    ];
    for (target, expected) in &targets {
        for (option, viewer, extension) in kinds {
            // Devices and directories keep their names; files get the kind's extension.
            let file = if target.ends_with("/out") { format!("{target}{extension}") } else { target.clone() };
            let value = format!("{viewer}{file}");
            // PETSc's VTK viewer wants an extension it knows before it writes.
            let expected = match (viewer, expected) {
                ("vtk:", _) if file.starts_with("/dev/") => "unrecognized extension",
                // HDF5 and PETSc's binary writer say what failed, not why.
                ("hdf5:", e) if e.contains("space") && !file.starts_with("/dev/") => "Error in HDF5 call",
                ("binary:", e) if e.contains("space") && !file.starts_with("/dev/") => "Error writing to file",
                _ => expected,
            };
            let args = ["-nx", "33", "-ny", "33", option, &value];
            for ranks in if option == "-solution_view" && viewer == "vtk:" { vec![2, 3] } else { vec![2] } {
                assert_fails(&poisson(ranks, &args), &args, expected);
            }
        }
    }
    // A full disk left nothing behind but the filler: every staged file was removed.
    if let Some(m) = &full {
        assert_eq!(fs::read_dir(&m.0).unwrap().count(), 1, "files left on the full file system");
    }
}

#[test]
fn a_failed_run_never_replaces_a_file() {
    let dir = scratch("atomic");
    let files = ["u.vts", "u.png", "u.dat", "m.txt"].map(|f| dir.join(f));
    for f in &files {
        fs::write(f, "good\n").unwrap();
    }
    let value = |prefix: &str, f: &PathBuf| format!("{prefix}{}", f.display());
    let outputs = [
        "-solution_view".to_string(),
        value("vtk:", &files[0]),
        "-solution_png".into(),
        value("", &files[1]),
        "-ksp_monitor".into(),
        value(":", &files[3]),
    ];
    let outputs: Vec<&str> = outputs.iter().map(String::as_str).collect();
    // A misspelt option found after the solve, and a write that fails after
    // the others succeeded (the log at finalization).
    for extra in
        [&["-ksp_vieww"][..], &["-log_view", "true"], &["-error_view", "binary:/dev/full", "-problem", "manufactured"]]
    {
        let args = [&["-nx", "33", "-ny", "33"][..], &outputs, extra].concat();
        let run = poisson(2, &args);
        assert_eq!(run.status, Some(1), "{args:?}:\n{}", run.stderr);
        assert_eq!(run.our_errors().len(), 1, "{args:?}:\n{}", run.stderr);
        for f in &files {
            assert_eq!(fs::read_to_string(f).unwrap(), "good\n", "{args:?} changed {}", f.display());
        }
        assert_eq!(fs::read_dir(&dir).unwrap().count(), files.len(), "{args:?} left files behind");
    }
    // A run that succeeds replaces them all.
    let args = [&["-nx", "33", "-ny", "33"][..], &outputs].concat();
    poisson(2, &args).assert_success();
    for f in [&files[0], &files[1], &files[3]] {
        assert_ne!(fs::read(f).unwrap(), b"good\n", "{} not written", f.display());
    }
    assert_eq!(fs::read_dir(&dir).unwrap().count(), files.len());
}

#[test]
fn a_run_that_does_not_converge_writes_its_outputs_and_says_so() {
    let dir = scratch("not-converged");
    let file = dir.join("u.vts");
    let value = format!("vtk:{}", file.display());
    let run = poisson(2, &["-nx", "33", "-ny", "33", "-ksp_max_it", "3", "-solution_view", &value]);
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_eq!(run.our_errors().len(), 1, "{}", run.stderr);
    assert!(run.our_errors()[0].contains(&format!("(written all the same: {})", file.display())), "{}", run.stderr);
    assert!(fs::read(&file).unwrap().starts_with(b"<?xml"), "{} is no VTK file", file.display());
}

#[test]
fn viewers_that_cannot_work_end_the_job() {
    // PETSc's finalization fails (an unknown viewer type): exit 1, one line.
    let args = ["-nx", "17", "-ny", "17", "-log_view", "true"];
    assert_fails(&poisson(2, &args), &args, "Unsupported viewer true");
    // A socket viewer with nobody listening fails on the first rank alone,
    // while the other waits for it: the job is aborted, not left waiting.
    for ranks in [2, 3] {
        let args = ["-nx", "17", "-ny", "17", "-solution_view", "socket"];
        let run = poisson(ranks, &args);
        assert_eq!(run.status, Some(1), "{}", run.stderr);
        assert!(run.our_errors().len() <= 2 && run.our_errors()[0].contains("Connection refused"), "{}", run.stderr);
    }
}

#[test]
fn grids_that_cannot_fit_are_refused_up_front() {
    // 4 GB of address space per process.
    let limit = ["prlimit", "--as=4000000000"];
    for extra in [&[][..], &["-assemble"], &["-pc_type", "gmg", "-ksp_type", "preonly"]] {
        for grid in [&["-nx", "20001", "-ny", "20001"][..], &["-nx", "100000000", "-ny", "3"]] {
            let args = [grid, extra].concat();
            let run = poisson_in(&limit, 2, &args);
            assert_fails(&run, &args, "not enough memory: each process needs about ");
            assert!(run.our_errors()[0].contains("RLIMIT_AS leaves"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_buffer_that_cannot_be_had_is_out_of_memory() {
    // The run fits the check made up front, but not everything its picture
    // allocates: the whole field gathered on rank 0, the last and largest
    // allocation, fails as "out of memory"; one line, exit 1. The limit lies
    // in the middle of the window measured here on 2 ranks (625 to 770 MB);
    // on 1 rank it is 40 MB wide, between the check's refusal and success.
    let args = ["-nx", "4097", "-ny", "4097", "-pc_type", "gmg", "-ksp_type", "preonly", "-solution_png"];
    let file = scratch("oom").join("u.png");
    let args = [&args[..], &[file.to_str().unwrap()]].concat();
    let run = poisson_in(&["prlimit", "--as=700000000"], 2, &args);
    assert_eq!(run.status, Some(1), "{args:?}:\n{}\n{}", run.stdout, run.stderr);
    let ours = run.our_errors();
    assert_eq!(ours.len(), 1, "{args:?}:\n{}", run.stderr);
    assert!(ours[0].contains("out of memory ("), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("memory allocation of"), "{}", run.stderr);
    assert!(!file.exists());
}

/// -memory_view's peak (all ranks) and our estimate, in bytes.
fn peak_and_estimate(run: &Run) -> (f64, f64) {
    let line =
        |start: &str| run.stdout.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no {start:?}"));
    let peak = line("Maximum (over computational time) process memory:").split_whitespace().nth(7).unwrap();
    let estimate = line("Memory: estimated peak ").split_whitespace().nth(3).unwrap();
    (peak.parse().unwrap(), estimate.parse::<f64>().unwrap() * 1e9)
}

#[test]
fn the_memory_estimate_is_within_a_quarter_of_the_peak() {
    for extra in
        [&[][..], &["-assemble"], &["-pc_type", "gmg", "-ksp_type", "preonly"], &["-assemble", "-pc_type", "gamg"]]
    {
        // The peak is reached once the solver is set up: 100 iterations
        // taken as converged stand for a whole iterative solve (CG without
        // a preconditioner takes 1,555 here, 15 s, 60 s beside other tests).
        let iterative = !extra.contains(&"preonly");
        let bounded: &[&str] = if iterative { &["-ksp_max_it", "100", "-ksp_converged_maxits"] } else { &[] };
        let args = [&["-nx", "1025", "-ny", "1025", "-memory_view"][..], bounded, extra].concat();
        let run = poisson(2, &args);
        run.assert_success();
        let (peak, estimate) = peak_and_estimate(&run);
        assert!((estimate / peak - 1.0).abs() < 0.25, "{args:?}: estimate {estimate:.3e}, peak {peak:.3e}");
    }
}

#[test]
fn gmg_refuses_3d_grids_that_coarsen_badly() {
    // 33 intervals: no coarser level, and 39,304 unknowns to factor.
    let args = ["-dim", "3", "-nx", "34", "-ny", "34", "-nz", "34", "-pc_type", "gmg"];
    assert_fails(&poisson(2, &args), &args, "the 34 x 34 x 34 grid coarsens no further than 34 x 34 x 34 points");
    // 17 intervals on one level: 5,832 unknowns, solved in about a second.
    let args = ["-dim", "3", "-nx", "18", "-ny", "18", "-nz", "18", "-pc_type", "gmg"];
    poisson(2, &args).assert_success();
}

#[test]
fn chebyshev_with_sor_ends_with_its_report() {
    for ranks in [1, 2] {
        let args = ["-nx", "17", "-ny", "17", "-assemble", "-pc_type", "sor", "-ksp_type", "chebyshev"];
        let run = poisson(ranks, &args);
        assert!(matches!(run.status, Some(0 | 2)), "{args:?}: {:?}\n{}", run.status, run.stderr);
        assert!(run.stdout.contains("Result: "), "{}", run.stdout);
    }
}

#[test]
fn error_paths_free_what_they_made() {
    let dir = scratch("leaks");
    let reference = dir.join("small.dat");
    poisson(1, &["-nx", "9", "-ny", "9", "-solution_view", &format!("binary:{}", reference.display())])
        .assert_success();
    let bad = [
        vec![
            "-nx".to_string(),
            "33".into(),
            "-ny".into(),
            "33".into(),
            "-solution_view".into(),
            "vtk:/no/dir/u.vts".into(),
        ],
        vec![
            "-nx".into(),
            "33".into(),
            "-ny".into(),
            "33".into(),
            "-reference".into(),
            reference.display().to_string(),
        ],
        vec!["-nx".into(), "33".into(), "-ny".into(), "33".into(), "-ksp_vieww".into()],
    ];
    for args in bad {
        let args: Vec<&str> = args.iter().map(String::as_str).chain(["-malloc_dump"]).collect();
        let run = poisson(2, &args);
        assert_eq!(run.status, Some(1), "{args:?}:\n{}", run.stderr);
        let leaks: Vec<&str> = run.stdout.lines().chain(run.stderr.lines()).filter(|l| l.contains("bytes")).collect();
        assert!(leaks.is_empty(), "{args:?} leaves PETSc memory:\n{}", leaks.join("\n"));
    }
}
