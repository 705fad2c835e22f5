//! The program's own options, read from PETSc's options database so they
//! sit with PETSc's (command line, `PETSC_OPTIONS`, `-options_file`).

use petsc::{Error, Petsc, Result};

use crate::option::{Default, Kind, Opt};
use crate::problem::Problem;

/// The smallest grid with an interior point: the boundary takes two.
pub const MIN_POINTS: usize = 3;

/// Default grid points per direction, in 2-D and 3-D: the seed's in 2-D; in
/// 3-D, a grid that solves in seconds on a laptop.
pub const DEFAULT_POINTS: [i64; 2] = [257, 65];

/// Grid points per direction, boundary included, as the option `name`.
const fn points(name: &'static str, default: Default, help: &'static str) -> Opt {
    Opt::integer(name, default, MIN_POINTS as i64, help)
}

pub const DIM: Opt = Opt::one_of("-dim", &["2", "3"], "space dimensions");
pub const NX: Opt = points("-nx", Default::PerDim(DEFAULT_POINTS), "grid points in x, boundary included");
pub const NY: Opt = points("-ny", Default::As("-nx"), "grid points in y");
pub const NZ: Opt = points("-nz", Default::As("-nx"), "grid points in z (3-D only)");
pub const PROBLEM: Opt = Opt::one_of(
    "-problem",
    &["seed", "manufactured"],
    "seed (f = 1, u = 0 on the boundary) or manufactured (a known exact u)",
);
pub const DIRICHLET: Opt =
    Opt::one_of("-dirichlet", &["symmetric", "seed"], "symmetric (SPD operator) or seed (the seed program's operator)");
pub const ASSEMBLE: Opt =
    Opt::plain("-assemble", Kind::Flag, "assemble an AIJ matrix (otherwise the stencil is applied matrix-free)");
pub const SOLUTION_VIEW: Opt =
    Opt::plain("-solution_view", Kind::Viewer, "write the solution (vtk:u.vts, hdf5:u.h5, binary:u.dat...)");
pub const ERROR_VIEW: Opt = Opt::plain("-error_view", Kind::Viewer, "write u - exact (manufactured problem only)");
pub const SOLUTION_PNG: Opt = Opt::plain("-solution_png", Kind::File, "a picture of the solution (3-D: one z plane)");
pub const ERROR_PNG: Opt = Opt::plain("-error_png", Kind::File, "a picture of u - exact (manufactured problem only)");
pub const PNG_SLICE: Opt = Opt::integer("-png_slice", Default::Derived("middle"), 0, "the z index a 3-D picture shows");
pub const REFERENCE: Opt = Opt::plain(
    "-reference",
    Kind::File,
    "report max |u - reference| against a solution another run wrote\n\
     \x20   with -solution_view binary:<file> on the same grid (any number of processes)",
);
pub const RECORD: Opt = Opt::plain(
    "-record",
    Kind::File,
    "write the run's record (JSON: result, problem, provenance, solution digest;\n\
     \x20   docs/record.md), which poisson-replay reruns and compares",
);

/// The program's options, in the order `-help` lists them.
pub const OPTIONS: [Opt; 14] = [
    DIM,
    NX,
    NY,
    NZ,
    PROBLEM,
    DIRICHLET,
    ASSEMBLE,
    SOLUTION_VIEW,
    ERROR_VIEW,
    SOLUTION_PNG,
    ERROR_PNG,
    PNG_SLICE,
    REFERENCE,
    RECORD,
];

/// The options naming a file the program writes itself (not a PETSc viewer).
pub const FILE_OUTPUTS: [&str; 3] = [SOLUTION_PNG.name, ERROR_PNG.name, RECORD.name];

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
    /// Where the run's record goes.
    pub record: Option<String>,
}

