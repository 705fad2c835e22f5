//! HDF5 files through PETSc's HDF5 viewer: a file a viewer wrote, opened
//! again to describe what it holds.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::path::Path;
use std::ptr;

use petsc_sys as sys;
use sys::compat;

use crate::{Error, Life, Petsc, PetscInt, PetscReal, Result, c_string, check, report_drop_error};

/// The value of an HDF5 attribute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attribute<'a> {
    /// PETSc's integer.
    Int(PetscInt),
    /// A double.
    Real(PetscReal),
    /// A string.
    Text(&'a str),
}

/// An HDF5 file open on every rank (through MPI-IO), closed on drop, or by
/// [`Hdf5File::close`] to learn whether it was closed cleanly.
pub struct Hdf5File<'p> {
    raw: sys::PetscViewer,
    _life: Life<'p>,
}

impl<'p> Hdf5File<'p> {
    /// Opens the existing HDF5 file `path` to add to it. Collective.
    pub fn append(petsc: &'p Petsc<'_>, path: &Path) -> Result<Self> {
        let shown = path.display();
        let name = path.to_str().ok_or_else(|| Error::usage(format!("{shown}: not a UTF-8 file name")))?;
        let name = c_string(name)?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid communicator and C string, out-pointer.
        check(unsafe { compat::PetscViewerHDF5Open(petsc.comm(), name.as_ptr(), sys::FILE_MODE_APPEND, &mut raw) })
            .map_err(|e| e.context(&shown))?;
        Ok(Hdf5File { raw, _life: PhantomData })
    }

    /// Writes attribute `name` on the dataset or group `parent` (a path in
    /// the file, such as `/u`). Collective: every rank gives the same value.
    pub fn write_attribute(&self, parent: &str, name: &str, value: Attribute) -> Result<()> {
        let (cparent, cname) = (c_string(parent)?, c_string(name)?);
        let text;
        let (datatype, pointer): (_, *const c_void) = match &value {
            Attribute::Int(n) => (sys::PETSC_INT, ptr::from_ref(n).cast()),
            Attribute::Real(x) => (sys::PETSC_DOUBLE, ptr::from_ref(x).cast()),
            Attribute::Text(s) => {
                text = c_string(s)?;
                (sys::PETSC_STRING, text.as_ptr().cast())
            }
        };
        // SAFETY: an open viewer, C strings, and a value of the type named,
        // all alive for the call (PETSc copies them into the file).
        check(unsafe {
            compat::PetscViewerHDF5WriteAttribute(self.raw, cparent.as_ptr(), cname.as_ptr(), datatype, pointer)
        })
        .map_err(|e| e.context(format!("attribute {name} of {parent}")))
    }

    /// Closes the file, which writes what HDF5 still holds. Collective.
    pub fn close(mut self) -> Result<()> {
        // SAFETY: the open viewer; PETSc sets the handle to null, which makes
        // the drop that follows do nothing.
        check(unsafe { sys::PetscViewerDestroy(&mut self.raw) })
    }
}

impl Drop for Hdf5File<'_> {
    fn drop(&mut self) {
        // SAFETY: the open viewer, or null once closed (PETSc then does nothing).
        report_drop_error("PetscViewerDestroy", check(unsafe { sys::PetscViewerDestroy(&mut self.raw) }));
    }
}
