//! Ghost exchange on plain arrays laid out like a DMDA's local vectors.
//!
//! `DMGlobalToLocal` copies every owned value as well as the ghosts, which
//! doubles the memory traffic of a stencil sweep. Solvers that keep their
//! own ghosted arrays need only the ghosts moved: this is a star forest
//! (PetscSF) whose leaves are a rank's ghost points and whose roots are the
//! same points in their owners' arrays, built from the DMDA's layout.
//!
//! A stencil product needs less still: the faces of the owned box that the
//! neighbours own, read straight from the global vector ([`FaceExchange`]),
//! so that nothing but the ghosts is copied.

use std::marker::PhantomData;
use std::ptr;

use petsc_sys as sys;

use crate::{Dm, Error, Life, Patch, Petsc, PetscInt, Result, check, report_drop_error, to_petsc_int, to_usize};

/// Moves ghost values between ranks for arrays over a DMDA's ghosted patch
/// (every point of the box, corners included, whatever the DMDA's stencil).
pub struct GhostExchange<'p> {
    sf: sys::PetscSF,
    /// Length of the arrays it works on: the ghosted patch.
    len: usize,
    _life: Life<'p>,
}

/// How a DMDA-like grid is laid out over the ranks: points per direction
/// and, per direction, how many each process row owns. Arrays over a
/// rank's patch extended by `width` points on every side (clipped to the
/// grid) are what [`GhostExchange`] works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoxLayout {
    /// 2 or 3.
    pub dim: usize,
    /// Grid points per direction (x, y, z); 1 for unused directions.
    pub points: [usize; 3],
    /// Per direction, the points each process row owns (`[n]` for unused
    /// directions).
    pub owned: [Vec<usize>; 3],
    /// How deep the ghost region is.
    pub width: usize,
}

impl BoxLayout {
    fn processes(&self) -> [usize; 3] {
        [0, 1, 2].map(|d| self.owned[d].len())
    }

    /// Where each process row starts, per direction, and where the last ends.
    fn starts(&self) -> [Vec<usize>; 3] {
        [0, 1, 2].map(|d| {
            let counts = &self.owned[d];
            counts.iter().scan(0, |s, &n| Some(std::mem::replace(s, *s + n))).chain([counts.iter().sum()]).collect()
        })
    }

    fn depth(&self, d: usize) -> usize {
        if d < self.dim { self.width } else { 0 }
    }

    /// The points `rank` owns, and its ghosted patch (`ghosted` true).
    pub fn patch(&self, rank: usize, ghosted: bool) -> Patch {
        self.patch_from(&self.starts(), rank, ghosted)
    }

    /// [`BoxLayout::patch`], given [`BoxLayout::starts`]: the exchanges ask
    /// it for the owner of every ghost, where making the starts anew each
    /// time took most of their set-up.
    fn patch_from(&self, starts: &[Vec<usize>; 3], rank: usize, ghosted: bool) -> Patch {
        let p = self.processes();
        let row = [rank % p[0], (rank / p[0]) % p[1], rank / (p[0] * p[1])];
        let mut patch = Patch { start: [0; 3], size: [1; 3] };
        for d in 0..3 {
            let (mut lo, mut hi) = (starts[d][row[d]], starts[d][row[d] + 1]);
            if ghosted {
                (lo, hi) = (lo.saturating_sub(self.depth(d)), (hi + self.depth(d)).min(self.points[d]));
            }
            (patch.start[d], patch.size[d]) = (lo, hi - lo);
        }
        patch
    }
}

impl<'p> Dm<'p> {
    /// This DMDA's layout, once decided (by set-up or [`Dm::decide_layout`]).
    pub fn box_layout(&self) -> Result<BoxLayout> {
        let info = self.info()?;
        let layout = BoxLayout { dim: info.dim, points: info.points, owned: self.ownership()?, width: info.width };
        if layout.processes().iter().product::<usize>() != self.size()? {
            return Err(Error::usage(
                "a DMDA's points are known before set-up once its layout is decided (Dm::decide_layout)",
            ));
        }
        Ok(layout)
    }

