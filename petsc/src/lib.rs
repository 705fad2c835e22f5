//! A safe layer over `petsc-sys`.
//!
//! Ownership mirrors PETSc's runtime: MPI (an rsmpi [`Universe`]) outlives the
//! [`Petsc`] token, which outlives every object made with it. Objects borrow
//! the token, so the compiler rejects finalizing PETSc (or MPI) while an
//! object is alive; dropping objects in reverse order of creation is the same
//! on every rank, which keeps collective destruction in step.
//!
//! Every PETSc call is checked: a failure becomes an [`Error`] carrying
//! PETSc's own message, never a printed traceback.
//!
//! Every handle ([`Dm`], [`Vector`], [`Mat`], [`Ksp`], [`Stage`], [`Event`],
//! [`GhostExchange`], [`Hdf5File`]) carries the lifetime of the borrow of
//! [`Petsc`] it was made from, so none can be used or destroyed after PETSc
//! is finalized, and none can leave the thread PETSc runs on.
//! Preconditioner types written in Rust are registered for the span of a
//! call ([`Petsc::with_pc`]), which destroys what they built before it
//! returns. [`lifetimes`] shows the code this rejects, one example per
//! handle type.
#![deny(missing_docs)]
// Numbers cross between PETSc's integers (32-bit here) and Rust's sizes
// only through the checked conversions below.
#![deny(clippy::cast_possible_truncation, clippy::cast_possible_wrap, clippy::cast_sign_loss)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod buffer;
mod dm;
mod error;
mod ghost;
mod hdf5;
mod ksp;
pub mod launcher;
pub mod lifetimes;
mod log;
mod mat;
mod options;
mod partition;
mod pc;
mod vector;

use std::ffi::{CString, c_char, c_int};
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use mpi::environment::Universe;
use mpi::raw::AsRaw;
use mpi::topology::{Communicator, SimpleCommunicator};
use petsc_sys as sys;

pub use buffer::Buffer;
pub use dm::{Boundary, DaInfo, Dm, GridArray, GridView, GridViewMut, Patch, StencilType};
pub use error::{Error, ErrorKind, Result};
pub use ghost::{BoxLayout, FaceExchange, Faces, GhostExchange};
pub use hdf5::{Attribute, Hdf5File};
pub use ksp::{ConvergedReason, Ksp, Pc};
pub use log::{Event, EventGuard, Stage, StageGuard};
pub use mat::{Mat, MatStencil, ShellOperator};
pub use options::UnusedOption;
pub use pc::{PcType, Preconditioner};
pub use sys::{PetscInt, PetscReal, PetscScalar};
pub use vector::{ArrayRead, ArrayWrite, NormType, Vector};

use error::check;

/// PETSc's version as built against, e.g. `(3, 18, 5)`.
pub const VERSION: (u32, u32, u32) = (sys::PETSC_VERSION_MAJOR, sys::PETSC_VERSION_MINOR, sys::PETSC_VERSION_SUBMINOR);

/// What every handle holds: the borrow of the [`Petsc`] it was made from,
/// so it cannot outlive it, and PETSc's lack of thread safety (a shared
/// `Petsc` is neither `Send` nor `Sync`, so neither is the handle).
pub(crate) type Life<'p> = PhantomData<&'p Petsc<'p>>;

static INITIALIZED: AtomicBool = AtomicBool::new(false);

/// PETSc, initialized on top of an MPI that rsmpi owns. [`Petsc::finalize`]
/// (or dropping it) calls PetscFinalize, which then leaves MPI to rsmpi.
pub struct Petsc<'u> {
    world: SimpleCommunicator,
    // PETSc keeps pointers to argv for its whole life.
    _args: Vec<CString>,
    _argv: Vec<*mut c_char>,
    _universe: PhantomData<&'u Universe>,
    finalized: bool,
}

impl<'u> Petsc<'u> {
    /// Initializes PETSc with the program's arguments (read into the options
    /// database, with `PETSC_OPTIONS` and `-options_file`) and the help text
    /// printed by `-help` before PETSc's own options. An error here is
    /// [`ErrorKind::Local`]: abort ([`abort`]) rather than
    /// finalize, which could wait for ranks stuck in PETSc's start-up.
    pub fn init(universe: &'u Universe, args: impl IntoIterator<Item = String>, help: &str) -> Result<Self> {
        if INITIALIZED.swap(true, Ordering::SeqCst) {
            return Err(Error::usage("PETSc can be initialized only once per process"));
        }
        let args: Vec<CString> = args
            .into_iter()
            .map(|a| CString::new(a).map_err(|_| Error::usage("an argument contains a NUL byte")))
            .collect::<Result<_>>()?;
        let help = CString::new(help).map_err(|_| Error::usage("help text contains a NUL byte"))?;
        let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
        argv.push(ptr::null_mut());
        let mut argc = c_int::try_from(args.len()).map_err(|_| Error::usage("too many arguments"))?;
        let mut argv_ptr = argv.as_mut_ptr();
        // Installed first, so errors while initializing (a missing options
        // file...) are recorded rather than printed as a traceback.
        // SAFETY: record_error has the handler signature PETSc expects.
        check(unsafe { sys::PetscPushErrorHandler(Some(error::record_error), ptr::null_mut()) })?;
        // SAFETY: argc/argv describe NUL-terminated strings kept alive in self;
        // MPI is already initialized by rsmpi, so PETSc will not finalize it.
        // A failure may leave other ranks in a collective call: Local.
        check(unsafe { sys::PetscInitialize(&mut argc, &mut argv_ptr, ptr::null(), help.as_ptr()) })
            .map_err(Error::local)?;
        // A full disk must fail a write, not truncate the file silently.
        // SAFETY: PETSc is initialized; this swaps its printing hook.
        unsafe { sys::compat::check_writes() };
        launcher::send_promptly();
        Ok(Petsc { world: universe.world(), _args: args, _argv: argv, _universe: PhantomData, finalized: false })
    }

