//! Matrices: assembled ones filled through grid (stencil) indices, and shell
//! matrices whose action is Rust code.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;

use petsc_sys as sys;

use crate::error::run_callback;
use crate::{
    Dm, Error, Life, PetscReal, PetscScalar, Result, Vector, check, from_c, report_drop_error, to_petsc_int, to_usize,
};

/// A grid point (and component) of a DMDA: `i` along x, `j` along y, `k`
/// along z, `c` the unknown at that point.
pub use sys::MatStencil;

/// The action of a matrix-free operator. Errors and panics in these methods
/// reach the caller of the PETSc operation (`Mat::mult`, `Ksp::solve`...) as
/// an [`Error`] of kind `Local` (it may have happened on some ranks only); they never unwind through PETSc.
pub trait ShellOperator {
    /// y = A x
    fn mult(&mut self, x: &Vector, y: &mut Vector) -> Result<()>;

    /// The diagonal of A, for Jacobi-type preconditioners. Operators that
    /// provide it return true from [`ShellOperator::has_diagonal`].
    fn diagonal(&mut self, _d: &mut Vector) -> Result<()> {
        Err(Error::callback("this shell matrix has no diagonal"))
    }

    /// Whether [`ShellOperator::diagonal`] is provided.
    fn has_diagonal(&self) -> bool {
        false
    }

    /// The squares of b - A x and of b summed over this rank's rows, for
    /// operators that can without forming the residual (see
    /// [`Mat::residual_norms`]).
    fn residual_squares(&mut self, _x: &Vector, _b: &Vector) -> Option<Result<[f64; 2]>> {
        None
    }
}

/// A closure is an operator with no diagonal.
impl<F: FnMut(&Vector, &mut Vector) -> Result<()>> ShellOperator for F {
    fn mult(&mut self, x: &Vector, y: &mut Vector) -> Result<()> {
        self(x, y)
    }
}

/// Thin pointer to the operator, handed to PETSc as the shell's context.
type ShellContext<'a> = Box<dyn ShellOperator + 'a>;

/// A PETSc Mat. `'a` covers the PETSc it was made with and what a shell
/// matrix's operator borrows.
pub struct Mat<'a> {
    raw: sys::Mat,
    // Boxed twice so PETSc holds a thin pointer that stays put.
    shell: Option<Box<ShellContext<'a>>>,
    _life: Life<'a>,
}

impl<'a> Mat<'a> {
    pub(crate) fn from_raw(raw: sys::Mat) -> Self {
        Mat { raw, shell: None, _life: PhantomData }
    }

    pub(crate) fn raw(&self) -> sys::Mat {
        self.raw
    }

    /// Whether the action is Rust code (made by [`Mat::shell`]).
    pub(crate) fn is_shell(&self) -> bool {
        self.shell.is_some()
    }

    /// A matrix-free operator on the vectors of `dm`.
    pub fn shell(dm: &Dm<'a>, operator: impl ShellOperator + 'a) -> Result<Self> {
        let (local, global) = dm.vector_sizes()?;
        let (local, global) = (to_petsc_int(local, "the local size")?, to_petsc_int(global, "the global size")?);
        let has_diagonal = operator.has_diagonal();
        let mut context: Box<ShellContext<'a>> = Box::new(Box::new(operator));
        let ctx = &mut *context as *mut ShellContext<'a> as *mut c_void;
        let mut comm = sys::MPI_Comm(ptr::null_mut());
        // SAFETY: valid DM and out-pointer.
        check(unsafe { sys::PetscObjectGetComm(dm.raw() as sys::PetscObject, &mut comm) })?;
        let mut raw = ptr::null_mut();
        // SAFETY: ctx points into a box that self keeps until MatDestroy.
        check(unsafe { sys::MatCreateShell(comm, local, local, global, global, ctx, &mut raw) })?;
        let mat = Mat { raw, shell: Some(context), _life: PhantomData };
        type MultFn = unsafe extern "C" fn(sys::Mat, sys::Vec, sys::Vec) -> sys::PetscErrorCode;
        type DiagonalFn = unsafe extern "C" fn(sys::Mat, sys::Vec) -> sys::PetscErrorCode;
        type AnyFn = unsafe extern "C" fn();
        // SAFETY: each function has the exact signature of its operation;
        // PETSc casts it back before calling.
        unsafe {
            let mult = std::mem::transmute::<MultFn, AnyFn>(shell_mult);
            check(sys::MatShellSetOperation(raw, sys::MATOP_MULT, Some(mult)))?;
            if has_diagonal {
                let diagonal = std::mem::transmute::<DiagonalFn, AnyFn>(shell_diagonal);
                check(sys::MatShellSetOperation(raw, sys::MATOP_GET_DIAGONAL, Some(diagonal)))?;
            }
            // Lets preconditioners that use the grid (PCMG's Galerkin-free
            // paths, viewers) find it from the operator.
            check(sys::MatSetDM(raw, dm.raw()))?;
        }
        Ok(mat)
    }

