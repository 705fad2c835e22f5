//! The fast path: geometric multigrid on the DMDA hierarchy, matrix-free on
//! every level, registered with PETSc as the preconditioner type `gmg`.
//!
//! In the symmetric form, boundary rows are D u = D g and no interior row
//! couples to a boundary node, so the preconditioner divides boundary
//! entries by D and runs multigrid on the interior unknowns, with zero
//! boundary values on every level. Each level is the same Laplacian
//! rediscretized on a grid of half as many intervals, owned by the same
//! ranks (coarse node I by the rank owning fine node 2I). Smoothing is
//! red-black Gauss-Seidel, restriction full weighting, interpolation
//! linear, all on plain arrays whose ghosts move through a star forest
//! built from the DMDA's layout; the coarsest grid is assembled once and
//! solved by a KSP of its own (prefix `gmg_coarse_`, LU by default). The
//! full-multigrid cycle (the default) solves each level from the one below,
//! so one application lands at discretization error; setup builds no
//! fine-grid matrix, no interpolation matrix and estimates no eigenvalue.

mod coarse;
pub mod events;
pub mod kernels;
mod plan;

use petsc::{Buffer, Dm, Error, GhostExchange, PcType, Petsc, Preconditioner, Result, Vector};

use crate::config::Dirichlet;
use crate::option::{Default, Kind, Opt};
use coarse::Coarse;
use events::{Kernel, LevelEvents};
use kernels::{
    Coefficients, Finished, LevelPart, PatchValues, Scratch, hand_all, interpolate, interpolate_cubic, relax_faces,
    restrict, sweep_fused,
};
pub use plan::{LevelGrid, plan};

/// `-pc_type gmg`.
pub struct Gmg;

impl PcType for Gmg {
    const NAME: &'static str = "gmg";
}

/// Coarsest grids larger than this (in 2-D, in 3-D) are refused: their
/// direct solve would cost more than the multigrid it ends. LU's fill grows
/// much faster in 3-D: a one-level 18^3 solve took 1.3 s here, and 34^3
/// (39,304 unknowns) 4.5 s with redundant LU, fifteen times the whole fast
/// path at 257^3.
pub const MAX_COARSE_UNKNOWNS: [usize; 2] = [1 << 17, 1 << 13];

/// What the preconditioner applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cycle {
    /// Full multigrid (F-cycle): from the coarsest grid up, each level
    /// starting from the interpolated solution of the one below.
    Full,
    /// One V-cycle from zero.
    V,
}

/// The options the preconditioner reads (see `poisson -help`).
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub cycle: Cycle,
    /// At most this many levels (the grid may allow fewer).
    pub max_levels: usize,
    pub smooth_down: usize,
    pub smooth_up: usize,
    /// V-cycles per level below the finest in the full-multigrid cycle, on
    /// levels larger than [`SMALL_LEVEL`].
    pub fmg_cycles: usize,
    /// The same on levels of at most [`SMALL_LEVEL`] points per direction.
    pub small_level_cycles: usize,
    /// V-cycles on the finest level in the full-multigrid cycle.
    pub finest_cycles: usize,
    /// The sweeps' over-relaxation.
    pub omega: f64,
}

pub const GMG_TYPE: Opt = Opt::one_of(
    "-pc_gmg_type",
    &["full", "multiplicative"],
    "full (F-cycle: full multigrid) or multiplicative (V-cycle)",
);
pub const LEVELS: Opt =
    Opt::integer("-pc_gmg_levels", Default::Derived("as many as the grid allows"), 1, "at most this many levels");