    /// The communicator every object here lives on (MPI_COMM_WORLD).
    pub fn world(&self) -> &SimpleCommunicator {
        &self.world
    }

    pub(crate) fn comm(&self) -> sys::MPI_Comm {
        self.world.as_raw()
    }

    /// This process's rank in [`Petsc::world`].
    pub fn rank(&self) -> usize {
        self.world.rank().unsigned_abs() as usize
    }

    /// The number of processes in [`Petsc::world`].
    pub fn size(&self) -> usize {
        self.world.size().unsigned_abs() as usize
    }

    /// Prints on the first rank, through PETSc's stdout (so it is ordered
    /// with PETSc's own monitors and viewers).
    pub fn print(&self, text: &str) -> Result<()> {
        let text = CString::new(text).map_err(|_| Error::usage("text contains a NUL byte"))?;
        // SAFETY: a constant "%s" format with one C string argument.
        check(unsafe { sys::PetscPrintf(self.comm(), c"%s".as_ptr(), text.as_ptr()) })
    }
}

impl Petsc<'_> {
    /// Finalizes PETSc, which writes what was asked for at the end
    /// (`-log_view`, `-memory_view`, `-malloc_dump`...): its failure is an
    /// error of the run, unlike one while dropping, which can only be printed.
    pub fn finalize(mut self) -> Result<()> {
        self.finalized = true;
        // SAFETY: self is consumed, and every object borrowed it: all are destroyed.
        check(unsafe { sys::PetscFinalize() }).map_err(|e| e.context("PETSc's finalization"))
    }
}

impl Drop for Petsc<'_> {
    fn drop(&mut self) {
        if !self.finalized {
            // SAFETY: every object borrowed this token, so all are destroyed.
            report_drop_error("PetscFinalize", check(unsafe { sys::PetscFinalize() }));
        }
    }
}

/// The PETSc library's version line ("PETSc Release Version 3.18.5, ..."),
/// as the library in use reports it; callable before [`Petsc::init`].
pub fn library_version() -> Result<String> {
    let mut text = vec![0 as c_char; 256];
    // SAFETY: a buffer of the length given; PETSc terminates the string.
    check(unsafe { sys::PetscGetVersion(text.as_mut_ptr(), text.len()) })?;
    Ok(from_c(text.as_ptr()).trim().to_string())
}

/// The options the PETSc built against was configured with ("unknown" when
/// its `petscvariables` was not found).
pub fn configure_options() -> &'static str {
    sys::CONFIGURE_OPTIONS
}

/// `n` copies of `value`, or an error saying "out of memory" when they
/// cannot be had: grid-sized buffers are made this way, so that running out
/// is an error the ranks can agree on rather than an abort of one of them.
pub fn filled_vec<T: Clone>(n: usize, value: T, what: &str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::usage(format!("out of memory ({} bytes for {what})", n * std::mem::size_of::<T>())))?;
    v.resize(n, value);
    Ok(v)
}

/// Flushes C's stdio buffers (PETSc's output), then aborts the job of
/// `comm`: for an error the other ranks may never learn of. Usable before
/// PETSc starts and after it ends.
pub fn abort(comm: &impl Communicator, code: i32) -> ! {
    // SAFETY: fflush(NULL) flushes every C output stream.
    unsafe { sys::fflush(ptr::null_mut()) };
    comm.abort(code)
}

/// Reports an error from a destructor, which cannot return it.
pub(crate) fn report_drop_error(what: &str, result: Result<()>) {
    if let Err(e) = result {
        eprintln!("{what} failed: {e}");
    }
}

/// A count or index PETSc gave, as a Rust size (PETSc gives none negative).
pub(crate) fn to_usize<T: TryInto<usize> + Copy + std::fmt::Display>(n: T, what: &str) -> Result<usize> {
    n.try_into().map_err(|_| Error::usage(format!("{what}: PETSc gave {n}, not a size")))
}

/// A Rust size as PETSc's integer, which may be 32 bits wide.
pub(crate) fn to_petsc_int(n: usize, what: &str) -> Result<PetscInt> {
    PetscInt::try_from(n).map_err(|_| {
        Error::usage(format!("{what}: {n} does not fit PETSc's {}-bit integers", 8 * std::mem::size_of::<PetscInt>()))
    })
}

/// A C string for a name given by Rust code.
pub(crate) fn c_string(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::usage(format!("{s:?} contains a NUL byte")))
}

/// A Rust string from a C string PETSc owns.
pub(crate) fn from_c(s: *const c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: PETSc returns NUL-terminated strings.
    unsafe { std::ffi::CStr::from_ptr(s) }.to_string_lossy().into_owned()
}