    /// The exchange of the faces around this rank's owned points (see
    /// [`FaceExchange`]).
    pub fn face_exchange(&self) -> Result<FaceExchange<'p>> {
        let rank = self.rank()?;
        FaceExchange::new(self.comm()?, &self.box_layout()?, rank)
    }

    /// The ghost exchange for arrays over this DMDA's ghosted patch.
    pub fn ghost_exchange(&self) -> Result<GhostExchange<'p>> {
        let layout = self.box_layout()?;
        let rank = self.rank()?;
        debug_assert_eq!(layout.patch(rank, true), self.ghost_corners()?);
        GhostExchange::new(self.comm()?, &layout, rank)
    }

    /// This rank's owned or ghosted patch from the layout alone, before
    /// set-up; as the set-up would clip it at the grid's edges, so only for
    /// grids that end there.
    pub(crate) fn layout_patch(&self, ghosted: bool) -> Result<Patch> {
        if ghosted && !self.ends_at_edges()? {
            return Err(Error::usage("the ghost points of a DMDA that wraps or mirrors are known once it is set up"));
        }
        Ok(self.box_layout()?.patch(self.rank()?, ghosted))
    }

    pub(crate) fn rank(&self) -> Result<usize> {
        self.ask_comm(mpi::ffi::MPI_Comm_rank, "MPI_Comm_rank", "a rank")
    }

    /// The number of processes sharing the grid.
    pub(crate) fn size(&self) -> Result<usize> {
        self.ask_comm(mpi::ffi::MPI_Comm_size, "MPI_Comm_size", "the number of processes")
    }

    /// The integer that MPI's `query` (`name`) gives for the grid's communicator.
    fn ask_comm(&self, query: CommQuery, name: &str, what: &str) -> Result<usize> {
        let mut value = 0;
        // SAFETY: valid communicator, out-pointer.
        let rc = unsafe { query(self.comm()?, &mut value) };
        if rc != 0 {
            return Err(Error::mpi(name, rc));
        }
        to_usize(value, what)
    }
}

/// MPI_Comm_rank or MPI_Comm_size.
type CommQuery = unsafe extern "C" fn(sys::MPI_Comm, *mut std::ffi::c_int) -> std::ffi::c_int;

/// The process row along d owning index n, per direction.
fn owner(layout: &BoxLayout, starts: &[Vec<usize>; 3], n: [usize; 3]) -> usize {
    let p = layout.processes();
    let row = [0, 1, 2].map(|d| starts[d].partition_point(|&s| s <= n[d]) - 1);
    row[0] + p[0] * (row[1] + p[1] * row[2])
}

/// Makes a star forest: `leaves` (indices into the leaf array) take the
/// values at `remotes` (rank, index into its root array).
fn star_forest(
    comm: sys::MPI_Comm,
    roots: usize,
    mut leaves: Vec<PetscInt>,
    mut remotes: Vec<sys::PetscSFNode>,
) -> Result<sys::PetscSF> {
    let (roots, nleaves) = (to_petsc_int(roots, "a patch's size")?, to_petsc_int(leaves.len(), "the ghost count")?);
    let mut sf = ptr::null_mut();
    // SAFETY: valid communicator, out-pointer.
    check(unsafe { sys::PetscSFCreate(comm, &mut sf) })?;
    let mut set = || {
        // SAFETY: leaf and remote arrays of nleaves entries, copied by PETSc;
        // every root index lies in its owner's root array.
        check(unsafe {
            sys::PetscSFSetGraph(
                sf,
                roots,
                nleaves,
                leaves.as_mut_ptr(),
                sys::PETSC_COPY_VALUES,
                remotes.as_mut_ptr(),
                sys::PETSC_COPY_VALUES,
            )
        })?;
        // SAFETY: valid SF with its graph set.
        check(unsafe { sys::PetscSFSetUp(sf) })
    };
    if let Err(e) = set() {
        // SAFETY: the SF made above, used by nothing else.
        report_drop_error("PetscSFDestroy", check(unsafe { sys::PetscSFDestroy(&mut sf) }));
        return Err(e);
    }
    Ok(sf)
}

impl<'p> GhostExchange<'p> {
    /// The exchange for arrays over `layout`'s ghosted patches, without a
    /// DMDA (whose set-up indexes every point): on the world communicator.
    pub fn for_layout(petsc: &'p Petsc, layout: &BoxLayout) -> Result<Self> {
        Self::new(petsc.comm(), layout, petsc.rank())
    }

    fn new(comm: sys::MPI_Comm, layout: &BoxLayout, rank: usize) -> Result<Self> {
        let starts = layout.starts();
        let (mine, ghosted) = (layout.patch(rank, false), layout.patch(rank, true));
        let (gs, gn, end) = (ghosted.start, ghosted.size, mine.end());
        let mut leaves: Vec<PetscInt> = Vec::new();
        let mut remotes: Vec<sys::PetscSFNode> = Vec::new();
        let owned = |d: usize, n: usize| n >= mine.start[d] && n < end[d];
        for k in gs[2]..gs[2] + gn[2] {
            for j in gs[1]..gs[1] + gn[1] {
                // Through the owned box, a line's ghosts are at its ends only.
                let (x, xs) = (gs[0]..gs[0] + gn[0], mine.start[0]..end[0]);
                let ghosts = if owned(1, j) && owned(2, k) {
                    (x.start..xs.start).chain(xs.end..x.end)
                } else {
                    (x.start..x.end).chain(0..0)
                };
                for i in ghosts {
                    let n = [i, j, k];
                    let owner = owner(layout, &starts, n);
                    let theirs = layout.patch_from(&starts, owner, true);
                    let index = to_petsc_int(theirs.offset(n), "a ghost's index")?;
                    leaves.push(to_petsc_int(ghosted.offset(n), "a ghost's index")?);
                    remotes.push(sys::PetscSFNode { rank: to_petsc_int(owner, "a rank")?, index });
                }
            }
        }
        let len = ghosted.len();
        // Roots: the owners' ghosted patches, of the same layout as ours.
        let sf = star_forest(comm, len, leaves, remotes)?;
        Ok(GhostExchange { sf, len, _life: PhantomData })
    }
}

