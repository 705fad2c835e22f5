//! The options database: the command line, `PETSC_OPTIONS` and
//! `-options_file`, queried by name as PETSc's own objects do.

use std::ffi::c_char;
use std::ptr;

use petsc_sys as sys;

use crate::{Petsc, PetscInt, Result, c_string, check, from_c};

/// An option nobody asked for (usually a misspelling).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusedOption {
    /// The option's name, with its dash.
    pub name: String,
    /// Its value, if it has one.
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

    /// Every option in the database, in the order given, with its value if
    /// it has one. Values are split at white space, as PETSc lists them.
    pub fn options(&self) -> Result<Vec<(String, Option<String>)>> {
        let mut all: *mut c_char = ptr::null_mut();
        // SAFETY: out-pointer; PETSc allocates the string, freed below.
        check(unsafe { sys::PetscOptionsGetAll(ptr::null_mut(), &mut all) })?;
        let text = from_c(all);
        // SAFETY: the string PetscOptionsGetAll allocated, freed once.
        check(unsafe { sys::compat::PetscFree(all.cast()) })?;
        Ok(parse_options(&text))
    }

    /// Sets `-name` to `value` in the database, as if given on the command line.
    pub fn set_option(&self, name: &str, value: &str) -> Result<()> {
        let (cname, cvalue) = (c_string(name)?, c_string(value)?);
        // SAFETY: valid C strings; PETSc copies them.
        check(unsafe { sys::PetscOptionsSetValue(ptr::null_mut(), cname.as_ptr(), cvalue.as_ptr()) })
            .map_err(|e| e.context(name))
    }

    /// Removes `-name` from the database.
    pub fn clear_option(&self, name: &str) -> Result<()> {
        let cname = c_string(name)?;
        // SAFETY: valid C string.
        check(unsafe { sys::PetscOptionsClearValue(ptr::null_mut(), cname.as_ptr()) }).map_err(|e| e.context(name))
    }

    /// Options given but never queried so far.
    pub fn unused_options(&self) -> Result<Vec<UnusedOption>> {
        let mut n: PetscInt = 0;
        let (mut names, mut values): (*mut *mut c_char, *mut *mut c_char) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: out-pointers; the arrays are handed back with LeftRestore.
        check(unsafe { sys::PetscOptionsLeftGet(ptr::null_mut(), &mut n, &mut names, &mut values) })?;
        // PETSc never counts fewer than none.
        let unused = (0..usize::try_from(n).unwrap_or(0))
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

/// Splits PETSc's listing ("-a 1 -b -c x") into names and values: a word
/// starting with '-' and a letter is a name, any other word its value.
fn parse_options(text: &str) -> Vec<(String, Option<String>)> {
    let is_name = |w: &str| w.len() > 1 && w.starts_with('-') && w[1..].starts_with(|c: char| c.is_ascii_alphabetic());
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    for word in text.split_whitespace() {
        match options.last_mut() {
            Some((_, value @ None)) if !is_name(word) => *value = Some(word.to_string()),
            _ if is_name(word) => options.push((word.to_string(), None)),
            // A second word of a value (a value with spaces): kept with it.
            Some((_, Some(value))) => *value = format!("{value} {word}"),
            _ => {}
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::parse_options;

    #[test]
    fn names_and_values_are_told_apart() {
        let own = |v: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
            v.iter().map(|(n, v)| (n.to_string(), v.map(String::from))).collect()
        };
        assert_eq!(
            parse_options("-nx 33 -assemble -ksp_monitor :m.txt -da_x -1 -log_view"),
            own(&[
                ("-nx", Some("33")),
                ("-assemble", None),
                ("-ksp_monitor", Some(":m.txt")),
                ("-da_x", Some("-1")),
                ("-log_view", None)
            ])
        );
        assert!(parse_options("").is_empty());
    }
}