pub const SMOOTH_DOWN: Opt = Opt::integer(
    "-pc_gmg_smooth_down",
    Default::Value(1),
    0,
    "red-black Gauss-Seidel sweeps before the coarse correction",
);
pub const SMOOTH_UP: Opt = Opt::integer("-pc_gmg_smooth_up", Default::Value(1), 0, "sweeps after it");
// The F-cycle starts each level from the solution of a grid twice as
// coarse, whose discretization error is 4 times larger; its V-cycles must
// bring that under a tenth of the level's own. Measured (max norm against
// the converged solve, manufactured problem, 2 ranks): red-black
// Gauss-Seidel (omega 1) needs 2 V(1,1)-cycles on the finest level in 2-D
// (0.05 from 129^2 to 1025^2) and 3 in 3-D (2 left 0.28 to 0.37 from 33^3
// to 129^3). Over-relaxed, one cycle per level does in 2-D: 0.024 to 0.025
// with omega 1.2 from 129^2 to 2049^2 (0.086 with 1.15, 0.05 with 1.25).
// In 3-D with omega 1.3, two cycles on every level below the finest and
// one on it leave 0.072 to 0.086 from 33^3 to 257^3, for 40 % less work
// than two on the finest (0.002 to 0.014); one cycle per level leaves
// 0.12 at 33^3 but 0.082 at 129^3 and 0.078 at 257^3. So two go where
// they cost little, on levels of at most 33^3 points, and one above.
pub const FMG_CYCLES: Opt = Opt::integer(
    "-pc_gmg_fmg_cycles",
    Default::Derived("1; in 3-D 2 on levels of at most 33^3 points"),
    1,
    "V-cycles per level below the finest in the F-cycle",
);
/// The F-cycle's V-cycles on small levels below the finest, in 2-D and 3-D,
/// unless -pc_gmg_fmg_cycles says otherwise; larger levels get one.
const SMALL_LEVEL_CYCLES: [usize; 2] = [1, 2];
/// Levels with at most this many points per direction are small.
pub const SMALL_LEVEL: usize = 33;
pub const FMG_FINEST_CYCLES: Opt =
    Opt::integer("-pc_gmg_fmg_finest_cycles", Default::Value(1), 1, "V-cycles on the finest level in the F-cycle");
pub const OMEGA: Opt = Opt::plain(
    "-pc_gmg_omega",
    Kind::Real { min: 0.0, max: 2.0, below_max: true },
    "over-relaxation of the red-black sweeps, below 2 (F-cycle: 1.2 in 2-D, 1.3 in 3-D; V-cycle: 1, Gauss-Seidel)",
);
/// Its F-cycle defaults in 2-D and 3-D, which its help says. V-cycles keep
/// Gauss-Seidel: over-relaxed, red first on both sides, they are far from
/// symmetric, and CG with them stalled (33^3, average factor 0.998).
pub const OMEGAS: [f64; 2] = [1.2, 1.3];

/// The preconditioner's options, in the order `-help` lists them.
pub const OPTIONS: [Opt; 7] = [GMG_TYPE, LEVELS, SMOOTH_DOWN, SMOOTH_UP, FMG_CYCLES, FMG_FINEST_CYCLES, OMEGA];

impl Options {
    /// Reads and checks the options (declared above), for a grid of `dim`
    /// dimensions.
    pub fn from_database(petsc: &Petsc, dim: usize) -> Result<Self> {
        let count = |option: &Opt| Ok(option.size(petsc)?.unwrap_or(usize::MAX));
        let cycle = if GMG_TYPE.choice(petsc)? == "full" { Cycle::Full } else { Cycle::V };
        let omega = if cycle == Cycle::Full { OMEGAS[dim - 2] } else { 1.0 };
        let fmg_cycles = FMG_CYCLES.size(petsc)?;
        Ok(Options {
            cycle,
            max_levels: count(&LEVELS)?,
            smooth_down: count(&SMOOTH_DOWN)?,
            smooth_up: count(&SMOOTH_UP)?,
            fmg_cycles: fmg_cycles.unwrap_or(1),
            small_level_cycles: fmg_cycles.unwrap_or(SMALL_LEVEL_CYCLES[dim - 2]),
            finest_cycles: count(&FMG_FINEST_CYCLES)?,
            omega: OMEGA.real(petsc)?.unwrap_or(omega),
        })
    }
}

