//! The program's own options, read from PETSc's options database so they
//! sit with PETSc's (command line, `PETSC_OPTIONS`, `-options_file`).

use petsc::{Error, Petsc, Result};

/// Default grid points per direction, as in the seed program.
pub const DEFAULT_POINTS: usize = 257;

/// The smallest grid with an interior point: the boundary takes two.
pub const MIN_POINTS: usize = 3;

/// What a run is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Grid points (x, y), boundary included.
    pub points: [usize; 2],
    /// Assemble an AIJ matrix instead of applying the stencil matrix-free.
    pub assemble: bool,
}

/// The text `-help` prints before PETSc's options.
pub fn help() -> String {
    format!(
        "poisson: solves -Laplace(u) = 1 on the unit square, u = 0 on the boundary, with PETSc.\n\
         \n\
         Options of poisson (defaults in brackets):\n  \
         -nx <{DEFAULT_POINTS}>: grid points in x, boundary included (at least {MIN_POINTS})\n  \
         -ny <{DEFAULT_POINTS}>: grid points in y, boundary included (at least {MIN_POINTS})\n  \
         -assemble <false>: assemble an AIJ matrix (default: apply the stencil matrix-free)\n  \
         -solution_view <viewer>: write the solution (binary:u.dat, vtk:u.vts, ascii...)\n\
         \n\
         The solver is KSP cg with PC none unless -ksp_type and -pc_type say otherwise;\n\
         every KSP and PC option applies without prefix (-ksp_monitor, -pc_type gamg...).\n\
         Preconditioners that need matrix entries (gamg, hypre, ilu, lu...) need -assemble.\n\
         Stages for -log_view: Domain creation, Matrix creation, Second member creation,\n\
         KSP creation, Solver.\n\
         Exit status: 0 converged, 1 error, 2 the solve did not converge.\n\n"
    )
}

impl Config {
    /// Reads and checks the options. Every rank reads the same database, so
    /// every rank reaches the same verdict.
    pub fn from_options(petsc: &Petsc) -> Result<Self> {
        let points = [points(petsc, "-nx")?, points(petsc, "-ny")?];
        let assemble = petsc.option_bool("-assemble")?.unwrap_or(false);
        Ok(Config { points, assemble })
    }
}

fn points(petsc: &Petsc, name: &str) -> Result<usize> {
    match petsc.option_int(name)? {
        None => Ok(DEFAULT_POINTS),
        Some(n) if n >= MIN_POINTS as petsc::PetscInt => Ok(n as usize),
        Some(n) => Err(Error::usage(format!(
            "{name} {n}: a grid needs at least {MIN_POINTS} points per direction (two are boundary)"
        ))),
    }
}

/// Checks that every `-options_file` given on the command line can be read.
pub fn check_options_files(args: &[String]) -> Result<()> {
    for pair in args.windows(2).filter(|w| w[0] == "-options_file") {
        std::fs::File::open(&pair[1]).map_err(|e| Error::usage(format!("-options_file {}: {e}", pair[1])))?;
    }
    Ok(())
}

/// Whether PETSc may read option `name` only during or after the solve:
/// viewers and reports (`-ksp_view`, `-ksp_converged_reason`,
/// `-solution_view`...). Other options are all read once the solver is set
/// up, so one still unread then is unknown.
pub fn read_after_setup(name: &str) -> bool {
    ["view", "converged_reason", "converged_rate", "eigenvalues", "singularvalues", "plot", "draw"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_may_be_read_after_setup_other_options_not() {
        for late in ["-ksp_view", "-ksp_view_solution", "-ksp_converged_reason", "-solution_view"] {
            assert!(read_after_setup(late), "{late}");
        }
        for early in ["-pc_typ", "-foo", "-ksp_monitr", "-ksp_veiw"] {
            assert!(!read_after_setup(early), "{early}");
        }
    }

    #[test]
    fn options_files_must_exist() {
        let args = |file: &str| ["poisson", "-options_file", file].map(String::from);
        assert!(check_options_files(&args("/nonexistent/x.opts")).unwrap_err().message().contains("x.opts"));
        let file = std::env::temp_dir().join(format!("poisson-config-test-{}.opts", std::process::id()));
        std::fs::write(&file, "-nx 5\n").unwrap();
        assert!(check_options_files(&args(file.to_str().unwrap())).is_ok());
        std::fs::remove_file(file).unwrap();
        assert!(check_options_files(&["poisson".to_string(), "-nx".to_string(), "5".to_string()]).is_ok());
    }
}
