//! The safe PETSc layer, exercised under real MPI: each check runs as a
//! child `mpiexec` job executing the `#[ignore]`d test of the same name in
//! this binary (MPI initializes once per process).

mod common;
#[path = "common/petsc.rs"]
mod in_petsc;

use std::cell::Cell;
use std::rc::Rc;

use common::under_mpi;
use in_petsc::with_petsc;
use mpi::traits::Communicator;
use ndarray::{Ix2, Ix3};
use petsc::{
    Boundary, BoxLayout, Dm, ErrorKind, GhostExchange, Ksp, Mat, NormType, Patch, PcType, Petsc, Preconditioner,
    ShellOperator, StencilType, Vector,
};

#[test]
fn dmda_views() {
    under_mpi("mpi_dmda_views", 3);
}

#[test]
fn layouts_are_decided_as_petsc_decides() {
    for ranks in [1, 2, 3, 4, 6, 8] {
        under_mpi("mpi_layouts_are_decided_as_petsc_decides", ranks);
    }
}

#[test]
fn ghost_exchanges_fill_every_ghost() {
    for ranks in [1, 2, 3, 4] {
        under_mpi("mpi_ghost_exchanges_fill_every_ghost", ranks);
    }
}

#[test]
fn callback_failures() {
    under_mpi("mpi_callback_failures", 2);
}

#[test]
fn petsc_errors() {
    under_mpi("mpi_petsc_errors", 2);
}

#[test]
fn launcher_channel_sends_without_delay() {
    under_mpi("mpi_launcher_channel_sends_without_delay", 2);
}

#[test]
fn matrix_nonzeros() {
    under_mpi("mpi_matrix_nonzeros", 2);
}

#[test]
fn registration_withdraws_what_it_built() {
    under_mpi("mpi_registration_withdraws_what_it_built", 2);
}

/// A 9 x 9 grid, set up.
fn small_grid<'p>(petsc: &'p Petsc) -> Dm<'p> {
    let da = Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [9, 9], 1, 1).unwrap();
    da.set_up().unwrap();
    da
}

/// A vector of `da` with every entry `value`.
fn filled<'p>(da: &Dm<'p>, value: f64) -> Vector<'p> {
    let mut v = da.global_vector().unwrap();
    v.set(value).unwrap();
    v
}

/// Value at a grid point, to recognise where an entry came from.
fn tag(i: usize, j: usize, k: usize) -> f64 {
    (i + 100 * j + 10_000 * k) as f64
}

