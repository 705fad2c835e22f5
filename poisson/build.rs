//! Makes the program find PETSc's library at run time without
//! LD_LIBRARY_PATH when it lives outside the system's library directories
//! (a PETSC_DIR build, a conda environment): an rpath on our binaries.

use std::env;
use std::path::Path;

/// Directories the dynamic loader searches anyway.
fn is_system_dir(dir: &Path) -> bool {
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"].contains(&dir)
        || (dir.starts_with("/usr/lib/") || dir.starts_with("/lib/"))
            && dir.matches('/').count() == 3
            && dir.ends_with("-gnu")
}

fn main() {
    println!("cargo::rerun-if-env-changed=DEP_PETSC_LIB_DIRS");
    let Some(dirs) = env::var_os("DEP_PETSC_LIB_DIRS") else { return };
    for dir in env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty() && !is_system_dir(d)) {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
}
