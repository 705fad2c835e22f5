//! The options database: the command line, `PETSC_OPTIONS` and
//! `-options_file`, queried by name as PETSc's own objects do.

use std::ffi::c_char;
use std::ptr;

use petsc_sys as sys;

use crate::{Petsc, PetscInt, Result, c_string, check, from_c};

/// An option nobody asked for (usually a misspelling).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusedOption {
    pub name: String,
    pub value: Option<String>,
}

impl Petsc<'_> {
    /// The integer value of `-name`, if given. A value that is not an integer
    /// is an error naming the option.
    pub fn option_int(&self, name: &str) -> Result<Option<PetscInt>> {
        let cname = c_string(name)?;
        let (mut value, mut set) = (0 as PetscInt, sys::PETSC_FALSE);
        // SAFETY: valid C string and out-pointers.
        check(unsafe { sys::PetscOptionsGetInt(ptr::null_mut(), ptr::null(), cname.as_ptr(), &mut value, &mut set) })
            .map_err(|e| e.context(name))?;
        Ok((set == sys::PETSC_TRUE).then_some(value))
    }

    /// The value of a boolean flag `-name` (`-name`, `-name true`, `-name 0`...).
    pub fn option_bool(&self, name: &str) -> Result<Option<bool>> {
        let cname = c_string(name)?;
        let (mut value, mut set) = (sys::PETSC_FALSE, sys::PETSC_FALSE);
        // SAFETY: valid C string and out-pointers.
        check(unsafe { sys::PetscOptionsGetBool(ptr::null_mut(), ptr::null(), cname.as_ptr(), &mut value, &mut set) })
            .map_err(|e| e.context(name))?;
        Ok((set == sys::PETSC_TRUE).then_some(value == sys::PETSC_TRUE))
    }

    /// The string value of `-name`, if given (an empty string when the
    /// option has no value).
    pub fn option_string(&self, name: &str) -> Result<Option<String>> {
        let cname = c_string(name)?;
        let mut buffer = vec![0 as c_char; 4096];
        let mut set = sys::PETSC_FALSE;
        // SAFETY: valid C string, a buffer of the length given, out-pointer.
        check(unsafe {
            sys::PetscOptionsGetString(
                ptr::null_mut(),
                ptr::null(),
                cname.as_ptr(),
                buffer.as_mut_ptr(),
                buffer.len(),
                &mut set,
            )
        })
        .map_err(|e| e.context(name))?;
        // PETSc always terminates the string within the buffer.
        Ok((set == sys::PETSC_TRUE).then(|| from_c(buffer.as_ptr())))
    }

    /// Whether `-help` was given.
    pub fn help_requested(&self) -> Result<bool> {
        let mut set = sys::PETSC_FALSE;
        // SAFETY: out-pointer.
        check(unsafe { sys::PetscOptionsHasHelp(ptr::null_mut(), &mut set) })?;
        Ok(set == sys::PETSC_TRUE)
    }

    /// Options given but never queried so far.
    pub fn unused_options(&self) -> Result<Vec<UnusedOption>> {
        let mut n: PetscInt = 0;
        let (mut names, mut values): (*mut *mut c_char, *mut *mut c_char) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: out-pointers; the arrays are handed back with LeftRestore.
        check(unsafe { sys::PetscOptionsLeftGet(ptr::null_mut(), &mut n, &mut names, &mut values) })?;
        let unused = (0..n.max(0) as usize)
            .map(|i| {
                // SAFETY: PETSc returned n entries in each array.
                let (name, value) = unsafe { (*names.add(i), *values.add(i)) };
                UnusedOption { name: format!("-{}", from_c(name)), value: (!value.is_null()).then(|| from_c(value)) }
            })
            .collect();
        // SAFETY: the arrays PetscOptionsLeftGet returned.
        check(unsafe { sys::PetscOptionsLeftRestore(ptr::null_mut(), &mut n, &mut names, &mut values) })?;
        Ok(unused)
    }
}
