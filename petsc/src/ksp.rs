//! Krylov solvers (KSP) and their preconditioners (PC).

use std::marker::PhantomData;
use std::ptr;

use petsc_sys as sys;

use crate::{
    Dm, Life, Mat, Petsc, PetscInt, PetscReal, Result, Vector, c_string, check, from_c, report_drop_error, to_usize,
};

/// A linear solver. `'m` is how long the PETSc it was made with, and the
/// operators and grid it is given, live: PETSc keeps references to them,
/// so they must outlive the solver.
pub struct Ksp<'m> {
    raw: sys::KSP,
    _life: Life<'m>,
}

/// Why a solve stopped, as PETSc says it (positive: converged, negative:
/// diverged). Kept as PETSc's integer and name: new releases add reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvergedReason {
    /// PETSc's `KSPConvergedReason`.
    pub code: i32,
    /// Its name, as `-ksp_converged_reason` prints it.
    pub name: String,
}

impl ConvergedReason {
    /// Whether the solve converged (rather than diverged or stopped).
    pub fn converged(&self) -> bool {
        self.code > 0
    }
}

impl<'m> Ksp<'m> {
    /// A solver on `petsc`'s communicator, with no operators yet.
    pub fn new(petsc: &'m Petsc<'_>) -> Result<Self> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid communicator, out-pointer.
        check(unsafe { sys::KSPCreate(petsc.comm(), &mut raw) })?;
        Ok(Ksp { raw, _life: PhantomData })
    }

    /// The operator and the matrix preconditioners are built from.
    pub fn set_operators(&mut self, a: &'m Mat<'_>, p: &'m Mat<'_>) -> Result<()> {
        // SAFETY: valid KSP and Mats, which outlive self ('m).
        check(unsafe { sys::KSPSetOperators(self.raw, a.raw(), p.raw()) })
    }

    /// Hands the solver an assembled matrix to keep, as operator and
    /// preconditioning matrix: PETSc holds a reference, so the solver can
    /// live in the same structure as no Mat handle. Shell matrices, whose
    /// action borrows Rust data, are refused.
    pub fn set_operator_owned(&mut self, a: Mat<'m>) -> Result<()> {
        if a.is_shell() {
            return Err(crate::Error::usage("a shell matrix cannot be handed over to a solver"));
        }
        // SAFETY: valid KSP and Mat; PETSc references the Mat before our
        // handle is dropped.
        check(unsafe { sys::KSPSetOperators(self.raw, a.raw(), a.raw()) })
    }

    /// Prefix of the options this solver reads (`-<prefix>ksp_type`...).
    pub fn set_options_prefix(&mut self, prefix: &str) -> Result<()> {
        let prefix = c_string(prefix)?;
        // SAFETY: valid KSP; PETSc copies the prefix.
        check(unsafe { sys::KSPSetOptionsPrefix(self.raw, prefix.as_ptr()) })
    }

    /// Gives the solver the grid its operators live on, for preconditioners
    /// that use it (PCMG builds its hierarchy and interpolation from a
    /// DMDA). The DM does not compute the operators or right-hand side:
    /// those stay the ones set here.
    pub fn set_dm(&mut self, dm: &'m Dm<'_>) -> Result<()> {
        // SAFETY: valid KSP and DM, which outlives self ('m); PETSc takes a reference.
        check(unsafe { sys::KSPSetDM(self.raw, dm.raw()) })?;
        // SAFETY: valid KSP, with the DM just set.
        check(unsafe { sys::KSPSetDMActive(self.raw, sys::PETSC_FALSE) })
    }

    /// Gives the grid to the preconditioner alone, for one that needs only
    /// its layout: the solver then makes its work vectors from the operator,
    /// and the DMDA need not be set up.
    pub fn set_pc_dm(&mut self, dm: &'m Dm<'_>) -> Result<()> {
        let pc = self.pc()?;
        // SAFETY: valid PC and DM, which outlives the solver ('m); PETSc
        // takes a reference.
        check(unsafe { sys::PCSetDM(pc.raw, dm.raw()) })
    }

    /// The Krylov method ("cg", "gmres", "preonly"...), as `-ksp_type` sets it.
    pub fn set_type(&mut self, name: &str) -> Result<()> {
        let name = c_string(name)?;
        // SAFETY: valid KSP and type name.
        check(unsafe { sys::KSPSetType(self.raw, name.as_ptr()) })
    }

    /// The Krylov method's name.
    pub fn ksp_type(&self) -> Result<String> {
        let mut name = ptr::null();
        // SAFETY: valid KSP; the name is PETSc's.
        check(unsafe { sys::KSPGetType(self.raw, &mut name) })?;
        Ok(from_c(name))
    }

    /// The solver's preconditioner (owned by the solver).
    pub fn pc(&mut self) -> Result<Pc<'_>> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid KSP, out-pointer.
        check(unsafe { sys::KSPGetPC(self.raw, &mut raw) })?;
        Ok(Pc { raw, _ksp: PhantomData })
    }

    /// Applies `-ksp_*` and `-pc_*` options (and the prefix's, if any).
    pub fn set_from_options(&mut self) -> Result<()> {
        // SAFETY: valid KSP.
        check(unsafe { sys::KSPSetFromOptions(self.raw) })
    }

    /// Builds the preconditioner; done by `solve` otherwise, but separately
    /// it can be timed, and its failures told apart from the solve's.
    pub fn set_up(&mut self) -> Result<()> {
        // SAFETY: valid KSP with operators.
        check(unsafe { sys::KSPSetUp(self.raw) })
    }

    /// Solves A x = b, with x as initial guess when `-ksp_initial_guess_nonzero`.
    pub fn solve(&mut self, b: &Vector, x: &mut Vector) -> Result<()> {
        // SAFETY: valid KSP and Vecs (PETSc checks layouts).
        check(unsafe { sys::KSPSolve(self.raw, b.raw(), x.raw()) })
    }

    /// The iterations the last solve took.
    pub fn iterations(&self) -> Result<usize> {
        let mut its: PetscInt = 0;
        // SAFETY: valid KSP, out-pointer.
        check(unsafe { sys::KSPGetIterationNumber(self.raw, &mut its) })?;
        to_usize(its, "the iteration count")
    }

    /// The last residual norm the method computed (in its norm type).
    pub fn residual_norm(&self) -> Result<PetscReal> {
        let mut norm = 0.0;
        // SAFETY: valid KSP, out-pointer.
        check(unsafe { sys::KSPGetResidualNorm(self.raw, &mut norm) })?;
        Ok(norm)
    }

    /// Why the last solve stopped.
    pub fn converged_reason(&self) -> Result<ConvergedReason> {
        let mut reason: sys::KSPConvergedReason = 0;
        // SAFETY: valid KSP, out-pointer.
        check(unsafe { sys::KSPGetConvergedReason(self.raw, &mut reason) })?;
        let mut name = ptr::null();
        // SAFETY: valid KSP; the string is PETSc's.
        check(unsafe { sys::KSPGetConvergedReasonString(self.raw, &mut name) })?;
        Ok(ConvergedReason { code: reason, name: from_c(name) })
    }

    /// Asks the solver to keep every residual norm of the next solves (the
    /// history is reset at each solve).
    pub fn record_residuals(&mut self) -> Result<()> {
        // SAFETY: valid KSP; a null array lets PETSc allocate and own it.
        check(unsafe { sys::KSPSetResidualHistory(self.raw, ptr::null_mut(), sys::compat::decide(), sys::PETSC_TRUE) })
    }

    /// The residual norms of the last solve, initial one first (empty unless
    /// [`Ksp::record_residuals`] was called).
    pub fn residual_history(&self) -> Result<Vec<PetscReal>> {
        let (mut norms, mut n): (*const PetscReal, PetscInt) = (ptr::null(), 0);
        // SAFETY: valid KSP, out-pointers; PETSc owns the array.
        check(unsafe { sys::KSPGetResidualHistory(self.raw, &mut norms, &mut n) })?;
        if norms.is_null() || n <= 0 {
            return Ok(Vec::new());
        }
        let n = to_usize(n, "the residual history's length")?;
        // SAFETY: PETSc returned n valid entries.
        Ok(unsafe { std::slice::from_raw_parts(norms, n) }.to_vec())
    }

    /// Relative, absolute and divergence tolerances and the iteration limit.
    pub fn tolerances(&self) -> Result<(PetscReal, PetscReal, PetscReal, usize)> {
        let (mut rtol, mut atol, mut dtol, mut maxits) = (0.0, 0.0, 0.0, 0 as PetscInt);
        // SAFETY: valid KSP, out-pointers.
        check(unsafe { sys::KSPGetTolerances(self.raw, &mut rtol, &mut atol, &mut dtol, &mut maxits) })?;
        Ok((rtol, atol, dtol, to_usize(maxits, "the iteration limit")?))
    }
}

