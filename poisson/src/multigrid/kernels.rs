//! The multigrid kernels, on one rank's part of a level: arrays over its
//! ghosted patch (ghosts one deep on the finest level, two on coarser ones),
//! boundary nodes held at zero (the
//! multigrid solves for interior unknowns, see the module comment).
//!
//! Each kernel walks the owned interior one grid line at a time and reads
//! or writes each array once: smoothing updates in place, the residual is
//! restricted as it is computed (a few lines of it at a time, never a whole
//! array), interpolation adds into the fine array directly. Scratch lines
//! come from the caller: no allocation.

use std::ops::Range;

use petsc::Patch;

use crate::grid::inverse_h2;
use crate::simd::vectorized;

/// Where one rank's part of a level lies in the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelPart {
    pub dim: usize,
    /// Grid points per direction (z is 1 in 2-D).
    pub points: [usize; 3],
    pub owned: Patch,
    /// The patch the level's arrays cover: owned points and the ghosts
    /// around them, corners included.
    pub ghosted: Patch,
}

impl LevelPart {
    /// Position of grid point `n` in an array over the ghosted patch.
    pub fn at(&self, n: [usize; 3]) -> usize {
        self.ghosted.offset(n)
    }

    /// Distance between neighbours along y and z in those arrays.
    fn strides(&self) -> (usize, usize) {
        let g = self.ghosted.size;
        (g[0], g[0] * g[1])
    }

    /// Per direction, whether a neighbouring rank owns the points past the
    /// owned box's low and high faces (else they are the domain's boundary,
    /// or the direction is absent).
    fn shared_faces(&self) -> [[bool; 2]; 3] {
        let (o, d) = (self.owned, self.dim);
        [0, 1, 2].map(|i| [i < d && o.start[i] > 0, i < d && o.start[i] + o.size[i] < self.points[i]])
    }

    /// The owned points that are not on the domain's boundary, per direction.
    pub fn interior(&self) -> [Range<usize>; 3] {
        [0, 1, 2].map(|d| {
            if d >= self.dim {
                return 0..1;
            }
            let start = self.owned.start[d].max(1);
            start..(self.owned.start[d] + self.owned.size[d]).min(self.points[d] - 1).max(start)
        })
    }
}

/// A right-hand side: values over `patch`, which is the owned patch for the
/// input vector of the finest level and the ghosted one for coarser levels.
#[derive(Clone, Copy)]
pub struct PatchValues<'a> {
    pub data: &'a [f64],
    pub patch: Patch,
}

impl<'a> PatchValues<'a> {
    /// The value at grid point `n`.
    pub fn value(&self, n: [usize; 3]) -> f64 {
        self.data[self.patch.offset(n)]
    }

    /// The values of the line starting at `n`, `len` long.
    fn line(&self, n: [usize; 3], len: usize) -> &'a [f64] {
        &self.data[self.patch.offset(n)..][..len]
    }
}

/// The 5- or 7-point Laplacian on a level, rediscretized on its spacing,
/// and the smoother's over-relaxation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficients {
    /// 1/h² per direction (0 for z in 2-D).
    pub c: [f64; 3],
    pub diagonal: f64,
    /// Each relaxed point moves this far (1: to the Gauss-Seidel value).
    pub omega: f64,
}

impl Coefficients {
    /// On the unit square or cube with `points` nodes per direction.
    pub fn new(dim: usize, points: [usize; 3], omega: f64) -> Self {
        let c = inverse_h2(dim, points);
        Coefficients { c, diagonal: 2.0 * c.iter().sum::<f64>(), omega }
    }
}

/// One grid line of an array and its neighbours in y and z, split so the
/// line can be written while the others are read. `line` has one point
/// more on each side (a ghost or a boundary node) than the `len` updated.
struct Lines<'a> {
    line: &'a mut [f64],
    south: &'a [f64],
    north: &'a [f64],
    below: &'a [f64],
    above: &'a [f64],
}

#[inline(always)]
fn lines<'a>(u: &'a mut [f64], layout: &LevelPart, start: [usize; 3], len: usize) -> Lines<'a> {
    let (sy, sz) = layout.strides();
    let at = layout.at(start);
    let (before, rest) = u.split_at_mut(at - 1);
    let (line, after) = rest.split_at_mut(len + 2);
    // Offsets of the neighbouring lines (first updated point) in before/after.
    let (south, north) = (&before[at - sy..][..len], &after[sy - len - 1..][..len]);
    let (below, above) =
        if layout.dim == 3 { (&before[at - sz..][..len], &after[sz - len - 1..][..len]) } else { (south, north) };
    Lines { line, south, north, below, above }
}

/// Gauss-Seidel on one colour of one grid line (y, z), owned interior
/// points only: each point of the colour ((i + j + k) even for colour 0,
/// odd for 1) is solved for from its equation with its neighbours'
/// current values. `xs` limits the points to a sub-range of the line.
#[inline(always)]
fn relax_line(
    k: &Coefficients,
    layout: &LevelPart,
    u: &mut [f64],
    f: PatchValues,
    colour: usize,
    line: [usize; 2],
    xs: Range<usize>,
) {
    let [y, z] = line;
    let len = xs.len();
    if len == 0 {
        return;
    }
    let ([cx, cy, cz], inv) = (k.c, 1.0 / k.diagonal);
    let start = [xs.start, y, z];
    let rhs = f.line(start, len);
    let Lines { line, south, north, below, above } = lines(u, layout, start, len);
    let first = (xs.start + y + z + colour) % 2;
    let points = Points { line, rhs, around: [south, north, below, above], first };
    let omega = k.omega;
    // Gauss-Seidel's value at a point, from the sum of its neighbours' terms;
    // over-relaxed, the point moves omega times as far.
    let solved = |r: f64, sum: f64| (r + sum) * inv;
    match (layout.dim == 3, omega != 1.0) {
        (true, true) => points.relax::<true>([cx, cy, cz], |old, r, sum| old + omega * (solved(r, sum) - old)),
        (true, false) => points.relax::<true>([cx, cy, cz], |_, r, sum| solved(r, sum)),
        (false, true) => points.relax::<false>([cx, cy, cz], |old, r, sum| old + omega * (solved(r, sum) - old)),
        (false, false) => points.relax::<false>([cx, cy, cz], |_, r, sum| solved(r, sum)),
    }
}

/// The points of one colour on a line: `line[first + 1]`, `line[first + 3]`...
/// (`line` has a ghost or boundary node at each end), their right-hand
/// sides and their neighbours in y and z, indexed as `line` less its first
/// node.
struct Points<'a> {
    line: &'a mut [f64],
    rhs: &'a [f64],
    around: [&'a [f64]; 4],
    first: usize,
}

/// Colour points a chunk of [`Points::relax`] handles. From arrays of fixed
/// size the compiler drops the bounds checks and unrolls the chunk into
/// independent updates, which the processor overlaps: the 3-D sweep ran
/// 1.2 to 1.6 times faster than point by point.
///
/// A chunk is written as computing every point of its window, both
/// colours, and storing its colour's. The compiler drops the other
/// colour's arithmetic, whose values are never stored, so the loop stays
/// scalar at the x86-64 baseline (no packed arithmetic in `relax_line`'s
/// machine code), as for the colour's points alone; yet the 2-D sweep on
/// two workers measured 70-90 % of the triad in this form against 59-71 %
/// in that one (one core: the same), for a reason not found.
const CHUNK: usize = 8;

