//! The closing summary: each kernel's criterion estimate, as GB/s and as a
//! fraction of the STREAM triad of the same run.

use std::path::PathBuf;

/// A benchmark that ran, and what its figures mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    group: String,
    function: String,
    param: String,
    label: String,
    /// Bytes one call must move; 0 when a bandwidth means nothing.
    bytes: u64,
    /// Unknowns one call handles; 0 when a rate per unknown means nothing.
    unknowns: u64,
}

impl Record {
    pub fn new(group: &str, function: &str, param: &str, label: String, bytes: u64, unknowns: u64) -> Self {
        let (group, function, param) = (group.to_string(), function.to_string(), param.to_string());
        Record { group, function, param, label, bytes, unknowns }
    }
}

#[derive(Default)]
pub struct Summary {
    ran: Vec<Record>,
}

/// Where criterion writes its estimates: set explicitly, so this summary
/// reads them where criterion put them (`CRITERION_HOME`, else the target
/// directory's `criterion/`).
pub fn criterion_directory() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("criterion")
}

impl Summary {
    /// Notes a benchmark as run (criterion calls its routine only if it is
    /// selected), once.
    pub fn ran(&mut self, record: &Record) {
        if !self.ran.contains(record) {
            self.ran.push(record.clone());
        }
    }

    /// The median time of one call (seconds), from criterion's estimates of
    /// this run; none in `--test` or `--list` mode.
    fn median(record: &Record) -> Option<f64> {
        let path = criterion_directory()
            .join(&record.group)
            .join(&record.function)
            .join(&record.param)
            .join("new/estimates.json");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        Some(json["median"]["point_estimate"].as_f64()? * 1e-9)
    }

    pub fn print(&self) {
        let measured: Vec<(&Record, f64)> = self.ran.iter().filter_map(|r| Some((r, Self::median(r)?))).collect();
        if measured.is_empty() {
            return;
        }
        let triad = measured.iter().find(|(r, _)| r.group == "stream").map(|(r, t)| r.bytes as f64 / t);
        println!("\nSummary (criterion medians; GB/s = the bytes a kernel must move at least / time):");
        println!("{:<58} {:>12} {:>8} {:>9} {:>13}", "kernel", "time", "GB/s", "of triad", "Munknowns/s");
        for (r, t) in measured {
            let bandwidth = (r.bytes > 0).then(|| r.bytes as f64 / t);
            let gbs = bandwidth.map_or("-".into(), |b| format!("{:.2}", b / 1e9));
            let fraction = match (bandwidth, triad) {
                (Some(b), Some(triad)) => format!("{:.0}%", 100.0 * b / triad),
                _ => "-".into(),
            };
            let rate = if r.unknowns > 0 { format!("{:.1}", r.unknowns as f64 / t / 1e6) } else { "-".into() };
            println!("{:<58} {:>12} {gbs:>8} {fraction:>9} {rate:>13}", r.label, time(t));
        }
    }
}

fn time(seconds: f64) -> String {
    match seconds {
        s if s < 1e-3 => format!("{:.1} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}
