//! poisson-scaling's command line: strong, weak and compare series.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::{self, Error};
use crate::job::{GridSize, Launcher, SolverSet};
use crate::series::{self, Mode, Plan};
use crate::{plot, stream, table};

/// Runs `poisson` under mpiexec in series, keeps PETSc's own timings
/// (-log_view as CSV) and the run records (-record) of the median of
/// repeated runs, and
/// writes <mode>.csv, <mode>.md and <mode>.svg in the output directory.
///
/// As root, source scripts/mpi-env.sh first (OpenMPI refuses root otherwise).
#[derive(Parser, Debug)]
#[command(name = "poisson-scaling", version)]
pub struct Cli {
    #[command(subcommand)]
    series: Series,
}

#[derive(Subcommand, Debug)]
enum Series {
    /// Fixed grids on more and more ranks.
    Strong {
        /// Grid points per direction (one series per grid).
        #[arg(long, value_delimiter = ',', default_value = "1025")]
        grid: Vec<usize>,
        #[command(flatten)]
        common: Common,
    },
    /// Fixed work per rank: the grid grows with the ranks.
    Weak {
        /// Points per direction of the grid on one rank; on p ranks the grid
        /// has p times as many unknowns.
        #[arg(long, default_value_t = 513)]
        points_per_rank: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Solver sets over grid sizes.
    Compare {
        /// Grid points per direction.
        #[arg(long, value_delimiter = ',', default_value = "257,513,1025")]
        grid: Vec<usize>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args, Debug)]
struct Common {
    /// Rank counts.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    ranks: Vec<usize>,
    /// Space dimension (3 gives poisson -dim 3 -nz).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=3))]
    dim: u32,
    /// A solver set, repeatable: a preset (cg, jacobi, gamg, hypre, ml, mg, gmg) or
    /// NAME=OPTIONS ("ilu=-assemble -pc_type bjacobi"). Default: poisson's
    /// own (CG without preconditioner), as "default".
    #[arg(long = "solver", value_name = "SET")]
    solvers: Vec<String>,
    /// Runs per point; the median one (by setup + solve time) is kept.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    repeat: u64,
    /// Output directory (created if needed).
    #[arg(long, default_value = "scaling")]
    out: PathBuf,
    /// The poisson program [default: next to this program].
    #[arg(long)]
    poisson: Option<PathBuf>,
    /// The MPI launcher.
    #[arg(long, default_value = "mpiexec")]
    mpiexec: PathBuf,
    /// An argument for mpiexec before -n (repeatable: --mpiexec-arg=--bind-to --mpiexec-arg=core).
    #[arg(long = "mpiexec-arg", value_name = "ARG", allow_hyphen_values = true)]
    mpiexec_args: Vec<String>,
    /// Doubles per STREAM array per worker (three arrays each).
    #[arg(long, default_value_t = stream::DEFAULT_ELEMENTS)]
    stream_elements: usize,
    /// Options for every poisson run, after `--` (-ksp_rtol 1e-8, -problem manufactured...).
    #[arg(last = true, allow_hyphen_values = true, value_name = "POISSON OPTIONS")]
    options: Vec<String>,
}

/// The preset solver sets.
const PRESETS: [(&str, &str); 7] = [
    ("cg", "-ksp_type cg -pc_type none"),
    ("jacobi", "-ksp_type cg -pc_type jacobi"),
    ("gamg", "-assemble -ksp_type cg -pc_type gamg"),
    ("hypre", "-assemble -ksp_type cg -pc_type hypre -pc_hypre_type boomeramg"),
    ("ml", "-assemble -ksp_type cg -pc_type ml"),
    // Geometric multigrid on the DMDA: grids of 2^k + 1 points, 17 or more.
    ("mg", "-assemble -ksp_type cg -pc_type mg -pc_mg_levels 5 -pc_mg_galerkin pmat"),
    // poisson's fast path: one F-cycle, matrix-free.
    ("gmg", "-ksp_type preonly -pc_type gmg"),
];

/// A `--solver` value: a preset's name, or NAME=OPTIONS.
pub fn solver_set(text: &str) -> Result<SolverSet, Error> {
    let (name, options) = match text.split_once('=') {
        Some((name, options)) => (name.trim(), options.to_string()),
        None => match PRESETS.iter().find(|(name, _)| *name == text) {
            Some((name, options)) => (*name, options.to_string()),
            None => {
                let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
                let names = names.join(", ");
                return Err(Error::Input(format!("--solver {text}: no such preset ({names}), nor NAME=OPTIONS")));
            }
        },
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c)) {
        return Err(Error::Input(format!("--solver {text}: a name is letters, digits and -_+. only")));
    }
    Ok(SolverSet { name: name.to_string(), options: options.split_whitespace().map(String::from).collect() })
}