impl Points<'_> {
    /// Sets each point to `new(old value, right-hand side, sum of the
    /// neighbours' terms)`, the sum taken as cx (w + e) + cy (s + n) [+ cz (b + a)].
    #[inline(always)]
    fn relax<const DIM3: bool>(self, [cx, cy, cz]: [f64; 3], new: impl Fn(f64, f64, f64) -> f64) {
        let Points { line, rhs, around, first } = self;
        let sum = |w: f64, e: f64, [s, n, b, a]: [f64; 4]| {
            let sum = cx * (w + e) + cy * (s + n);
            if DIM3 { sum + cz * (b + a) } else { sum }
        };
        let count = (rhs.len() + 1 - first) / 2;
        let whole = (rhs.len() - first) / (2 * CHUNK);
        for c in 0..whole {
            let at = first + 2 * CHUNK * c;
            let v: &mut [f64; 2 * CHUNK + 2] = (&mut line[at..at + 2 * CHUNK + 2]).try_into().expect("in the line");
            let chunk =
                |values: &[f64]| -> [f64; 2 * CHUNK] { values[at..at + 2 * CHUNK].try_into().expect("in the line") };
            let (r, [s, n, b, a]) = (chunk(rhs), around.map(chunk));
            let mut out = [0.0; 2 * CHUNK];
            for (i, out) in out.iter_mut().enumerate() {
                *out = new(v[i + 1], r[i], sum(v[i], v[i + 2], [s[i], n[i], b[i], a[i]]));
            }
            for (j, out) in out.into_iter().step_by(2).enumerate() {
                v[2 * j + 1] = out;
            }
        }
        // The last few points, one by one; each writes a point of this
        // colour and reads only the other's on its line.
        for i in (first + 2 * CHUNK * whole..first + 2 * count).step_by(2) {
            line[i + 1] = new(line[i + 1], rhs[i], sum(line[i], line[i + 2], around.map(|values| values[i])));
        }
    }
}

/// The red half-sweep on the owned interior points next to the faces of
/// the owned box that neighbouring ranks read as ghosts: what
/// [`sweep_fused`] needs done (and exchanged) first. A rank with no
/// neighbour (one rank, or the levels a rank holds alone) has none.
pub fn relax_faces(k: &Coefficients, layout: &LevelPart, u: &mut [f64], f: PatchValues) {
    vectorized(
        #[inline(always)]
        || {
            // The points within [`FACES`] of the shared faces, line by line:
            // whole lines near one in y or z, the ends of the others.
            // Relaxed in this loop, not in a closure handed to one: such a
            // closure was built apart, for the x86-64 baseline.
            let [ix, iy, iz] = layout.interior();
            for z in iz {
                for y in iy.clone() {
                    let parts = line_ends(layout, [y, z]).map_or([ix.clone(), 0..0], |(ends, _)| ends);
                    for xs in parts {
                        relax_line(k, layout, u, f, 0, [y, z], xs);
                    }
                }
            }
        },
    )
}

/// How deep [`relax_faces`] reaches into the owned box; the rest of each
/// red half-sweep leaves those points alone (each red point is relaxed
/// once, as over-relaxation needs).
const FACES: usize = 1;

/// Interior line (y, z) split by its distance from the faces of the owned
/// box that a neighbouring rank shares: `None` when the line lies within
/// [`FACES`] lines (planes in 3-D) of such a face in y or z; else the
/// points within [`FACES`] of such a face at each of its ends (none where
/// the end is on the domain's boundary), and the rest.
///
/// Only shared faces: the fused sweep relaxes the red points next to the
/// domain's boundary in its own pass. Relaxed apart, the ends of every
/// line cost the 3-D sweep a quarter of its time on one rank (four cache
/// lines visited a line ahead of the pass).
fn line_ends(layout: &LevelPart, [y, z]: [usize; 2]) -> Option<([Range<usize>; 2], Range<usize>)> {
    let ([ix, iy, iz], shared) = (layout.interior(), layout.shared_faces());
    let near = |d: usize, r: &Range<usize>, n: usize| {
        (shared[d][0] && n < r.start + FACES) || (shared[d][1] && n + FACES >= r.end)
    };
    if near(1, &iy, y) || near(2, &iz, z) {
        return None;
    }
    let [low, high] = shared[0].map(|s| if s { FACES } else { 0 });
    let first = ix.start..(ix.start + low).min(ix.end);
    let last = ix.end.saturating_sub(high).max(first.end)..ix.end;
    let rest = first.end..last.start;
    Some(([first, last], rest))
}

/// The points of interior line (y, z) at least [`FACES`] from the owned
/// box's faces (empty for a line near a face in y or z).
fn away_from_faces(layout: &LevelPart, line: [usize; 2]) -> Range<usize> {
    line_ends(layout, line).map_or(0..0, |(_, rest)| rest)
}

/// Where a level's last pass hands each owned interior line (y, z) its
/// final values (owned interior points, in x order) as soon as it has
/// them, while the line is in cache: the finest level's last pass writes
/// the solution so, with no pass of its own over u.
pub type Finished<'a> = Option<&'a mut dyn FnMut([usize; 2], &[f64])>;

/// Hands `finished` interior line `line` of `u`, whose interior in x is `ix`.
fn hand(layout: &LevelPart, u: &[f64], ix: &Range<usize>, line: [usize; 2], finished: &mut Finished) {
    if let Some(done) = finished {
        let at = layout.at([ix.start, line[0], line[1]]);
        done(line, &u[at..at + ix.len()]);
    }
}

/// Hands `finished` every interior line of `u`, for a level whose last step
/// is not a pass of these kernels (the coarse solve).
pub fn hand_all(layout: &LevelPart, u: &[f64], mut finished: Finished) {
    let [ix, iy, iz] = layout.interior();
    for z in iz {
        for y in iy.clone() {
            hand(layout, u, &ix, [y, z], &mut finished);
        }
    }
}

/// A full red-black sweep in one pass over memory: the red half-sweep runs
/// ahead and the black one follows as soon as a line's red neighbours are
/// all done (one line behind in 2-D, a plane and a line in 3-D), so each
/// line is read and written once while it is in cache. The red points next
/// to the faces must have been relaxed by [`relax_faces`] and their ghosts
/// exchanged: the black points next to a face read them; this pass relaxes
/// the other red points. A line is final once its black half is done.
pub fn sweep_fused(k: &Coefficients, layout: &LevelPart, u: &mut [f64], f: PatchValues, mut finished: Finished) {
    let [ix, iy, iz] = layout.interior();
    let (ny, lines) = (iy.len(), iy.len() * iz.len());
    let lag = if layout.dim == 3 { ny + 1 } else { 1 };
    let line = |t: usize| [iy.start + t % ny, iz.start + t / ny];
    vectorized(
        #[inline(always)]
        || {
            for t in 0..lines + lag {
                if t < lines {
                    relax_line(k, layout, u, f, 0, line(t), away_from_faces(layout, line(t)));
                }
                if t >= lag {
                    relax_line(k, layout, u, f, 1, line(t - lag), ix.clone());
                    hand(layout, u, &ix, line(t - lag), &mut finished);
                }
            }
        },
    )
}