impl GhostExchange<'_> {
    /// Length of the arrays this exchange works on.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the arrays are empty (a rank owning no point).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check_len(&self, data: &[f64]) -> Result<()> {
        if data.len() != self.len {
            return Err(Error::usage(format!("ghost exchange on {} values, expected {}", data.len(), self.len)));
        }
        Ok(())
    }

    /// Fills the ghost points of `data` with their owners' values
    /// (collective).
    pub fn update(&self, data: &mut [f64]) -> Result<()> {
        self.check_len(data)?;
        let p = data.as_mut_ptr().cast();
        // SAFETY: roots (owned points) and leaves (ghost points) are
        // disjoint parts of one array of the graph's length.
        unsafe {
            let (double, replace) = (mpi::ffi::RSMPI_DOUBLE, sys::compat::MPI_REPLACE);
            check(sys::PetscSFBcastBegin(self.sf, double, p, p, replace))?;
            check(sys::PetscSFBcastEnd(self.sf, double, p, p, replace))
        }
    }

    /// Adds the values at ghost points of `data` into their owners' points
    /// (collective); the ghost values themselves are left as they were.
    pub fn accumulate(&self, data: &mut [f64]) -> Result<()> {
        self.check_len(data)?;
        let p = data.as_mut_ptr().cast();
        // SAFETY: as in update, the other way.
        unsafe {
            let (double, sum) = (mpi::ffi::RSMPI_DOUBLE, mpi::ffi::RSMPI_SUM);
            check(sys::PetscSFReduceBegin(self.sf, double, p, p, sum))?;
            check(sys::PetscSFReduceEnd(self.sf, double, p, p, sum))
        }
    }
}

impl Drop for GhostExchange<'_> {
    fn drop(&mut self) {
        // SAFETY: owned SF.
        report_drop_error("PetscSFDestroy", check(unsafe { sys::PetscSFDestroy(&mut self.sf) }));
    }
}

/// Where the ghosts a star stencil reads around a rank's owned box are
/// kept: one face per side that a neighbour owns (no edges, no corners),
/// each laid out as the owned box one point thick, x fastest, one after
/// the other in one array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Faces {
    owned: Patch,
    /// Per direction, lower and upper side: the face's patch and where it
    /// starts in the array.
    faces: [[Option<(Patch, usize)>; 2]; 3],
    len: usize,
}

impl Faces {
    fn new(layout: &BoxLayout, rank: usize) -> Self {
        let owned = layout.patch(rank, false);
        let (end, mut len) = (owned.end(), 0);
        let mut faces = [[None; 2]; 3];
        for d in 0..layout.dim {
            let sides =
                [(owned.start[d] > 0).then(|| owned.start[d] - 1), (end[d] < layout.points[d]).then_some(end[d])];
            for (side, at) in sides.into_iter().enumerate() {
                if let Some(at) = at.filter(|_| !owned.is_empty()) {
                    let mut face = owned;
                    (face.start[d], face.size[d]) = (at, 1);
                    faces[d][side] = Some((face, len));
                    len += face.len();
                }
            }
        }
        Faces { owned, faces, len }
    }

    /// The points this rank owns.
    pub fn owned(&self) -> Patch {
        self.owned
    }

    /// Length of the array of ghosts.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no ghosts (one rank).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where point `n`, next to the owned box across one of its faces, is
    /// in the array of ghosts; `None` if no neighbour owns it. A face
    /// across y or z holds whole x lines of the owned box: the points
    /// after `n` along x follow it.
    pub fn index(&self, n: [usize; 3]) -> Option<usize> {
        let (o, e) = (self.owned.start, self.owned.end());
        let d = (0..3).find(|&d| n[d] < o[d] || n[d] >= e[d])?;
        let (face, at) = self.faces[d][usize::from(n[d] >= e[d])]?;
        let inside = (0..3).all(|d| n[d] >= face.start[d] && n[d] < face.end()[d]);
        inside.then(|| at + face.offset(n))
    }

