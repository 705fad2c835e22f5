//! A run's record (`-record FILE`): one JSON document saying what the run
//! found, what it solved, with what it was built and run, and a digest of
//! its solution; written by rank 0, staged and committed like every output.
//! docs/record.schema.json describes it; `poisson-replay` reruns it.

use std::path::Path;

use mpi::collective::SystemOperation;
use mpi::traits::*;
use petsc::{Error, Petsc, Result, Vector};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::accuracy::ErrorNorms;
use crate::config::Config;
use crate::grid::Grid;
use crate::outputs::{Outputs, write_on_first_rank};
use crate::solver::SolveReport;
use crate::stages::Stages;

/// Raised when a field changes meaning or goes; a new field keeps it.
pub const SCHEMA_VERSION: u32 = 1;

/// Where an image keeps the lists of the Debian packages it was built and
/// runs with; a record made inside it names their digests.
const IMAGE_PACKAGE_LISTS: &str = "/usr/share/poisson";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub schema_version: u32,
    pub result: Findings,
    pub problem: Setup,
    pub provenance: Provenance,
    pub solution: SolutionDigest,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Findings {
    pub converged: bool,
    /// PETSc's `KSPConvergedReason`: its code and name.
    pub reason: Reason,
    pub iterations: usize,
    /// The last residual norm the method measured (in its own norm).
    #[serde(with = "measure")]
    pub residual_norm: f64,
    /// Every residual norm the method measured, the initial guess's first.
    #[serde(with = "measures")]
    pub residual_history: Vec<f64>,
    /// ||b - A x|| / ||b||.
    #[serde(with = "measure")]
    pub true_relative_residual: f64,
    /// u - exact at the nodes, when the problem has an exact solution.
    pub error: Option<Norms>,
    /// Wall-clock seconds per step (PETSc's log stages), the slowest rank's.
    pub stage_wall_seconds: Vec<StageTime>,
    /// Peak resident memory (VmHWM) summed over the ranks, in bytes.
    pub peak_resident_bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reason {
    pub code: i32,
    pub name: String,
}

/// Max and discrete L2 (sqrt(cell volume * sum of squares)) norms.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Norms {
    #[serde(with = "measure")]
    pub max: f64,
    #[serde(with = "measure")]
    pub l2: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StageTime {
    pub stage: String,
    pub seconds: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Setup {
    pub dim: usize,
    /// Grid points per direction, boundary included.
    pub points: Vec<usize>,
    pub unknowns: usize,
    pub problem: String,
    pub dirichlet: String,
    /// "matrix-free" or "assembled".
    pub operator: String,
    pub ksp_type: String,
    pub pc_type: String,
    pub rtol: f64,
    pub max_iterations: usize,
    /// PETSc's whole options database, in its order (value null: a flag).
    pub options: Vec<GivenOption>,
    pub ranks: usize,
    /// Processes per direction.
    pub processes: Vec<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GivenOption {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub poisson_version: String,
    pub poisson_commit: String,
    pub rustc: String,
    pub petsc_version: String,
    pub petsc_configure_options: String,
    pub mpi_version: String,
    pub host: String,
    /// Inside the project's image: its revision and package lists.
    pub image: Option<Image>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Image {
    pub revision: String,
    pub package_lists: Vec<FileDigest>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileDigest {
    pub file: String,
    pub sha256: String,
}

/// The solution gathered in the grid's natural order (x fastest): the same
/// values on any number of processes give the same digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SolutionDigest {
    /// SHA-256 of the values as little-endian IEEE doubles.
    pub sha256: String,
    pub values: usize,
    pub norms: Norms,
}

/// What the run knows at its end, for its record.
pub struct Run<'a> {
    pub grid: &'a Grid<'a>,
    pub config: &'a Config,
    pub solve: &'a SolveReport,
    pub error: Option<ErrorNorms>,
    pub stages: &'a Stages<'a>,
    pub x: &'a Vector<'a>,
}

impl Findings {
    /// The average factor per iteration (see `solver::average_factor`).
    pub fn convergence_factor(&self) -> Option<f64> {
        crate::solver::average_factor(&self.residual_history, self.residual_norm, self.iterations)
    }
}

/// A measured number: JSON has no NaN or infinity, which a diverged run
/// measures, so those are written as null and read back as NaN.
mod measure {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, to: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() { to.serialize_f64(*value) } else { to.serialize_none() }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(from)?.unwrap_or(f64::NAN))
    }
}

/// A sequence of measured numbers, each as `measure` writes it.
mod measures {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], to: S) -> Result<S::Ok, S::Error> {
        let mut seq = to.serialize_seq(Some(values.len()))?;
        for v in values {
            seq.serialize_element(&v.is_finite().then_some(*v))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<f64>, D::Error> {
        let values = Vec::<Option<f64>>::deserialize(from)?;
        Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
}

impl Record {
    /// Reads a record (`poisson-replay`, the tests, poisson-scaling).
    pub fn read(path: &Path) -> std::result::Result<Record, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: not a poisson record: {e}", path.display()))
    }
}

/// Writes the record of `run` to `file` (where `path`'s is staged). Collective.
pub fn write(petsc: &Petsc, outputs: &Outputs, run: &Run, (path, file): (&str, &Path)) -> Result<()> {
    let stage_wall_seconds = run.stages.wall_seconds(petsc);
    let mine = crate::memory::peak_resident().unwrap_or(0);
    let mut peak_resident_bytes = 0u64;
    petsc.world().all_reduce_into(&mine, &mut peak_resident_bytes, SystemOperation::sum());
    let values = run.grid.dm.gather_natural(run.x)?;
    let options = petsc.options()?;
    write_on_first_rank(petsc, path, || {
        let (grid, config, solve) = (run.grid, run.config, run.solve);
        let record = Record {
            schema_version: SCHEMA_VERSION,
            result: Findings {
                converged: solve.reason.converged(),
                reason: Reason { code: solve.reason.code, name: solve.reason.name.clone() },
                iterations: solve.iterations,
                residual_norm: solve.residual_norm,
                residual_history: solve.residual_history.clone(),
                true_relative_residual: solve.true_relative_residual,
                error: run.error.map(|e| Norms { max: e.max, l2: e.l2 }),
                stage_wall_seconds: stage_wall_seconds
                    .into_iter()
                    .map(|(stage, seconds)| StageTime { stage: stage.to_string(), seconds })
                    .collect(),
                peak_resident_bytes,
            },
            problem: Setup {
                dim: grid.dim,
                points: grid.info.points[..grid.dim].to_vec(),
                unknowns: grid.unknowns(),
                problem: config.problem.name().to_string(),
                dirichlet: config.dirichlet.name().to_string(),
                operator: crate::operator::kind(config.assemble).to_string(),
                ksp_type: solve.ksp_type.clone(),
                pc_type: solve.pc_type.clone(),
                rtol: solve.rtol,
                max_iterations: solve.max_iterations,
                // Viewers point to staged names until the run ends: the
                // record names their targets.
                options: options
                    .into_iter()
                    .map(|(name, value)| GivenOption { name, value: value.map(|v| outputs.explain(&v)) })
                    .collect(),
                ranks: petsc.size(),
                processes: grid.info.processes[..grid.dim].to_vec(),
            },
            provenance: provenance(),
            solution: digest(&values, grid.cell_volume()),
        };
        let text = serde_json::to_string_pretty(&record).map_err(|e| Error::io(format!("{path}: {e}")))?;
        std::fs::write(file, text + "\n").map_err(|e| Error::io(format!("{path}: {e}")))
    })?;
    Ok(())
}

/// The digest and norms of values in natural order.
pub fn digest(values: &[f64], cell_volume: f64) -> SolutionDigest {
    let mut hash = Sha256::new();
    values.iter().for_each(|v| hash.update(v.to_le_bytes()));
    let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let l2 = (cell_volume * values.iter().map(|v| v * v).sum::<f64>()).sqrt();
    SolutionDigest { sha256: hex(&hash.finalize()), values: values.len(), norms: Norms { max, l2 } }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What built and runs this program.
fn provenance() -> Provenance {
    let mpi = mpi::environment::library_version().unwrap_or_else(|_| "unknown".into());
    Provenance {
        poisson_version: env!("CARGO_PKG_VERSION").to_string(),
        poisson_commit: env!("POISSON_COMMIT").to_string(),
        rustc: env!("POISSON_RUSTC").to_string(),
        petsc_version: petsc::library_version().unwrap_or_else(|e| format!("unknown ({e})")),
        petsc_configure_options: petsc::configure_options().to_string(),
        mpi_version: mpi.lines().next().unwrap_or("").trim().trim_end_matches(',').to_string(),
        host: mpi::environment::processor_name().unwrap_or_else(|_| "unknown".into()),
        image: image(),
    }
}

/// The image's revision (`POISSON_IMAGE_REVISION`, set by its Dockerfile)
/// and its package lists' digests; none outside the image.
fn image() -> Option<Image> {
    let revision = std::env::var("POISSON_IMAGE_REVISION").ok()?;
    let mut lists: Vec<_> = std::fs::read_dir(IMAGE_PACKAGE_LISTS)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("packages-")))
        .collect();
    lists.sort();
    let package_lists = lists
        .into_iter()
        .filter_map(|file| {
            let bytes = std::fs::read(&file).ok()?;
            Some(FileDigest { file: file.display().to_string(), sha256: hex(&Sha256::digest(bytes)) })
        })
        .collect();
    Some(Image { revision, package_lists })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_of_the_little_endian_values() {
        let d = digest(&[1.0, -2.0], 0.25);
        let mut bytes = 1.0f64.to_le_bytes().to_vec();
        bytes.extend((-2.0f64).to_le_bytes());
        assert_eq!(d.sha256, hex(&Sha256::digest(bytes)));
        assert_eq!((d.values, d.norms), (2, Norms { max: 2.0, l2: (0.25f64 * 5.0).sqrt() }));
        assert_ne!(digest(&[-2.0, 1.0], 0.25).sha256, d.sha256);
    }
}
