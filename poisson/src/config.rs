//! The program's own options, read from PETSc's options database so they
//! sit with PETSc's (command line, `PETSC_OPTIONS`, `-options_file`).

use petsc::{Error, Petsc, Result};

use crate::problem::Problem;

/// Default grid points per direction: the seed's in 2-D; in 3-D, a grid
/// that solves in seconds on a laptop.
pub const DEFAULT_POINTS_2D: usize = 257;
pub const DEFAULT_POINTS_3D: usize = 65;

/// The options naming a picture to write: of the solution, of u - exact.
pub const SOLUTION_PNG: &str = "-solution_png";
pub const ERROR_PNG: &str = "-error_png";
pub const PICTURE_OPTIONS: [&str; 2] = [SOLUTION_PNG, ERROR_PNG];

/// The smallest grid with an interior point: the boundary takes two.
pub const MIN_POINTS: usize = 3;

/// How boundary nodes enter the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dirichlet {
    /// Boundary values eliminated from interior rows, boundary rows a
    /// scaled identity: symmetric positive definite.
    Symmetric,
    /// The seed's: identity boundary rows, interior rows still coupled to
    /// boundary nodes (not symmetric).
    Seed,
}

impl Dirichlet {
    pub fn name(self) -> &'static str {
        match self {
            Dirichlet::Symmetric => "symmetric",
            Dirichlet::Seed => "seed",
        }
    }
}

/// Where the pictures go and what they show.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pictures {
    pub solution: Option<String>,
    pub error: Option<String>,
    /// The z plane a 3-D picture shows (default: the middle one).
    pub slice: Option<usize>,
}

/// What a run is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// 2 or 3.
    pub dim: usize,
    /// Grid points (x, y, z), boundary included; z is 1 in 2-D.
    pub points: [usize; 3],
    /// Assemble an AIJ matrix instead of applying the stencil matrix-free.
    pub assemble: bool,
    pub problem: Problem,
    pub dirichlet: Dirichlet,
    pub pictures: Pictures,
    /// A solution file (PETSc binary) to compare the solution with.
    pub reference: Option<String>,
}

/// The text `-help` prints before PETSc's options.
pub fn help() -> String {
    format!(
        "poisson: solves -Laplace(u) = f on the unit square or cube with Dirichlet boundary values, with PETSc.\n\
         \n\
         Options of poisson (defaults in brackets):\n  \
         -dim <2>: 2 or 3 space dimensions\n  \
         -nx <{DEFAULT_POINTS_2D} in 2-D, {DEFAULT_POINTS_3D} in 3-D>: grid points in x, boundary included (at least {MIN_POINTS})\n  \
         -ny <same as -nx's default>: grid points in y\n  \
         -nz <{DEFAULT_POINTS_3D}>: grid points in z (3-D only)\n  \
         -problem <seed>: seed (f = 1, u = 0 on the boundary) or manufactured (a known exact u)\n  \
         -dirichlet <symmetric>: symmetric (SPD operator) or seed (the seed program's operator)\n  \
         -assemble <false>: assemble an AIJ matrix (default: apply the stencil matrix-free)\n  \
         -solution_view <viewer>: write the solution (vtk:u.vts, hdf5:u.h5, binary:u.dat...)\n  \
         -error_view <viewer>: write u - exact (manufactured problem only)\n  \
         -solution_png <file>: a picture of the solution (3-D: one z plane)\n  \
         -error_png <file>: a picture of u - exact (manufactured problem only)\n  \
         -png_slice <middle>: the z index a 3-D picture shows\n  \
         -reference <file>: report max |u - reference| against a solution another run wrote\n  \
         \x20 with -solution_view binary:<file> on the same grid (any number of processes)\n\
         \n\
         The grid also takes PETSc's DMDA options (-da_grid_x, -da_refine, -da_processors_x...).\n\
         The solver is KSP cg with PC none unless -ksp_type and -pc_type say otherwise;\n\
         every KSP and PC option applies without prefix (-ksp_monitor, -pc_type gamg...).\n\
         Preconditioners that need matrix entries (gamg, hypre, ilu, lu...) need -assemble.\n\
         \n\
         The fast path, -pc_type gmg: geometric multigrid, matrix-free on every level, for grids\n\
         of 2^k m + 1 points per direction (with -ksp_type preonly one F-cycle leaves an algebraic\n\
         error under a tenth of the discretization error; with richardson or cg each iteration\n\
         applies one cycle):\n  \
         -pc_gmg_type <full>: full (F-cycle: full multigrid) or multiplicative (V-cycle)\n  \
         -pc_gmg_levels <as many as the grid allows>: at most this many levels\n  \
         -pc_gmg_smooth_down <1>: red-black Gauss-Seidel sweeps before the coarse correction\n  \
         -pc_gmg_smooth_up <1>: sweeps after it\n  \
         -pc_gmg_fmg_cycles <1>: V-cycles per level below the finest in the F-cycle\n  \
         -pc_gmg_fmg_finest_cycles <2>: V-cycles on the finest level in the F-cycle\n  \
         -gmg_coarse_ksp_type, -gmg_coarse_pc_type...: the coarsest grid's solver (preonly, redundant LU)\n\
         Stages for -log_view: Domain creation, Matrix creation, Second member creation,\n\
         KSP creation, Solver (preconditioner set-up and solve), Verification (true residual, error).\n\
         Exit status: 0 converged, 1 error, 2 the solve did not converge.\n\n"
    )
}

