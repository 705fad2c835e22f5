//! Running programs under `mpiexec` from tests: MPI initializes once per
//! process, so every MPI run is a child process of the test.

#![allow(dead_code)] // each test file uses its own part of this module

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// One MPI job at a time: the machine has few cores and MPI ranks spin
/// while they wait, so concurrent jobs would only slow each other down.
static ONE_JOB: Mutex<()> = Mutex::new(());

/// Longer than any run here takes; a run that exceeds it hangs.
const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// From start to exit.
    pub seconds: f64,
}

impl Run {
    /// The lines our program wrote to stderr (mpiexec adds its own).
    pub fn our_errors(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with("poisson:")).collect()
    }

    pub fn assert_success(&self) {
        assert_eq!(self.status, Some(0), "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
    }
}

/// The environment MPI jobs of the tests need: OpenMPI refuses root without
/// these, and more ranks than cores without oversubscription (OpenMPI 4 and
/// 5 spell it differently); ranks yield while they wait; no stray options.
/// As `scripts/mpi-env.sh`, OpenMPI's cm layer is left out unless
/// OMPI_MCA_pml says otherwise: it costs every start 0.2 s; and the
/// launcher does not wait a second before it ends the ranks of a failed run.
pub fn mpi_environment(command: &mut Command) -> &mut Command {
    if std::env::var_os("OMPI_MCA_pml").is_none() {
        command.env("OMPI_MCA_pml", "^cm");
    }
    command
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("PRTE_MCA_rmaps_default_mapping_policy", ":oversubscribe")
        .env("OMPI_MCA_mpi_yield_when_idle", "1")
        .env("OMPI_MCA_odls_base_sigkill_timeout", "0")
        .env_remove("PETSC_OPTIONS")
}

/// The program under test: set for the tests of the package that builds it.
pub fn poisson_binary() -> &'static Path {
    // Read when the test compiles; other packages' tests have none.
    let Some(path) = option_env!("CARGO_BIN_EXE_poisson") else { panic!("only tests of the poisson package run it") };
    Path::new(path)
}

/// Runs poisson with `args` on `ranks` processes.
pub fn poisson(ranks: usize, args: &[&str]) -> Run {
    mpiexec(ranks, poisson_binary(), args, &[])
}

/// Runs poisson with `args` on `ranks` processes; the run must succeed.
pub fn poisson_ok(ranks: usize, args: &[&str]) -> Run {
    let run = poisson(ranks, args);
    run.assert_success();
    run
}

/// Runs `program args` on `ranks` processes, oversubscribing if needed.
pub fn mpiexec(ranks: usize, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    launch(&[], ranks, program, args, env, TIMEOUT)
}

/// Runs `wrapper... mpiexec -n ranks program args` (a wrapper such as
/// `prlimit --as=N`); a job still running after `timeout` is killed and
/// fails the test with the command line that hung.
pub fn launch(
    wrapper: &[&str],
    ranks: usize,
    program: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Run {
    let _one = ONE_JOB.lock().unwrap_or_else(|e| e.into_inner());
    let (first, rest) =
        [wrapper, &["mpiexec"]].concat().split_first().map(|(f, r)| (f.to_string(), r.to_vec())).unwrap();
    let mut command = Command::new(first);
    mpi_environment(&mut command)
        .args(rest)
        .args(["-n", &ranks.to_string()])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("mpiexec runs (is OpenMPI installed?)");
    // Drained while the job runs, so a full pipe never blocks it.
    let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let (stdout, stderr) = (thread::spawn(move || read_all(out)), thread::spawn(move || read_all(err)));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > timeout {
            child.kill().ok();
            panic!(
                "{} mpiexec -n {ranks} {} {} hung for {timeout:?}",
                wrapper.join(" "),
                program.display(),
                args.join(" ")
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    let seconds = start.elapsed().as_secs_f64();
    Run { status: status.code(), stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap(), seconds }
}

fn read_all(mut pipe: impl Read) -> String {
    let mut text = String::new();
    pipe.read_to_string(&mut text).unwrap();
    text
}

/// Runs the `#[ignore]`d test `name` of the calling test binary on `ranks`
/// processes: how tests that need MPI inside the test process run.
pub fn under_mpi(name: &str, ranks: usize) {
    let exe = std::env::current_exe().unwrap();
    let run = mpiexec(ranks, &exe, &[name, "--exact", "--ignored", "--test-threads=1", "--nocapture"], &[]);
    assert_eq!(run.status, Some(0), "{name} on {ranks} ranks:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 passed"), "{name} did not run:\n{}", run.stdout);
}

/// A vector written by PETSc's binary viewer (`-solution_view binary:F`).
pub fn read_petsc_vec(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let word = |at: usize| i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(word(0), 1211214, "{} is not a PETSc binary Vec", path.display());
    let n = word(4) as usize;
    assert_eq!(bytes.len(), 8 + 8 * n, "{}: size does not match its header", path.display());
    bytes[8..].chunks_exact(8).map(|c| f64::from_be_bytes(c.try_into().unwrap())).collect()
}

/// A fresh directory for a test's files.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("poisson-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bad input: one clear line from us, a non-zero exit, no hang (the runner
/// times out), no panic, no PETSc traceback, no solve.
pub fn assert_refused(run: &Run, args: &[&str], expected: &str) {
    assert!(matches!(run.status, Some(s) if s != 0), "{args:?} exited with {:?}", run.status);
    let ours = run.our_errors();
    assert_eq!(ours.len(), 1, "{args:?}: expected one line, stderr:\n{}", run.stderr);
    assert!(ours[0].contains(expected), "{args:?}: {:?} lacks {expected:?}", ours[0]);
    for noise in ["panicked", "RUST_BACKTRACE", "PETSC ERROR"] {
        assert!(!run.stderr.contains(noise) && !run.stdout.contains(noise), "{args:?}: {noise} in output");
    }
    assert!(!run.stdout.contains("Result:"), "{args:?} solved anyway");
}