#[test]
#[ignore = "runs under mpiexec, started by dmda_views"]
fn mpi_dmda_views() {
    with_petsc(|petsc| {
        // 3-D: fill the owned patch by global index, exchange ghosts, and
        // find every ghost value where its global index says.
        let mut da = Dm::da(petsc, [Boundary::None; 3], StencilType::Star, [7, 5, 4], 1, 1).unwrap();
        // Before set-up, a rank's points are known once the layout is.
        if petsc.size() > 1 {
            assert_eq!(da.global_vector().err().unwrap().kind(), ErrorKind::Usage);
        }
        da.decide_layout().unwrap();
        // Vectors start zero, before set-up (over memory of ours) and after
        // (PETSc's): the solver's initial guess relies on it.
        let fresh = da.global_vector().unwrap();
        assert_eq!((fresh.size().unwrap(), fresh.norm(NormType::Infinity).unwrap()), (140, 0.0));
        // Filled chunk by chunk as made, in the owned patch's order.
        fn filled<'p>(da: &Dm<'p>) -> petsc::Vector<'p> {
            let patch = da.corners().unwrap();
            let (o, n) = (patch.start, patch.size);
            da.global_vector_with(n[0], |start, chunk| {
                assert_eq!((start % n[0], chunk.len() % n[0]), (0, 0), "whole lines");
                for (at, v) in (start..).zip(chunk) {
                    let (i, line) = (at % n[0], at / n[0]);
                    *v = tag(o[0] + i, o[1] + line % n[1], o[2] + line / n[1]);
                }
            })
            .unwrap()
        }
        let mut before = filled(&da);
        da.set_up().unwrap();
        let mut after = filled(&da);
        let info = da.info().unwrap();
        assert_eq!((info.dim, info.points), (3, [7, 5, 4]));
        assert_eq!(info.processes.iter().product::<usize>(), petsc.size());
        let mut g = da.global_vector().unwrap();
        assert_eq!(g.norm(NormType::Infinity).unwrap(), 0.0);
        {
            let mut view = da.view_mut::<Ix3>(&mut g).unwrap();
            let o = view.patch().start;
            assert_eq!(view.array().dim(), (view.patch().size[2], view.patch().size[1], view.patch().size[0]));
            for ((k, j, i), v) in view.array_mut().indexed_iter_mut() {
                *v = tag(o[0] + i, o[1] + j, o[2] + k);
            }
        }
        let total: f64 = (0..4).flat_map(|k| (0..5).flat_map(move |j| (0..7).map(move |i| tag(i, j, k)))).sum();
        assert_eq!(g.norm(NormType::One).unwrap(), total);
        for v in [&mut before, &mut after] {
            v.axpy(-1.0, &g).unwrap();
            assert_eq!(v.norm(NormType::Infinity).unwrap(), 0.0);
        }
        // Gathered on rank 0 in natural order (x fastest), nothing elsewhere.
        let natural: Vec<f64> =
            (0..4).flat_map(|k| (0..5).flat_map(move |j| (0..7).map(move |i| tag(i, j, k)))).collect();
        let gathered = da.gather_natural(&g).unwrap();
        assert_eq!(gathered, if petsc.rank() == 0 { natural } else { Vec::new() });
        let mut l = da.local_vector().unwrap();
        da.global_to_local(&g, &mut l).unwrap();
        let ghosted = da.view::<Ix3>(&l).unwrap();
        let (o, owned) = (ghosted.patch().start, da.corners().unwrap());
        assert!(ghosted.patch().len() > owned.len() || petsc.size() == 1);
        for ((k, j, i), v) in ghosted.array().indexed_iter() {
            assert_eq!(*v, tag(o[0] + i, o[1] + j, o[2] + k));
        }
        // The wrong dimension is refused, not misread.
        assert_eq!(da.view::<Ix2>(&g).err().unwrap().kind(), ErrorKind::Usage);

        // 2-D: an empty-looking corner case, one point per rank in y.
        let da2 = Dm::da(petsc, [Boundary::None; 2], StencilType::Box, [4, petsc.size() as _], 1, 1).unwrap();
        da2.set_up().unwrap();
        let mut v = da2.global_vector().unwrap();
        let mut view = da2.view_mut::<Ix2>(&mut v).unwrap();
        let o = view.patch().start;
        for ((j, i), x) in view.array_mut().indexed_iter_mut() {
            *x = tag(o[0] + i, o[1] + j, 0);
        }
        drop(view);
        assert_eq!(v.size().unwrap(), 4 * petsc.size());
    });
}

