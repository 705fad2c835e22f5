//! PETSc errors as Rust values.
//!
//! PETSc's default handler prints a traceback to stderr; ours records the
//! first message of an error (where it was raised) and returns the code, so
//! the error reaches Rust with PETSc's own words and the program decides what
//! to print. Errors raised in Rust callbacks (shell matrices) are parked here
//! while PETSc unwinds its C frames, then handed back to the Rust caller.

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use petsc_sys as sys;
use sys::compat;

/// The result of a call into PETSc.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an error comes from: this decides whether every rank saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Raised by PETSc in a call made the same way on every rank.
    Petsc,
    /// Raised by Rust code: a wrong argument or an invalid state.
    Usage,
    /// Possibly raised on some ranks only: in a Rust callback PETSc called
    /// (an `Err` or a panic), or while PETSc initialized. Other ranks may be
    /// waiting in a collective call, so nothing collective should follow.
    Local,
    /// A file Rust code wrote could not be written, on the ranks that wrote it.
    Io,
}

/// A failed call: PETSc's code and message, and where it came from.
#[derive(Clone, Debug)]
pub struct Error {
    code: i32,
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of ours, for misuse detected on the Rust side.
    pub fn usage(message: impl Into<String>) -> Self {
        Error { code: compat::code_to_i32(compat::ERR_ARG_WRONG), kind: ErrorKind::Usage, message: message.into() }
    }

    /// An error a callback returns to make PETSc's call fail.
    pub fn callback(message: impl Into<String>) -> Self {
        Error { code: compat::code_to_i32(compat::ERR_USER), kind: ErrorKind::Local, message: message.into() }
    }

    /// A file that could not be written: `message` names it and says why.
    pub fn io(message: impl Into<String>) -> Self {
        Error { code: compat::code_to_i32(compat::ERR_FILE_WRITE), kind: ErrorKind::Io, message: message.into() }
    }

    /// A failed MPI call: PETSc's error code for MPI failures, with MPI's
    /// own code in the message. Possibly on some ranks only.
    pub(crate) fn mpi(function: &str, code: c_int) -> Self {
        Error {
            code: compat::code_to_i32(compat::ERR_MPI),
            kind: ErrorKind::Local,
            message: format!("{function} failed (MPI error {code})"),
        }
    }

    /// The same error, marked as possibly seen by some ranks only.
    pub(crate) fn local(self) -> Self {
        Error { kind: ErrorKind::Local, ..self }
    }

    /// PETSc's error code (`PETSC_ERR_*`).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// Where the error came from.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, on one line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with context put in front of its message.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

thread_local! {
    /// The message PETSc gave when the current error was first raised.
    static RAISED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// An error raised by a Rust callback, waiting to be re-raised in Rust.
    static PARKED: RefCell<Option<Error>> = const { RefCell::new(None) };
}

/// Turns a PETSc return code into a Result.
pub(crate) fn check(code: sys::PetscErrorCode) -> Result<()> {
    if code == compat::SUCCESS {
        return Ok(());
    }
    let raised = RAISED.with(|r| r.borrow_mut().take());
    if let Some(parked) = PARKED.with(|p| p.borrow_mut().take()) {
        return Err(parked);
    }
    let mut message = raised.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| generic_message(code));
    // PETSc names the routine that could not allocate, not the cause.
    if code == compat::ERR_MEM {
        message = format!("out of memory (in {})", one_line(&message));
    }
    Err(Error { code: compat::code_to_i32(code), kind: ErrorKind::Petsc, message: one_line(&message) })
}

/// PETSc's text for an error code ("Argument out of range"...).
fn generic_message(code: sys::PetscErrorCode) -> String {
    let mut text: *const c_char = ptr::null();
    // SAFETY: PetscErrorMessage only writes the pointer to a static string.
    let rc = unsafe { sys::PetscErrorMessage(code, &mut text, ptr::null_mut()) };
    if rc != compat::SUCCESS || text.is_null() {
        return format!("PETSc error {code}");
    }
    // SAFETY: non-null, NUL-terminated static string owned by PETSc.
    unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()
}

/// PETSc messages may span lines; ours are one line each.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The handler installed after PetscInitialize: records, prints nothing.
pub(crate) unsafe extern "C" fn record_error(
    _comm: sys::MPI_Comm,
    _line: c_int,
    _function: *const c_char,
    _file: *const c_char,
    code: sys::PetscErrorCode,
    kind: sys::PetscErrorType,
    message: *const c_char,
    _ctx: *mut c_void,
) -> sys::PetscErrorCode {
    if kind == sys::PETSC_ERROR_INITIAL && !message.is_null() {
        // SAFETY: PETSc passes a NUL-terminated message.
        let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
        // Never unwind into C: a poisoned or busy slot just loses the text.
        let _ = catch_unwind(|| RAISED.with(|r| r.try_borrow_mut().map(|mut r| *r = Some(text))));
    }
    code
}

/// Runs a Rust callback for PETSc: an `Err` or a panic is parked and PETSc
/// gets a non-zero code, so nothing unwinds through C.
pub(crate) fn run_callback(f: impl FnOnce() -> Result<()>) -> sys::PetscErrorCode {
    let error = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return compat::SUCCESS,
        Ok(Err(e)) => e.local(),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Error::callback(format!("callback panicked: {what}"))
        }
    };
    let _ = catch_unwind(AssertUnwindSafe(|| PARKED.with(|p| *p.borrow_mut() = Some(error))));
    compat::ERR_USER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        assert_eq!(one_line("Unknown type.\n  Check for miss-spelling\n"), "Unknown type. Check for miss-spelling");
    }

    #[test]
    fn context_goes_in_front() {
        let e = Error::usage("bad value").context("-nx");
        assert_eq!((e.to_string().as_str(), e.kind()), ("-nx: bad value", ErrorKind::Usage));
    }

    #[test]
    fn callback_errors_and_panics_are_parked_not_unwound() {
        assert_eq!(run_callback(|| Ok(())), compat::SUCCESS);
        assert_eq!(run_callback(|| Err(Error::usage("refused"))), compat::ERR_USER);
        // check() hands the parked error back, marked Local.
        let e = check(compat::ERR_USER).unwrap_err();
        assert_eq!((e.message(), e.kind()), ("refused", ErrorKind::Local));
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let code = run_callback(|| panic!("boom {}", 42));
        std::panic::set_hook(hook);
        assert_eq!(code, compat::ERR_USER);
        assert_eq!(check(code).unwrap_err().message(), "callback panicked: boom 42");
    }
}
