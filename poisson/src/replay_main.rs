//! `poisson-replay RECORD`: reruns the run a record (`poisson -record
//! RECORD`) describes, with mpiexec on the same number of processes, and
//! tells whether it reproduced it. Exit status: 0 reproduced, 3 not, 1 an
//! error. `MPIEXEC` names the mpiexec to use; the poisson run is the one
//! beside this program.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use poisson::record::Record;
use poisson::replay;
use poisson::report::stderr_line;

const EXIT_ERROR: u8 = 1;
const EXIT_NOT_REPRODUCED: u8 = 3;

fn main() -> ExitCode {
    match replay_file() {
        Ok(verdict) => {
            print!("{}", verdict.table());
            ExitCode::from(if verdict.reproduced() { 0 } else { EXIT_NOT_REPRODUCED })
        }
        Err(message) => {
            stderr_line(format_args!("poisson-replay: error: {message}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn replay_file() -> Result<replay::Verdict, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else { return Err("usage: poisson-replay RECORD".into()) };
    let recorded = Record::read(Path::new(path))?;
    let fresh = std::env::temp_dir().join(format!("poisson-replay-{}.json", std::process::id()));
    let replayed = rerun(&recorded, &fresh).and_then(|()| Record::read(&fresh));
    let _ = std::fs::remove_file(&fresh);
    Ok(replay::compare(&recorded, &replayed?))
}

/// Runs the record's options under mpiexec, recording to `fresh`.
fn rerun(recorded: &Record, fresh: &Path) -> Result<(), String> {
    let mpiexec = std::env::var_os("MPIEXEC").map_or_else(|| PathBuf::from("mpiexec"), PathBuf::from);
    let mut command = Command::new(&mpiexec);
    command
        .args(["-n", &recorded.problem.ranks.to_string()])
        .arg(poisson_beside()?)
        .args(replay::arguments(recorded))
        .arg("-record")
        .arg(fresh)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let status = command.status().map_err(|e| format!("{}: {e}", mpiexec.display()))?;
    // 2: ran to its end without converging, as a record may say it did.
    match status.code() {
        Some(0 | 2) => Ok(()),
        _ => Err(format!("the rerun failed ({status}): {command:?}")),
    }
}

/// The poisson program beside this one.
fn poisson_beside() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    Ok(me.with_file_name("poisson"))
}