/// A preconditioner, borrowed from the solver that owns it (so not
/// destroyed here: the solver's destruction takes it along).
pub struct Pc<'k> {
    raw: sys::PC,
    _ksp: PhantomData<&'k mut ()>,
}

impl Pc<'_> {
    /// The preconditioner ("jacobi", "gamg", a registered type...), as
    /// `-pc_type` sets it.
    pub fn set_type(&mut self, name: &str) -> Result<()> {
        let name = c_string(name)?;
        // SAFETY: valid PC and type name.
        check(unsafe { sys::PCSetType(self.raw, name.as_ptr()) })
    }

    /// For PCMG: builds the coarse operators as Galerkin products R A P of
    /// the preconditioning matrix (as `-pc_mg_galerkin pmat`).
    pub fn set_mg_galerkin(&mut self) -> Result<()> {
        // SAFETY: valid PC (of type mg: PETSc ignores the call otherwise).
        check(unsafe { sys::PCMGSetGalerkin(self.raw, sys::PC_MG_GALERKIN_PMAT) })
    }

    /// The type ("none", "jacobi", "gamg"...).
    pub fn pc_type(&self) -> Result<String> {
        let mut name = ptr::null();
        // SAFETY: valid PC; the name is PETSc's.
        check(unsafe { sys::PCGetType(self.raw, &mut name) })?;
        Ok(from_c(name))
    }
}

impl Drop for Ksp<'_> {
    fn drop(&mut self) {
        // SAFETY: owned KSP.
        report_drop_error("KSPDestroy", check(unsafe { sys::KSPDestroy(&mut self.raw) }));
    }
}