/// The text `-help` prints before PETSc's options.
pub fn help() -> String {
    let lines = |options: &[Opt]| options.iter().map(Opt::help_line).collect::<String>();
    format!(
        "poisson: solves -Laplace(u) = f on the unit square or cube with Dirichlet boundary values, with PETSc.\n\
         \n\
         Options of poisson (defaults in brackets):\n\
         {}\
         \n\
         The grid also takes PETSc's DMDA options (-da_grid_x, -da_refine, -da_processors_x...).\n\
         The solver is KSP cg with PC none unless -ksp_type and -pc_type say otherwise;\n\
         every KSP and PC option applies without prefix (-ksp_monitor, -pc_type gamg...).\n\
         Preconditioners that need matrix entries (gamg, hypre, ilu, lu, mg...) need -assemble.\n\
         \n\
         The fast path, -pc_type gmg: geometric multigrid, matrix-free on every level, for grids\n\
         of 2^k m + 1 points per direction (with -ksp_type preonly one F-cycle leaves an algebraic\n\
         error under a tenth of the discretization error; with richardson or cg each iteration\n\
         applies one cycle):\n\
         {}\
         \x20 -gmg_coarse_ksp_type, -gmg_coarse_pc_type...: the coarsest grid's solver (preonly, redundant LU)\n\
         Stages for -log_view: {}\n\
         (Solver: the preconditioner's set-up and the solve; Verification: true residual, error).\n\
         -version prints the versions of poisson, PETSc and MPI.\n\
         Exit status: 0 converged, 1 error, 2 the solve did not converge.\n\n",
        lines(&OPTIONS),
        lines(&crate::multigrid::OPTIONS),
        crate::stages::NAMES.join(", "),
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
            record: None,
        }
    }

    /// Reads and checks the options. Every rank reads the same database, so
    /// every rank reaches the same verdict.
    pub fn from_options(petsc: &Petsc) -> Result<Self> {
        let dim = if DIM.choice(petsc)? == "3" { 3 } else { 2 };
        if dim == 2 && NZ.int(petsc)?.is_some() {
            return Err(Error::usage("-nz applies to -dim 3 only"));
        }
        let nx = NX.int(petsc)?.unwrap_or(DEFAULT_POINTS[dim - 2]);
        // A user who gives one size means a square (a cube).
        let ny = NY.int(petsc)?.unwrap_or(nx);
        let nz = if dim == 3 { NZ.int(petsc)?.unwrap_or(nx) } else { 1 };
        let points = [nx, ny, nz].map(to_usize);
        let assemble = ASSEMBLE.flag(petsc)?;
        let problem = match PROBLEM.choice(petsc)? {
            "seed" => Problem::Seed,
            _ => Problem::Manufactured,
        };
        let dirichlet = match DIRICHLET.choice(petsc)? {
            "symmetric" => Dirichlet::Symmetric,
            _ => Dirichlet::Seed,
        };
        let pictures = Pictures {
            solution: SOLUTION_PNG.text(petsc)?,
            error: ERROR_PNG.text(petsc)?,
            slice: PNG_SLICE.int(petsc)?.map(to_usize),
        };
        if problem.exact(dim).is_none() {
            for option in [ERROR_VIEW, ERROR_PNG] {
                if option.text(petsc)?.is_some() {
                    let name = option.name;
                    return Err(Error::usage(format!("{name}: the {} problem has no exact solution", problem.name())));
                }
            }
        }
        let reference = REFERENCE.text(petsc)?;
        // Found out before the solve rather than after it.
        if let Some(path) = reference.as_deref().filter(|p| !std::path::Path::new(p).is_file()) {
            return Err(Error::usage(format!("-reference {path}: no such file")));
        }
        let record = RECORD.text(petsc)?;
        Ok(Config { dim, points, assemble, problem, dirichlet, pictures, reference, record })
    }
}

/// A value its option's range has checked to be a size.
fn to_usize(n: i64) -> usize {
    usize::try_from(n).expect("ranges start at 0 or more")
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
}