/// Checks, on every rank alike, that the fast path can run on this grid
/// with these options, so a refusal is a clear usage error rather than a
/// failure inside the solve.
pub fn check(petsc: &Petsc, dm: &Dm, dirichlet: Dirichlet) -> Result<Options> {
    let info = dm.info()?;
    let options = Options::from_database(petsc, info.dim)?;
    if dirichlet != Dirichlet::Symmetric {
        return Err(Error::usage("-pc_type gmg solves the symmetric form only (the default): drop -dirichlet seed"));
    }
    let levels = plan(&info, dm.ownership()?, options.max_levels);
    let coarsest = levels.last().expect("a plan has the finest level");
    if coarsest.points.iter().product::<usize>() > MAX_COARSE_UNKNOWNS[info.dim - 2] {
        let sizes = |p: [usize; 3]| p[..info.dim].iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" x ");
        return Err(Error::usage(format!(
            "-pc_type gmg: the {} grid coarsens no further than {} points, too many for the coarse solve; \
             use sizes of 2^k m + 1 points with small m (129, 257, 1025...)",
            sizes(levels[0].points),
            sizes(coarsest.points)
        )));
    }
    Ok(options)
}

/// One level: where it lies, its operator, its arrays.
struct Level<'p> {
    layout: LevelPart,
    k: Coefficients,
    exchange: GhostExchange<'p>,
    events: LevelEvents<'p>,
    /// The correction this level solves for, over the ghosted patch.
    u: Buffer,
    /// Its right-hand side; empty on the finest level, whose right-hand
    /// side is the preconditioner's input.
    f: Buffer,
    scratch: Scratch,
}

impl<'p> Level<'p> {
    /// The finest level, on the solver's grid; `events` its number's,
    /// `omega` the sweeps' over-relaxation.
    fn finest(dm: &Dm<'p>, events: LevelEvents<'p>, omega: f64) -> Result<Self> {
        let info = dm.info()?;
        let layout =
            LevelPart { dim: info.dim, points: info.points, owned: dm.corners()?, ghosted: dm.ghost_corners()? };
        Self::with(layout, dm.ghost_exchange()?, events, omega, false)
    }

    /// A coarser level, laid out as its plan says. No DMDA is made for it:
    /// a DMDA's set-up indexes all its points, which would be most of the
    /// preconditioner's set-up time, and only the layout is used.
    fn coarse(petsc: &'p Petsc, plan: &LevelGrid, events: LevelEvents<'p>, omega: f64) -> Result<Self> {
        let (boxes, rank) = (plan.box_layout(), petsc.rank());
        let layout = LevelPart {
            dim: plan.dim,
            points: plan.points,
            owned: boxes.patch(rank, false),
            ghosted: boxes.patch(rank, true),
        };
        Self::with(layout, GhostExchange::for_layout(petsc, &boxes)?, events, omega, true)
    }

    fn with(
        layout: LevelPart,
        exchange: GhostExchange<'p>,
        events: LevelEvents<'p>,
        omega: f64,
        has_f: bool,
    ) -> Result<Self> {
        let n = layout.ghosted.len();
        Ok(Level {
            layout,
            k: Coefficients::new(layout.dim, layout.points, omega),
            exchange,
            events,
            u: Buffer::zeroed(n, "a multigrid level")?,
            f: Buffer::zeroed(if has_f { n } else { 0 }, "a multigrid level")?,
            scratch: Scratch::new(&layout, None),
        })
    }

