//! Structured grids (DMDA) and their local patches as ndarray views.
//!
//! A rank owns a box of grid points, its patch; a ghosted (local) vector
//! also holds the points around it that the stencil reads. Views index a
//! patch in C order, `[j][i]` in 2-D and `[k][j][i]` in 3-D, counted from the
//! patch's origin, which the view also gives so code can work in global
//! grid indices.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr;

use ndarray::{ArrayView, ArrayViewMut, Dimension, IxDyn};
use petsc_sys as sys;

use crate::vector::{ArrayRead, ArrayWrite};
use crate::{Error, Life, Mat, Petsc, PetscInt, Result, Vector, check, partition, report_drop_error, to_usize};

/// What lies beyond a DMDA's edge in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Nothing: the grid ends.
    None,
    /// Ghost points local vectors hold but no rank owns.
    Ghosted,
    /// Ghost points mirroring the points inside.
    Mirror,
    /// The other edge (a periodic grid).
    Periodic,
}

impl Boundary {
    fn raw(self) -> sys::DMBoundaryType {
        match self {
            Boundary::None => sys::DM_BOUNDARY_NONE,
            Boundary::Ghosted => sys::DM_BOUNDARY_GHOSTED,
            Boundary::Mirror => sys::DM_BOUNDARY_MIRROR,
            Boundary::Periodic => sys::DM_BOUNDARY_PERIODIC,
        }
    }
}

/// Which neighbours a DMDA's stencil reaches (and its local vectors hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StencilType {
    /// Along the axes only (the 5- and 7-point stencils).
    Star,
    /// The whole box around a point, corners included.
    Box,
}

impl StencilType {
    fn raw(self) -> sys::DMDAStencilType {
        match self {
            StencilType::Star => sys::DMDA_STENCIL_STAR,
            StencilType::Box => sys::DMDA_STENCIL_BOX,
        }
    }
}

/// A box of grid points: first index and extent per direction (x, y, z).
/// Unused directions have start 0 and extent 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The global index of the first point, per direction.
    pub start: [usize; 3],
    /// The points per direction.
    pub size: [usize; 3],
}

impl Patch {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.size.iter().product()
    }

    /// Whether the patch holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Position of grid point `n` in an array over the patch (x fastest,
    /// then y, then z), as a DMDA lays out its vectors.
    pub fn offset(&self, n: [usize; 3]) -> usize {
        let (s, z) = (self.start, self.size);
        (n[0] - s[0]) + z[0] * ((n[1] - s[1]) + z[1] * (n[2] - s[2]))
    }

    /// The global indices (x, y, z) past the patch's last point.
    pub fn end(&self) -> [usize; 3] {
        [0, 1, 2].map(|d| self.start[d] + self.size[d])
    }
}

/// A DM; created as a DMDA in 2-D or 3-D.
///
/// Once its layout is decided ([`Dm::decide_layout`]) a DMDA serves its
/// patches, its vectors and ghost exchanges without being set up: the
/// set-up, which indexes every point of the grid, is left to what needs
/// PETSc's own machinery (loading, DMDA matrices and local vectors,
/// coordinates), and happens there, collectively, the first time.
pub struct Dm<'p> {
    raw: sys::DM,
    /// 2 or 3, fixed at creation (kept to spare the views a query).
    dim: usize,
    /// Whether `DMSetUp` ran through this handle (a DM PETSc lends is used
    /// by its layout only).
    set_up: Cell<bool>,
    _life: Life<'p>,
}

/// Sizes of a DMDA, as given and as decided (by its set-up or [`Dm::decide_layout`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaInfo {
    /// 2 or 3.
    pub dim: usize,
    /// Grid points per direction (x, y, z); 1 for unused directions.
    pub points: [usize; 3],
    /// Processes per direction; 0 where they are yet to be decided.
    pub processes: [usize; 3],
    /// Stencil width: how deep the ghost region of local vectors is.
    pub width: usize,
}

/// What `DMDAGetInfo` gives, unconverted.
struct RawInfo {
    dim: PetscInt,
    points: [PetscInt; 3],
    processes: [PetscInt; 3],
    dof: PetscInt,
    width: PetscInt,
    boundary: [sys::DMBoundaryType; 3],
}