impl Config {
    /// A run on a grid of `points` (x, y[, z]) with every other choice at
    /// its default: the seed problem, symmetric form, matrix-free.
    pub fn new(points: &[usize]) -> Self {
        let dim = points.len();
        assert!(dim == 2 || dim == 3, "2 or 3 dimensions");
        let points = [points[0], points[1], if dim == 3 { points[2] } else { 1 }];
        Config {
            dim,
            points,
            assemble: false,
            problem: Problem::Seed,
            dirichlet: Dirichlet::Symmetric,
            pictures: Pictures::default(),
            reference: None,
        }
    }

    /// Reads and checks the options. Every rank reads the same database, so
    /// every rank reaches the same verdict.
    pub fn from_options(petsc: &Petsc) -> Result<Self> {
        let dim = match petsc.option_int("-dim")? {
            None | Some(2) => 2,
            Some(3) => 3,
            Some(d) => return Err(Error::usage(format!("-dim {d}: poisson solves in 2 or 3 dimensions"))),
        };
        let default = if dim == 2 { DEFAULT_POINTS_2D } else { DEFAULT_POINTS_3D };
        if dim == 2 && petsc.option_int("-nz")?.is_some() {
            return Err(Error::usage("-nz applies to -dim 3 only"));
        }
        let nz = if dim == 3 { points(petsc, "-nz", default)? } else { 1 };
        let points = [points(petsc, "-nx", default)?, points(petsc, "-ny", default)?, nz];
        let assemble = petsc.option_bool("-assemble")?.unwrap_or(false);
        let problem = match petsc.option_string("-problem")?.as_deref() {
            None | Some("seed") => Problem::Seed,
            Some("manufactured") => Problem::Manufactured,
            Some(other) => return Err(Error::usage(format!("-problem {other}: choose seed or manufactured"))),
        };
        let dirichlet = match petsc.option_string("-dirichlet")?.as_deref() {
            None | Some("symmetric") => Dirichlet::Symmetric,
            Some("seed") => Dirichlet::Seed,
            Some(other) => return Err(Error::usage(format!("-dirichlet {other}: choose symmetric or seed"))),
        };
        let file = |name: &str| -> Result<Option<String>> {
            match petsc.option_string(name)? {
                Some(f) if f.is_empty() => Err(Error::usage(format!("{name} needs a file name"))),
                f => Ok(f),
            }
        };
        let pictures = Pictures {
            solution: file(SOLUTION_PNG)?,
            error: file(ERROR_PNG)?,
            slice: match petsc.option_int("-png_slice")? {
                Some(k) if k < 0 => return Err(Error::usage(format!("-png_slice {k}: a z index is at least 0"))),
                k => k.map(|k| k as usize),
            },
        };
        if problem.exact(dim).is_none() {
            for name in ["-error_view", ERROR_PNG] {
                if petsc.option_string(name)?.is_some() {
                    return Err(Error::usage(format!("{name}: the {} problem has no exact solution", problem.name())));
                }
            }
        }
        let reference = file("-reference")?;
        // Found out before the solve rather than after it.
        if let Some(path) = reference.as_deref().filter(|p| !std::path::Path::new(p).is_file()) {
            return Err(Error::usage(format!("-reference {path}: no such file")));
        }
        Ok(Config { dim, points, assemble, problem, dirichlet, pictures, reference })
    }
}

fn points(petsc: &Petsc, name: &str, default: usize) -> Result<usize> {
    match petsc.option_int(name)? {
        None => Ok(default),
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
