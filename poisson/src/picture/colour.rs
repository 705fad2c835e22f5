//! From values to colours: a sequential map for a field of one sign, a
//! diverging one, centred on zero, for a signed field (an error), so that
//! zero and the sign of every value can be seen.

/// Dark blue to teal to green to yellow, light rising steadily.
const SEQUENTIAL: [[f64; 3]; 5] =
    [[30.0, 20.0, 90.0], [40.0, 80.0, 150.0], [30.0, 145.0, 140.0], [120.0, 200.0, 80.0], [250.0, 230.0, 50.0]];

/// Blue through a light grey to red: lightness (CIELAB L*) 28, 42, 56, 70,
/// 84 on either side and 97 in the middle, so that equal magnitudes look
/// equally strong whatever their sign.
const DIVERGING: [[f64; 3]; 11] = [
    [3.0, 68.0, 116.0],
    [5.0, 102.0, 170.0],
    [42.0, 138.0, 221.0],
    [128.0, 174.0, 236.0],
    [192.0, 211.0, 243.0],
    NEUTRAL_F,
    [245.0, 199.0, 192.0],
    [233.0, 149.0, 138.0],
    [211.0, 101.0, 91.0],
    [175.0, 59.0, 54.0],
    [123.0, 34.0, 32.0],
];

/// The diverging map's colour of zero.
pub const NEUTRAL: [u8; 3] = [246, 246, 246];
const NEUTRAL_F: [f64; 3] = [NEUTRAL[0] as f64, NEUTRAL[1] as f64, NEUTRAL[2] as f64];

/// Which colours a picture uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Map {
    Sequential,
    Diverging,
}

impl Map {
    pub fn name(self) -> &'static str {
        match self {
            Map::Sequential => "sequential",
            Map::Diverging => "diverging",
        }
    }

    /// The colour of t in [0, 1] (the bottom and the top of the scale),
    /// interpolated linearly between the map's colours.
    pub fn colour(self, t: f64) -> [u8; 3] {
        let ramp: &[[f64; 3]] = match self {
            Map::Sequential => &SEQUENTIAL,
            Map::Diverging => &DIVERGING,
        };
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
        let x = t * (ramp.len() - 1) as f64;
        let i = (x.floor() as usize).min(ramp.len() - 2);
        let f = x - i as f64;
        [0, 1, 2].map(|c| (ramp[i][c] + f * (ramp[i + 1][c] - ramp[i][c])).round() as u8)
    }
}

/// A map and the values at its bottom (`lo`) and top (`hi`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub map: Map,
    pub lo: f64,
    pub hi: f64,
}

impl Scale {
    /// The scale of a field whose values run from `min` to `max`: diverging,
    /// from -m to m (m the largest magnitude), if the field is `signed` (a
    /// difference, whose zero means something); else sequential, from `min`
    /// to `max`, whatever the signs (a solution that dips below zero). A single value v is shown mid-scale, from v - |v| to v + |v|
    /// (from -1 to 1 if zero).
    pub fn new((min, max): (f64, f64), signed: bool) -> Self {
        let (map, lo, hi) = if signed {
            let m = (-min).max(max);
            (Map::Diverging, -m, m)
        } else {
            (Map::Sequential, min, max)
        };
        let widen = if hi > lo {
            0.0
        } else if lo == 0.0 {
            1.0
        } else {
            lo.abs()
        };
        Scale { map, lo: lo - widen, hi: hi + widen }
    }

    /// Where `v` lies on the scale: 0 at `lo`, 1 at `hi` (exactly ½ at zero
    /// on a diverging scale).
    pub fn position(&self, v: f64) -> f64 {
        (v - self.lo) / (self.hi - self.lo)
    }

    pub fn colour(&self, v: f64) -> [u8; 3] {
        self.map.colour(self.position(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CIELAB lightness L* of an sRGB colour.
    fn lightness(c: [u8; 3]) -> f64 {
        let linear = |v: u8| {
            let v = v as f64 / 255.0;
            if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        let y = 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
        if y > 0.008856 { 116.0 * y.cbrt() - 16.0 } else { 903.3 * y }
    }

    #[test]
    fn the_sequential_map_runs_from_dark_to_light() {
        let steps: Vec<f64> = (0..=20).map(|i| lightness(Map::Sequential.colour(i as f64 / 20.0))).collect();
        assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
        assert_eq!(Map::Sequential.colour(-1.0), Map::Sequential.colour(0.0));
        assert_eq!(Map::Sequential.colour(f64::NAN), Map::Sequential.colour(0.0));
    }

    #[test]
    fn the_diverging_map_is_neutral_at_zero_and_symmetric() {
        let scale = Scale::new((-3e-4, 1e-4), true);
        assert_eq!((scale.map, scale.lo, scale.hi), (Map::Diverging, -3e-4, 3e-4));
        assert_eq!(scale.colour(0.0), NEUTRAL);
        assert!(lightness(NEUTRAL) > 95.0);
        let mut previous = lightness(NEUTRAL);
        for i in 1..=60 {
            let v = 3e-4 * i as f64 / 60.0;
            let (up, down) = (scale.colour(v), scale.colour(-v));
            // Positive red, negative blue, equally light, darker away from zero.
            assert!(up[0] > up[2] && down[2] > down[0], "{v}: {up:?} {down:?}");
            let (l_up, l_down) = (lightness(up), lightness(down));
            assert!((l_up - l_down).abs() < 1.0, "{v}: L* {l_up} and {l_down}");
            assert!(l_up < previous && l_down < previous, "{v}: not darker than {previous}");
            previous = l_up.max(l_down);
        }
    }

    #[test]
    fn the_map_follows_from_the_field() {
        assert_eq!(Scale::new((0.0, 2.0), false), Scale { map: Map::Sequential, lo: 0.0, hi: 2.0 });
        assert_eq!(Scale::new((-5.0, -1.0), false), Scale { map: Map::Sequential, lo: -5.0, hi: -1.0 });
        assert_eq!(Scale::new((-1.0, 2.0), false), Scale { map: Map::Sequential, lo: -1.0, hi: 2.0 });
        // Declared signed: diverging even when every value has one sign.
        assert_eq!(Scale::new((1.0, 2.0), true), Scale { map: Map::Diverging, lo: -2.0, hi: 2.0 });
        // A single value: mid-scale.
        assert_eq!(Scale::new((3.0, 3.0), false), Scale { map: Map::Sequential, lo: 0.0, hi: 6.0 });
        assert_eq!(Scale::new((0.0, 0.0), true), Scale { map: Map::Diverging, lo: -1.0, hi: 1.0 });
        assert_eq!(Scale::new((0.0, 0.0), true).colour(0.0), NEUTRAL);
    }
}
