//! What a run needs in memory, estimated as soon as the grid is laid out and
//! compared with what the processes may use, so that a grid that cannot fit
//! is refused with one line instead of failing in an allocation deep inside
//! a solve (or being killed by the kernel).

use std::fs;

use mpi::collective::SystemOperation;
use mpi::topology::Communicator;
use mpi::traits::*;
use petsc::{PcType, Petsc, Result};

use crate::agreement::Agreement;
use crate::config::Config;
use crate::multigrid::Gmg;
use crate::problem::Problem;

/// Bytes per unknown at a run's peak, beyond what the processes held before:
/// the slope of -memory_view's "Maximum process memory" (all ranks) between
/// two grids (513^2 and 1025^2, 49^3 and 97^3), 2 ranks, KSP cg, seed
/// problem (`bash scripts/measure-memory.sh`). Rows: dimension, assembled,
/// PC type.
const PER_UNKNOWN: [(usize, bool, &str, f64); 11] = [
    (2, false, "none", 68.1),
    (2, false, Gmg::NAME, 55.9),
    (2, true, "none", 171.9),
    (2, true, "jacobi", 180.0),
    (2, true, "bjacobi", 260.0),
    (2, true, "hypre", 421.0),
    (2, true, "gamg", 658.9),
    (3, false, "none", 68.0),
    (3, false, Gmg::NAME, 56.7),
    (3, true, "none", 195.5),
    (3, true, "gamg", 920.7),
];

/// Bytes per unknown the KSP types need beyond CG's: measured under gmg
/// (preonly, richardson; 2-D, 3-D within 2 bytes); GMRES keeps its
/// restart's 30 vectors, 28 more (FGMRES twice that), however few
/// iterations it takes.
const KSP_EXTRA: [(&str, f64); 4] = [("preonly", -26.4), ("richardson", -8.0), ("gmres", 224.0), ("fgmres", 464.0)];

/// The manufactured problem keeps the exact solution: one vector more
/// (measured 7.4 and 8.3 bytes per unknown).
const MANUFACTURED_EXTRA: f64 = 8.0;

/// What the run needs per unknown, and whether the table knew every part of
/// it (a PC type it does not list adds an unknown amount).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Need {
    pub bytes_per_unknown: f64,
    pub complete: bool,
}

/// The need of a run with this operator, problem, KSP and PC, from the table.
pub fn need(dim: usize, assembled: bool, manufactured: bool, ksp: &str, pc: &str) -> Need {
    let row = |pc: &str| PER_UNKNOWN.iter().find(|r| r.0 == dim && r.1 == assembled && r.2 == pc).map(|r| r.3);
    let measured = row(pc);
    let ksp_extra = KSP_EXTRA.iter().find(|k| k.0 == ksp).map_or(0.0, |k| k.1);
    let problem_extra = if manufactured { MANUFACTURED_EXTRA } else { 0.0 };
    let bytes = measured.or(row("none")).unwrap_or(0.0) + ksp_extra + problem_extra;
    Need { bytes_per_unknown: bytes, complete: measured.is_some() }
}

/// A value of /proc/self/status or /proc/meminfo (in kB there), in bytes.
fn proc_field(file: &str, name: &str) -> Option<u64> {
    let text = fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(':'))?;
    line[name.len() + 1..].split_whitespace().next()?.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// This process's peak resident memory (VmHWM), in bytes.
pub fn peak_resident() -> Option<u64> {
    proc_field("/proc/self/status", "VmHWM")
}

/// Memory the processes of this node may still take: the smallest of the
/// kernel's available memory and the cgroup's room, with its name.
fn node_room() -> Option<(u64, &'static str)> {
    let available = proc_field("/proc/meminfo", "MemAvailable").map(|b| (b, "available memory"));
    let number = |path: &str| fs::read_to_string(path).ok()?.trim().parse::<u64>().ok();
    // cgroup v2, else v1 (whose "no limit" is a huge number).
    let cgroup = number("/sys/fs/cgroup/memory.max")
        .zip(number("/sys/fs/cgroup/memory.current"))
        .or_else(|| {
            number("/sys/fs/cgroup/memory/memory.limit_in_bytes")
                .zip(number("/sys/fs/cgroup/memory/memory.usage_in_bytes"))
        })
        .filter(|(limit, _)| *limit < 1 << 60)
        .map(|(limit, used)| (limit.saturating_sub(used), "the cgroup's memory limit"));
    [available, cgroup].into_iter().flatten().min_by_key(|r| r.0)
}