/// The program: parses, runs, writes; errors as one line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!("poisson-scaling: error: {}", first.trim_start_matches("error: "));
            return ExitCode::FAILURE;
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("poisson-scaling: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    let (mode, points, common) = match cli.series {
        Series::Strong { grid, common } => (Mode::Strong, grid_points(&grid, &common), common),
        Series::Compare { grid, common } => (Mode::Compare, grid_points(&grid, &common), common),
        Series::Weak { points_per_rank, common } => {
            let points = common.ranks.iter().map(|&p| (series::weak_grid(common.dim, points_per_rank, p), p)).collect();
            (Mode::Weak, points, common)
        }
    };
    if let Some(&(grid, _)) = points.iter().find(|(g, _)| g.points < 3) {
        let points = grid.points;
        return Err(Error::Input(format!(
            "a grid of {points} points per direction has no interior: at least 3 are needed"
        )));
    }
    if common.ranks.contains(&0) {
        return Err(Error::Input("--ranks: a run needs at least one rank".into()));
    }
    let solvers = if common.solvers.is_empty() {
        vec![SolverSet { name: "default".into(), options: vec![] }]
    } else {
        common.solvers.iter().map(|s| solver_set(s)).collect::<Result<_, _>>()?
    };
    let poisson = match &common.poisson {
        Some(path) => path.clone(),
        None => next_to_this_program("poisson")?,
    };
    let log_dir = common.out.join("logs");
    std::fs::create_dir_all(&log_dir).map_err(error::file("create", &log_dir))?;
    let launcher =
        Launcher { mpiexec: common.mpiexec.clone(), mpiexec_args: common.mpiexec_args.clone(), poisson, log_dir };
    let plan = Plan {
        mode,
        solvers,
        points,
        common: common.options.clone(),
        repeat: common.repeat as usize,
        stream_elements: common.stream_elements.max(1),
    };
    let rows = series::run(&plan, &launcher)?;

    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let stem = common.out.join(mode.name());
    let markdown = table::markdown(&rows, &plan.solvers, &plan.common, &command);
    write(&stem.with_extension("csv"), &table::csv(&rows))?;
    write(&stem.with_extension("md"), &markdown)?;
    plot::svg(mode, &rows, &stem.with_extension("svg"))?;
    print!("{markdown}");
    println!("\nWrote {0}.csv, {0}.md, {0}.svg", stem.display());
    Ok(())
}

/// Each grid on each rank count.
fn grid_points(grids: &[usize], common: &Common) -> Vec<(GridSize, usize)> {
    let grids = grids.iter().map(|&points| GridSize { dim: common.dim, points });
    grids.flat_map(|g| common.ranks.iter().map(move |&p| (g, p))).collect()
}

fn next_to_this_program(name: &str) -> Result<PathBuf, Error> {
    let path = std::env::current_exe().map_err(Error::OwnPath)?.with_file_name(name);
    if path.is_file() { Ok(path) } else { Err(Error::NoPoisson(path)) }
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(error::file("write", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solver_sets_are_presets_or_named_options() {
        assert_eq!(solver_set("gamg").unwrap().options, ["-assemble", "-ksp_type", "cg", "-pc_type", "gamg"]);
        let own = solver_set("bj=-assemble -pc_type bjacobi").unwrap();
        assert_eq!((own.name.as_str(), own.options.len()), ("bj", 3));
        assert!(solver_set("gmag").unwrap_err().to_string().contains("no such preset"));
        assert!(solver_set("mg").unwrap().options.contains(&"-pc_mg_galerkin".to_string()));
        assert!(solver_set("a,b=-pc_type none").unwrap_err().to_string().contains("name"));
    }
}