/// How a DMDA is to be created: what `DMDACreate2d` and `DMDACreate3d`
/// take, per direction (x, y[, z]).
struct DaSpec<'o, const D: usize> {
    boundary: [Boundary; D],
    stencil: StencilType,
    points: [PetscInt; D],
    /// The points each process row owns, per direction; PETSc decides
    /// where not given.
    owned: Option<[&'o [PetscInt]; D]>,
    dof: PetscInt,
    width: PetscInt,
}

impl<const D: usize> DaSpec<'_, D> {
    fn create(&self, comm: sys::MPI_Comm) -> Result<sys::DM> {
        let decide = sys::compat::DECIDE;
        let (b, n) = (self.boundary.map(Boundary::raw), self.points);
        let (mut p, mut l) = ([decide; D], [ptr::null(); D]);
        if let Some(owned) = self.owned {
            for d in 0..D {
                p[d] = crate::to_petsc_int(owned[d].len(), "process rows")?;
                l[d] = owned[d].as_ptr();
            }
        }
        let (stencil, dof, width) = (self.stencil.raw(), self.dof, self.width);
        let mut raw = ptr::null_mut();
        // SAFETY: valid communicator and out-pointer; D checked by the
        // match; ownership arrays, when given, have one entry per process
        // along their direction (PETSc copies them).
        check(unsafe {
            match D {
                2 => sys::DMDACreate2d(
                    comm, b[0], b[1], stencil, n[0], n[1], p[0], p[1], dof, width, l[0], l[1], &mut raw,
                ),
                3 => sys::DMDACreate3d(
                    comm, b[0], b[1], b[2], stencil, n[0], n[1], n[2], p[0], p[1], p[2], dof, width, l[0], l[1], l[2],
                    &mut raw,
                ),
                _ => return Err(Error::usage(format!("a DMDA has 2 or 3 dimensions here, not {D}"))),
            }
        })?;
        Ok(raw)
    }
}

impl<'p> Dm<'p> {
    /// A DMDA in `D` = 2 or 3 dimensions: `points` per direction (x, y[, z]),
    /// `dof` unknowns per point, a stencil of `width`; PETSc picks the
    /// process grid. Not set up yet, so options (`-da_grid_x`,
    /// `-da_processors_x`...) can still change it.
    pub fn da<const D: usize>(
        petsc: &'p Petsc<'_>,
        boundary: [Boundary; D],
        stencil: StencilType,
        points: [PetscInt; D],
        dof: PetscInt,
        width: PetscInt,
    ) -> Result<Self> {
        let raw = DaSpec { boundary, stencil, points, owned: None, dof, width }.create(petsc.comm())?;
        Ok(Dm { raw, dim: D, set_up: Cell::new(false), _life: PhantomData })
    }

    /// A DMDA laid out as given: `points` per direction and, per direction,
    /// how many of them each process row owns (`owned[d]` has one entry per
    /// process along d, and its sum is `points[d]`). Set up on return.
    pub fn da_with_layout<const D: usize>(
        petsc: &'p Petsc<'_>,
        stencil: StencilType,
        points: [PetscInt; D],
        owned: [&[PetscInt]; D],
        width: PetscInt,
    ) -> Result<Self> {
        for d in 0..D {
            let sum: PetscInt = owned[d].iter().sum();
            if sum != points[d] || owned[d].iter().any(|&n| n < 1) {
                return Err(Error::usage(format!(
                    "direction {d}: process rows own {:?}, which does not partition {} points",
                    owned[d], points[d]
                )));
            }
        }
        let boundary = [Boundary::None; D];
        let raw = DaSpec { boundary, stencil, points, owned: Some(owned), dof: 1, width }.create(petsc.comm())?;
        let dm = Dm { raw, dim: D, set_up: Cell::new(false), _life: PhantomData };
        dm.set_up()?;
        Ok(dm)
    }

