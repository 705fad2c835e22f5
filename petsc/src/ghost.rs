//! Ghost exchange on plain arrays laid out like a DMDA's local vectors.
//!
//! `DMGlobalToLocal` copies every owned value as well as the ghosts, which
//! doubles the memory traffic of a stencil sweep. Solvers that keep their
//! own ghosted arrays need only the ghosts moved: this is a star forest
//! (PetscSF) whose leaves are a rank's ghost points and whose roots are the
//! same points in their owners' arrays, built from the DMDA's layout.

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
        let (p, starts) = (self.processes(), self.starts());
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
    /// This DMDA's layout.
    pub fn box_layout(&self) -> Result<BoxLayout> {
        let info = self.info()?;
        Ok(BoxLayout { dim: info.dim, points: info.points, owned: self.ownership()?, width: info.width })
    }

    /// The ghost exchange for arrays over this DMDA's ghosted patch.
    pub fn ghost_exchange(&self) -> Result<GhostExchange<'p>> {
        let layout = self.box_layout()?;
        let rank = self.rank()?;
        debug_assert_eq!(layout.patch(rank, true), self.ghost_corners()?);
        GhostExchange::new(self.comm()?, &layout, rank)
    }

    fn rank(&self) -> Result<usize> {
        let mut rank = 0;
        // SAFETY: valid communicator, out-pointer.
        let rc = unsafe { mpi::ffi::MPI_Comm_rank(self.comm()?, &mut rank) };
        if rc != 0 {
            return Err(Error::mpi("MPI_Comm_rank", rc));
        }
        to_usize(rank, "a rank")
    }
}

impl<'p> GhostExchange<'p> {
    /// The exchange for arrays over `layout`'s ghosted patches, without a
    /// DMDA (whose set-up indexes every point): on the world communicator.
    pub fn for_layout(petsc: &'p Petsc, layout: &BoxLayout) -> Result<Self> {
        Self::new(petsc.comm(), layout, petsc.rank())
    }

    fn new(comm: sys::MPI_Comm, layout: &BoxLayout, rank: usize) -> Result<Self> {
        let (p, starts) = (layout.processes(), layout.starts());
        let (mine, ghosted) = (layout.patch(rank, false), layout.patch(rank, true));
        let (gs, gn, end) = (ghosted.start, ghosted.size, mine.end());
        // The process row along d owning index n.
        let row_of = |d: usize, n: usize| starts[d].partition_point(|&s| s <= n) - 1;
        let mut leaves: Vec<PetscInt> = Vec::new();
        let mut remotes: Vec<sys::PetscSFNode> = Vec::new();
        for k in gs[2]..gs[2] + gn[2] {
            for j in gs[1]..gs[1] + gn[1] {
                for i in gs[0]..gs[0] + gn[0] {
                    let n = [i, j, k];
                    if (0..3).all(|d| n[d] >= mine.start[d] && n[d] < end[d]) {
                        continue;
                    }
                    let row = [0, 1, 2].map(|d| row_of(d, n[d]));
                    let owner = row[0] + p[0] * (row[1] + p[1] * row[2]);
                    let theirs = layout.patch(owner, true);
                    let index = to_petsc_int(theirs.offset(n), "a ghost's index")?;
                    leaves.push(to_petsc_int(ghosted.offset(n), "a ghost's index")?);
                    remotes.push(sys::PetscSFNode { rank: to_petsc_int(owner, "a rank")?, index });
                }
            }
        }
        let len = ghosted.len();
        let (roots, nleaves) = (to_petsc_int(len, "a patch's size")?, to_petsc_int(leaves.len(), "the ghost count")?);
        let mut sf = ptr::null_mut();
        // SAFETY: valid communicator, out-pointer.
        check(unsafe { sys::PetscSFCreate(comm, &mut sf) })?;
        let exchange = GhostExchange { sf, len, _life: PhantomData };
        // SAFETY: leaf and remote arrays of nleaves entries, copied by PETSc;
        // every root index lies in its owner's ghosted patch.
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
        check(unsafe { sys::PetscSFSetUp(sf) })?;
        Ok(exchange)
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
