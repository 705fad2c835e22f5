//! The numbers on a colour bar: which values it labels, and how they are
//! written.

/// The values a bar from `lo` to `hi` labels, in increasing order: both
/// ends, and between them the multiples of a round step (1, 2 or 5 times a
/// power of ten) at least `gap` (a fraction of the bar) from the ends and
/// from each other; the finest such step that gives at most 6 labels. At
/// least 3 while `gap` is at most a fifth.
pub fn ticks(lo: f64, hi: f64, gap: f64) -> Vec<f64> {
    let span = hi - lo;
    // A hair under the gap, so that values exactly a gap apart (0.6 and 0.8
    // on a bar from 0 to 1 with a gap of 0.2) count as far enough.
    let room = gap * span * (1.0 - 1e-9);
    // k m 10^p, exact while k m is (1e-4, not 1.0000000000000002e-4).
    let value = |k: i64, m: i64, p: i32| {
        let km = k as f64 * m as f64;
        if p < 0 { km / 10f64.powi(-p) } else { km * 10f64.powi(p) }
    };
    let inner = |(m, p): (i64, i32)| -> Option<Vec<f64>> {
        let step = value(1, m, p);
        let round: Vec<f64> = ((lo / step).ceil() as i64..=(hi / step).floor() as i64)
            .map(|k| value(k, m, p))
            .filter(|v| (v - lo).min(hi - v) >= room && *v > lo && *v < hi)
            .collect();
        (step >= room && round.len() <= 4).then_some(round)
    };
    // From a tenth of the span's decade, where the bar would hold 10 or
    // more, up to five times the decade, where it holds at most 2.
    let p = span.log10().floor() as i32 - 1;
    let steps = [(1, p), (2, p), (5, p), (1, p + 1), (2, p + 1), (5, p + 1)];
    let round = steps.into_iter().find_map(inner).unwrap_or_default();
    [lo].into_iter().chain(round).chain([hi]).collect()
}

/// How a bar writes its numbers: to about a hundredth of its span, with an
/// exponent unless its largest magnitude lies in [0.01, 10000).
#[derive(Clone, Copy, Debug)]
pub struct Numbers {
    /// The decimal exponent of the last digit written.
    last: i32,
    exponent: bool,
}

impl Numbers {
    pub fn new(lo: f64, hi: f64) -> Self {
        let magnitude = lo.abs().max(hi.abs());
        Numbers { last: ((hi - lo) / 100.0).log10().floor() as i32, exponent: !(1e-2..1e4).contains(&magnitude) }
    }

    /// `v` in few characters: "0", "0.25", "-3", "1.2e-05", "1e+06".
    pub fn format(&self, v: f64) -> String {
        // Below the last digit, a value is zero (and never "-0").
        if v.abs() < 0.5 * 10f64.powi(self.last) {
            return "0".into();
        }
        if self.exponent {
            let digits = (v.abs().log10().floor() as i32 - self.last).max(0) as usize;
            let text = format!("{v:.digits$e}");
            let (mantissa, exponent) = text.split_once('e').expect("an exponent");
            let exponent: i32 = exponent.parse().expect("an integer exponent");
            let sign = if exponent < 0 { '-' } else { '+' };
            format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
        } else {
            let digits = (-self.last).max(0) as usize;
            trim(&format!("{v:.digits$}")).into()
        }
    }
}

/// A decimal without its trailing zeros (and point): "0.50" -> "0.5", "2.0" -> "2".
fn trim(decimal: &str) -> &str {
    if decimal.contains('.') { decimal.trim_end_matches('0').trim_end_matches('.') } else { decimal }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_label_their_ends_and_round_values_between() {
        assert_eq!(ticks(0.0, 1.0, 0.1), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(-1.26e-4, 1.26e-4, 0.05), [-1.26e-4, -1e-4, 0.0, 1e-4, 1.26e-4]);
        // A round value too near an end gives way to the end.
        assert_eq!(ticks(-0.34, 3.65, 0.1), [-0.34, 1.0, 2.0, 3.0, 3.65]);
        assert_eq!(ticks(-0.34, 3.65, 0.05), [-0.34, 0.0, 1.0, 2.0, 3.0, 3.65]);
        assert_eq!(ticks(0.95, 1.05, 0.1), [0.95, 1.0, 1.05]);
        for (lo, hi) in [(0.0, 1.0), (-7.0, 3.0), (1e-9, 3e-9), (12.0, 13.0), (-1.5e5, 1.5e5), (0.1, 0.99)] {
            for gap in [0.0, 0.05, 0.1, 0.2] {
                let t = ticks(lo, hi, gap);
                assert!((3..=6).contains(&t.len()), "{lo} {hi} {gap}: {t:?}");
                assert!(t.windows(2).all(|w| w[1] - w[0] >= gap * (hi - lo) * (1.0 - 1e-9)), "{lo} {hi} {gap}: {t:?}");
            }
        }
    }

    #[test]
    fn numbers_are_compact() {
        let unit = Numbers::new(0.0, 1.0);
        assert_eq!([0.0, 0.25, 0.6, 1.0, -0.5].map(|v| unit.format(v)), ["0", "0.25", "0.6", "1", "-0.5"]);
        let error = Numbers::new(-1.2345e-5, 1.2345e-5);
        assert_eq!(
            [-1.2345e-5, -1e-5, 0.0, 5e-6, 1.2345e-5, 1e-22].map(|v| error.format(v)),
            ["-1.23e-05", "-1e-05", "0", "5e-06", "1.23e-05", "0"]
        );
        // Rounding up to the next power of ten.
        assert_eq!(Numbers::new(0.0, 9.9996e5).format(9.9996e5), "1e+06");
        // Close values keep the digits that tell them apart.
        let narrow = Numbers::new(100.0, 100.5);
        assert_eq!([100.0, 100.1, 100.5].map(|v| narrow.format(v)), ["100", "100.1", "100.5"]);
        assert_eq!(Numbers::new(-3.4, 0.0).format(-3.4), "-3.4");
    }
}
