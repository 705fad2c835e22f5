//! PETSc vectors and access to their local entries.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use petsc_sys as sys;

use crate::{
    Buffer, Life, PetscInt, PetscReal, PetscScalar, Result, c_string, check, from_c, report_drop_error, to_petsc_int,
    to_usize,
};

/// A PETSc Vec. Owned vectors are destroyed on drop; the ones PETSc lends to
/// a callback are not.
pub struct Vector<'p> {
    raw: sys::Vec,
    _life: Life<'p>,
    /// The entries, when the vector was made over a buffer of ours; freed
    /// after the Vec (fields drop after `Drop::drop`).
    _entries: Option<Buffer>,
}

/// Which norm [`Vector::norm`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormType {
    /// The sum of absolute values.
    One,
    /// The Euclidean norm.
    Two,
    /// The largest absolute value.
    Infinity,
}

impl<'p> Vector<'p> {
    /// Takes ownership of a Vec PETSc just created.
    pub(crate) fn from_raw(raw: sys::Vec) -> Self {
        Vector { raw, _life: PhantomData, _entries: None }
    }

    /// Wraps a Vec PETSc lends for the duration of a callback.
    pub(crate) fn borrowed(raw: sys::Vec) -> ManuallyDrop<Self> {
        ManuallyDrop::new(Vector::from_raw(raw))
    }

    /// A standard vector of `local` entries on this rank and `global` over
    /// `comm` (of one process when `sequential`), held in a [`Buffer`]
    /// whose chunks `fill(offset, chunk)` writes as they are mapped (see
    /// [`Buffer::filled`]). PETSc's own standard vector writes zeros over
    /// its fresh array, a page fault per 4 KiB: the solution and the
    /// right-hand side of a 4097² run on 2 ranks cost 20 ms more so.
    /// Collective.
    pub(crate) fn filled(
        comm: sys::MPI_Comm,
        sequential: bool,
        [local, global]: [usize; 2],
        granule: usize,
        fill: impl FnMut(usize, &mut [f64]),
    ) -> Result<Vector<'p>> {
        let entries = Buffer::filled(local, "a vector", granule, fill)?;
        let (n, big_n) = (to_petsc_int(local, "the local size")?, to_petsc_int(global, "the size")?);
        let mut raw = ptr::null_mut();
        // SAFETY: `entries` holds `local` f64s and outlives the Vec, which
        // never frees them (PETSc's "with array" vectors borrow theirs); the
        // sizes add up over the ranks (the caller's layout). One process
        // gets a sequential vector, as VECSTANDARD would.
        check(unsafe {
            if sequential {
                sys::VecCreateSeqWithArray(comm, 1, n, entries.as_ptr(), &mut raw)
            } else {
                sys::VecCreateMPIWithArray(comm, 1, n, big_n, entries.as_ptr(), &mut raw)
            }
        })?;
        Ok(Vector { raw, _life: PhantomData, _entries: Some(entries) })
    }

    pub(crate) fn raw(&self) -> sys::Vec {
        self.raw
    }

    /// A new vector with the same layout, entries not set.
    pub fn duplicate(&self) -> Result<Vector<'p>> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid Vec, out-pointer.
        check(unsafe { sys::VecDuplicate(self.raw, &mut raw) })?;
        Ok(Vector::from_raw(raw))
    }

    /// Names the vector (shown by viewers).
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        let name = c_string(name)?;
        // SAFETY: PETSc copies the name.
        check(unsafe { sys::PetscObjectSetName(self.raw as sys::PetscObject, name.as_ptr()) })
    }

    /// The vector's name (a viewer's name for it: the dataset `/name` of
    /// an HDF5 file).
    pub fn name(&self) -> Result<String> {
        let mut name = ptr::null();
        // SAFETY: out-pointer to a string the Vec owns, copied at once.
        check(unsafe { sys::PetscObjectGetName(self.raw as sys::PetscObject, &mut name) })?;
        Ok(from_c(name))
    }

    /// Sets every entry to `value`.
    pub fn set(&mut self, value: PetscScalar) -> Result<()> {
        // SAFETY: valid Vec.
        check(unsafe { sys::VecSet(self.raw, value) })
    }

    /// self = alpha * x + self
    pub fn axpy(&mut self, alpha: PetscScalar, x: &Vector) -> Result<()> {
        // SAFETY: valid Vecs of the same layout (PETSc checks).
        check(unsafe { sys::VecAXPY(self.raw, alpha, x.raw) })
    }

    /// self = x
    pub fn copy_from(&mut self, x: &Vector) -> Result<()> {
        // SAFETY: valid Vecs of the same layout (PETSc checks).
        check(unsafe { sys::VecCopy(x.raw, self.raw) })
    }

    /// A norm over all ranks (collective).
    pub fn norm(&self, kind: NormType) -> Result<PetscReal> {
        let kind = match kind {
            NormType::One => sys::NORM_1,
            NormType::Two => sys::NORM_2,
            NormType::Infinity => sys::NORM_INFINITY,
        };
        let mut value = 0.0;
        // SAFETY: valid Vec, out-pointer.
        check(unsafe { sys::VecNorm(self.raw, kind, &mut value) })?;
        Ok(value)
    }

    /// The number of entries on this rank.
    pub fn local_size(&self) -> Result<usize> {
        let mut n: PetscInt = 0;
        // SAFETY: valid Vec, out-pointer.
        check(unsafe { sys::VecGetLocalSize(self.raw, &mut n) })?;
        to_usize(n, "a vector's local size")
    }

    /// The number of entries over all ranks.
    pub fn size(&self) -> Result<usize> {
        let mut n: PetscInt = 0;
        // SAFETY: valid Vec, out-pointer.
        check(unsafe { sys::VecGetSize(self.raw, &mut n) })?;
        to_usize(n, "a vector's size")
    }

    /// Read access to this rank's entries.
    pub fn read(&self) -> Result<ArrayRead<'_>> {
        let len = self.local_size()?;
        let mut data: *const PetscScalar = ptr::null();
        // SAFETY: paired with VecRestoreArrayRead in ArrayRead's drop.
        check(unsafe { sys::VecGetArrayRead(self.raw, &mut data) })?;
        Ok(ArrayRead { vec: self.raw, data, len, _vec: PhantomData })
    }

    /// Write access to this rank's entries.
    pub fn write(&mut self) -> Result<ArrayWrite<'_>> {
        let len = self.local_size()?;
        let mut data: *mut PetscScalar = ptr::null_mut();
        // SAFETY: paired with VecRestoreArray in ArrayWrite's drop.
        check(unsafe { sys::VecGetArray(self.raw, &mut data) })?;
        Ok(ArrayWrite { vec: self.raw, data, len, _vec: PhantomData })
    }

    /// Views the vector as `-name` in the options database asks
    /// (`-name vtk:u.vts`, `-name binary:u.dat`...); nothing if not given.
    pub fn view_from_options(&self, name: &str) -> Result<()> {
        let name = c_string(name)?;
        // SAFETY: valid Vec and option name.
        check(unsafe { sys::VecViewFromOptions(self.raw, ptr::null_mut(), name.as_ptr()) })
    }
}