    fn points(&self) -> impl Iterator<Item = (usize, [usize; 3])> + '_ {
        self.faces.iter().flatten().flatten().flat_map(|&(face, at)| {
            let (s, e) = (face.start, face.end());
            (s[2]..e[2]).flat_map(move |k| {
                (s[1]..e[1]).flat_map(move |j| (s[0]..e[0]).map(move |i| (at + face.offset([i, j, k]), [i, j, k])))
            })
        })
    }
}

/// Fills the [`Faces`] of a rank's owned box from the global vector's
/// owned values on the neighbours: the ghosts of one stencil product,
/// nothing else copied (`DMGlobalToLocal` copies every owned value too).
pub struct FaceExchange<'p> {
    sf: sys::PetscSF,
    faces: Faces,
    _life: Life<'p>,
}

impl<'p> FaceExchange<'p> {
    fn new(comm: sys::MPI_Comm, layout: &BoxLayout, rank: usize) -> Result<Self> {
        let (starts, faces) = (layout.starts(), Faces::new(layout, rank));
        let (mut leaves, mut remotes) = (Vec::with_capacity(faces.len), Vec::with_capacity(faces.len));
        for (leaf, n) in faces.points() {
            let owner = owner(layout, &starts, n);
            leaves.push(to_petsc_int(leaf, "a ghost's index")?);
            let index = to_petsc_int(layout.patch_from(&starts, owner, false).offset(n), "a point's index")?;
            remotes.push(sys::PetscSFNode { rank: to_petsc_int(owner, "a rank")?, index });
        }
        // Roots: the owners' owned values, as in their global vectors.
        let sf = star_forest(comm, faces.owned.len(), leaves, remotes)?;
        Ok(FaceExchange { sf, faces, _life: PhantomData })
    }

    /// Where the ghosts go.
    pub fn faces(&self) -> &Faces {
        &self.faces
    }

    /// Fills `ghosts` (laid out as [`FaceExchange::faces`]) from `owned`,
    /// this rank's values of a global vector (collective).
    pub fn gather(&self, owned: &[f64], ghosts: &mut [f64]) -> Result<()> {
        if owned.len() != self.faces.owned.len() || ghosts.len() != self.faces.len {
            return Err(Error::usage(format!(
                "face exchange on {} and {} values, expected {} and {}",
                owned.len(),
                ghosts.len(),
                self.faces.owned.len(),
                self.faces.len
            )));
        }
        let (root, leaf) = (owned.as_ptr().cast(), ghosts.as_mut_ptr().cast());
        // SAFETY: root and leaf arrays of the graph's lengths (checked);
        // PETSc only reads the roots in a broadcast.
        unsafe {
            let (double, replace) = (mpi::ffi::RSMPI_DOUBLE, sys::compat::MPI_REPLACE);
            check(sys::PetscSFBcastBegin(self.sf, double, root, leaf, replace))?;
            check(sys::PetscSFBcastEnd(self.sf, double, root, leaf, replace))
        }
    }
}

impl Drop for FaceExchange<'_> {
    fn drop(&mut self) {
        // SAFETY: owned SF.
        report_drop_error("PetscSFDestroy", check(unsafe { sys::PetscSFDestroy(&mut self.sf) }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 5 x 4 grid on 2 x 2 ranks: x rows own 3 and 2 points, y rows 2 and 2.
    fn layout() -> BoxLayout {
        BoxLayout { dim: 2, points: [5, 4, 1], owned: [vec![3, 2], vec![2, 2], vec![1]], width: 1 }
    }

    #[test]
    fn faces_hold_the_points_next_to_the_owned_box_that_neighbours_own() {
        // Rank 0 owns x 0..3, y 0..2: its east face (x = 3, 2 points), then
        // its north face (y = 2, 3 points); nothing west or south.
        let faces = Faces::new(&layout(), 0);
        assert_eq!(faces.len(), 5);
        assert_eq!(faces.index([3, 0, 0]), Some(0));
        assert_eq!(faces.index([3, 1, 0]), Some(1));
        assert_eq!(faces.index([0, 2, 0]), Some(2));
        assert_eq!(faces.index([2, 2, 0]), Some(4));
        // Owned, a corner, beyond the ghosts: not in the faces.
        assert_eq!(faces.index([1, 1, 0]), None);
        assert_eq!(faces.index([3, 2, 0]), None);
        assert_eq!(faces.index([4, 0, 0]), None);
        // Every face point once, at its index.
        let points: Vec<_> = faces.points().collect();
        assert_eq!(points.len(), faces.len());
        assert!(points.iter().all(|&(i, n)| faces.index(n) == Some(i)));
        // Rank 3 owns x 3..5, y 2..4: west face (x = 2) and south face (y = 1).
        let faces = Faces::new(&layout(), 3);
        assert_eq!(faces.len(), 4);
        assert_eq!(faces.index([2, 3, 0]), Some(1));
        assert_eq!(faces.index([4, 1, 0]), Some(3));
    }
}