    /// Wraps a DM PETSc lends for the duration of a callback.
    pub(crate) fn borrowed(raw: sys::DM) -> Result<std::mem::ManuallyDrop<Self>> {
        let mut dim: PetscInt = 0;
        // SAFETY: a valid DM lent by PETSc, out-pointer.
        check(unsafe { sys::DMGetDimension(raw, &mut dim) })?;
        let dim = to_usize(dim, "a DM's dimension")?;
        Ok(std::mem::ManuallyDrop::new(Dm { raw, dim, set_up: Cell::new(false), _life: PhantomData }))
    }

    pub(crate) fn raw(&self) -> sys::DM {
        self.raw
    }

    pub(crate) fn comm(&self) -> Result<sys::MPI_Comm> {
        let mut comm = sys::MPI_Comm(ptr::null_mut());
        // SAFETY: valid DM, out-pointer.
        check(unsafe { sys::PetscObjectGetComm(self.raw as sys::PetscObject, &mut comm) })?;
        Ok(comm)
    }

    /// Per direction (x, y, z), how many points each process row owns; `[1]`
    /// for unused directions.
    pub fn ownership(&self) -> Result<[Vec<usize>; 3]> {
        let processes = self.info()?.processes;
        let mut ranges: [*const PetscInt; 3] = [ptr::null(); 3];
        let [lx, ly, lz] = &mut ranges;
        // SAFETY: valid DMDA, out-pointers to arrays PETSc keeps.
        check(unsafe { sys::DMDAGetOwnershipRanges(self.raw, lx, ly, lz) })?;
        let mut owned = [vec![1], vec![1], vec![1]];
        for d in 0..self.dim {
            if ranges[d].is_null() {
                continue;
            }
            // SAFETY: PETSc's array has one entry per process along d.
            let counts = unsafe { std::slice::from_raw_parts(ranges[d], processes[d]) };
            owned[d] = counts.iter().map(|&n| to_usize(n, "an ownership range")).collect::<Result<_>>()?;
        }
        Ok(owned)
    }

    /// Applies `-da_*` and `-dm_*` options (grid size, process grid...).
    pub fn set_from_options(&mut self) -> Result<()> {
        // SAFETY: valid DM.
        check(unsafe { sys::DMSetFromOptions(self.raw) })
    }

    /// Decides how the grid is split over the processes, as the set-up
    /// would (respecting `-da_processors_x`... and ranges already given),
    /// and fixes that split: from then on the layout (ownership, patches,
    /// vector sizes) is known without the set-up. Before set-up; every rank
    /// decides the same.
    pub fn decide_layout(&mut self) -> Result<()> {
        let mut ranges: [*const PetscInt; 3] = [ptr::null(); 3];
        let [lx, ly, lz] = &mut ranges;
        // SAFETY: valid DMDA, out-pointers to arrays PETSc keeps (null
        // until ranges are given or decided).
        check(unsafe { sys::DMDAGetOwnershipRanges(self.raw, lx, ly, lz) })?;
        if !ranges[0].is_null() {
            return Ok(());
        }
        let info = self.info()?;
        let processes =
            partition::process_grid(info.dim, info.points, info.processes, self.size()?).map_err(Error::usage)?;
        let axes = ["x", "y", "z"];
        let mut owned: [Vec<PetscInt>; 3] = Default::default();
        for d in 0..3 {
            let rows = partition::rows(info.points[d], processes[d]);
            if d < info.dim && processes[d] > 1 && rows.iter().any(|&n| n < info.width) {
                return Err(Error::usage(format!(
                    "process rows along {} would own fewer points than the stencil is wide ({})",
                    axes[d], info.width
                )));
            }
            owned[d] = rows.into_iter().map(|n| crate::to_petsc_int(n, "a process row")).collect::<Result<_>>()?;
        }
        let count = |d: usize| {
            if d < info.dim { crate::to_petsc_int(processes[d], "process rows") } else { Ok(sys::compat::DECIDE) }
        };
        // SAFETY: valid DMDA, not set up.
        check(unsafe { sys::DMDASetNumProcs(self.raw, count(0)?, count(1)?, count(2)?) })?;
        let z = if info.dim == 3 { owned[2].as_ptr() } else { ptr::null() };
        // SAFETY: one entry per process row along each direction, summing
        // to the points; PETSc copies them.
        check(unsafe { sys::DMDASetOwnershipRanges(self.raw, owned[0].as_ptr(), owned[1].as_ptr(), z) })
    }

