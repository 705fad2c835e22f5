//! Preconditioners written in Rust, registered with PETSc as PC types, so
//! `-pc_type <name>` selects them like any of PETSc's own.
//!
//! The type is built on PCSHELL: its constructor is PETSc's shell
//! constructor followed by our callbacks. The Rust object is made at
//! PCSetUp, from the PC's DM, by the factory given at registration, and
//! dropped by PCDestroy. Errors and panics in any of it come back from the
//! PETSc call that ran it (`Ksp::solve`...) and never unwind through C.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::ptr;

use petsc_sys as sys;

use crate::error::run_callback;
use crate::{Dm, Error, Petsc, Result, Vector, c_string, check};

/// The action of a preconditioner.
pub trait Preconditioner {
    /// y = B x, B approximating the operator's inverse.
    fn apply(&mut self, x: &Vector, y: &mut Vector) -> Result<()>;

    /// What `-ksp_view` shows, one item per line.
    fn describe(&self) -> String;
}

/// Names a preconditioner type at compile time: PETSc gives the type's
/// constructor no argument but the PC, so each type has its own.
pub trait PcType {
    /// The name `-pc_type` selects it by.
    const NAME: &'static str;
}

type Boxed<'p> = Box<dyn Preconditioner + 'p>;
/// Builds the preconditioner at PCSetUp from the PC's DM.
type Factory<'p> = Box<dyn FnMut(&Dm<'p>) -> Result<Boxed<'p>> + 'p>;

/// A preconditioner built for a PC, from its set-up to its destruction.
struct Built {
    /// The PC's address: PETSc's callbacks give nothing else.
    pc: usize,
    /// The type that built it.
    name: &'static str,
    /// Lent out (None) while a callback runs it.
    object: Option<Boxed<'static>>,
}

// PETSc runs on one thread. The lifetimes are erased here and restored by
// Registration, which removes its factory and everything it built before
// 'p ends. PCSHELL's own context is reachable only while the type is
// named "shell", and ours is not: hence a table of our own, kept in the
// order things were built so they are destroyed in the same order on every
// rank.
thread_local! {
    static FACTORIES: RefCell<HashMap<&'static str, Factory<'static>>> = RefCell::new(HashMap::new());
    static BUILT: RefCell<Vec<Built>> = const { RefCell::new(Vec::new()) };
}

/// Keeps a registered type usable while [`Petsc::with_pc`] runs its body;
/// dropped there, where no caller can forget it, it destroys what the
/// factory built and withdraws the factory.
struct Registration {
    name: &'static str,
}

