//! One run, from the options to the report, with the seed's log stages.

use std::path::Path;

use mpi::environment::Universe;
use mpi::topology::Communicator;
use petsc::{Error, PcType, Petsc, Result, Vector};

use crate::agreement::Agreement;
use crate::config::{self, Config, ERROR_PNG, ERROR_VIEW, RECORD, SOLUTION_PNG, SOLUTION_VIEW};
use crate::grid::Grid;
use crate::multigrid::{self, Gmg, Multigrid};
use crate::operator::{self, Stencil};
use crate::option::Opt;
use crate::outputs::{Outputs, write_on_first_rank};
use crate::picture::{self, Field, Subject};
use crate::report::stderr_line;
use crate::stages::Stages;
use crate::{accuracy, command_line, hdf5, memory, option, record, report, rhs, solver};

/// Exit statuses (docs/options.md lists them).
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_NOT_CONVERGED: u8 = 2;

enum Ending {
    Converged,
    NotConverged(String),
    Help,
}

/// Initializes PETSc on `universe`, runs, reports and [`finish`]es; returns
/// the exit status, the same on every rank.
pub fn main(universe: &Universe) -> u8 {
    let world = universe.world();
    let agreement = Agreement::new(&world);
    // Before PETSc reads anything; every rank checks, all refuse alike.
    let checked = command_line::arguments(std::env::args_os()).and_then(|args| {
        command_line::check_words(&args, &known_names())?;
        command_line::check_environment(&known_names())?;
        command_line::check_options_files(&args)?;
        Ok(args)
    });
    let problem = checked.as_ref().err().map(|e| e.message().to_string());
    if let Err(e) = agreement.refuse_if_any(problem) {
        if world.rank() == 0 {
            stderr_line(format_args!("poisson: error: {e}"));
        }
        return EXIT_ERROR;
    }
    let args = checked.unwrap_or_default();
    if args.iter().any(|a| a == "-version") {
        if world.rank() == 0 {
            println!("{}", versions());
        }
        return EXIT_OK;
    }
    let petsc = match Petsc::init(universe, args.clone(), &config::help()) {
        Ok(petsc) => petsc,
        Err(e) => {
            stderr_line(format_args!("poisson: error on rank {}: {e}", universe.world().rank()));
            petsc::abort(&universe.world(), i32::from(EXIT_ERROR));
        }
    };
    let (outputs, outcome) = match Outputs::stage(&petsc) {
        Ok(outputs) => {
            let outcome = outputs.check(&petsc, &agreement).and_then(|()| run(&petsc, &agreement, &outputs, &args));
            (outputs, outcome)
        }
        Err(e) => (Outputs::default(), Err(e)),
    };
    finish(petsc, &agreement, &outputs, outcome)
}

/// Ends a run alike on every rank: agrees on its outcome, finalizes PETSc,
/// moves the outputs over their targets unless the run failed, agrees on
/// that too, and has rank 0 print the first cause of a failure.
fn finish(petsc: Petsc, agreement: &Agreement, outputs: &Outputs, outcome: Result<Ending>) -> u8 {
    let rank = petsc.rank();
    let (status, message) = match &outcome {
        Ok(Ending::Converged | Ending::Help) => (EXIT_OK, None),
        Ok(Ending::NotConverged(why)) => (EXIT_NOT_CONVERGED, Some(format!("the solve did not converge: {why}"))),
        Err(e) => (EXIT_ERROR, Some(format!("error: {}", outputs.explain(e.message())))),
    };
    // Before PETSc's finalization, which is collective: a rank that failed
    // alone aborts the job here rather than wait for peers that never come.
    let run = agreement.agree(status, message.as_deref(), || outputs.discard());
    // PETSc writes -log_view, -memory_view... while finalizing: not for a
    // run that failed, whose outputs are discarded.
    let withdrawn = if run.status == EXIT_ERROR { outputs.withdraw(&petsc) } else { Ok(()) };
    let finalized = petsc.finalize();
    let mut ending = withdrawn.and(finalized).map_err(|e| format!("error: {}", outputs.explain(e.message())));
    let written = outputs.written();
    if rank == 0 {
        ending = match ending {
            Ok(()) if run.status != EXIT_ERROR => outputs.commit().map_err(|e| format!("error: {e}")),
            other => {
                outputs.discard();
                other
            }
        };
    }
    let end = agreement.agree(u8::from(ending.is_err()), ending.err().as_deref(), || outputs.discard());
    if rank == 0 {
        // The first cause: the run's failure, else the ending's.
        if let (Some(message), false) = (&end.message, run.status == EXIT_ERROR) {
            stderr_line(format_args!("poisson: {message}"));
        } else if let Some(message) = run.message {
            let note = if run.status == EXIT_NOT_CONVERGED && !written.is_empty() {
                format!(" (written all the same: {})", written.join(", "))
            } else {
                String::new()
            };
            stderr_line(format_args!("poisson: {message}{note}"));
        }
    }
    run.status.max(end.status * EXIT_ERROR)
}