    /// Distributes the grid and builds PETSc's index maps and scatters over
    /// it. Collective; once only (later calls return at once).
    pub fn set_up(&self) -> Result<()> {
        if self.set_up.get() {
            return Ok(());
        }
        // SAFETY: valid DM.
        check(unsafe { sys::DMSetUp(self.raw) })?;
        self.set_up.set(true);
        Ok(())
    }

    /// Whether [`Dm::set_up`] ran.
    pub fn is_set_up(&self) -> bool {
        self.set_up.get()
    }

    /// Everything `DMDAGetInfo` tells, as PETSc gives it.
    fn raw_info(&self) -> Result<RawInfo> {
        let none = sys::DM_BOUNDARY_NONE;
        let mut r = RawInfo { dim: 0, points: [0; 3], processes: [0; 3], dof: 0, width: 0, boundary: [none; 3] };
        let ([mx, my, mz], [px, py, pz]) = (&mut r.points, &mut r.processes);
        let [bx, by, bz] = &mut r.boundary;
        // SAFETY: valid DMDA, out-pointers; the stencil type is not wanted.
        check(unsafe {
            sys::DMDAGetInfo(
                self.raw,
                &mut r.dim,
                mx,
                my,
                mz,
                px,
                py,
                pz,
                &mut r.dof,
                &mut r.width,
                bx,
                by,
                bz,
                ptr::null_mut(),
            )
        })?;
        Ok(r)
    }

    /// The grid's sizes, once set up or its layout decided.
    pub fn info(&self) -> Result<DaInfo> {
        let r = self.raw_info()?;
        let dim = to_usize(r.dim, "a DMDA's dimension")?;
        let one_beyond = |d: usize| if d < dim { to_usize(r.points[d], "a DMDA's size") } else { Ok(1) };
        // PETSC_DECIDE (negative) until decided.
        let decided = |d: usize| if d < dim { usize::try_from(r.processes[d]).unwrap_or(0) } else { 1 };
        Ok(DaInfo {
            dim,
            points: [one_beyond(0)?, one_beyond(1)?, one_beyond(2)?],
            processes: [decided(0), decided(1), decided(2)],
            width: to_usize(r.width, "a DMDA's stencil width")?,
        })
    }

    /// Whether the grid ends at its edges in every direction (no periodic,
    /// mirrored or ghosted boundary).
    pub(crate) fn ends_at_edges(&self) -> Result<bool> {
        Ok(self.raw_info()?.boundary.iter().all(|&b| b == sys::DM_BOUNDARY_NONE))
    }

    /// The local and global sizes of this DMDA's global vectors (points
    /// times values per point), known without making one (whose memory
    /// would be touched).
    pub fn vector_sizes(&self) -> Result<(usize, usize)> {
        let dof = to_usize(self.raw_info()?.dof, "a DMDA's values per point")?;
        let points: usize = self.info()?.points.iter().product();
        Ok((dof * self.corners()?.len(), dof * points))
    }

    /// The points this rank owns.
    pub fn corners(&self) -> Result<Patch> {
        self.patch(false)
    }

    /// The points of this rank's ghosted (local) vectors.
    pub fn ghost_corners(&self) -> Result<Patch> {
        self.patch(true)
    }

    fn patch(&self, ghosted: bool) -> Result<Patch> {
        if !self.is_set_up() {
            return self.layout_patch(ghosted);
        }
        let mut s = [0 as PetscInt; 3];
        let mut n = [0 as PetscInt; 3];
        let [sx, sy, sz] = &mut s;
        let [nx, ny, nz] = &mut n;
        // SAFETY: valid DMDA, out-pointers.
        check(unsafe {
            if ghosted {
                sys::DMDAGetGhostCorners(self.raw, sx, sy, sz, nx, ny, nz)
            } else {
                sys::DMDAGetCorners(self.raw, sx, sy, sz, nx, ny, nz)
            }
        })?;
        let mut patch = Patch { start: [0; 3], size: [1; 3] };
        for d in 0..self.dim {
            patch.start[d] = to_usize(s[d], "a patch's corner")?;
            patch.size[d] = to_usize(n[d], "a patch's size")?;
        }
        Ok(patch)
    }

