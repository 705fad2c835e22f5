//! `poisson`: see `poisson -help` and README.md.

use std::panic;
use std::process::ExitCode;
use std::sync::Mutex;

use poisson::report::stderr_line;

/// Where the last panic happened; the hook prints nothing, since a panic in
/// a callback is caught and reported as an error with this location.
static PANIC_AT: Mutex<String> = Mutex::new(String::new());

fn main() -> ExitCode {
    panic::set_hook(Box::new(|info| {
        if let (Some(at), Ok(mut slot)) = (info.location(), PANIC_AT.lock()) {
            *slot = at.to_string();
        }
    }));
    let Some(universe) = mpi::initialize() else {
        stderr_line(format_args!("poisson: error: MPI could not be initialized"));
        return ExitCode::from(poisson::run::EXIT_ERROR);
    };
    let status = match panic::catch_unwind(|| poisson::run::main(&universe)) {
        Ok(status) => status,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = PANIC_AT.lock().map(|s| s.clone()).unwrap_or_default();
            stderr_line(format_args!("poisson: internal error: {what} (at {at})"));
            mpi::topology::Communicator::abort(&universe.world(), i32::from(poisson::run::EXIT_ERROR))
        }
    };
    // Dropping the universe finalizes MPI, after PETSc (finalized in run::main).
    drop(universe);
    ExitCode::from(status)
}