    /// Sets entries by grid indices (the DMDA's numbering is PETSc's
    /// business): `values` is row-major, rows x cols.
    pub fn set_values_stencil(
        &mut self,
        rows: &[MatStencil],
        cols: &[MatStencil],
        values: &[PetscScalar],
    ) -> Result<()> {
        if values.len() != rows.len() * cols.len() {
            return Err(Error::usage(format!(
                "{} values for {} rows and {} columns",
                values.len(),
                rows.len(),
                cols.len()
            )));
        }
        let (m, n) = (to_petsc_int(rows.len(), "rows")?, to_petsc_int(cols.len(), "columns")?);
        // SAFETY: lengths checked; PETSc copies the values.
        check(unsafe {
            sys::MatSetValuesStencil(self.raw, m, rows.as_ptr(), n, cols.as_ptr(), values.as_ptr(), sys::INSERT_VALUES)
        })
    }

    /// Finishes assembly (collective).
    pub fn assemble(&mut self) -> Result<()> {
        // SAFETY: valid Mat.
        check(unsafe { sys::MatAssemblyBegin(self.raw, sys::MAT_FINAL_ASSEMBLY) })?;
        // SAFETY: valid Mat, after Begin.
        check(unsafe { sys::MatAssemblyEnd(self.raw, sys::MAT_FINAL_ASSEMBLY) })
    }

    /// y = A x
    pub fn mult(&self, x: &Vector, y: &mut Vector) -> Result<()> {
        // SAFETY: valid Mat and Vecs (PETSc checks the layouts).
        check(unsafe { sys::MatMult(self.raw, x.raw(), y.raw()) })
    }

    /// ||b - A x||₂ and ||b||₂. A shell operator that can sums both in
    /// one pass over x and b; otherwise the residual is formed in a new
    /// vector. Collective.
    pub fn residual_norms(&self, x: &Vector, b: &Vector) -> Result<[PetscReal; 2]> {
        if self.is_shell() {
            // SAFETY: a shell made by Mat::shell, not in one of its callbacks.
            let op = unsafe { operator(self.raw) }?;
            if let Some(local) = op.residual_squares(x, b) {
                let (local, mut sums): ([f64; 2], [f64; 2]) = (local?, [0.0; 2]);
                let mut comm = sys::MPI_Comm(ptr::null_mut());
                // SAFETY: valid Mat, out-pointer.
                check(unsafe { sys::PetscObjectGetComm(self.raw as sys::PetscObject, &mut comm) })?;
                let (sent, received) = (local.as_ptr().cast(), sums.as_mut_ptr().cast());
                // SAFETY: two doubles in, two out, on the matrix's communicator.
                let rc = unsafe {
                    let (double, add) = (mpi::ffi::RSMPI_DOUBLE, mpi::ffi::RSMPI_SUM);
                    mpi::ffi::MPI_Allreduce(sent, received, 2, double, add, comm)
                };
                if rc != 0 {
                    return Err(Error::mpi("MPI_Allreduce", rc));
                }
                return Ok(sums.map(f64::sqrt));
            }
        }
        let mut r = b.duplicate()?;
        self.mult(x, &mut r)?;
        r.axpy(-1.0, b)?;
        Ok([r.norm(crate::NormType::Two)?, b.norm(crate::NormType::Two)?])
    }

