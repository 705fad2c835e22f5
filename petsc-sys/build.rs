//! Finds PETSc, refuses one we cannot use, generates the bindings from its
//! headers and tells dependents (through `links` metadata) where it lives.
//!
//! PETSc is looked up, in order, through `PETSC_DIR`/`PETSC_ARCH` (a
//! home-built, Spack or conda-forge PETSc) and then through pkg-config
//! (`PETSc`, as Debian, conda-forge and PETSc's own install ship it).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::exit;

/// The oldest PETSc we build against (Debian 12) and the newest minor release
/// a version cfg is declared for.
const MIN_MINOR: u32 = 18;
const MAX_MINOR: u32 = 40;

struct Petsc {
    include_dirs: Vec<PathBuf>,
    lib_dirs: Vec<PathBuf>,
    libs: Vec<String>,
    found_by: String,
}

fn main() {
    for var in ["PETSC_DIR", "PETSC_ARCH", "PKG_CONFIG_PATH", "LIBCLANG_PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=wrapper.h");
    println!("cargo::rerun-if-changed=src/macros.c");

    let petsc = find_petsc().unwrap_or_else(|e| fail(&e));
    let conf = read_header(&petsc, "petscconf.h");
    let (major, minor, subminor) = parse_version(&read_header(&petsc, "petscversion.h"));
    if major != 3 || minor < MIN_MINOR {
        fail(&format!(
            "PETSc {major}.{minor}.{subminor} ({}) is too old: poisson needs PETSc 3.{MIN_MINOR} or newer",
            petsc.found_by
        ));
    }
    check_scalar(&conf, &petsc.found_by);
    // PETSc's HDF5 viewer exists only in a PETSc built with HDF5.
    println!("cargo::rustc-check-cfg=cfg(petsc_have_hdf5)");
    if define(&conf, "PETSC_HAVE_HDF5").is_some() {
        println!("cargo::rustc-cfg=petsc_have_hdf5");
    }

    // One cfg per minor release reached, so code reads `#[cfg(petsc_ge_3_19)]`.
    for m in MIN_MINOR..=MAX_MINOR {
        println!("cargo::rustc-check-cfg=cfg(petsc_ge_3_{m})");
        if minor >= m {
            println!("cargo::rustc-cfg=petsc_ge_3_{m}");
        }
    }

    for dir in &petsc.lib_dirs {
        println!("cargo::rustc-link-search=native={}", dir.display());
    }
    for lib in &petsc.libs {
        println!("cargo::rustc-link-lib=dylib={lib}");
    }
    // Read by the program's build script (DEP_PETSC_LIB_DIRS) for its rpath.
    let lib_dirs = env::join_paths(&petsc.lib_dirs).expect("library paths contain ':'");
    println!("cargo::metadata=lib_dirs={}", lib_dirs.to_string_lossy());
    println!("cargo::rustc-env=PETSC_CONFIGURE_OPTIONS={}", configure_options(&petsc));

    generate(&petsc);
}

/// How PETSc was configured: `CONFIGURE_OPTIONS` of the `petscvariables`
/// installed beside its library (PETSc's own install, Debian's, conda's), or
/// "unknown".
fn configure_options(petsc: &Petsc) -> String {
    let variables = petsc.lib_dirs.iter().map(|d| d.join("petsc/conf/petscvariables"));
    variables
        .filter_map(|file| fs::read_to_string(file).ok())
        .find_map(|text| {
            let line = text.lines().find_map(|l| l.strip_prefix("CONFIGURE_OPTIONS"))?;
            Some(line.trim_start().strip_prefix('=')?.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1);
}

fn find_petsc() -> Result<Petsc, String> {
    match env::var_os("PETSC_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => from_petsc_dir(Path::new(&dir), env::var("PETSC_ARCH").unwrap_or_default()),
        None => from_pkg_config(None).map_err(|e| {
            format!(
                "PETSc not found: set PETSC_DIR (and PETSC_ARCH) or make `pkg-config PETSc` work \
                 (on Debian: apt-get install petsc-dev). pkg-config said: {e}"
            )
        }),
    }
}

/// A PETSc tree: either a prefix install (`PETSC_ARCH` empty) or a build
/// directory `$PETSC_DIR/$PETSC_ARCH`. Its pkg-config file is preferred, since
/// it names the library (Debian calls it petsc_real); otherwise `-lpetsc`.
fn from_petsc_dir(dir: &Path, arch: String) -> Result<Petsc, String> {
    let arch_dir = if arch.is_empty() { dir.to_path_buf() } else { dir.join(&arch) };
    let found_by = format!("PETSC_DIR={} PETSC_ARCH={arch}", dir.display());
    if !dir.join("include/petscversion.h").is_file() {
        return Err(format!("{found_by}: no include/petscversion.h there"));
    }
    let pc_dir = arch_dir.join("lib/pkgconfig");
    if pc_dir.join("PETSc.pc").is_file() || pc_dir.join("petsc.pc").is_file() {
        let mut petsc = from_pkg_config(Some(&pc_dir))?;
        // An arch build keeps petscconf.h in the arch directory, which the
        // .pc file of an uninstalled tree does not always list.
        for inc in [dir.join("include"), arch_dir.join("include")] {
            if !petsc.include_dirs.contains(&inc) {
                petsc.include_dirs.push(inc);
            }
        }
        petsc.found_by = found_by;
        return Ok(petsc);
    }
    Ok(Petsc {
        include_dirs: vec![dir.join("include"), arch_dir.join("include")],
        lib_dirs: vec![arch_dir.join("lib")],
        libs: vec!["petsc".into()],
        found_by,
    })
}

fn from_pkg_config(pc_dir: Option<&Path>) -> Result<Petsc, String> {
    let mut last_error = String::new();
    for name in ["PETSc", "petsc"] {
        let mut config = pkg_config::Config::new();
        config.cargo_metadata(false).env_metadata(false);
        if let Some(dir) = pc_dir {
            // Search this tree first, before PKG_CONFIG_PATH and the system.
            config.arg(format!("--with-path={}", dir.display()));
        }
        match config.probe(name) {
            Ok(lib) => {
                return Ok(Petsc {
                    include_dirs: lib.include_paths,
                    lib_dirs: lib.link_paths,
                    libs: lib.libs,
                    found_by: format!("pkg-config {name} {}", lib.version),
                });
            }
            Err(e) => last_error = e.to_string().lines().next().unwrap_or_default().to_string(),
        }
    }
    Err(last_error)
}

fn read_header(petsc: &Petsc, name: &str) -> String {
    petsc
        .include_dirs
        .iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .and_then(|p| fs::read_to_string(p).ok())
        .unwrap_or_else(|| fail(&format!("{name} not found in the include directories of {}", petsc.found_by)))
}

fn define<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("#define") && words.next() == Some(name)).then(|| words.next().unwrap_or(""))
    })
}