    /// A vector with one entry per owned point (what solvers work on), all
    /// zero. Before set-up it has the DMDA's layout but not its viewers,
    /// which write in the grid's natural order: set up first to view it.
    pub fn global_vector(&self) -> Result<Vector<'p>> {
        if self.is_set_up() { self.created_global_vector() } else { self.global_vector_with(1, |_, _| {}) }
    }

    /// As [`Dm::global_vector`], its entries (in the owned patch's order,
    /// x fastest) written by `fill(offset, chunk)` over chunks of whole
    /// multiples of `granule` entries, in order: before set-up, each as its
    /// memory is mapped, while it is in cache (see [`crate::Buffer::filled`]).
    pub fn global_vector_with(&self, granule: usize, mut fill: impl FnMut(usize, &mut [f64])) -> Result<Vector<'p>> {
        if !self.is_set_up() {
            let (local, global) = self.vector_sizes()?;
            return Vector::filled(self.comm()?, self.size()? == 1, [local, global], granule, fill);
        }
        let mut v = self.created_global_vector()?;
        {
            let mut values = v.write()?;
            let step = granule.max(1);
            for start in (0..values.len()).step_by(step) {
                let end = (start + step).min(values.len());
                fill(start, &mut values[start..end]);
            }
        }
        Ok(v)
    }

    /// PETSc's global vector of a set-up DM.
    fn created_global_vector(&self) -> Result<Vector<'p>> {
        let mut raw = ptr::null_mut();
        // SAFETY: valid, set-up DM.
        check(unsafe { sys::DMCreateGlobalVector(self.raw, &mut raw) })?;
        Ok(Vector::from_raw(raw))
    }

    /// A global vector read from a PETSc binary file (written by
    /// `-solution_view binary:FILE`, in the grid's natural order, by any
    /// number of ranks). Collective.
    pub fn load_global_vector(&self, path: &str) -> Result<Vector<'p>> {
        self.set_up()?;
        let v = self.global_vector()?;
        let name = crate::c_string(path)?;
        let mut viewer = ptr::null_mut();
        // SAFETY: valid communicator and path, out-pointer.
        check(unsafe { sys::PetscViewerBinaryOpen(self.comm()?, name.as_ptr(), sys::FILE_MODE_READ, &mut viewer) })
            .map_err(|e| e.context(path))?;
        // SAFETY: a Vec of this DM and the viewer just opened.
        let loaded = check(unsafe { sys::VecLoad(v.raw(), viewer) }).map_err(|e| e.context(path));
        // SAFETY: opened above, destroyed once on every rank.
        report_drop_error("PetscViewerDestroy", check(unsafe { sys::PetscViewerDestroy(&mut viewer) }));
        loaded.map(|()| v)
    }

    /// A ghosted vector of this rank's points and their neighbours.
    pub fn local_vector(&self) -> Result<Vector<'p>> {
        self.set_up()?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid, set-up DM.
        check(unsafe { sys::DMCreateLocalVector(self.raw, &mut raw) })?;
        Ok(Vector::from_raw(raw))
    }

    /// A matrix with the DMDA's stencil preallocated (AIJ unless
    /// `-dm_mat_type` says otherwise).
    pub fn matrix(&self) -> Result<Mat<'p>> {
        self.set_up()?;
        let mut raw = ptr::null_mut();
        // SAFETY: valid, set-up DM.
        check(unsafe { sys::DMCreateMatrix(self.raw, &mut raw) })?;
        Ok(Mat::from_raw(raw))
    }

    /// Fills a ghosted vector from a global one (neighbours' values
    /// included: this is the halo exchange).
    pub fn global_to_local(&self, global: &Vector, local: &mut Vector) -> Result<()> {
        // SAFETY: vectors of this DM (PETSc checks the sizes).
        check(unsafe { sys::DMGlobalToLocalBegin(self.raw, global.raw(), sys::INSERT_VALUES, local.raw()) })?;
        // SAFETY: as above, after Begin.
        check(unsafe { sys::DMGlobalToLocalEnd(self.raw, global.raw(), sys::INSERT_VALUES, local.raw()) })
    }

    /// Gives the nodes evenly spaced coordinates spanning `bounds` (lower,
    /// upper) per direction, which viewers (VTK) write as the geometry.
    pub fn set_uniform_coordinates(&mut self, bounds: [[f64; 2]; 3]) -> Result<()> {
        self.set_up()?;
        let [[x0, x1], [y0, y1], [z0, z1]] = bounds;
        // SAFETY: valid, set-up DMDA.
        check(unsafe { sys::DMDASetUniformCoordinates(self.raw, x0, x1, y0, y1, z0, z1) })
    }

    /// Collects a global vector on rank 0 in the grid's natural order (x
    /// fastest, then y, then z): every value there, none elsewhere. From
    /// the layout, so the grid need not be set up: each rank's box is
    /// gathered as it is stored, then put in place line by line. Collective.
    pub fn gather_natural(&self, global: &Vector) -> Result<Vec<f64>> {
        let (layout, rank) = (self.box_layout()?, self.rank()?);
        let ranks: usize = [0, 1, 2].map(|d| layout.owned[d].len()).iter().product();
        let boxes: Vec<Patch> = (0..ranks).map(|r| layout.patch(r, false)).collect();
        // MPI counts and displacements are C ints.
        let int = |n: usize| i32::try_from(n).map_err(|_| Error::usage("the gathered field exceeds MPI's counts"));
        let counts = boxes.iter().map(|p| int(p.len())).collect::<Result<Vec<i32>>>()?;
        let offsets: Vec<usize> = boxes.iter().scan(0, |at, p| Some(std::mem::replace(at, *at + p.len()))).collect();
        let starts = offsets.iter().map(|&n| int(n)).collect::<Result<Vec<i32>>>()?;
        let total = boxes.iter().map(Patch::len).sum();
        let mut received = crate::filled_vec(if rank == 0 { total } else { 0 }, 0.0, "the gathered field")?;
        let mine = global.read()?;
        if mine.len() != boxes[rank].len() {
            return Err(Error::usage(format!("a vector of {} local entries does not belong to this DMDA", mine.len())));
        }
        // SAFETY: this rank's values and, on rank 0, room for every rank's
        // (counts and displacements from the same layout on every rank).
        let rc = unsafe {
            mpi::ffi::MPI_Gatherv(
                mine.as_ptr().cast(),
                counts[rank],
                mpi::ffi::RSMPI_DOUBLE,
                received.as_mut_ptr().cast(),
                counts.as_ptr(),
                starts.as_ptr(),
                mpi::ffi::RSMPI_DOUBLE,
                0,
                self.comm()?,
            )
        };
        if rc != 0 {
            return Err(Error::mpi("MPI_Gatherv", rc));
        }
        if rank != 0 {
            return Ok(Vec::new());
        }
        let whole = Patch { start: [0; 3], size: layout.points };
        let mut natural = crate::filled_vec(total, 0.0, "the gathered field")?;
        for (part, &from) in boxes.iter().zip(&offsets).filter(|(part, _)| !part.is_empty()) {
            let (s, n) = (part.start, part.size);
            for (line, values) in received[from..from + part.len()].chunks_exact(n[0]).enumerate() {
                let at = whole.offset([s[0], s[1] + line % n[1], s[2] + line / n[1]]);
                natural[at..at + n[0]].copy_from_slice(values);
            }
        }
        Ok(natural)
    }

    /// The patch a vector of this DM holds: owned points for a global vector,
    /// owned and ghost points for a local one.
    fn patch_of(&self, vec: &Vector) -> Result<Patch> {
        let len = vec.local_size()?;
        let owned = self.corners()?;
        if len == owned.len() {
            return Ok(owned);
        }
        let ghosted = self.ghost_corners()?;
        if len == ghosted.len() {
            return Ok(ghosted);
        }
        Err(Error::usage(format!("a vector of {len} local entries does not belong to this DMDA")))
    }

    /// Read access to a vector of this DM as an array over its patch.
    pub fn view<'v, D: Dimension>(&self, vec: &'v Vector) -> Result<GridView<'v, D>> {
        let patch = self.patch_of(vec)?;
        check_dim::<D>(self.dim)?;
        Ok(GridArray { data: vec.read()?, patch, _dim: PhantomData })
    }

    /// Write access to a vector of this DM as an array over its patch.
    pub fn view_mut<'v, D: Dimension>(&self, vec: &'v mut Vector) -> Result<GridViewMut<'v, D>> {
        let patch = self.patch_of(vec)?;
        check_dim::<D>(self.dim)?;
        Ok(GridArray { data: vec.write()?, patch, _dim: PhantomData })
    }
}