    /// Sets u on the owned boundary nodes to `value(node)`.
    fn set_boundary(&mut self, value: impl Fn([usize; 3]) -> f64) {
        let layout = &self.layout;
        let (o, e, p) = (layout.owned.start, layout.owned.end(), layout.points);
        let on_boundary = |d: usize, i: usize| d < layout.dim && (i == 0 || i == p[d] - 1);
        for z in o[2]..e[2] {
            for y in o[1]..e[1] {
                let mut set = |x: usize| self.u[layout.at([x, y, z])] = value([x, y, z]);
                if on_boundary(1, y) || on_boundary(2, z) {
                    (o[0]..e[0]).for_each(&mut set);
                } else {
                    // A line inside the domain meets the boundary at its ends.
                    [0, p[0] - 1].into_iter().filter(|x| (o[0]..e[0]).contains(x)).for_each(&mut set);
                }
            }
        }
    }

    /// Red-black Gauss-Seidel sweeps, red first; the last hands its lines
    /// to `finished`.
    fn smooth(&mut self, rhs: Option<PatchValues>, sweeps: usize, mut finished: Finished) -> Result<()> {
        if sweeps == 0 {
            return Ok(());
        }
        let Level { layout, k, exchange, events, u, f, .. } = self;
        let rhs = rhs.unwrap_or(PatchValues { data: f, patch: layout.ghosted });
        events.get(Kernel::Smooth).time(|| {
            for sweep in 1..=sweeps {
                update(events, exchange, u)?;
                relax_faces(k, layout, u, rhs);
                update(events, exchange, u)?;
                sweep_fused(k, layout, u, rhs, if sweep == sweeps { finished.take() } else { None });
            }
            Ok(())
        })
    }

    /// Fills u's ghosts.
    fn update_u(&mut self) -> Result<()> {
        update(&self.events, &self.exchange, &mut self.u)
    }

    /// Sums the contributions restricted into f's ghosts into their owners.
    fn accumulate_f(&mut self) -> Result<()> {
        self.events.get(Kernel::GhostExchange).time(|| self.exchange.accumulate(&mut self.f))
    }
}

/// Fills the ghosts of `data`, a level's array, timed as the level's.
fn update(events: &LevelEvents, exchange: &GhostExchange, data: &mut [f64]) -> Result<()> {
    events.get(Kernel::GhostExchange).time(|| exchange.update(data))
}

/// The preconditioner: levels coarsest first, and the coarse solver.
pub struct Multigrid<'p> {
    levels: Vec<Level<'p>>,
    coarse: Coarse<'p>,
    options: Options,
}

impl<'p> Multigrid<'p> {
    /// Builds the hierarchy below the solver's grid `dm`.
    pub fn new(petsc: &'p Petsc, dm: &Dm<'p>, options: Options) -> Result<Self> {
        let plans = plan(&dm.info()?, dm.ownership()?, options.max_levels);
        // Level numbers count from the coarsest, 0.
        let events = |i: usize| LevelEvents::register(petsc, plans.len() - 1 - i);
        let mut levels = vec![Level::finest(dm, events(0)?, options.omega)?];
        for (i, p) in plans.iter().enumerate().skip(1) {
            levels.push(Level::coarse(petsc, p, events(i)?, options.omega)?);
        }
        // The coarsest grid is a DMDA, for its assembled matrix; with one
        // level, a copy of the solver's grid.
        let coarsest = plans.last().expect("a plan has the finest level").dm(petsc)?;
        levels.reverse();
        for l in 1..levels.len() {
            levels[l].scratch = Scratch::new(&levels[l].layout, Some(&levels[l - 1].layout));
        }
        let coarse = Coarse::new(petsc, coarsest)?;
        Ok(Multigrid { levels, coarse, options })
    }
}

