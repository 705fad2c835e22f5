//! Makes the program find PETSc's library at run time without
//! LD_LIBRARY_PATH when it lives outside the system's library directories
//! (a PETSC_DIR build, a conda environment): an rpath on our binaries.
//! Also records the commit built (`-version`): `POISSON_COMMIT` when set
//! (an image builds without the repository), else git's, else "unknown";
//! and the compiler's version (`POISSON_RUSTC`), for a run's record.

use std::env;
use std::path::Path;
use std::process::Command;

/// Directories the dynamic loader searches anyway.
fn is_system_dir(dir: &Path) -> bool {
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"].contains(&dir)
        || (dir.starts_with("/usr/lib/") || dir.starts_with("/lib/"))
            && dir.matches('/').count() == 3
            && dir.ends_with("-gnu")
}

/// The output of `git args...` in the repository, if git answers.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env::var_os("CARGO_MANIFEST_DIR")?).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn record_commit() {
    println!("cargo::rerun-if-env-changed=POISSON_COMMIT");
    // A new commit moves the branch's ref (or HEAD itself when detached).
    for file in ["HEAD", "packed-refs"].iter().filter_map(|f| git(&["rev-parse", "--git-path", f])) {
        println!("cargo::rerun-if-changed={file}");
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])) {
        println!("cargo::rerun-if-changed={branch}");
    }
    let commit = env::var("POISSON_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| git(&["rev-parse", "HEAD"]));
    println!("cargo::rustc-env=POISSON_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}

/// `rustc --version` of the compiler cargo builds with.
fn record_rustc() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc).arg("--version").output().ok().filter(|o| o.status.success());
    let version = version.and_then(|o| String::from_utf8(o.stdout).ok()).map(|v| v.trim().to_string());
    println!("cargo::rustc-env=POISSON_RUSTC={}", version.as_deref().unwrap_or("unknown"));
}

fn main() {
    record_commit();
    record_rustc();
    println!("cargo::rerun-if-env-changed=DEP_PETSC_LIB_DIRS");
    let Some(dirs) = env::var_os("DEP_PETSC_LIB_DIRS") else { return };
    for dir in env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty() && !is_system_dir(d)) {
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
}
