//! One run, from the options to the report, with the seed's log stages.

use mpi::environment::Universe;
use mpi::topology::Communicator;
use petsc::{Error, ErrorKind, Petsc, Result, Stage};

use crate::config::{self, Config};
use crate::grid::Grid;
use crate::{operator, report, rhs, solver};

/// Exit statuses (README lists them).
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_NOT_CONVERGED: u8 = 2;

enum Outcome {
    Converged,
    NotConverged(String),
    Help,
}

/// Initializes PETSc on `universe`, runs, reports, finalizes PETSc; returns
/// the exit status. Errors every rank saw are printed once, by rank 0.
pub fn main(universe: &Universe) -> u8 {
    let args: Vec<String> = std::env::args().collect();
    // PETSc reads options files on rank 0 while the others wait: a missing
    // file is best caught here, by every rank alike.
    if let Err(e) = config::check_options_files(&args) {
        if universe.world().rank() == 0 {
            eprintln!("poisson: error: {e}");
        }
        return EXIT_ERROR;
    }
    let petsc = match Petsc::init(universe, args, &config::help()) {
        Ok(petsc) => petsc,
        Err(e) => {
            eprintln!("poisson: error on rank {}: {e}", universe.world().rank());
            universe.world().abort(i32::from(EXIT_ERROR));
        }
    };
    let say = |message: &str| {
        if petsc.rank() == 0 {
            eprintln!("poisson: {message}");
        }
    };
    match run(&petsc) {
        Ok(Outcome::Converged | Outcome::Help) => EXIT_OK,
        Ok(Outcome::NotConverged(why)) => {
            say(&format!("the solve did not converge: {why}"));
            EXIT_NOT_CONVERGED
        }
        Err(e) => {
            say(&format!("error: {e}"));
            EXIT_ERROR
        }
    }
}

/// Fails if an option was given that nobody read, except those `later`
/// says may still be read.
fn refuse_unused(petsc: &Petsc, later: impl Fn(&str) -> bool) -> Result<()> {
    let names: Vec<_> = petsc.unused_options()?.into_iter().map(|o| o.name).filter(|n| !later(n)).collect();
    if names.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "unknown option{} {} (used by neither poisson nor PETSc; see -help)",
        if names.len() > 1 { "s" } else { "" },
        names.join(", ")
    )))
}

/// An error raised in our own callbacks (a Local one) may have happened on
/// this rank only, while the others wait in a collective call: nothing collective can
/// follow, so this rank reports and aborts them all.
fn abort_if_local(petsc: &Petsc, e: Error) -> Error {
    if e.kind() == ErrorKind::Local {
        eprintln!("poisson: error on rank {}: {e}", petsc.rank());
        petsc.abort(i32::from(EXIT_ERROR));
    }
    e
}

fn run(petsc: &Petsc) -> Result<Outcome> {
    let stage = |name| Stage::register(petsc, name);
    let stages = [
        stage("Domain creation")?,
        stage("Matrix creation")?,
        stage("Second member creation")?,
        stage("KSP creation")?,
        stage("Solver")?,
    ];
    let config = Config::from_options(petsc)?;

    let grid = {
        let _stage = stages[0].push()?;
        Grid::new(petsc, &config)?
    };
    let a = {
        let _stage = stages[1].push()?;
        if config.assemble { operator::assembled(&grid)? } else { operator::matrix_free(&grid)? }
    };
    let b = {
        let _stage = stages[2].push()?;
        rhs::seed(&grid)?
    };
    let mut ksp = {
        let _stage = stages[3].push()?;
        solver::create(petsc, &a, !config.assemble)?
    };
    // -help has printed our options and PETSc's by now; nothing to solve.
    if petsc.help_requested()? {
        return Ok(Outcome::Help);
    }
    let mut x = grid.dm.global_vector()?;
    x.set_name("u")?;
    let result = {
        let _stage = stages[4].push()?;
        ksp.set_up().map_err(|e| abort_if_local(petsc, e))?;
        // The preconditioner has read its options: a misspelt one is best
        // reported now, before a long solve, not after it.
        refuse_unused(petsc, config::read_after_setup)?;
        solver::solve(&mut ksp, &a, &b, &mut x).map_err(|e| abort_if_local(petsc, e))?
    };
    petsc.print(&report::summary(&grid, !config.assemble, petsc.size(), &result))?;
    // -solution_view binary:u.dat, vtk:u.vts...: in the grid's natural order.
    x.view_from_options("-solution_view")?;
    // Every option has had its chance to be read now, viewers included.
    refuse_unused(petsc, |_| false)?;
    Ok(if result.reason.converged() {
        Outcome::Converged
    } else {
        Outcome::NotConverged(format!("{} after {} iterations", result.reason.name, result.iterations))
    })
}