impl Preconditioner for Multigrid<'_> {
    fn apply(&mut self, x: &Vector, y: &mut Vector) -> Result<()> {
        let input = x.read()?;
        let mut out = y.write()?;
        let top = &self.levels[self.levels.len() - 1];
        let (layout, inverse) = (top.layout, 1.0 / top.k.diagonal);
        let (o, n) = (layout.owned.start, layout.owned.size);
        let [ix, iy, iz] = layout.interior();
        // Boundary rows are D u = D g: their entry is the input's over D.
        for (line, (out, input)) in out.chunks_exact_mut(n[0]).zip(input.chunks_exact(n[0])).enumerate() {
            let (y, z) = (o[1] + line % n[1], o[2] + line / n[1]);
            let inner = if iy.contains(&y) && iz.contains(&z) { ix.start - o[0]..ix.end - o[0] } else { 0..0 };
            for x in (0..inner.start).chain(inner.end..n[0]) {
                out[x] = input[x] * inverse;
            }
        }
        // Interior nodes: each line as the cycle's last pass finishes it.
        let mut put = |[y, z]: [usize; 2], values: &[f64]| {
            let at = ((z - o[2]) * n[1] + y - o[1]) * n[0] + ix.start - o[0];
            out[at..at + values.len()].copy_from_slice(values);
        };
        let f = PatchValues { data: &input, patch: layout.owned };
        let (levels, coarse, options) = (&mut self.levels, &mut self.coarse, &self.options);
        match options.cycle {
            Cycle::Full => full(levels, coarse, options, f, Some(&mut put)),
            Cycle::V => {
                levels.last_mut().expect("a hierarchy has the finest level").u.fill(0.0);
                v_cycle(levels, coarse, options, Some(f), Some(&mut put))
            }
        }
    }

    fn describe(&self) -> String {
        let o = &self.options;
        let cycle = match o.cycle {
            Cycle::Full => {
                let small = if o.small_level_cycles == o.fmg_cycles {
                    String::new()
                } else {
                    format!(" ({} on levels of at most {SMALL_LEVEL} points per direction)", o.small_level_cycles)
                };
                format!(
                    "full multigrid (F-cycle), {} V-cycle(s) per level{small}, {} on the finest",
                    o.fmg_cycles, o.finest_cycles
                )
            }
            Cycle::V => "V-cycle".to_string(),
        };
        let mut text = format!(
            "poisson's geometric multigrid, matrix-free: {} levels, {cycle}\n\
             smoother: red-black Gauss-Seidel, {} sweep(s) down, {} up, over-relaxation {}\n\
             restriction: full weighting; interpolation: linear (cubic for the F-cycle's steps up)\n\
             kernels built for {} (chosen at run time for this processor)\n",
            self.levels.len(),
            o.smooth_down,
            o.smooth_up,
            o.omega,
            crate::simd::instructions()
        );
        for (i, level) in self.levels.iter().enumerate().rev() {
            let p = &level.layout.points[..level.layout.dim];
            let sizes: Vec<String> = p.iter().map(|n| n.to_string()).collect();
            text += &format!("level {i}: {} points\n", sizes.join(" x "));
        }
        text += "coarse solve: KSP with prefix gmg_coarse_ on level 0";
        text
    }
}

/// A V-cycle on `levels` (the last one finest), from its current u.
/// `rhs` is the finest level's right-hand side when it is not its `f`;
/// the finest level's last step hands its lines to `finished`.
fn v_cycle(
    levels: &mut [Level],
    coarse: &mut Coarse,
    options: &Options,
    rhs: Option<PatchValues>,
    finished: Finished,
) -> Result<()> {
    let (lower, top) = levels.split_at_mut(levels.len() - 1);
    let top = &mut top[0];
    let Some(below) = lower.last_mut() else {
        let rhs = rhs.unwrap_or(PatchValues { data: &top.f, patch: top.layout.ghosted });
        coarse.solve(&top.layout, rhs, &mut top.u)?;
        hand_all(&top.layout, &top.u, finished);
        return Ok(());
    };
    top.smooth(rhs, options.smooth_down, None)?;
    top.update_u()?;
    let rhs_top = rhs.unwrap_or(PatchValues { data: &top.f, patch: top.layout.ghosted });
    top.events.get(Kernel::ResidualRestriction).time(|| {
        restrict(&top.k, &top.layout, Some(&top.u), rhs_top, &below.layout, &mut below.f, &mut top.scratch);
        Ok(())
    })?;
    below.accumulate_f()?;
    below.u.fill(0.0);
    v_cycle(lower, coarse, options, None, None)?;
    let below = lower.last_mut().expect("checked above");
    below.update_u()?;
    // The correction takes a pass of its own: added within the sweep after
    // it instead, it measured slower (docs/benchmarks.md, "Kernels").
    let (now, later) = if options.smooth_up == 0 { (finished, None) } else { (None, finished) };
    top.events.get(Kernel::Interpolation).time(|| {
        interpolate(&below.layout, &below.u, &top.layout, &mut top.u, &mut top.scratch, now);
        Ok(())
    })?;
    top.smooth(rhs, options.smooth_up, later)
}

