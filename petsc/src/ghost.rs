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

use crate::{Dm, Error, PetscInt, Result, check, report_drop_error};

/// Moves ghost values between ranks for arrays over a DMDA's ghosted patch
/// (every point of the box, corners included, whatever the DMDA's stencil).
pub struct GhostExchange<'p> {
    sf: sys::PetscSF,
    /// Length of the arrays it works on: the ghosted patch.
    len: usize,
    _petsc: PhantomData<&'p ()>,
}

impl<'p> Dm<'p> {
    /// The ghost exchange for arrays over this DMDA's ghosted patch.
    pub fn ghost_exchange(&self) -> Result<GhostExchange<'p>> {
        let info = self.info()?;
        let owned = self.ownership()?;
        let (mine, ghosted) = (self.corners()?, self.ghost_corners()?);
        // Per direction, where each process row's points start.
        let starts: [Vec<usize>; 3] = owned.clone().map(|counts| {
            counts.iter().scan(0, |s, &n| Some(std::mem::replace(s, *s + n))).chain([counts.iter().sum()]).collect()
        });
        let width = if info.dim == 2 { [info.width, info.width, 0] } else { [info.width; 3] };
        // The process row along d owning index n, and that row's ghosted
        // extent (start, size) along d.
        let owner = |d: usize, n: usize| -> (usize, usize, usize) {
            let row = starts[d].partition_point(|&s| s <= n) - 1;
            let lo = starts[d][row].saturating_sub(width[d]);
            let hi = (starts[d][row + 1] + width[d]).min(info.points[d]);
            (row, lo, hi - lo)
        };
        let (gs, gn, end) = (ghosted.start, ghosted.size, mine.end());
        let mut leaves: Vec<PetscInt> = Vec::new();
        let mut remotes: Vec<sys::PetscSFNode> = Vec::new();
        for k in gs[2]..gs[2] + gn[2] {
            for j in gs[1]..gs[1] + gn[1] {
                for i in gs[0]..gs[0] + gn[0] {
                    let n = [i, j, k];
                    if (0..3).all(|d| n[d] >= mine.start[d] && n[d] < end[d]) {
                        continue;
                    }
                    let [(px, x0, sx), (py, y0, sy), (pz, z0, _)] = [0, 1, 2].map(|d| owner(d, n[d]));
                    let rank = px + info.processes[0] * (py + info.processes[1] * pz);
                    let index = (i - x0) + sx * ((j - y0) + sy * (k - z0));
                    let local = (i - gs[0]) + gn[0] * ((j - gs[1]) + gn[1] * (k - gs[2]));
                    leaves.push(local as PetscInt);
                    remotes.push(sys::PetscSFNode { rank: rank as PetscInt, index: index as PetscInt });
                }
            }
        }
        let len = ghosted.len();
        let mut sf = ptr::null_mut();
        // SAFETY: valid communicator, out-pointer.
        check(unsafe { sys::PetscSFCreate(self.comm()?, &mut sf) })?;
        let exchange = GhostExchange { sf, len, _petsc: PhantomData };
        // SAFETY: leaf and remote arrays of nleaves entries, copied by PETSc;
        // every root index lies in its owner's ghosted patch.
        check(unsafe {
            sys::PetscSFSetGraph(
                sf,
                len as PetscInt,
                leaves.len() as PetscInt,
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