/// Address space this process may still map: RLIMIT_AS less what it maps now.
fn address_room() -> Option<u64> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::As).current?;
    Some(limit.saturating_sub(proc_field("/proc/self/status", "VmSize")?))
}

fn gb(bytes: f64) -> String {
    format!("{:.2} GB", bytes / 1e9)
}

/// The run's estimated peak: what its processes hold now, plus its need.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub need: Need,
    pub peak_bytes: f64,
}

impl Estimate {
    /// The line `-memory_view` adds to the report.
    pub fn line(&self) -> String {
        format!(
            "Memory: estimated peak {} for all processes ({:.0} bytes per unknown{})\n",
            gb(self.peak_bytes),
            self.need.bytes_per_unknown,
            if self.need.complete { "" } else { " and more: the PC type is not in the table" }
        )
    }
}

/// Refuses, on every rank alike, a run on a grid of `points` whose
/// estimated need exceeds what one process may map or what this node's
/// processes may use.
pub fn check(petsc: &Petsc, agreement: &Agreement, config: &Config, points: [usize; 3]) -> Result<Estimate> {
    let option = |name, default: &str| -> Result<String> { Ok(petsc.option_string(name)?.unwrap_or(default.into())) };
    let (ksp, pc) = (option("-ksp_type", "cg")?, option("-pc_type", "none")?);
    let (assembled, manufactured) = (config.assemble, config.problem == Problem::Manufactured);
    let need = need(config.dim, assembled, manufactured, &ksp, &pc);
    let unknowns = points.iter().product::<usize>() as f64;
    // PETSc splits the grid evenly.
    let local = need.bytes_per_unknown * unknowns / petsc.size() as f64;
    let on_node = petsc.world().split_shared(0).size() as f64;
    let what = format!(
        "{:.0} bytes per unknown{} for a {} grid, {} operator, KSP {ksp}, PC {pc}",
        need.bytes_per_unknown,
        if need.complete { "" } else { " at least" },
        points[..config.dim].iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" x "),
        if assembled { "assembled" } else { "matrix-free" },
    );
    let problem = if let Some(room) = address_room().filter(|room| local > *room as f64) {
        Some(format!(
            "not enough memory: each process needs about {} more address space ({what}), RLIMIT_AS leaves {}",
            gb(local),
            gb(room as f64)
        ))
    } else if let Some((room, name)) = node_room().filter(|(room, _)| local * on_node > *room as f64) {
        Some(format!(
            "not enough memory: this node's {on_node} processes need about {} ({what}), {name} is {}",
            gb(local * on_node),
            gb(room as f64)
        ))
    } else {
        None
    };
    agreement.refuse_if_any(problem)?;
    let resident = proc_field("/proc/self/status", "VmRSS").unwrap_or(0);
    let mut held = 0u64;
    petsc.world().all_reduce_into(&resident, &mut held, SystemOperation::sum());
    Ok(Estimate { need, peak_bytes: held as f64 + need.bytes_per_unknown * unknowns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_add_up_from_the_table() {
        assert_eq!(need(2, false, false, "cg", "none"), Need { bytes_per_unknown: 68.1, complete: true });
        assert_eq!(need(2, false, true, "cg", "none").bytes_per_unknown, 76.1);
        assert!((need(2, false, false, "preonly", "gmg").bytes_per_unknown - 29.5).abs() < 1e-9);
        // A PC the table does not know: the operator's need, flagged.
        assert_eq!(need(2, true, false, "cg", "lu"), Need { bytes_per_unknown: 171.9, complete: false });
    }

    #[test]
    fn status_fields_are_read_in_bytes() {
        assert!(proc_field("/proc/self/status", "VmSize").is_some_and(|b| b > 1 << 20));
        assert!(proc_field("/proc/meminfo", "MemAvailable").is_some());
        assert_eq!(proc_field("/proc/meminfo", "NoSuchField"), None);
    }
}