/// How a fine index spreads over coarse ones in linear interpolation
/// (weights 1/2 1 1/2): the coarse indices and the fine index's share of
/// each.
fn spread(n: usize) -> ([(usize, f64); 2], usize) {
    if n % 2 == 0 { ([(n / 2, 1.0), (0, 0.0)], 1) } else { ([(n / 2, 0.5), (n / 2 + 1, 0.5)], 2) }
}

/// The lines of a coarse array a fine line (y, z) interpolates from, with weights.
fn coarse_lines(dim: usize, y: usize, z: usize) -> impl Iterator<Item = (usize, usize, f64)> {
    let (ys, ny) = spread(y);
    let (zs, nz) = if dim == 3 { spread(z) } else { ([(0, 1.0), (0, 0.0)], 1) };
    zs.into_iter().take(nz).flat_map(move |(cz, wz)| ys.into_iter().take(ny).map(move |(cy, wy)| (cy, cz, wy * wz)))
}

/// Lines of a fine level [`restrict`] sums before it gathers along x.
const RESTRICT_LINES: usize = 3 + TOGETHER_2D;

/// Scratch lines for [`restrict`] and [`interpolate`], sized for a level.
pub struct Scratch {
    /// [`RESTRICT_LINES`] fine lines, each a ghosted line and a few points
    /// long: three residuals summed across y, and one for each of the lines
    /// computed together, for those at a face of the owned box (see
    /// [`Weights::weigh`]).
    lines: Vec<f64>,
    /// 3-D: the residual on one plane of the fine level's owned interior.
    plane: Vec<f64>,
    coarse: Vec<f64>,
    /// A whole ghosted line of the coarse level.
    coarse_wide: Vec<f64>,
    /// 3-D: for each coarse plane, the fine line a block of coarse lines
    /// shares with the block after it, summed across z (see [`BLOCK_3D`]).
    edges: Vec<f64>,
}

impl Scratch {
    /// For a level and the one below it (if any).
    pub fn new(fine: &LevelPart, coarse: Option<&LevelPart>) -> Self {
        let [n, ny, nz] = fine.ghosted.size;
        let wide = coarse.map_or(0, |c| c.ghosted.size[0]);
        let plane = if fine.dim == 3 && coarse.is_some() { n * ny } else { 0 };
        Scratch {
            lines: vec![0.0; RESTRICT_LINES * (n + 4)],
            plane: vec![0.0; plane],
            coarse: vec![0.0; n / 2 + 3],
            coarse_wide: vec![0.0; wide],
            edges: vec![0.0; if fine.dim == 3 && coarse.is_some() { (n + 4) * (nz / 2 + 2) } else { 0 }],
        }
    }
}

/// The coarse indices a fine interior range reaches in full weighting:
/// fine 2I - 1, 2I and 2I + 1 go to coarse I.
fn coarse_reach(fine: &Range<usize>) -> std::ops::RangeInclusive<usize> {
    fine.start / 2..=fine.end / 2
}

/// Full weighting of the residual f - A u over the fine level's owned
/// interior, written over `fc`, a coarse array: the coarse points that
/// interior reaches get their sums, every other point zero. Points near a
/// rank's edge reach coarse ghost points: the caller sums those into their
/// owners (`GhostExchange::accumulate`). Without `u` (taken as zero),
/// restricts f itself. u's ghosts must be current.
///
/// Each coarse point is written once, with no read of what `fc` held
/// before, so the coarse array is neither cleared beforehand nor read.
/// Each coarse line takes the weighted sum of its fine lines first (z,
/// then y: contiguous values, in vector registers) and gathers along x
/// once, rather than gathering each fine line and adding it to up to four
/// coarse lines: the gathers were a third of the kernel's time in 2-D.
/// Each fine residual is computed once: the odd line (2-D) or plane (3-D)
/// a coarse line or plane shares with the next one is kept in `scratch`.
/// The residuals of the two fine lines that follow it are computed and
/// weighed in one loop: four lines of u and two of f streamed at once
/// rather than two and one, the kernel 15 % faster on one core.
pub fn restrict(
    k: &Coefficients,
    fine: &LevelPart,
    u: Option<&[f64]>,
    f: PatchValues,
    coarse: &LevelPart,
    fc: &mut [f64],
    scratch: &mut Scratch,
) {
    vectorized(
        #[inline(always)]
        || {
            let [ix, iy, iz] = fine.interior();
            let len = ix.len();
            if len == 0 || iy.is_empty() || iz.is_empty() {
                fc.fill(0.0);
                return;
            }
            // Coarse x indices c0.. this line reaches, and the fine line from
            // 2 c0 - 1 to 2 (c0 + cn - 1) + 1 around them, zero outside the interior.
            let (c0, cn) = (ix.start / 2, ix.end / 2 - ix.start / 2 + 1);
            let (lead, width) = (ix.start + 1 - 2 * c0, 2 * cn + 1);
            let (rows, planes) = (coarse_reach(&iy), if fine.dim == 3 { coarse_reach(&iz) } else { 0..=0 });
            // Zero where the interior does not reach: the coarse patch's edges.
            let g = coarse.ghosted;
            let reached = c0 - g.start[0]..c0 + cn - g.start[0];
            for z in g.start[2]..g.end()[2] {
                for y in g.start[1]..g.end()[1] {
                    let at = coarse.at([g.start[0], y, z]);
                    let line = &mut fc[at..at + g.size[0]];
                    if rows.contains(&y) && planes.contains(&z) {
                        line[..reached.start].fill(0.0);
                        line[reached.end..].fill(0.0);
                    } else {
                        line.fill(0.0);
                    }
                }
            }
            let level = FineResidual { fine, u, f, interior: [ix.clone(), iy.clone(), iz.clone()] };
            let k = Weights { k: *k, u: u.is_some(), dim3: fine.dim == 3 };
            let Scratch { lines, plane, edges, .. } = scratch;
            let size = lines.len() / RESTRICT_LINES;
            let mut lines = lines.chunks_exact_mut(size).map(|l| &mut l[..width]);
            let mut next = || lines.next().expect("scratch lines");
            let mut ring = [next(), next(), next()];
            let mut spare: [&mut [f64]; TOGETHER_2D] = std::array::from_fn(|_| &mut next()[..len]);
            ring.iter_mut().for_each(|l| l.fill(0.0));
            let plane = &mut plane[..if fine.dim == 3 { iy.len() * len } else { 0 }];
            plane.fill(0.0);
            // Coarse I along x gathers fine 2I - 1, 2I, 2I + 1 of `sum`, the fine
            // lines already summed across y and z, into coarse line (cy_, cz_).
            let mut gather = |sum: &[f64], cy_: usize, cz_: usize| {
                let at = coarse.at([c0, cy_, cz_]);
                for (o, w) in fc[at..at + cn].iter_mut().zip(sum.windows(3).step_by(2)) {
                    *o = 0.25 * w[0] + 0.5 * w[1] + 0.25 * w[2];
                }
            };
            if fine.dim == 2 {
                // Fine lines 2 cy_ - 1, 2 cy_, 2 cy_ + 1 summed (the first kept
                // from the coarse line before), then gathered: two coarse lines
                // at a time, from four fine lines computed together.
                let [kept, first, second] = &mut ring;
                let kept = &mut kept[lead..lead + len];
                let (mut cy_, last) = (*rows.start(), *rows.end());
                while cy_ <= last {
                    if cy_ < last {
                        let outs = [&mut first[lead..lead + len], &mut second[lead..lead + len]];
                        k.weigh::<2, TOGETHER_2D, { TOGETHER_2D + 2 }>(
                            level.lines([2 * cy_, 0]),
                            kept,
                            outs,
                            &mut spare,
                        );
                        gather(first, cy_, 0);
                        gather(second, cy_ + 1, 0);
                        cy_ += 2;
                    } else {
                        k.weigh::<1, 2, 4>(level.lines([2 * cy_, 0]), kept, [&mut first[lead..lead + len]], &mut spare);
                        gather(first, cy_, 0);
                        cy_ += 1;
                    }
                }
                return;
            }
            // Coarse plane by coarse plane, a block of coarse lines at a time
            // (see [`BLOCK_3D`]), the line before each block's first kept
            // in `edges` from the block before, plane by plane.
            let (r0, r1) = (*rows.start(), *rows.end());
            for block in (r0..=r1).step_by(BLOCK_3D) {
                let count = BLOCK_3D.min(r1 + 1 - block);
                for (i, cz_) in planes.clone().enumerate() {
                    let edge = &mut edges[i * width..][..width];
                    // Fine lines 2 cy_ - 1, 2 cy_, 2 cy_ + 1 of each coarse
                    // line (the first kept from the coarse line before), in y
                    // order: the residual of each summed over the fine planes of
                    // coarse plane cz_ (the first, plane 2 cz_ - 1, kept in
                    // `plane` from the coarse plane before), into `ring`. One
                    // call site, inlined: as a closure called three times it was
                    // built apart, for the x86-64 baseline, and ran at half the
                    // speed.
                    let first = if block == r0 { 0 } else { 1 };
                    if first == 1 {
                        ring[0].copy_from_slice(edge);
                    }
                    for t in first..2 * count + 1 {
                        let slot = if t == 0 { 0 } else { 2 - t % 2 };
                        let out = &mut ring[slot][lead..lead + len];
                        match (2 * block + t).checked_sub(1).filter(|y| iy.contains(y)) {
                            None => out.fill(0.0),
                            Some(y) => {
                                let kept = &mut plane[(y - iy.start) * len..][..len];
                                k.weigh::<1, 2, 4>(level.lines([y, 2 * cz_]), kept, [out], &mut spare);
                            }
                        }
                        if slot == 2 {
                            // Three fine lines summed into the first, then gathered.
                            let [sum, middle, last] = &mut ring;
                            for ((o, &m), &n) in
                                sum[lead..lead + len].iter_mut().zip(&middle[lead..]).zip(&last[lead..])
                            {
                                *o = 0.25 * *o + 0.5 * m + 0.25 * n;
                            }
                            gather(sum, block + t / 2 - 1, cz_);
                            // Fine line 2 cy_ + 1 is the next coarse line's first.
                            ring.rotate_left(2);
                        }
                    }
                    edge.copy_from_slice(ring[0]);
                }
            }
        },
    )
}