/// Every name the program knows: its options, the fast path's, and the
/// PETSc options it checks or suggests.
fn known_names() -> Vec<&'static str> {
    let declared = config::OPTIONS.iter().chain(&multigrid::OPTIONS).chain(&solver::CHECKED).map(|o| o.name);
    declared.chain(option::PETSC_NAMES).collect()
}

/// Options given that nobody read, except those `later` says may still
/// be read and those PETSc reads while it finalizes. On the command line
/// they fail the run, with the nearest known name; from `PETSC_OPTIONS` or
/// an options file (settings kept for other PETSc programs) they give one
/// warning, when `warn`.
fn unknown_options(petsc: &Petsc, args: &[String], later: impl Fn(&str) -> bool, warn: bool) -> Result<()> {
    let unused: Vec<String> = petsc
        .unused_options()?
        .into_iter()
        .map(|o| o.name)
        .filter(|n| !later(n) && !command_line::READ_AT_FINALIZE.contains(&n.as_str()))
        .collect();
    let (given, elsewhere): (Vec<_>, Vec<_>) =
        unused.iter().partition(|n| command_line::given_on_command_line(args, n));
    if warn && !elsewhere.is_empty() && petsc.rank() == 0 {
        let names: Vec<&str> = elsewhere.iter().map(|n| n.as_str()).collect();
        stderr_line(format_args!(
            "poisson: warning: unused option{} from PETSC_OPTIONS or an options file: {}",
            plural(names.len()),
            names.join(", ")
        ));
    }
    if given.is_empty() {
        return Ok(());
    }
    if let Some(name) = given.iter().find(|n| multigrid::OPTIONS.iter().any(|o| o.name == n.as_str())) {
        return Err(Error::usage(format!("{name}: an option of -pc_type {}, which this run does not use", Gmg::NAME)));
    }
    let known = known_names();
    let named: Vec<String> = given
        .iter()
        .map(|n| match option::nearest(n, known.iter().copied()) {
            Some(near) => format!("{n} (did you mean {near}?)"),
            None => n.to_string(),
        })
        .collect();
    Err(Error::usage(format!("unknown option{} {} (see -help)", plural(named.len()), named.join(", "))))
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// What `-version` prints: poisson's version and commit, PETSc's, MPI's.
fn versions() -> String {
    let petsc = petsc::library_version().unwrap_or_else(|e| format!("unknown ({e})"));
    let mpi = mpi::environment::library_version().unwrap_or_else(|_| "unknown".into());
    let mpi = mpi.lines().next().unwrap_or("").trim().trim_end_matches(',').to_string();
    format!("poisson {} (commit {})\n{petsc}\nMPI: {mpi}", env!("CARGO_PKG_VERSION"), env!("POISSON_COMMIT"))
}

/// Writes a picture of `v` (3-D: one z plane) from rank 0 to `file`, where
/// the picture meant for `path` is staged. Collective: every rank learns
/// whether rank 0 succeeded, so all exit alike.
fn picture(
    petsc: &Petsc,
    grid: &Grid,
    config: &Config,
    v: &Vector,
    subject: Subject,
    (path, file): (&str, &Path),
) -> Result<()> {
    let [nx, ny, nz] = grid.points();
    let k = config.pictures.slice.unwrap_or(nz / 2);
    if k >= nz {
        return Err(Error::usage(format!("-png_slice {k}: the grid's z indices run from 0 to {}", nz - 1)));
    }
    let shown = (grid.dim == 3).then_some(k);
    let values = grid.dm.gather_natural(v)?;
    let range = write_on_first_rank(petsc, path, || {
        let plane = &values[k * nx * ny..(k + 1) * nx * ny];
        picture::write(file, &Field { values: plane, points: &grid.points()[..grid.dim], plane: shown, subject })
    })?;
    // Printed by the first rank, which has the range.
    let (min, max) = range.unwrap_or_default();
    let (name, plane) = (subject.name(), picture::plane(shown));
    petsc.print(&format!("Picture: {path} ({name} from {min:.3e} to {max:.3e}{plane})\n"))
}

/// The run, with the fast path registered as `-pc_type gmg` before any
/// solver reads `-pc_type` (and before `-help` lists the types).
fn run(petsc: &Petsc, agreement: &Agreement, outputs: &Outputs, args: &[String]) -> Result<Ending> {
    // First, so that they are -log_view's stages 1 to 6 as in the seed
    // (PETSc's PC package registers a stage of its own when first used).
    let stages = Stages::register(petsc)?;
    petsc.with_pc::<Gmg, _>(
        |dm| {
            let options = multigrid::Options::from_database(petsc, dm.info()?.dim)?;
            Ok(Box::new(Multigrid::new(petsc, dm, options)?))
        },
        || solve(petsc, agreement, outputs, args, &stages),
    )?
}

fn solve(petsc: &Petsc, agreement: &Agreement, outputs: &Outputs, args: &[String], stages: &Stages) -> Result<Ending> {
    let config = Config::from_options(petsc)?;
    // Read only when the fast path runs; a wrong value is wrong in any run.
    Opt::check_given(petsc, &multigrid::OPTIONS)?;

    let (mut grid, memory) = {
        let _stage = stages.push(0)?;
        // Before anything in proportion to the grid is made.
        Grid::new_checked(petsc, &config, |points| memory::check(petsc, agreement, &config, points))?
    };
    let a = {
        let _stage = stages.push(1)?;
        if config.assemble {
            operator::assembled(&grid, config.dirichlet)?
        } else {
            operator::matrix_free(&grid, config.dirichlet)?
        }
    };
    let b = {
        let _stage = stages.push(2)?;
        rhs::build(&grid, &Stencil::new(&grid, config.dirichlet), config.problem)?
    };
    let mut ksp = {
        let _stage = stages.push(3)?;
        solver::create(petsc, &grid, &a, !config.assemble, config.dirichlet)?
    };
    // -help has printed our options and PETSc's by now; nothing to solve.
    if petsc.help_requested()? {
        return Ok(Ending::Help);
    }
    let mut x = grid.dm.global_vector()?;
    x.set_name("u")?;
    {
        let _stage = stages.push(4)?;
        ksp.set_up()?;
        // The preconditioner has read its options: a misspelt one is best
        // reported now, before a long solve, not after it.
        unknown_options(petsc, args, config::read_after_setup, false)?;
        // From x as made, zero: the seed's initial guess.
        ksp.solve(&b, &mut x)?;
    }
    let (result, error) = {
        let _stage = stages.push(5)?;
        let result = solver::report(&mut ksp, &a, &b, &x)?;
        let exact = accuracy::exact(&grid, config.problem)?;
        (result, exact.as_ref().map(|u| accuracy::error(&grid, &x, u)).transpose()?)
    };
    let norms = error.as_ref().map(|(_, norms)| *norms);
    // -reference FILE: how far this solution is from another run's (an
    // algebraic error, when the reference solved to a tight tolerance).
    let reference = config.reference.as_ref().map(|path| accuracy::difference(&grid, &x, path)).transpose()?;
    petsc.print(&report::summary(&grid, &config, petsc.size(), &result, norms))?;
    if petsc.option_string("-memory_view")?.is_some() {
        petsc.print(&memory.line())?;
    }
    if let Some(d) = reference {
        petsc.print(&format!("Reference: max |u - reference| {:.3e}, relative {:.3e}\n", d.max, d.relative))?;
    }
    if let Some(path) = &config.record {
        let file = outputs.staged(RECORD.name).unwrap_or(Path::new(path));
        let run = record::Run { grid: &grid, config: &config, solve: &result, error: norms, stages, x: &x };
        record::write(petsc, outputs, &run, (path, file))?;
    }
    drop(ksp);
    drop(a);
    let views = [(SOLUTION_VIEW, Some(&x)), (ERROR_VIEW, error.as_ref().map(|(e, _)| e))];
    // Coordinates, which VTK writes, only when a viewer is asked for.
    for (option, _) in &views {
        if option.text(petsc)?.is_some() {
            grid.add_coordinates()?;
            break;
        }
    }
    // -solution_view vtk:u.vts, hdf5:u.h5, binary:u.dat...: in the grid's
    // natural order; HDF5 files then described (attributes, XDMF).
    for (option, v) in views {
        if let Some(v) = v {
            v.view_from_options(option.name)?;
            hdf5::describe(petsc, &grid, &config, outputs, option.name, v)?;
        }
    }
    if let Some(path) = &config.pictures.solution {
        let file = outputs.staged(SOLUTION_PNG.name).unwrap_or(Path::new(path));
        picture(petsc, &grid, &config, &x, Subject::Solution, (path, file))?;
    }
    if let (Some(path), Some((e, _))) = (&config.pictures.error, &error) {
        let file = outputs.staged(ERROR_PNG.name).unwrap_or(Path::new(path));
        picture(petsc, &grid, &config, e, Subject::Error, (path, file))?;
    }
    // Every option has had its chance to be read now, viewers included.
    unknown_options(petsc, args, |_| false, true)?;
    Ok(if result.reason.converged() {
        Ending::Converged
    } else {
        Ending::NotConverged(format!("{} after {} iterations", result.reason.name, result.iterations))
    })
}