#[test]
#[ignore = "runs under mpiexec, started by layouts_are_decided_as_petsc_decides"]
fn mpi_layouts_are_decided_as_petsc_decides() {
    with_petsc(|petsc| {
        let size = petsc.size();
        let shapes: [&[i32]; 14] = [
            &[9, 9],
            &[17, 5],
            &[5, 17],
            &[33, 9],
            &[257, 257],
            &[100, 8],
            &[8, 100],
            &[9, 9, 9],
            &[17, 9, 5],
            &[5, 9, 17],
            &[33, 5, 5],
            &[5, 33, 5],
            &[5, 5, 33],
            &[12, 7, 30],
        ];
        // As the user may fix them: nothing, or the processes along one
        // direction (those that divide the ranks).
        let mut given: Vec<Option<(&str, usize)>> = vec![None];
        for axis in ["x", "y", "z"] {
            given.extend((2..=size).filter(|n| size % n == 0).map(|n| Some((axis, n))));
        }
        let make = |shape: &[i32]| match *shape {
            [x, y] => Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [x, y], 1, 1).unwrap(),
            [x, y, z] => Dm::da(petsc, [Boundary::None; 3], StencilType::Star, [x, y, z], 1, 1).unwrap(),
            _ => unreachable!(),
        };
        for shape in shapes {
            for fixed in &given {
                if let Some((axis, n)) = fixed {
                    if *axis == "z" && shape.len() == 2 {
                        continue;
                    }
                    petsc.set_option(&format!("-da_processors_{axis}"), &n.to_string()).unwrap();
                }
                let case = format!("{shape:?} on {size} ranks, {fixed:?}");
                let (mut theirs, mut ours) = (make(shape), make(shape));
                theirs.set_from_options().unwrap();
                ours.set_from_options().unwrap();
                let (set_up, decided) = (theirs.set_up(), ours.decide_layout());
                if let Some((axis, _)) = fixed {
                    petsc.clear_option(&format!("-da_processors_{axis}")).unwrap();
                }
                assert_eq!(set_up.is_ok(), decided.is_ok(), "{case}: {set_up:?} {decided:?}");
                if set_up.is_err() {
                    continue;
                }
                let layout = |da: &Dm| {
                    let info = da.info().unwrap();
                    let patches = (da.corners().unwrap(), da.ghost_corners().unwrap());
                    (info.processes, da.ownership().unwrap(), patches, da.vector_sizes().unwrap())
                };
                assert_eq!(layout(&ours), layout(&theirs), "{case}");
                let mut v = ours.global_vector().unwrap();
                assert_eq!(v.local_size().unwrap(), theirs.corners().unwrap().len(), "{case}");
                // Gathered in natural order from the layout alone.
                {
                    let mut view = ours.view_mut::<Ix3>(&mut v).unwrap();
                    let o = view.patch().start;
                    for ((k, j, i), x) in view.array_mut().indexed_iter_mut() {
                        *x = tag(o[0] + i, o[1] + j, o[2] + k);
                    }
                }
                let p = ours.info().unwrap().points;
                let natural: Vec<f64> =
                    (0..p[2]).flat_map(|k| (0..p[1]).flat_map(move |j| (0..p[0]).map(move |i| tag(i, j, k)))).collect();
                let gathered = ours.gather_natural(&v).unwrap();
                assert_eq!(gathered, if petsc.rank() == 0 { natural } else { Vec::new() }, "{case}");
                assert!(!ours.is_set_up(), "{case}");
                // Set up later, it keeps the layout decided.
                ours.set_up().unwrap();
                assert_eq!(layout(&ours), layout(&theirs), "{case}: set up");
            }
        }
    });
}

#[test]
#[ignore = "runs under mpiexec, started by ghost_exchanges_fill_every_ghost"]
fn mpi_ghost_exchanges_fill_every_ghost() {
    with_petsc(|petsc| {
        let size = petsc.size();
        for (dim, points) in [(2, [11, 9, 1]), (3, [7, 6, 5]), (2, [4, size + 1, 1])] {
            for width in [1, 2] {
                // Split along x and y when the ranks allow, so that ghosts
                // lie on every side.
                let px = if size % 2 == 0 { 2 } else { 1 };
                let split = |n: usize, rows: usize| (0..rows).map(|i| n / rows + usize::from(i < n % rows)).collect();
                let owned = [split(points[0], px), split(points[1], size / px), vec![points[2]]];
                let layout = BoxLayout { dim, points, owned, width };
                let exchange = GhostExchange::for_layout(petsc, &layout).unwrap();
                let (mine, ghosted) = (layout.patch(petsc.rank(), false), layout.patch(petsc.rank(), true));
                let mut data = vec![-1.0; ghosted.len()];
                let points_of = |p: Patch| {
                    let (s, e) = (p.start, p.end());
                    (s[2]..e[2]).flat_map(move |k| (s[1]..e[1]).flat_map(move |j| (s[0]..e[0]).map(move |i| [i, j, k])))
                };
                for n in points_of(mine) {
                    data[ghosted.offset(n)] = tag(n[0], n[1], n[2]);
                }
                exchange.update(&mut data).unwrap();
                for n in points_of(ghosted) {
                    assert_eq!(data[ghosted.offset(n)], tag(n[0], n[1], n[2]), "{dim}-D, width {width}, at {n:?}");
                }
            }
        }
    });
}

