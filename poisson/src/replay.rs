//! `poisson-replay`: reruns a record's options on its number of processes
//! and compares the new record with it. With the same PETSc and MPI the run
//! must be the same to the bit (iterations, residual history, solution
//! digest); with others, close (see [`ITERATION_SLACK`], [`NORM_RTOL`]).

use crate::outputs::writes_file;
use crate::record::{Provenance, Record};

/// Iterations may differ by this many, or this fraction of the recorded
/// count if larger, across PETSc or MPI versions.
pub const ITERATION_SLACK: (usize, f64) = (2, 0.10);

/// Solution norms may differ by this relative amount across versions: the
/// solves stop at a tolerance, not at the same iterate.
pub const NORM_RTOL: f64 = 1e-3;

/// Options a rerun leaves out: files the run wrote (its record among them),
/// and options files, whose options the database already holds.
fn left_out(name: &str, value: Option<&str>) -> bool {
    writes_file(name, value.unwrap_or("")) || name == "-options_file"
}

/// The command-line arguments that rerun `record`'s options.
pub fn arguments(record: &Record) -> Vec<String> {
    let options = record.problem.options.iter().filter(|o| !left_out(&o.name, o.value.as_deref()));
    options.flat_map(|o| std::iter::once(o.name.clone()).chain(o.value.clone())).collect()
}

/// One line of the verdict.
#[derive(Debug, PartialEq)]
pub struct Row {
    pub what: String,
    pub recorded: String,
    pub replayed: String,
    /// Empty when it matched; otherwise how it differs.
    pub difference: Option<String>,
}

/// The verdict of a replay.
#[derive(Debug)]
pub struct Verdict {
    /// Same PETSc and MPI versions: compared to the bit.
    pub exact: bool,
    pub rows: Vec<Row>,
    /// Provenance fields that differ: where a difference likely comes from.
    pub provenance: Vec<Row>,
}

impl Verdict {
    pub fn reproduced(&self) -> bool {
        self.rows.iter().all(|r| r.difference.is_none())
    }

    /// The table `poisson-replay` prints.
    pub fn table(&self) -> String {
        let mut text = format!("{:<26} {:<22} {:<22} verdict\n", "", "recorded", "replayed");
        for row in &self.rows {
            let verdict = row.difference.as_deref().unwrap_or("same");
            text += &format!("{:<26} {:<22} {:<22} {verdict}\n", row.what, cut(&row.recorded), cut(&row.replayed));
        }
        // Versions and option lists are long, and their tail is what differs:
        // written whole, one line each.
        for row in &self.provenance {
            let why = row.difference.as_deref().unwrap_or("");
            text += &format!("{} {why}:\n  recorded: {}\n  replayed: {}\n", row.what, row.recorded, row.replayed);
        }
        let how = if self.exact {
            "to the bit: same PETSc and MPI".to_string()
        } else {
            let (n, f) = ITERATION_SLACK;
            format!(
                "within tolerances: PETSc or MPI differ (iterations ±max({n}, {:.0}%), norms ±{NORM_RTOL:e} relative)",
                f * 100.0
            )
        };
        let verdict = if self.reproduced() { "reproduced" } else { "NOT reproduced" };
        text + &format!("{verdict}, compared {how}\n")
    }
}

/// Long values (digests, versions) shortened to fit their column.
fn cut(text: &str) -> String {
    if text.chars().count() > 22 { format!("{}…", text.chars().take(21).collect::<String>()) } else { text.into() }
}

fn row(what: &str, recorded: String, replayed: String, difference: Option<String>) -> Row {
    Row { what: what.into(), recorded, replayed, difference }
}

/// Relative difference of b from a.
fn relative(a: f64, b: f64) -> f64 {
    if a == b { 0.0 } else { (b - a).abs() / a.abs().max(b.abs()) }
}

/// Compares a replay with its record.
pub fn compare(recorded: &Record, replayed: &Record) -> Verdict {
    let (old, new) = (&recorded.provenance, &replayed.provenance);
    let exact = old.petsc_version == new.petsc_version && old.mpi_version == new.mpi_version;
    let (r0, r1) = (&recorded.result, &replayed.result);
    let mut rows = Vec::new();
    let reason = |r: &crate::record::Findings| format!("{} ({})", r.reason.name, r.reason.code);
    let same_reason = if exact { r0.reason == r1.reason } else { r0.converged == r1.converged };
    rows.push(row("reason", reason(r0), reason(r1), (!same_reason).then(|| "differs".into())));
    let (i0, i1) = (r0.iterations, r1.iterations);
    let slack = ITERATION_SLACK.0.max((ITERATION_SLACK.1 * i0 as f64).round() as usize);
    let iterations_off = if exact { i0 != i1 } else { i0.abs_diff(i1) > slack };
    let by = format!("{:+}", i1 as i64 - i0 as i64);
    rows.push(row("iterations", i0.to_string(), i1.to_string(), iterations_off.then_some(by)));
    if exact {
        let (h0, h1) = (&r0.residual_history, &r1.residual_history);
        let first = h0.iter().zip(h1).position(|(a, b)| a.to_bits() != b.to_bits());
        let differs = match first {
            Some(k) => Some(format!("from norm {k}: relative {:.1e}", relative(h0[k], h1[k]))),
            None if h0.len() != h1.len() => Some(format!("{} norms, not {}", h1.len(), h0.len())),
            None => None,
        };
        let count = |h: &[f64]| format!("{} norms", h.len());
        rows.push(row("residual history", count(h0), count(h1), differs));
    }
    let (s0, s1) = (&recorded.solution, &replayed.solution);
    if exact {
        let differs = (s0.sha256 != s1.sha256).then(|| "differs".to_string());
        rows.push(row("solution sha256", s0.sha256.clone(), s1.sha256.clone(), differs));
    }
    for (what, a, b) in [("solution max", s0.norms.max, s1.norms.max), ("solution L2", s0.norms.l2, s1.norms.l2)] {
        let off = relative(a, b);
        let differs = if exact { a.to_bits() != b.to_bits() } else { off > NORM_RTOL };
        rows.push(row(what, format!("{a:.6e}"), format!("{b:.6e}"), differs.then(|| format!("relative {off:.1e}"))));
    }
    Verdict { exact, rows, provenance: provenance_differences(old, new) }
}

/// The provenance fields that differ between two records.
fn provenance_differences(old: &Provenance, new: &Provenance) -> Vec<Row> {
    let image = |p: &Provenance| p.image.as_ref().map_or("none".to_string(), |i| i.revision.clone());
    let images = |p: &Provenance| p.image.as_ref().map(|i| i.package_lists.clone());
    let fields = [
        ("poisson commit", old.poisson_commit.clone(), new.poisson_commit.clone()),
        ("rustc", old.rustc.clone(), new.rustc.clone()),
        ("PETSc", old.petsc_version.clone(), new.petsc_version.clone()),
        ("PETSc configure options", old.petsc_configure_options.clone(), new.petsc_configure_options.clone()),
        ("MPI", old.mpi_version.clone(), new.mpi_version.clone()),
        ("host", old.host.clone(), new.host.clone()),
        ("image", image(old), image(new)),
    ];
    let mut rows: Vec<Row> = fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, a, b)| row(&format!("provenance: {what}"), a, b, Some("differs (a likely cause)".into())))
        .collect();
    if image(old) == image(new) && images(old) != images(new) {
        rows.push(row("provenance: image packages", "".into(), "".into(), Some("differ (a likely cause)".into())));
    }
    rows
}
