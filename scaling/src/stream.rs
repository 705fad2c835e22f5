//! The STREAM triad, a = b + s c: the memory bandwidth this machine gives,
//! the yardstick for the kernels (benches) and for parallel speed-ups (the
//! driver runs one triad per rank count).

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// Bytes one triad element moves as STREAM counts them: read b and c, write
/// a (the write-allocate read of a is not counted).
pub const BYTES_PER_ELEMENT: usize = 24;

/// Elements per array by default: 10 M doubles, 80 MB, so three arrays are
/// far beyond a last-level cache of tens of MiB.
pub const DEFAULT_ELEMENTS: usize = 10_000_000;

/// Scale factor of the triad (STREAM's value).
const SCALAR: f64 = 3.0;

/// The three arrays of one triad, touched once so their pages are mapped
/// before any timing.
pub struct Triad {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
}

impl Triad {
    pub fn new(elements: usize) -> Self {
        Triad { a: vec![0.0; elements], b: vec![1.0; elements], c: vec![2.0; elements] }
    }

    /// a[i] = b[i] + s c[i]
    pub fn run(&mut self) {
        let s = black_box(SCALAR);
        for ((a, b), c) in self.a.iter_mut().zip(&self.b).zip(&self.c) {
            *a = b + s * c;
        }
        black_box(&mut self.a);
    }

    /// Bytes one run moves, as STREAM counts them.
    pub fn bytes(&self) -> u64 {
        (self.a.len() * BYTES_PER_ELEMENT) as u64
    }
}

/// Aggregate triad bandwidth (bytes/s) of `workers` threads running at once,
/// each on its own arrays of `elements` doubles; see [`concurrent_rate`].
pub fn concurrent_bandwidth(workers: usize, elements: usize, rounds: usize) -> f64 {
    concurrent_rate(workers, rounds, || {
        let mut triad = Triad::new(elements);
        let bytes = triad.bytes();
        move || {
            triad.run();
            bytes
        }
    })
}

/// Aggregate rate (bytes/s) of `workers` threads running a kernel at once.
/// Each thread makes its own kernel with `make` (so its data is allocated
/// and first touched by that thread) and runs it once untimed (mapping the
/// pages); a run returns the bytes it moved. All start together; a round
/// lasts from the first start to the last end, as each worker clocks them
/// (a preempted coordinator could not tell); the best of `rounds` rounds is
/// kept, as STREAM does.
pub fn concurrent_rate<K: FnMut() -> u64>(workers: usize, rounds: usize, make: impl Fn() -> K + Sync) -> f64 {
    let workers = workers.max(1);
    let start = Barrier::new(workers);
    let runs: Vec<(u64, Vec<(Instant, Instant)>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut kernel = make();
                    let bytes = kernel();
                    let spans = (0..rounds)
                        .map(|_| {
                            start.wait();
                            let t = Instant::now();
                            kernel();
                            (t, Instant::now())
                        })
                        .collect();
                    (bytes, spans)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).collect()
    });
    let best = (0..rounds)
        .map(|round| {
            let first = runs.iter().map(|(_, s)| s[round].0).min().expect("one worker at least");
            let last = runs.iter().map(|(_, s)| s[round].1).max().expect("one worker at least");
            last - first
        })
        .min()
        .unwrap_or(Duration::MAX);
    runs.iter().map(|(bytes, _)| bytes).sum::<u64>() as f64 / best.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_triad_computes_b_plus_s_c() {
        let mut triad = Triad::new(5);
        triad.run();
        assert!(triad.a.iter().all(|&a| a == 1.0 + SCALAR * 2.0));
        assert_eq!(triad.bytes(), 5 * 24);
    }

    #[test]
    fn a_bandwidth_is_measured_for_each_worker_count() {
        for workers in [1, 2] {
            let bandwidth = concurrent_bandwidth(workers, 1000, 2);
            assert!(bandwidth.is_finite() && bandwidth > 0.0, "{workers} workers: {bandwidth}");
        }
    }
}