/// An operator that fails or panics on demand.
struct Faulty {
    mode: &'static str,
}

impl ShellOperator for Faulty {
    fn mult(&mut self, x: &Vector, y: &mut Vector) -> petsc::Result<()> {
        match self.mode {
            "error" => Err(petsc::Error::callback("the operator refused")),
            "panic" => panic!("the operator panicked on purpose"),
            _ => y.copy_from(x),
        }
    }
}

#[test]
#[ignore = "runs under mpiexec, started by callback_failures"]
fn mpi_callback_failures() {
    with_petsc(|petsc| {
        let da = small_grid(petsc);
        let x = filled(&da, 2.0);
        let mut y = da.global_vector().unwrap();
        for (mode, expected) in [("error", "the operator refused"), ("panic", "the operator panicked on purpose")] {
            let a = Mat::shell(&da, Faulty { mode }).unwrap();
            let e = a.mult(&x, &mut y).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Local, "{mode}");
            assert!(e.message().contains(expected), "{mode}: {e}");
            // Through a whole solve too: the error comes back from KSPSolve.
            let mut ksp = Ksp::new(petsc).unwrap();
            ksp.set_operators(&a, &a).unwrap();
            ksp.set_type("cg").unwrap();
            ksp.pc().unwrap().set_type("none").unwrap();
            let e = ksp.solve(&x, &mut y).unwrap_err();
            assert!(e.message().contains(expected), "{mode} in KSPSolve: {e}");
        }
        // PETSc is still usable afterwards, and a closure works as operator.
        let identity = Mat::shell(&da, |x: &Vector, y: &mut Vector| y.copy_from(x)).unwrap();
        identity.mult(&x, &mut y).unwrap();
        assert_eq!(y.norm(NormType::Infinity).unwrap(), 2.0);
        // A shell without a diagonal gives PETSc's error to Jacobi, not a crash.
        let a = Mat::shell(&da, Faulty { mode: "identity" }).unwrap();
        let mut ksp = Ksp::new(petsc).unwrap();
        ksp.set_operators(&a, &a).unwrap();
        ksp.pc().unwrap().set_type("jacobi").unwrap();
        let e = ksp.solve(&x, &mut y).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Petsc, "{e}");
    });
}

#[test]
#[ignore = "runs under mpiexec, started by petsc_errors"]
fn mpi_petsc_errors() {
    with_petsc(|petsc| {
        let mut ksp = Ksp::new(petsc).unwrap();
        let e = ksp.pc().unwrap().set_type("no-such-pc").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Petsc);
        assert!(e.message().contains("Unable to find requested PC type no-such-pc"), "{e}");
        assert!(!e.message().contains('\n'));
        // Errors raised by PETSc for bad sizes carry its words too.
        let da = Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [1, 1], 1, 1).unwrap();
        let e = da.set_up().unwrap_err();
        assert!(!e.message().is_empty() && !e.message().starts_with("PETSc error"), "{e}");
        // An HDF5 file that is not there, on every rank alike.
        let e = petsc::Hdf5File::append(petsc, std::path::Path::new("/nonexistent/u.h5")).err().unwrap();
        assert!(e.message().starts_with("/nonexistent/u.h5: ") && e.kind() == ErrorKind::Petsc, "{e}");
        // Options: absent, present, malformed.
        assert_eq!(petsc.option_int("-not_given").unwrap(), None);
        assert!(!petsc.help_requested().unwrap());
        assert_eq!(petsc.world().size(), petsc.size() as i32);
        assert_eq!(petsc::VERSION.0, 3);
    });
}

