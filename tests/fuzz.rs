//! Hostile command lines, generated from a seed: the program's own options
//! (read from its -help) and PETSc's common ones, with hostile values and
//! file targets that cannot be written. Whatever the line, the job ends by
//! itself within the timeout, with no panic, no signal, no PETSc traceback,
//! at most 2 lines of ours on stderr, and a failed run changes no file.
//! `POISSON_FUZZ_SEED` and `POISSON_FUZZ_RUNS` change the seed and count;
//! a failure prints the command line that reproduces it.

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::{Run, launch, poisson_binary, scratch};

const SEED: u64 = 20261129;
const RUNS: usize = 60;

/// PETSc options users reach for first.
const PETSC_OPTIONS: [&str; 12] = [
    "-ksp_type",
    "-pc_type",
    "-ksp_max_it",
    "-ksp_rtol",
    "-ksp_monitor",
    "-ksp_view",
    "-log_view",
    "-da_refine",
    "-da_grid_x",
    "-ksp_converged_reason",
    "-pc_gmg_levels",
    "-options_file",
];

/// Options whose value names a file (a viewer or a picture, or one read).
fn takes_file(option: &str) -> bool {
    option.ends_with("_view")
        || option.ends_with("_png")
        || option.ends_with("monitor")
        || option.contains("file")
        || option == "-reference"
        || option == "-record"
}

const VALUES: [&str; 24] = [
    "-1",
    "0",
    "1",
    "3",
    "17",
    "33",
    "2.5",
    "1e300",
    "99999999999",
    "abc",
    "",
    "true",
    "none",
    "gmg",
    "gamg",
    "lu",
    "cg",
    "chebyshev",
    "richardson",
    "preonly",
    "bogus",
    "manufactured",
    "seed",
    "3",
];

const VIEWERS: [&str; 6] = ["", "ascii:", "vtk:", "binary:", "hdf5:", ":"];

/// xorshift64*: small, seeded, the same sequence everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a, T: ?Sized>(&mut self, from: &[&'a T]) -> &'a T {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn poisson(ranks: usize, args: &[&str]) -> Run {
    launch(&[], ranks, poisson_binary(), args, &[], Duration::from_secs(60))
}

/// The program's own options, as its -help lists them.
fn declared_options() -> Vec<String> {
    let help = poisson(1, &["-help"]);
    let section = help.stdout.split("Options of poisson").nth(1).expect("-help lists our options");
    let ours: Vec<String> = section
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            l.trim_start().strip_prefix('-').map(|o| format!("-{}", o.split([' ', '<', ':']).next().unwrap()))
        })
        .collect();
    assert!(ours.len() >= 10, "too few options read from -help: {ours:?}");
    ours
}

#[test]
fn hostile_command_lines_end_cleanly() {
    let seed = std::env::var("POISSON_FUZZ_SEED").map_or(SEED, |s| s.parse().expect("a number"));
    let runs = std::env::var("POISSON_FUZZ_RUNS").map_or(RUNS, |s| s.parse().expect("a number"));
    let mut options = declared_options();
    options.extend(PETSC_OPTIONS.iter().map(|o| o.to_string()));
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let dir = scratch("fuzz");
    let good = ["good.vts", "good.png", "good.dat", "good.txt", "good.h5"].map(|f| dir.join(f));
    let scratch_dir = dir.display().to_string();
    let targets: Vec<String> = ["/nonexistent/dir/x", &scratch_dir, "/dev/full", "/dev/null", "/proc/version"]
        .iter()
        .map(|t| t.to_string())
        .chain(good.iter().map(|g| g.display().to_string()))
        .chain(["new.vts", "new.txt"].iter().map(|n| dir.join(n).display().to_string()))
        .collect();
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut random = Random(seed.max(1));
    let started = Instant::now();
    let mut statuses = [0usize; 3];
    for run_index in 0..runs {
        for g in &good {
            fs::write(g, "good\n").unwrap();
        }
        // Small by default, so that what is not refused solves quickly.
        let mut args: Vec<String> = ["-nx", "17", "-ny", "17", "-ksp_max_it", "300"].map(String::from).to_vec();
        for _ in 0..1 + random.next() % 4 {
            let option = random.pick(&options);
            args.push(option.to_string());
            let value = if takes_file(option) {
                format!("{}{}", random.pick(&VIEWERS), random.pick(&targets))
            } else {
                random.pick(&VALUES).to_string()
            };
            if !value.is_empty() {
                args.push(value);
            }
        }
        let ranks = 2 + (random.next() % 2) as usize;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line = format!("mpiexec -n {ranks} poisson {}", args.join(" "));
        let run = poisson(ranks, &args);
        let context =
            format!("run {run_index} (seed {seed}): {line}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        let status = run.status.unwrap_or_else(|| panic!("ended by a signal: {context}"));
        assert!((0..=2).contains(&status), "exit status {status}: {context}");
        statuses[status as usize] += 1;
        for noise in ["panicked", "RUST_BACKTRACE", "PETSC ERROR", "internal error"] {
            assert!(!run.stderr.contains(noise), "{noise} on stderr: {context}");
        }
        assert!(run.our_errors().len() <= 2, "more than 2 lines of ours: {context}");
        if status == 1 {
            for g in &good {
                assert_eq!(fs::read_to_string(g).unwrap(), "good\n", "{} changed: {context}", g.display());
            }
        }
        let staged: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".poisson-"))
            .collect();
        assert!(staged.is_empty(), "staged files left: {context}");
    }
    println!(
        "fuzz: {runs} runs, seed {seed}, {:.0} s; exit 0: {}, 1: {}, 2: {}",
        started.elapsed().as_secs_f64(),
        statuses[0],
        statuses[1],
        statuses[2]
    );
}