/// Coarse lines the 3-D [`restrict`] takes through every coarse plane
/// before the next ones, rather than a whole plane at a time: the fine
/// lines they read from four planes of u and two of f, and the kept
/// plane's, then stay in a core's cache from one coarse plane to the next.
/// One core, 257³: 27.2 ms against 29.7 ms a plane at a time; 64 lines
/// measured the same, 8 slower (28.0), 4 slower still (31.0).
const BLOCK_3D: usize = 16;

/// Fine lines [`restrict`] computes in one loop in 2-D: two coarse lines'
/// worth, so that the lines of u read back from cache (the two before the
/// four) are a third of those read rather than half: a core streams faster
/// the fewer lines it reads back (one core at 4097²: 19 ms against 21.5 ms
/// for two lines; eight were slower than four in a C model). In 3-D two,
/// whose loop holds each line's neighbours in y as well.
const TOGETHER_2D: usize = 4;

/// The residual f - A u on the owned interior of a fine level, line by line.
struct FineResidual<'a> {
    fine: &'a LevelPart,
    /// None: u taken as zero, the residual is f.
    u: Option<&'a [f64]>,
    f: PatchValues<'a>,
    interior: [Range<usize>; 3],
}

impl<'a> FineResidual<'a> {
    fn inside(&self, [y, z]: [usize; 2]) -> bool {
        self.interior[1].contains(&y) && self.interior[2].contains(&z)
    }

    /// Along the interior of fine line (y, z); None off the interior.
    fn line(&self, [y, z]: [usize; 2]) -> Option<LineResidual<'a>> {
        if !self.inside([y, z]) {
            return None;
        }
        let (start, len) = ([self.interior[0].start, y, z], self.interior[0].len());
        let rhs = self.f.line(start, len);
        let (sy, sz) = self.fine.strides();
        let (at, sy, sz) =
            (self.fine.at(start), sy as isize, if self.fine.dim == 3 { sz as isize } else { sy as isize });
        let u = match self.u {
            Some(u) => [0, -1, 1, -sy, sy, -sz, sz].map(|o| &u[at.wrapping_add_signed(o)..][..len]),
            None => [rhs; 7],
        };
        Some(LineResidual { f: rhs, u })
    }

    /// Fine line `first` and the M - 1 after it across (in y in 2-D, in z
    /// in 3-D); A = M + 2.
    fn lines<const M: usize, const A: usize>(&self, [y, z]: [usize; 2]) -> Residuals<'a, M, A> {
        let dim3 = self.fine.dim == 3;
        let each: [[usize; 2]; M] = std::array::from_fn(|j| if dim3 { [y, z + j] } else { [y + j, z] });
        if !each.iter().all(|&l| self.inside(l)) {
            return Residuals::AtFace(each.map(|l| self.line(l)));
        }
        let (x, len) = (self.interior[0].start, self.interior[0].len());
        let f = each.map(|[y, z]| self.f.line([x, y, z], len));
        let Some(u) = self.u else {
            return Residuals::Interior(LineSet::computed(f));
        };
        let (sy, sz) = self.fine.strides();
        let (at, across) = (self.fine.at([x, y, z]), if dim3 { sz } else { sy });
        // Each line across from a point before the interior to one after it.
        let across_lines = std::array::from_fn(|j| &u[at + j * across - across - 1..][..len + 2]);
        let sides = std::array::from_fn(|j| {
            let c = at + j * across;
            [&u[c - sy..][..len], &u[c + sy..][..len]]
        });
        Residuals::Interior(LineSet { f, across: across_lines, sides })
    }
}

/// f - A u along the interior of one fine line: its right-hand side, and
/// u at its points and their neighbours west, east, south, north, below
/// and above (each the same length, indexed alike).
#[derive(Clone, Copy)]
struct LineResidual<'a> {
    f: &'a [f64],
    u: [&'a [f64]; 7],
}

impl LineResidual<'_> {
    /// Cut to `len` points, so that the loops over them need no bounds checks.
    fn cut(self, len: usize) -> Self {
        LineResidual { f: &self.f[..len], u: self.u.map(|l| &l[..len]) }
    }
}