impl Drop for Vector<'_> {
    fn drop(&mut self) {
        // SAFETY: owned Vec (borrowed ones are ManuallyDrop).
        report_drop_error("VecDestroy", check(unsafe { sys::VecDestroy(&mut self.raw) }));
    }
}

/// A slice over the local entries for reading; restored on drop.
pub struct ArrayRead<'v> {
    vec: sys::Vec,
    data: *const PetscScalar,
    len: usize,
    _vec: PhantomData<&'v ()>,
}

impl Deref for ArrayRead<'_> {
    type Target = [PetscScalar];
    fn deref(&self) -> &[PetscScalar] {
        // An empty patch may come back as a null pointer; slices need non-null.
        let data = NonNull::new(self.data as *mut PetscScalar).unwrap_or(NonNull::dangling());
        // SAFETY: PETSc gave len valid entries at data until restored.
        unsafe { std::slice::from_raw_parts(data.as_ptr(), self.len) }
    }
}

impl Drop for ArrayRead<'_> {
    fn drop(&mut self) {
        // SAFETY: the pointer VecGetArrayRead returned.
        report_drop_error("VecRestoreArrayRead", check(unsafe { sys::VecRestoreArrayRead(self.vec, &mut self.data) }));
    }
}

/// A slice over the local entries for writing; restored on drop.
pub struct ArrayWrite<'v> {
    vec: sys::Vec,
    data: *mut PetscScalar,
    len: usize,
    _vec: PhantomData<&'v mut ()>,
}

impl Deref for ArrayWrite<'_> {
    type Target = [PetscScalar];
    fn deref(&self) -> &[PetscScalar] {
        let data = NonNull::new(self.data).unwrap_or(NonNull::dangling());
        // SAFETY: as for ArrayRead.
        unsafe { std::slice::from_raw_parts(data.as_ptr(), self.len) }
    }
}

impl DerefMut for ArrayWrite<'_> {
    fn deref_mut(&mut self) -> &mut [PetscScalar] {
        let data = NonNull::new(self.data).unwrap_or(NonNull::dangling());
        // SAFETY: exclusive access through &mut self until restored.
        unsafe { std::slice::from_raw_parts_mut(data.as_ptr(), self.len) }
    }
}

impl Drop for ArrayWrite<'_> {
    fn drop(&mut self) {
        // SAFETY: the pointer VecGetArray returned.
        report_drop_error("VecRestoreArray", check(unsafe { sys::VecRestoreArray(self.vec, &mut self.data) }));
    }
}