    /// Tells PETSc (and the preconditioners that ask) the matrix is symmetric.
    pub fn set_symmetric(&mut self, symmetric: bool) -> Result<()> {
        let flag = if symmetric { sys::PETSC_TRUE } else { sys::PETSC_FALSE };
        // SAFETY: valid Mat.
        check(unsafe { sys::MatSetOption(self.raw, sys::MAT_SYMMETRIC, flag) })?;
        // SAFETY: valid Mat.
        check(unsafe { sys::MatSetOption(self.raw, sys::MAT_SYMMETRY_ETERNAL, flag) })
    }

    /// Whether the assembled matrix equals its transpose to `tolerance`
    /// (PETSc compares the entries).
    pub fn is_symmetric(&self, tolerance: PetscReal) -> Result<bool> {
        let mut flag = sys::PETSC_FALSE;
        // SAFETY: valid Mat, out-pointer.
        check(unsafe { sys::MatIsSymmetric(self.raw, tolerance, &mut flag) })?;
        Ok(flag == sys::PETSC_TRUE)
    }

    /// Stored nonzeros over all ranks (collective): what an assembled
    /// product reads, as PETSc counts it after assembly.
    pub fn nonzeros(&self) -> Result<usize> {
        // SAFETY: MatInfo is plain old data, filled by MatGetInfo.
        let mut info: sys::MatInfo = unsafe { std::mem::zeroed() };
        // SAFETY: valid Mat, out-pointer.
        check(unsafe { sys::MatGetInfo(self.raw, sys::MAT_GLOBAL_SUM, &mut info) })?;
        // A count kept as a double.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let nonzeros = info.nz_used as u64;
        to_usize(nonzeros, "the nonzero count")
    }

    /// The matrix type ("seqaij", "mpiaij", "shell"...).
    pub fn mat_type(&self) -> Result<String> {
        let mut name = ptr::null();
        // SAFETY: valid Mat; the name is PETSc's.
        check(unsafe { sys::MatGetType(self.raw, &mut name) })?;
        Ok(from_c(name))
    }

    /// Views the matrix as `-name` in the options database asks.
    pub fn view_from_options(&self, name: &str) -> Result<()> {
        let name = crate::c_string(name)?;
        // SAFETY: valid Mat and option name.
        check(unsafe { sys::MatViewFromOptions(self.raw, ptr::null_mut(), name.as_ptr()) })
    }
}

impl Drop for Mat<'_> {
    fn drop(&mut self) {
        // SAFETY: owned Mat; a KSP that referenced it borrowed it, so is gone.
        report_drop_error("MatDestroy", check(unsafe { sys::MatDestroy(&mut self.raw) }));
    }
}

/// The operator behind a shell matrix.
///
/// # Safety
/// `mat` must be a shell made by [`Mat::shell`], whose context is alive.
unsafe fn operator<'m>(mat: sys::Mat) -> Result<&'m mut ShellContext<'m>> {
    let mut ctx: *mut c_void = ptr::null_mut();
    // SAFETY: MatShellGetContext writes the context pointer into ctx.
    check(unsafe { sys::MatShellGetContext(mat, &mut ctx as *mut *mut c_void as *mut c_void) })?;
    // SAFETY: the context is the ShellContext Mat::shell registered.
    Ok(unsafe { &mut *(ctx as *mut ShellContext<'m>) })
}

unsafe extern "C" fn shell_mult(mat: sys::Mat, x: sys::Vec, y: sys::Vec) -> sys::PetscErrorCode {
    run_callback(|| {
        // SAFETY: PETSc calls this only for shells made by Mat::shell.
        let op = unsafe { operator(mat) }?;
        let (x, mut y) = (Vector::borrowed(x), Vector::borrowed(y));
        op.mult(&x, &mut y)
    })
}

unsafe extern "C" fn shell_diagonal(mat: sys::Mat, d: sys::Vec) -> sys::PetscErrorCode {
    run_callback(|| {
        // SAFETY: as in shell_mult.
        let op = unsafe { operator(mat) }?;
        op.diagonal(&mut Vector::borrowed(d))
    })
}