fn parse_version(header: &str) -> (u32, u32, u32) {
    let number = |name: &str| {
        define(header, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| fail(&format!("petscversion.h has no {name}")))
    };
    (number("PETSC_VERSION_MAJOR"), number("PETSC_VERSION_MINOR"), number("PETSC_VERSION_SUBMINOR"))
}

/// poisson computes in real double precision: a complex or single-precision
/// PETSc would silently change every number, so it is refused here.
fn check_scalar(conf: &str, found_by: &str) {
    if define(conf, "PETSC_USE_COMPLEX").is_some() {
        fail(&format!(
            "the PETSc found by {found_by} uses complex scalars; poisson needs a real double-precision PETSc \
             (on Debian petsc-dev, on conda-forge petsc=*=real*)"
        ));
    }
    if define(conf, "PETSC_USE_REAL_DOUBLE").is_none() {
        fail(&format!(
            "the PETSc found by {found_by} is not double precision; poisson needs a real double-precision PETSc"
        ));
    }
}

fn generate(petsc: &Petsc) {
    let mpi = build_probe_mpi::probe().unwrap_or_else(|errs| {
        let why: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        fail(&format!("MPI not found (install libopenmpi-dev or set MPI_PKG_CONFIG): {}", why.join("; ")))
    });
    // MPI's predefined handles and PetscFree are macros (MPI's values differ
    // between implementations): a C file turns the ones we need into symbols.
    let includes = petsc.include_dirs.iter().chain(mpi.include_paths.iter());
    let mut shim = cc::Build::new();
    shim.file("src/macros.c").includes(includes.clone()).warnings(true);
    shim.try_compile("petsc_sys_macros").unwrap_or_else(|e| fail(&format!("cannot compile macros.c: {e}")));
    let bindings = bindgen::Builder::default()
        .header("wrapper.h")
        .clang_args(includes.map(|d| format!("-I{}", d.display())))
        .allowlist_function("(Petsc|Vec|Mat|KSP|PC|DM|DMDA)[A-Z].*")
        // To flush C stdio before MPI_Abort, so no output is lost.
        .allowlist_function("fflush")
        .allowlist_type("(Petsc|Vec|Mat|KSP|PC|DM|DMDA)[A-Za-z]*")
        .allowlist_var("(PETSC|KSP|PC|MAT|MATOP|DM|DMDA|VEC|INSERT|ADD)_[A-Z0-9_]+")
        .allowlist_var("(KSP|PC|MAT|VEC|DM)[A-Z0-9]+")
        .allowlist_var("PETSC_[A-Z_]+")
        // One set of MPI types in the whole program: rsmpi's (mpi-sys).
        .blocklist_type("(MPI|MPIX|PMPI|ompi|OMPI|opal|mca)_.*")
        .blocklist_function("(MPI|MPIX|PMPI)_.*")
        .raw_line("use mpi_sys::*;")
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .generate_comments(false)
        .layout_tests(false)
        .derive_default(true)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate()
        .unwrap_or_else(|e| fail(&format!("bindgen failed on the headers of {}: {e}", petsc.found_by)));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("bindings.rs");
    bindings.write_to_file(&out).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}