impl<'p> Petsc<'_> {
    /// Registers `T::NAME` as a PC type made by `factory`, runs `body`, and
    /// withdraws the type: the preconditioners the factory built are
    /// destroyed (newest first, the same on every rank), and a PC of that
    /// type applied or set up afterwards fails with an error. A scope
    /// rather than a guard, so that nothing the factory borrows can go
    /// first, even if a guard were forgotten. One registration of a name
    /// at a time.
    pub fn with_pc<T: PcType, R>(
        &'p self,
        factory: impl FnMut(&Dm<'p>) -> Result<Boxed<'p>> + 'p,
        body: impl FnOnce() -> R,
    ) -> Result<R> {
        if FACTORIES.with(|f| f.borrow().contains_key(T::NAME)) {
            return Err(Error::usage(format!("PC type {} is already registered", T::NAME)));
        }
        let name = c_string(T::NAME)?;
        // SAFETY: PETSc copies the name; create::<T> has the signature it expects.
        check(unsafe { sys::PCRegister(name.as_ptr(), Some(create::<T>)) })?;
        let boxed: Factory<'p> = Box::new(factory);
        // SAFETY: only the lifetime changes; the registration below removes
        // the factory, and what it built, when this call ends (returning or
        // unwinding), while everything 'p covers is still alive.
        let boxed: Factory<'static> = unsafe { std::mem::transmute(boxed) };
        FACTORIES.with(|f| f.borrow_mut().insert(T::NAME, boxed));
        let _registration = Registration { name: T::NAME };
        Ok(body())
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mine = take_built(|b| b.name == self.name);
        // Outside the tables: destruction may run PETSc code that reaches them.
        drop_newest_first(mine);
        drop(FACTORIES.with(|f| f.borrow_mut().remove(self.name)));
    }
}

/// Removes from the table the preconditioners `which` selects.
fn take_built(which: impl Fn(&Built) -> bool) -> Vec<Built> {
    BUILT.with(|b| {
        let mut table = b.borrow_mut();
        let (taken, kept) = table.drain(..).partition(|e| which(e));
        *table = kept;
        taken
    })
}

fn drop_newest_first(built: Vec<Built>) {
    for entry in built.into_iter().rev() {
        drop(entry.object);
    }
}

unsafe extern "C" fn create<T: PcType>(pc: sys::PC) -> sys::PetscErrorCode {
    run_callback(|| {
        let name = CString::new(T::NAME).map_err(|_| Error::callback("PC type name contains a NUL byte"))?;
        // SAFETY: pc is the PC being given this type; the shell constructor
        // runs first, then its setters (composed methods, which do not look
        // at the type name), as PCSetType does for PCSHELL.
        unsafe {
            check(sys::compat::PCCreate_Shell(pc))?;
            check(sys::PCShellSetSetUp(pc, Some(set_up::<T>)))?;
            check(sys::PCShellSetApply(pc, Some(apply)))?;
            check(sys::PCShellSetView(pc, Some(view)))?;
            check(sys::PCShellSetDestroy(pc, Some(destroy)))?;
            check(sys::PCShellSetName(pc, name.as_ptr()))
        }
    })
}

/// Runs `f` on the preconditioner built for `pc`, lent out of the table
/// meanwhile (so `f` may run PETSc code that reaches the table again).
fn with_built<R>(pc: sys::PC, f: impl FnOnce(&mut Boxed<'static>) -> Result<R>) -> Result<R> {
    let key = pc as usize;
    let lent = BUILT.with(|b| b.borrow_mut().iter_mut().find(|e| e.pc == key).and_then(|e| e.object.take()));
    let mut object = lent.ok_or_else(|| Error::callback("preconditioner used before its set-up, or withdrawn"))?;
    let result = f(&mut object);
    // Its registration may have gone meanwhile: then it goes too.
    let back = BUILT.with(|b| match b.borrow_mut().iter_mut().find(|e| e.pc == key) {
        Some(entry) => {
            entry.object = Some(object);
            None
        }
        None => Some(object),
    });
    drop(back);
    result
}

unsafe extern "C" fn set_up<T: PcType>(pc: sys::PC) -> sys::PetscErrorCode {
    run_callback(|| {
        let mut raw = ptr::null_mut();
        // SAFETY: valid PC, out-pointer.
        check(unsafe { sys::PCGetDM(pc, &mut raw) })?;
        if raw.is_null() {
            return Err(Error::usage(format!("-pc_type {} needs the solver's grid (KSPSetDM)", T::NAME)));
        }
        let dm = Dm::borrowed(raw)?;
        // A set-up again (new operators) replaces the old one first.
        drop_newest_first(take_built(|b| b.pc == pc as usize));
        let mut factory = FACTORIES
            .with(|f| f.borrow_mut().remove(T::NAME))
            .ok_or_else(|| Error::usage(format!("-pc_type {} is not available here", T::NAME)))?;
        let built = factory(&dm);
        FACTORIES.with(|f| f.borrow_mut().insert(T::NAME, factory));
        let object = Some(built?);
        BUILT.with(|b| b.borrow_mut().push(Built { pc: pc as usize, name: T::NAME, object }));
        Ok(())
    })
}

unsafe extern "C" fn apply(pc: sys::PC, x: sys::Vec, y: sys::Vec) -> sys::PetscErrorCode {
    run_callback(|| {
        let (x, mut y) = (Vector::borrowed(x), Vector::borrowed(y));
        with_built(pc, |p| p.apply(&x, &mut y))
    })
}

unsafe extern "C" fn view(pc: sys::PC, viewer: sys::PetscViewer) -> sys::PetscErrorCode {
    run_callback(|| {
        let mut ascii = sys::PETSC_FALSE;
        // SAFETY: valid viewer, constant type name, out-pointer.
        check(unsafe { sys::PetscObjectTypeCompare(viewer.cast(), c"ascii".as_ptr(), &mut ascii) })?;
        let set_up = BUILT.with(|b| b.borrow().iter().any(|e| e.pc == pc as usize && e.object.is_some()));
        if ascii != sys::PETSC_TRUE || !set_up {
            return Ok(());
        }
        let text = with_built(pc, |p| Ok(p.describe()))?;
        for line in text.lines() {
            let line = c_string(&format!("  {line}\n"))?;
            // SAFETY: constant format with one C string argument.
            check(unsafe { sys::PetscViewerASCIIPrintf(viewer, c"%s".as_ptr(), line.as_ptr()) })?;
        }
        Ok(())
    })
}

unsafe extern "C" fn destroy(pc: sys::PC) -> sys::PetscErrorCode {
    run_callback(|| {
        drop_newest_first(take_built(|b| b.pc == pc as usize));
        Ok(())
    })
}
