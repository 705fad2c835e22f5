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
/// each on its own arrays of `elements` doubles; see [`concurrent_rates`].
pub fn concurrent_bandwidth(workers: usize, elements: usize, rounds: usize) -> f64 {
    concurrent_rates(workers, rounds, || vec![triad(elements)])[0]
}

/// One worker's triad on its own arrays of `elements` doubles, as a kernel
/// for [`concurrent_rates`].
pub fn triad(elements: usize) -> Kernel<'static> {
    let mut triad = Triad::new(elements);
    let bytes = triad.bytes();
    Box::new(move || {
        triad.run();
        bytes
    })
}

/// A kernel run by [`concurrent_rates`]: a run returns the bytes it moved.
pub type Kernel<'a> = Box<dyn FnMut() -> u64 + 'a>;

/// One worker's runs of a kernel: the bytes of one, and when each began and ended.
type Runs = (u64, Vec<(Instant, Instant)>);

/// Aggregate rates (bytes/s) of `workers` threads running each of several
/// kernels at once. Each thread makes its own kernels with `make` (so their
/// data is allocated and first touched by that thread) and runs each once
/// untimed (mapping the pages). In a round the kernels run one after
/// another, all workers starting each together, so that a change in the
/// machine's speed (a neighbour's load on a shared host) reaches every
/// kernel of a round alike and their ratios hold. A kernel's run lasts from
/// the first worker's start to the last one's end, as each worker clocks
/// them (a preempted coordinator could not tell); the best of `rounds` runs
/// of each kernel is kept, as STREAM does.
pub fn concurrent_rates<'a>(workers: usize, rounds: usize, make: impl Fn() -> Vec<Kernel<'a>> + Sync) -> Vec<f64> {
    let workers = workers.max(1);
    let start = Barrier::new(workers);
    // Per worker, per kernel: the bytes of a run and each round's span.
    let runs: Vec<Vec<Runs>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut kernels = make();
                    let bytes: Vec<u64> = kernels.iter_mut().map(|k| k()).collect();
                    let mut spans = vec![Vec::with_capacity(rounds); kernels.len()];
                    for _ in 0..rounds {
                        for (kernel, spans) in kernels.iter_mut().zip(&mut spans) {
                            start.wait();
                            let t = Instant::now();
                            kernel();
                            spans.push((t, Instant::now()));
                        }
                    }
                    bytes.into_iter().zip(spans).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a worker panicked")).collect()
    });
    let kernels = runs.first().map_or(0, Vec::len);
    (0..kernels)
        .map(|k| {
            let best = (0..rounds)
                .map(|round| {
                    let first = runs.iter().map(|r| r[k].1[round].0).min().expect("one worker at least");
                    let last = runs.iter().map(|r| r[k].1[round].1).max().expect("one worker at least");
                    last - first
                })
                .min()
                .unwrap_or(Duration::MAX);
            runs.iter().map(|r| r[k].0).sum::<u64>() as f64 / best.as_secs_f64()
        })
        .collect()
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
            // Two kernels in turn: each its own rate, in the order made.
            let rates = concurrent_rates(workers, 2, || vec![triad(1000), triad(2000)]);
            assert_eq!(rates.len(), 2);
            assert!(rates.iter().all(|r| r.is_finite() && *r > 0.0), "{workers} workers: {rates:?}");
        }
    }
}