#[test]
#[ignore = "runs under mpiexec, started by launcher_channel_sends_without_delay"]
fn mpi_launcher_channel_sends_without_delay() {
    // MPI_Init connects to mpiexec's daemon on this host; left to Nagle's
    // algorithm, that socket makes every MPI_Finalize wait 40 ms.
    let universe = mpi::initialize().unwrap();
    let before = petsc::launcher::loopback_sockets();
    assert!(!before.is_empty(), "no loopback socket to mpiexec's daemon");
    let _petsc = Petsc::init(&universe, ["launcher".to_string()], "").unwrap();
    let after = petsc::launcher::loopback_sockets();
    assert!(after.len() >= before.len() && after.iter().all(|&(_, nodelay)| nodelay), "{before:?} -> {after:?}");
}

#[test]
#[ignore = "runs under mpiexec, started by matrix_nonzeros"]
fn mpi_matrix_nonzeros() {
    with_petsc(|petsc| {
        // A DMDA's matrix stores the stencil's whole pattern, zeros
        // included, whatever is set: a 5-point star per row, less the
        // neighbours beyond the edges (2 per row and column of nodes).
        let da = Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [6, 5], 1, 1).unwrap();
        da.set_up().unwrap();
        let mut a = da.matrix().unwrap();
        let patch = da.corners().unwrap();
        let [x_end, y_end, _] = patch.end();
        let at = |i: usize, j: usize| petsc::MatStencil { i: i as _, j: j as _, k: 0, c: 0 };
        for j in patch.start[1]..y_end {
            for i in patch.start[0]..x_end {
                let (cols, values) =
                    if i > 0 { (vec![at(i - 1, j), at(i, j)], vec![-1.0, 2.0]) } else { (vec![at(i, j)], vec![1.0]) };
                a.set_values_stencil(&[at(i, j)], &cols, &values).unwrap();
            }
        }
        a.assemble().unwrap();
        assert_eq!(a.nonzeros().unwrap(), 5 * 6 * 5 - 2 * 5 - 2 * 6);
    });
}

/// A preconditioner that counts how many of it are alive.
struct Counted {
    alive: Rc<Cell<usize>>,
}

impl PcType for Counted {
    const NAME: &'static str = "counted";
}

impl Preconditioner for Counted {
    fn apply(&mut self, x: &Vector, y: &mut Vector) -> petsc::Result<()> {
        y.copy_from(x)
    }

    fn describe(&self) -> String {
        "y = x".into()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.alive.set(self.alive.get() - 1);
    }
}

#[test]
#[ignore = "runs under mpiexec, started by registration_withdraws_what_it_built"]
fn mpi_registration_withdraws_what_it_built() {
    with_petsc(|petsc| {
        let da = small_grid(petsc);
        let (b, mut x) = (filled(&da, 1.0), da.global_vector().unwrap());
        let identity = Mat::shell(&da, |x: &Vector, y: &mut Vector| y.copy_from(x)).unwrap();
        let alive = Rc::new(Cell::new(0));
        let factory = |_dm: &Dm| {
            alive.set(alive.get() + 1);
            Ok(Box::new(Counted { alive: alive.clone() }) as Box<dyn Preconditioner>)
        };
        let mut ksp = Ksp::new(petsc).unwrap();
        ksp.set_operators(&identity, &identity).unwrap();
        ksp.set_dm(&da).unwrap();
        ksp.set_type("richardson").unwrap();
        let solved = petsc.with_pc::<Counted, _>(factory, || {
            let nested = petsc.with_pc::<Counted, _>(|_dm| unreachable!(), || ()).unwrap_err();
            assert!(nested.message().contains("already registered"), "{nested}");
            ksp.pc().unwrap().set_type(Counted::NAME).unwrap();
            ksp.solve(&b, &mut x).unwrap();
            assert_eq!(alive.get(), 1, "built at set-up");
        });
        solved.unwrap();
        // Withdrawn while the solver still holds a PC of its type: what it
        // built went with it, and the PC fails cleanly from then on.
        assert_eq!(alive.get(), 0, "destroyed when the registration ended");
        let e = ksp.solve(&b, &mut x).unwrap_err();
        assert!(e.message().contains("withdrawn"), "{e}");
        drop(ksp);
        // The name is free again.
        petsc.with_pc::<Counted, _>(|_dm| Err(petsc::Error::usage("unused")), || ()).unwrap();
    });
}