/// Full multigrid: the right-hand side restricted to every level, the
/// coarsest solved, then each level started from the solution below
/// (cubic interpolation) and improved by V-cycles. The finest level's
/// last step hands its lines to `finished`.
fn full(
    levels: &mut [Level],
    coarse: &mut Coarse,
    options: &Options,
    f: PatchValues,
    mut finished: Finished,
) -> Result<()> {
    let n = levels.len();
    for l in (1..n).rev() {
        let (lower, upper) = levels.split_at_mut(l);
        let (fine, below) = (&mut upper[0], lower.last_mut().expect("l >= 1"));
        let rhs = if l == n - 1 { f } else { PatchValues { data: &fine.f, patch: fine.layout.ghosted } };
        fine.events.get(Kernel::ResidualRestriction).time(|| {
            restrict(&fine.k, &fine.layout, None, rhs, &below.layout, &mut below.f, &mut fine.scratch);
            Ok(())
        })?;
        below.accumulate_f()?;
    }
    let finest_rhs = |l: usize| (l == n - 1).then_some(f);
    // The sink goes to the last of the finest level's V-cycles.
    let mut last =
        |l: usize, cycle: usize, cycles: usize| if l == n - 1 && cycle == cycles { finished.take() } else { None };
    v_cycle(&mut levels[..1], coarse, options, finest_rhs(0), last(0, 1, 1))?;
    let inverse = 1.0 / levels[n - 1].k.diagonal;
    for l in 1..n {
        let (lower, upper) = levels.split_at_mut(l);
        let (fine, below) = (&mut upper[0], lower.last_mut().expect("l >= 1"));
        // This level starts from the solution below, boundary values
        // included (they are D g / D on the finest level's input, which
        // owns the fine node of every coarse node this rank owns). The
        // V-cycle then zeroes the level below again.
        let shift = n - l;
        below.set_boundary(|node| f.value(node.map(|i| i << shift)) * inverse);
        below.update_u()?;
        fine.events.get(Kernel::Interpolation).time(|| {
            interpolate_cubic(&below.layout, &below.u, &fine.layout, &mut fine.u, &mut fine.scratch);
            Ok(())
        })?;
        let cycles = if l == n - 1 {
            options.finest_cycles
        } else if fine.layout.points.iter().all(|&p| p <= SMALL_LEVEL) {
            options.small_level_cycles
        } else {
            options.fmg_cycles
        };
        for cycle in 1..=cycles {
            v_cycle(&mut levels[..=l], coarse, options, finest_rhs(l), last(l, cycle, cycles))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_says_the_default_over_relaxations() {
        let [two, three] = OMEGAS;
        assert!(
            OMEGA.help_line().contains(&format!("(F-cycle: {two} in 2-D, {three} in 3-D;")),
            "{}",
            OMEGA.help_line()
        );
    }

    #[test]
    fn the_help_says_the_default_fmg_cycles() {
        let [_, three] = SMALL_LEVEL_CYCLES;
        let says = format!("<1; in 3-D {three} on levels of at most {SMALL_LEVEL}^3 points>");
        assert!(FMG_CYCLES.help_line().contains(&says), "{}", FMG_CYCLES.help_line());
    }
}
