//! The problems: the seed's, and a manufactured one whose exact solution is
//! known, so that a run can measure its own discretization error.

use std::f64::consts::PI;

/// -Laplace(u) = f in the unit square or cube, u = g on its boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// f = 1, g = 0 (the seed program's).
    Seed,
    /// u = two sine modes + a Gaussian bump + a harmonic function: a broad
    /// spectrum (no Krylov method gets it in a few steps), non-zero
    /// boundary values, and smooth, so the error is O(h²).
    Manufactured,
}

/// Sine modes of the manufactured solution: amplitude and wave numbers (x, y, z).
const MODES: [(f64, [f64; 3]); 2] = [(1.0, [1.0, 2.0, 1.0]), (0.5, [4.0, 3.0, 2.0])];
/// The Gaussian bump: centre and width.
const BUMP_CENTRE: [f64; 3] = [0.6, 0.4, 0.5];
const BUMP_WIDTH: f64 = 0.2;

/// A point of the unit square (z unused) or cube.
pub type Point = [f64; 3];

impl Problem {
    pub fn name(self) -> &'static str {
        match self {
            Problem::Seed => "seed",
            Problem::Manufactured => "manufactured",
        }
    }

    /// The right-hand side f = -Laplace(u).
    pub fn forcing(self, dim: usize, p: Point) -> f64 {
        match self {
            Problem::Seed => 1.0,
            Problem::Manufactured => {
                let modes: f64 = MODES
                    .iter()
                    .map(|(a, k)| a * PI * PI * k[..dim].iter().map(|k| k * k).sum::<f64>() * sines(dim, k, p))
                    .sum();
                let (bump, r2) = bump(dim, p);
                let w2 = BUMP_WIDTH * BUMP_WIDTH;
                // -Laplace(exp(-r²/w²)) = (2 dim / w² - 4 r² / w⁴) exp(-r²/w²); the harmonic part adds nothing.
                modes + (2.0 * dim as f64 / w2 - 4.0 * r2 / (w2 * w2)) * bump
            }
        }
    }

    /// f when it is the same everywhere, so that filling it is a pass over
    /// memory with no arithmetic.
    pub fn constant_forcing(self) -> Option<f64> {
        (self == Problem::Seed).then(|| self.forcing(3, [0.0; 3]))
    }

    /// The boundary value g.
    pub fn boundary(self, dim: usize, p: Point) -> f64 {
        match self {
            Problem::Seed => 0.0,
            Problem::Manufactured => manufactured(dim, p),
        }
    }

    /// The exact solution, when the problem has one in closed form.
    pub fn exact(self, dim: usize) -> Option<impl Fn(Point) -> f64> {
        match self {
            Problem::Seed => None,
            Problem::Manufactured => Some(move |p| manufactured(dim, p)),
        }
    }
}

fn manufactured(dim: usize, p: Point) -> f64 {
    let modes: f64 = MODES.iter().map(|(a, k)| a * sines(dim, k, p)).sum();
    modes + bump(dim, p).0 + harmonic(dim, p)
}

fn sines(dim: usize, k: &[f64; 3], p: Point) -> f64 {
    (0..dim).map(|d| (k[d] * PI * p[d]).sin()).product()
}

/// exp(-r²/w²) and r², r the distance to the centre.
fn bump(dim: usize, p: Point) -> (f64, f64) {
    let r2: f64 = (0..dim).map(|d| (p[d] - BUMP_CENTRE[d]).powi(2)).sum();
    ((-r2 / (BUMP_WIDTH * BUMP_WIDTH)).exp(), r2)
}

/// e^x cos y in 2-D, e^(√2 x) cos y cos z in 3-D: Laplace of it is zero.
fn harmonic(dim: usize, p: Point) -> f64 {
    if dim == 2 { p[0].exp() * p[1].cos() } else { (2f64.sqrt() * p[0]).exp() * p[1].cos() * p[2].cos() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// -Laplace(u) by central differences of step `s`, O(s²) accurate.
    fn minus_laplacian(u: impl Fn(Point) -> f64, dim: usize, p: Point, s: f64) -> f64 {
        (0..dim)
            .map(|d| {
                let (mut lo, mut hi) = (p, p);
                lo[d] -= s;
                hi[d] += s;
                (2.0 * u(p) - u(lo) - u(hi)) / (s * s)
            })
            .sum()
    }

    #[test]
    fn forcing_is_minus_the_laplacian_of_the_exact_solution() {
        for dim in [2, 3] {
            let u = Problem::Manufactured.exact(dim).unwrap();
            for p in [[0.3, 0.7, 0.2], [0.55, 0.45, 0.5], [0.9, 0.1, 0.8]] {
                let f = Problem::Manufactured.forcing(dim, p);
                let approx = minus_laplacian(&u, dim, p, 1e-3);
                assert!((f - approx).abs() < 1e-4 * f.abs().max(1.0), "dim {dim} at {p:?}: {f} vs {approx}");
            }
        }
    }

    #[test]
    fn manufactured_boundary_values_are_the_exact_solution_and_not_zero() {
        for dim in [2, 3] {
            let u = Problem::Manufactured.exact(dim).unwrap();
            let p = [1.0, 0.25, 0.5];
            assert_eq!(Problem::Manufactured.boundary(dim, p), u(p));
            assert!(u(p).abs() > 0.1);
        }
        assert!(Problem::Seed.exact(2).is_none());
    }
}