impl Drop for Dm<'_> {
    fn drop(&mut self) {
        // SAFETY: owned DM.
        report_drop_error("DMDestroy", check(unsafe { sys::DMDestroy(&mut self.raw) }));
    }
}

fn check_dim<D: Dimension>(dim: usize) -> Result<()> {
    match D::NDIM {
        // A 2-D DMDA also reads as 3-D, with a z axis of length 1.
        Some(n) if n == dim || (n == 3 && dim == 2) => Ok(()),
        _ => Err(Error::usage(format!("a {dim}-D DMDA viewed with {:?} dimensions", D::NDIM))),
    }
}

/// C-order shape of a patch: (ny, nx) or (nz, ny, nx).
fn shape<D: Dimension>(patch: &Patch) -> D {
    let [nx, ny, nz] = patch.size;
    let full = [nz, ny, nx];
    let ndim = D::NDIM.expect("fixed dimension checked at view creation");
    D::from_dimension(&IxDyn(&full[3 - ndim..])).expect("NDIM matches")
}

/// A DMDA vector's patch seen as an array; the vector's entries are
/// restored on drop. `A` is the access: [`ArrayRead`] or [`ArrayWrite`].
pub struct GridArray<A, D> {
    data: A,
    patch: Patch,
    _dim: PhantomData<D>,
}