/// f - A u along the interiors of M fine lines next to each other across
/// (in y in 2-D, in z in 3-D): f on each; u on the A = M + 2 lines across,
/// from the one before the first to the one after the last, each a point
/// longer at both ends; in 3-D, u on each line's neighbours south and
/// north. A line two residuals share is one slice, and a point's west and
/// east neighbours are read from the line it is on, so the loop holds few
/// pointers (all in registers).
#[derive(Clone, Copy)]
struct LineSet<'a, const M: usize, const A: usize> {
    f: [&'a [f64]; M],
    across: [&'a [f64]; A],
    sides: [[&'a [f64]; 2]; M],
}

impl<'a, const M: usize, const A: usize> LineSet<'a, M, A> {
    /// Residuals already known, or f with u taken as zero: read as f alone
    /// (weighed with `U` false, which reads no u).
    fn computed(f: [&'a [f64]; M]) -> Self {
        LineSet { f, across: [f[0]; A], sides: [[f[0]; 2]; M] }
    }

    /// Cut to `len` points, so that the loops over them need no bounds checks.
    fn cut<const U: bool>(self, len: usize) -> Self {
        let across = if U { self.across.map(|l| &l[..len + 2]) } else { self.across };
        LineSet { f: self.f.map(|l| &l[..len]), across, sides: self.sides.map(|s| s.map(|l| &l[..len])) }
    }
}

/// The lines [`Weights::weigh`] takes: all in the owned interior, or at a
/// face of the owned box, each line apart (None: off the interior).
enum Residuals<'a, const M: usize, const A: usize> {
    Interior(LineSet<'a, M, A>),
    AtFace([Option<LineResidual<'a>>; M]),
}

/// The residual's coefficients, as [`restrict`] weighs it.
struct Weights {
    k: Coefficients,
    /// false: u taken as zero, the residual is f.
    u: bool,
    dim3: bool,
}

impl Weights {
    /// f - A u at a point: its right-hand side `r`, u there and at its
    /// neighbours west, east, south, north, below and above.
    #[inline(always)]
    fn residual<const DIM3: bool>(&self, r: f64, [c, w, e, s, n, b, a]: [f64; 7]) -> f64 {
        let ([cx, cy, cz], d) = (self.k.c, self.k.diagonal);
        if DIM3 {
            r - (d * c - cx * (w + e) - cy * (s + n) - cz * (b + a))
        } else {
            r - (d * c - cx * (w + e) - cy * (s + n))
        }
    }

    /// At point x of `line`.
    #[inline(always)]
    fn at<const U: bool, const DIM3: bool>(&self, line: &LineResidual, x: usize) -> f64 {
        if !U {
            return line.f[x];
        }
        self.residual::<DIM3>(line.f[x], line.u.map(|l| l[x]))
    }

    /// At point x of line `j` of `set`.
    #[inline(always)]
    fn at_set<const U: bool, const DIM3: bool, const M: usize, const A: usize>(
        &self,
        set: &LineSet<M, A>,
        j: usize,
        x: usize,
    ) -> f64 {
        let r = set.f[j][x];
        if !U {
            return r;
        }
        let line = set.across[j + 1];
        let (c, w, e) = (line[x + 1], line[x], line[x + 2]);
        let (before, after) = (set.across[j][x + 1], set.across[j + 2][x + 1]);
        if DIM3 {
            let [s, n] = set.sides[j].map(|l| l[x]);
            self.residual::<true>(r, [c, w, e, s, n, before, after])
        } else {
            self.residual::<false>(r, [c, w, e, before, after, before, after])
        }
    }

    /// The residuals of M = 2 H consecutive fine lines, weighed in pairs
    /// 1/2 and 1/4 and added to 1/4 of the line before each pair (for the
    /// first, `kept`), into `outs`; `kept` then takes the last line's. One
    /// pass for all the lines, so their memory is read at once. `spare`: M
    /// lines of scratch for lines at a face of the owned box.
    #[inline(always)]
    fn weigh<const H: usize, const M: usize, const A: usize>(
        &self,
        lines: Residuals<M, A>,
        kept: &mut [f64],
        outs: [&mut [f64]; H],
        spare: &mut [&mut [f64]],
    ) {
        const { assert!(M == 2 * H && A == M + 2) };
        match (self.u, self.dim3) {
            (true, true) => self.weigh_as::<true, true, H, M, A>(lines, kept, outs, spare),
            (true, false) => self.weigh_as::<true, false, H, M, A>(lines, kept, outs, spare),
            _ => self.weigh_as::<false, false, H, M, A>(lines, kept, outs, spare),
        }
    }

    #[inline(always)]
    fn weigh_as<const U: bool, const DIM3: bool, const H: usize, const M: usize, const A: usize>(
        &self,
        lines: Residuals<M, A>,
        kept: &mut [f64],
        outs: [&mut [f64]; H],
        spare: &mut [&mut [f64]],
    ) {
        let lines = match lines {
            Residuals::Interior(set) => return self.weigh_lines::<U, DIM3, H, M, A>(set, kept, outs),
            Residuals::AtFace(lines) => lines,
        };
        // Each line's residual apart, then weighed.
        for (line, values) in lines.into_iter().zip(spare.iter_mut()) {
            match line {
                Some(line) => {
                    let line = line.cut(values.len());
                    values.iter_mut().enumerate().for_each(|(x, v)| *v = self.at::<U, DIM3>(&line, x));
                }
                None => values.fill(0.0),
            }
        }
        let computed = LineSet::computed(std::array::from_fn(|j| &*spare[j]));
        self.weigh_lines::<false, false, H, M, A>(computed, kept, outs);
    }

    #[inline(always)]
    fn weigh_lines<const U: bool, const DIM3: bool, const H: usize, const M: usize, const A: usize>(
        &self,
        set: LineSet<M, A>,
        kept: &mut [f64],
        outs: [&mut [f64]; H],
    ) {
        let len = kept.len();
        let (set, mut outs) = (set.cut::<U>(len), outs.map(|o| &mut o[..len]));
        for x in 0..len {
            let mut before = kept[x];
            for (i, out) in outs.iter_mut().enumerate() {
                let (m, n) =
                    (self.at_set::<U, DIM3, M, A>(&set, 2 * i, x), self.at_set::<U, DIM3, M, A>(&set, 2 * i + 1, x));
                out[x] = 0.25 * before + 0.5 * m + 0.25 * n;
                before = n;
            }
            kept[x] = before;
        }
    }
}

/// Linear interpolation of the coarse array `uc` (ghosts current) onto the
/// fine level's owned interior, added to `u` (the coarse-grid correction).
pub fn interpolate(
    coarse: &LevelPart,
    uc: &[f64],
    fine: &LevelPart,
    u: &mut [f64],
    scratch: &mut Scratch,
    mut finished: Finished,
) {
    vectorized(
        #[inline(always)]
        || {
            let [ix, iy, iz] = fine.interior();
            for z in iz {
                for y in iy.clone() {
                    interpolate_line(coarse, uc, fine, u, [y, z], ix.clone(), scratch);
                    hand(fine, u, &ix, [y, z], &mut finished);
                }
            }
        },
    )
}

/// Adds the linear interpolation of `uc` to points `xs` of fine line (y, z).
#[inline(always)]
fn interpolate_line(
    coarse: &LevelPart,
    uc: &[f64],
    fine: &LevelPart,
    u: &mut [f64],
    [y, z]: [usize; 2],
    xs: Range<usize>,
    scratch: &mut Scratch,
) {
    let len = xs.len();
    if len == 0 {
        return;
    }
    // Coarse x indices c0.. the points need: fine 2 c0 is coarse c0.
    let (c0, cn) = (xs.start / 2, xs.end / 2 - xs.start / 2 + 1);
    let mut taps = coarse_lines(fine.dim, y, z).map(|(cy_, cz_, w)| {
        let at = coarse.at([c0, cy_, cz_]);
        (&uc[at..at + cn], w)
    });
    let (first, w0) = taps.next().expect("a fine line lies on or between coarse lines");
    let cr: &[f64] = match taps.next() {
        // A fine line on a coarse one (y, and z, even) takes its values.
        None => first,
        Some((second, w1)) => {
            let cr = &mut scratch.coarse[..cn];
            for ((o, a), b) in cr.iter_mut().zip(first).zip(second) {
                *o = w0 * a + w1 * b;
            }
            for (line, w) in taps {
                for (o, v) in cr.iter_mut().zip(line) {
                    *o += w * v;
                }
            }
            cr
        }
    };
    // Fine 2 I + 1 lies halfway between coarse I and I + 1. Added in pairs
    // (2 I, 2 I + 1), with the points before and after the pairs apart.
    let at = fine.at([xs.start, y, z]);
    let line = &mut u[at..at + len];
    let (head, line) = if xs.start % 2 == 1 { line.split_at_mut(1) } else { line.split_at_mut(0) };
    if let Some(o) = head.first_mut() {
        *o += 0.5 * (cr[0] + cr[1]);
    }
    let cr = &cr[xs.start % 2..];
    let mut pairs = line.chunks_exact_mut(2);
    for (pair, c) in (&mut pairs).zip(cr.windows(2)) {
        pair[0] += c[0];
        pair[1] += 0.5 * (c[0] + c[1]);
    }
    if let [o] = pairs.into_remainder() {
        *o += cr[(len - head.len()) / 2];
    }
}

/// Cubic interpolation weights for fine node n from a coarse grid of `m`
/// nodes: the coarse node itself at even n; at odd n the four nearest
/// coarse nodes (one-sided next to the boundary), or the two nearest when
/// the coarse grid has fewer than four nodes.
fn cubic_taps(n: usize, m: usize) -> ([(usize, f64); 4], usize) {
    let i = n / 2;
    let w = |a: f64, b: f64, c: f64, d: f64| [a / 16.0, b / 16.0, c / 16.0, d / 16.0];
    let at = |first: usize, weights: [f64; 4]| [0, 1, 2, 3].map(|t| (first + t, weights[t]));
    if n % 2 == 0 {
        ([(i, 1.0), (0, 0.0), (0, 0.0), (0, 0.0)], 1)
    } else if m < 4 {
        ([(i, 0.5), (i + 1, 0.5), (0, 0.0), (0, 0.0)], 2)
    } else if i == 0 {
        (at(0, w(5.0, 15.0, -5.0, 1.0)), 4)
    } else if i + 2 == m {
        (at(m - 4, w(1.0, -5.0, 15.0, 5.0)), 4)
    } else {
        (at(i - 1, w(-1.0, 9.0, 9.0, -1.0)), 4)
    }
}

/// The cubic through four equally spaced values, halfway between the
/// middle two: the four-point formula away from the boundary.
fn midpoint(w: [f64; 4]) -> f64 {
    (9.0 * (w[1] + w[2]) - w[0] - w[3]) / 16.0
}

/// Cubic interpolation of the coarse array `uc` onto the fine level's owned
/// interior, stored in `u`: full multigrid's step up, whose accuracy bounds
/// the F-cycle's (linear interpolation leaves an error of the order of the
/// discretization's). `uc` must hold its boundary values and current ghosts
/// two deep, which the coarse levels have.
pub fn interpolate_cubic(coarse: &LevelPart, uc: &[f64], fine: &LevelPart, u: &mut [f64], scratch: &mut Scratch) {
    vectorized(
        #[inline(always)]
        || {
            let [ix, iy, iz] = fine.interior();
            let len = ix.len();
            if len == 0 {
                return;
            }
            let m = coarse.points;
            // The coarse x range the line reads (within the coarse ghosted patch).
            let (g0, gn) = (coarse.ghosted.start[0], coarse.ghosted.size[0]);
            let cr = &mut scratch.coarse_wide[..gn];
            let line_taps = |n: usize, d: usize| if d < fine.dim { cubic_taps(n, m[d]) } else { ([(0, 1.0); 4], 1) };
            for z in iz {
                let (zt, nz) = line_taps(z, 2);
                for y in iy.clone() {
                    let (yt, ny) = line_taps(y, 1);
                    cr.fill(0.0);
                    for &(cz_, wz) in &zt[..nz] {
                        for &(cy_, wy) in &yt[..ny] {
                            let at = coarse.at([g0, cy_, cz_]);
                            let w = wy * wz;
                            for (o, v) in cr.iter_mut().zip(&uc[at..at + gn]) {
                                *o += w * v;
                            }
                        }
                    }
                    let at = fine.at([ix.start, y, z]);
                    let line = &mut u[at..at + len];
                    let point = |n: usize| {
                        let c = n / 2 - g0;
                        if n % 2 == 0 {
                            cr[c]
                        } else if n / 2 >= 1 && n / 2 + 3 <= m[0] {
                            midpoint([cr[c - 1], cr[c], cr[c + 1], cr[c + 2]])
                        } else {
                            let (taps, k) = cubic_taps(n, m[0]);
                            taps[..k].iter().map(|&(t, w)| w * cr[t - g0]).sum()
                        }
                    };
                    // Fine points 2I and 2I + 1 in pairs where the four-point
                    // formula applies (no test per point), the others one by one.
                    let first = ix.start.div_ceil(2).max(1);
                    let pairs = (ix.end / 2).min(m[0].saturating_sub(2)).saturating_sub(first);
                    let (head, rest) = line.split_at_mut((2 * first).clamp(ix.start, ix.end) - ix.start);
                    let (middle, tail) = rest.split_at_mut(2 * pairs);
                    for (i, o) in head.iter_mut().enumerate() {
                        *o = point(ix.start + i);
                    }
                    if pairs > 0 {
                        for (pair, w) in middle.chunks_exact_mut(2).zip(cr[first - g0 - 1..].windows(4)) {
                            pair[0] = w[1];
                            pair[1] = midpoint([w[0], w[1], w[2], w[3]]);
                        }
                    }
                    let done = ix.start + head.len() + middle.len();
                    for (i, o) in tail.iter_mut().enumerate() {
                        *o = point(done + i);
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over-relaxed, as in 3-D: each red point must be relaxed exactly once.
    const OMEGA: f64 = 1.3;

    /// One rank's whole grid of `n` x `n` (2-D) or n³ points.
    fn layout(dim: usize, n: usize) -> LevelPart {
        let points = if dim == 3 { [n; 3] } else { [n, n, 1] };
        let patch = Patch { start: [0; 3], size: points };
        LevelPart { dim, points, owned: patch, ghosted: patch }
    }

    fn field(l: &LevelPart, value: impl Fn([usize; 3]) -> f64) -> Vec<f64> {
        let mut v = vec![0.0; l.ghosted.len()];
        for z in 0..l.points[2] {
            for y in 0..l.points[1] {
                for x in 0..l.points[0] {
                    v[l.at([x, y, z])] = value([x, y, z]);
                }
            }
        }
        v
    }

    fn interior(l: &LevelPart, n: [usize; 3]) -> bool {
        let [ix, iy, iz] = l.interior();
        ix.contains(&n[0]) && iy.contains(&n[1]) && iz.contains(&n[2])
    }

    /// The reference for the fused sweep: one Gauss-Seidel half-sweep: every owned interior point of one colour,
    /// with the other colour's current values (ghosts included).
    fn relax(k: &Coefficients, layout: &LevelPart, u: &mut [f64], f: PatchValues, colour: usize) {
        let [ix, iy, iz] = layout.interior();
        for z in iz {
            for y in iy.clone() {
                super::relax_line(k, layout, u, f, colour, [y, z], ix.clone());
            }
        }
    }

    #[test]
    fn a_line_is_relaxed_point_by_point_as_gauss_seidel_says() {
        // Lines of 39 interior points: whole chunks of either colour and a
        // remainder; sub-ranges as relax_faces takes them.
        for (dim, omega, colour, xs) in [2, 3].into_iter().flat_map(|d| {
            [1.0, OMEGA].into_iter().flat_map(move |w| {
                [0, 1].into_iter().flat_map(move |c| [1..40, 2..39, 1..2, 38..40].map(|xs| (d, w, c, xs)))
            })
        }) {
            let points = [41, 5, if dim == 3 { 5 } else { 1 }];
            let patch = Patch { start: [0; 3], size: points };
            let l = LevelPart { dim, points, owned: patch, ghosted: patch };
            let k = Coefficients::new(dim, l.points, omega);
            let f = field(&l, |[x, y, z]| ((x * 7 + y * 13 + z * 29) % 11) as f64 * 0.37);
            let u = field(&l, |[x, y, z]| ((x * 5 + y * 3 + z * 17) % 13) as f64 * 0.61 - 2.0);
            let (y, z) = (2, if dim == 3 { 2 } else { 0 });
            let mut relaxed = u.clone();
            relax_line(&k, &l, &mut relaxed, PatchValues { data: &f, patch: l.ghosted }, colour, [y, z], xs.clone());
            let mut expected = u.clone();
            let [cx, cy, cz] = k.c;
            for x in xs.clone().filter(|x| (x + y + z + colour) % 2 == 0) {
                let at = |dx: isize, dy: isize, dz: isize| {
                    u[l.at([x.wrapping_add_signed(dx), y.wrapping_add_signed(dy), z.wrapping_add_signed(dz)])]
                };
                let mut sum = cx * (at(-1, 0, 0) + at(1, 0, 0)) + cy * (at(0, -1, 0) + at(0, 1, 0));
                if dim == 3 {
                    sum += cz * (at(0, 0, -1) + at(0, 0, 1));
                }
                let gauss_seidel = (f[l.at([x, y, z])] + sum) * (1.0 / k.diagonal);
                let old = at(0, 0, 0);
                expected[l.at([x, y, z])] =
                    if omega == 1.0 { gauss_seidel } else { old + omega * (gauss_seidel - old) };
            }
            assert_eq!(relaxed, expected, "{dim}-D, omega {omega}, colour {colour}, points {xs:?}");
        }
    }

    #[test]
    fn the_fused_sweep_is_a_red_then_a_black_half_sweep() {
        // The whole grid, and boxes of one rank's inside it, 1 to 3 points
        // wide included (the others' points are its ghosts); on a grid of 9
        // points a side, and on one of 45 whose lines hold whole chunks.
        let boxes = [
            (9, [0, 0, 0], [9, 9, 9]),
            (9, [2, 1, 3], [5, 6, 4]),
            (9, [4, 0, 1], [1, 3, 2]),
            (9, [1, 6, 0], [2, 3, 9]),
            (45, [0, 0, 0], [45, 45, 45]),
            (45, [0, 7, 3], [45, 30, 20]),
            (45, [3, 20, 0], [41, 25, 45]),
        ];
        for (dim, omega, (n, start, size)) in
            [2, 3].into_iter().flat_map(|d| [1.0, OMEGA].into_iter().flat_map(move |w| boxes.map(|b| (d, w, b))))
        {
            let (start, size) = if dim == 3 { (start, size) } else { ([start[0], start[1], 0], [size[0], size[1], 1]) };
            let whole = layout(dim, n);
            let l = LevelPart { owned: Patch { start, size }, ..whole };
            let k = Coefficients::new(dim, l.points, omega);
            let f = field(&l, |[x, y, z]| (x * 7 + y * 3 + z) as f64 % 5.0);
            let rhs = PatchValues { data: &f, patch: l.ghosted };
            let start_u =
                field(&l, |n| if interior(&whole, n) { (n[0] + 2 * n[1] + 3 * n[2]) as f64 % 4.0 } else { 0.0 });
            let (mut fused, mut halves) = (start_u.clone(), start_u);
            relax_faces(&k, &l, &mut fused, rhs);
            hands_final_lines(&l, &mut fused, |u, done| sweep_fused(&k, &l, u, rhs, done));
            relax(&k, &l, &mut halves, rhs, 0);
            relax(&k, &l, &mut halves, rhs, 1);
            assert_eq!(fused, halves, "{dim}-D, omega {omega}, box {start:?} {size:?}");
        }
    }

    /// Runs `pass` on `u` with a recorder for its finished lines, and checks
    /// that it handed over every interior line of `l` once, each with the
    /// values it holds at the end.
    fn hands_final_lines(l: &LevelPart, u: &mut [f64], pass: impl FnOnce(&mut [f64], Finished)) {
        let mut handed = Vec::new();
        let mut record = |line: [usize; 2], values: &[f64]| handed.push((line, values.to_vec()));
        pass(u, Some(&mut record));
        let [ix, iy, iz] = l.interior();
        let line = |[y, z]: [usize; 2]| ([y, z], ix.clone().map(|x| u[l.at([x, y, z])]).collect::<Vec<_>>());
        let expected: Vec<_> = iz.flat_map(|z| iy.clone().map(move |y| [y, z])).map(line).collect();
        handed.sort_by_key(|([y, z], _)| [*z, *y]);
        assert_eq!(handed, expected, "box {:?}", l.owned);
    }

    #[test]
    fn interpolation_is_exact_for_linear_and_cubic_functions() {
        // The whole grid, and boxes of one rank's that start at even and odd
        // points (the ghosts around them are left alone).
        let boxes = [([0, 0, 0], [17, 17, 17]), ([2, 3, 4], [9, 10, 7]), ([5, 6, 1], [4, 5, 3])];
        for (dim, (start, size)) in [2, 3].into_iter().flat_map(|d| boxes.map(|b| (d, b))) {
            let (coarse, whole) = (layout(dim, 9), layout(dim, 17));
            let (start, size) = if dim == 3 { (start, size) } else { ([start[0], start[1], 0], [size[0], size[1], 1]) };
            let fine = LevelPart { owned: Patch { start, size }, ..whole };
            // Values at fine index n of a function of the position.
            let linear = |n: [f64; 3]| 1.0 + 0.5 * n[0] - 0.25 * n[1] + 0.125 * n[2];
            let cubic = |n: [f64; 3]| linear(n) + n[0].powi(3) - 0.5 * n[1].powi(3) + n[2] * n[2] * n[0];
            for (f, cubic_scheme) in [(&linear as &dyn Fn([f64; 3]) -> f64, false), (&cubic, true)] {
                let uc = field(&coarse, |n| f(n.map(|i| 2.0 * i as f64)));
                let mut u = field(&fine, |_| 0.0);
                let mut scratch = Scratch::new(&fine, Some(&coarse));
                if cubic_scheme {
                    interpolate_cubic(&coarse, &uc, &fine, &mut u, &mut scratch);
                } else {
                    hands_final_lines(&fine, &mut u, |u, done| interpolate(&coarse, &uc, &fine, u, &mut scratch, done));
                }
                hands_final_lines(&fine, &mut u, |u, done| hand_all(&fine, u, done));
                for z in 0..fine.points[2] {
                    for y in 0..fine.points[1] {
                        for x in 0..fine.points[0] {
                            let n = [x, y, z];
                            let expected = if interior(&fine, n) { f(n.map(|i| i as f64)) } else { 0.0 };
                            let got = u[fine.at(n)];
                            assert!(
                                (got - expected).abs() < 1e-9,
                                "{dim}-D, box {start:?} {size:?}, cubic {cubic_scheme}, {n:?}: {got} != {expected}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The largest magnitude among `values`, NaN if any is (where
    /// `f64::max` would pass over it).
    fn largest(values: impl Iterator<Item = f64>) -> f64 {
        values.fold(0.0, |m: f64, v: f64| if m.is_nan() || v.is_nan() { f64::NAN } else { m.max(v.abs()) })
    }

    /// f - A u (f alone without u) restricted from `fine` to `coarse`,
    /// written over a coarse array of NaNs.
    fn restricted(fine: &LevelPart, coarse: &LevelPart, u: Option<&[f64]>, f: &[f64]) -> Vec<f64> {
        let k = Coefficients::new(fine.dim, fine.points, 1.0);
        let mut fc = field(coarse, |_| f64::NAN);
        let rhs = PatchValues { data: f, patch: fine.ghosted };
        restrict(&k, fine, u, rhs, coarse, &mut fc, &mut Scratch::new(fine, Some(coarse)));
        fc
    }

    #[test]
    fn full_weighting_weighs_each_fine_neighbour_as_its_formula_says() {
        // f varies from point to point, so that a fine value weighed in the
        // wrong place shows (with f = 1, in the test below, it does not).
        for dim in [2, 3] {
            // 41 points: more coarse lines than one block of the 3-D restriction.
            const { assert!(BLOCK_3D < 21) };
            let (coarse, fine) = (layout(dim, 21), layout(dim, 41));
            let f = field(&fine, |[x, y, z]| ((x * 7 + y * 13 + z * 29) % 11) as f64 * 0.37);
            let fc = restricted(&fine, &coarse, None, &f);
            // Offsets -1, 0, 1 along each of the grid's directions, weighed
            // 1/4, 1/2, 1/4.
            let offsets: Vec<[usize; 3]> = (0..3usize.pow(dim as u32))
                .map(|i| [0, 1, 2].map(|d| if d < dim { i / 3usize.pow(d as u32) % 3 } else { 1 }))
                .collect();
            let [ix, iy, iz] = coarse.interior();
            for z in iz {
                for y in iy.clone() {
                    for x in ix.clone() {
                        let expected: f64 = offsets
                            .iter()
                            .map(|o| {
                                let weight: f64 = o[..dim].iter().map(|&o| if o == 1 { 0.5 } else { 0.25 }).product();
                                weight * f[fine.at([2 * x + o[0] - 1, 2 * y + o[1] - 1, 2 * z + o[2] - 1])]
                            })
                            .sum();
                        let got = fc[coarse.at([x, y, z])];
                        assert!((got - expected).abs() < 1e-13, "{dim}-D {:?}: {got} against {expected}", [x, y, z]);
                    }
                }
            }
        }
    }

    #[test]
    fn the_boxes_of_a_grid_restrict_to_what_the_whole_grid_restricts_to() {
        // One process plays every rank of a grid cut in two along each
        // direction: the boxes' restrictions (each written over NaNs, its
        // ghosts included) sum to the whole grid's. Cuts at odd and even
        // points, and ones that leave a box with one interior line or none.
        for dim in [2, 3] {
            let (coarse, whole) = (layout(dim, 9), layout(dim, 17));
            let u =
                field(
                    &whole,
                    |n| if interior(&whole, n) { ((3 * n[0] + 5 * n[1] + 7 * n[2]) % 13) as f64 } else { 0.0 },
                );
            let f = field(&whole, |[x, y, z]| ((x * 7 + y * 13 + z * 29) % 11) as f64 * 0.37);
            let expected = restricted(&whole, &coarse, Some(&u), &f);
            for cut in [1, 7, 8, 15] {
                let mut sum = field(&coarse, |_| 0.0);
                for corner in 0..1usize << dim {
                    let side = |d: usize| match (d < dim, corner >> d & 1) {
                        (false, _) => (0, 1),
                        (true, 0) => (0, cut),
                        (true, _) => (cut, 17 - cut),
                    };
                    let (start, size) = ([0, 1, 2].map(|d| side(d).0), [0, 1, 2].map(|d| side(d).1));
                    let fine = LevelPart { owned: Patch { start, size }, ..whole };
                    let fc = restricted(&fine, &coarse, Some(&u), &f);
                    sum.iter_mut().zip(fc).for_each(|(s, v)| *s += v);
                }
                let biggest = largest(sum.iter().zip(&expected).map(|(a, b)| a - b));
                assert!(biggest < 1e-12, "{dim}-D, cut at {cut}: the boxes' sum differs by {biggest}");
            }
        }
    }

    #[test]
    fn full_weighting_keeps_constants_and_the_residual_of_the_solution_is_zero() {
        for dim in [2, 3] {
            let (coarse, fine) = (layout(dim, 9), layout(dim, 17));
            // f = 1 restricts to 1 at coarse nodes whose fine stencil is interior.
            let fc = restricted(&fine, &coarse, None, &field(&fine, |_| 1.0));
            let [ix, iy, iz] = coarse.interior();
            for n in [[ix.start + 1, iy.start + 1, iz.start], [ix.end - 2, iy.end - 2, iz.end - 1]] {
                assert!((fc[coarse.at(n)] - 1.0).abs() < 1e-14, "{dim}-D {n:?}: {}", fc[coarse.at(n)]);
            }
            // u quadratic with zero boundary values... any u: with f = A u the residual vanishes.
            let u = field(&fine, |n| if interior(&fine, n) { ((n[0] * n[1] + n[2]) % 7) as f64 } else { 0.0 });
            let k = Coefficients::new(dim, fine.points, 1.0);
            let au = field(&fine, |n| {
                if !interior(&fine, n) {
                    return 0.0;
                }
                let mut sum = k.diagonal * u[fine.at(n)];
                for d in 0..dim {
                    for s in [-1i64, 1] {
                        let mut m = n;
                        m[d] = (m[d] as i64 + s) as usize;
                        sum -= k.c[d] * u[fine.at(m)];
                    }
                }
                sum
            });
            let fc = restricted(&fine, &coarse, Some(&u), &au);
            let biggest = largest(fc.iter().copied());
            assert!(biggest < 1e-9 * k.diagonal, "{dim}-D: residual of A u = f restricts to {biggest}");
        }
    }
}