/// Read access to a DMDA vector's patch.
pub type GridView<'v, D> = GridArray<ArrayRead<'v>, D>;
/// Write access to a DMDA vector's patch.
pub type GridViewMut<'v, D> = GridArray<ArrayWrite<'v>, D>;

impl<A: Deref<Target = [f64]>, D: Dimension> GridArray<A, D> {
    /// The patch in C order, indexed from its origin.
    pub fn array(&self) -> ArrayView<'_, f64, D> {
        ArrayView::from_shape(shape::<D>(&self.patch), &self.data).expect("patch size matches the vector")
    }

    /// Where the patch lies in the grid.
    pub fn patch(&self) -> Patch {
        self.patch
    }
}

impl<A: DerefMut<Target = [f64]>, D: Dimension> GridArray<A, D> {
    /// The patch in C order, indexed from its origin, for writing.
    pub fn array_mut(&mut self) -> ArrayViewMut<'_, f64, D> {
        ArrayViewMut::from_shape(shape::<D>(&self.patch), &mut self.data).expect("patch size matches the vector")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Ix2, Ix3};

    #[test]
    fn patches_count_points_and_end_past_the_last() {
        let p = Patch { start: [2, 3, 0], size: [4, 5, 1] };
        assert_eq!((p.len(), p.end(), p.is_empty()), (20, [6, 8, 1], false));
    }

    #[test]
    fn shapes_are_c_order() {
        let p = Patch { start: [0; 3], size: [4, 3, 2] };
        assert_eq!(shape::<Ix3>(&p), Ix3(2, 3, 4));
        assert_eq!(shape::<Ix2>(&Patch { size: [4, 3, 1], ..p }), Ix2(3, 4));
    }
}
