//! What the lifetimes of this crate rule out, one example per handle type.
//!
//! Every handle borrows the [`Petsc`](crate::Petsc) it was made from (through
//! the grid, vector or solver it came from), so the compiler refuses to
//! finalize PETSc while a handle is alive, to use or destroy one afterwards,
//! or to hand one to another thread. Each example below is this program with
//! one line moved, and `cargo test -p petsc` checks that each is rejected
//! with the error named on its first line:
//!
//! ```no_run
//! use petsc::{Boundary, Dm, GhostExchange, Hdf5File, Ksp, Mat, Petsc, PcType, Stage, StencilType, Vector};
//!
//! struct Identity;
//! impl PcType for Identity {
//!     const NAME: &'static str = "identity";
//! }
//! impl petsc::Preconditioner for Identity {
//!     fn apply(&mut self, x: &Vector, y: &mut Vector) -> petsc::Result<()> {
//!         y.copy_from(x)
//!     }
//!     fn describe(&self) -> String {
//!         "y = x".into()
//!     }
//! }
//!
//! fn main() -> petsc::Result<()> {
//!     let universe = mpi::initialize().expect("MPI starts");
//!     let petsc = Petsc::init(&universe, ["example".to_string()], "")?;
//!     let stage = Stage::register(&petsc, "Example")?;
//!     petsc.with_pc::<Identity, _>(|_dm| Ok(Box::new(Identity)), || solve(&petsc, &stage))??;
//!     petsc.finalize()
//! }
//!
//! fn solve(petsc: &Petsc, stage: &Stage) -> petsc::Result<()> {
//!     let mut dm = Dm::da(petsc, [Boundary::None; 2], StencilType::Star, [9, 9], 1, 1)?;
//!     dm.set_up()?;
//!     let exchange = dm.ghost_exchange()?;
//!     let (b, mut x) = (dm.global_vector()?, dm.global_vector()?);
//!     let shell = Mat::shell(&dm, |x: &Vector, y: &mut Vector| y.copy_from(x))?;
//!     let assembled = dm.matrix()?;
//!     let mut ksp = Ksp::new(petsc)?;
//!     ksp.set_operators(&shell, &shell)?;
//!     ksp.set_dm(&dm)?;
//!     ksp.pc()?.set_type(Identity::NAME)?;
//!     {
//!         let _in_stage = stage.push()?;
//!         ksp.solve(&b, &mut x)?;
//!     }
//!     let file = Hdf5File::append(petsc, std::path::Path::new("u.h5"))?;
//!     file.write_attribute("/", "solver", petsc::Attribute::Text("cg"))?;
//!     file.close()?;
//!     // Handles go before what they borrow, and all before PETSc.
//!     drop(ksp);
//!     drop((assembled, shell, b, x, exchange));
//!     drop(dm);
//!     Ok(())
//! }
//! ```
//!
//! A grid ([`Dm`](crate::Dm)) used after PETSc is finalized:
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! petsc.finalize()?;
//! dm.set_up()?;
//! # Ok(()) }
//! ```
//!
//! A [`Vector`](crate::Vector) outliving its grid does not let it outlive
//! PETSc:
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! # let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! let x = dm.global_vector()?;
//! drop(dm);
//! petsc.finalize()?;
//! drop(x);
//! # Ok(()) }
//! ```
//!
//! An assembled [`Mat`](crate::Mat):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! # let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! let a = dm.matrix()?;
//! drop(dm);
//! petsc.finalize()?;
//! drop(a);
//! # Ok(()) }
//! ```
//!
//! A shell [`Mat`](crate::Mat), whose action is Rust code:
//!
//! ```compile_fail,E0505
//! # use petsc::Vector;
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! # let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! let a = petsc::Mat::shell(&dm, |x: &Vector, y: &mut Vector| y.copy_from(x))?;
//! drop(dm);
//! petsc.finalize()?;
//! drop(a);
//! # Ok(()) }
//! ```
//!
//! nor can the data its action borrows go first:
//!
//! ```compile_fail,E0597
//! # use petsc::Vector;
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! # let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! let a;
//! {
//!     let scale = 2.0;
//!     let scaled = |x: &Vector, y: &mut Vector| {
//!         y.set(0.0)?;
//!         y.axpy(scale, x)
//!     };
//!     a = petsc::Mat::shell(&dm, scaled)?;
//! }
//! drop(a);
//! # Ok(()) }
//! ```
//!
//! A solver ([`Ksp`](crate::Ksp)):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let ksp = petsc::Ksp::new(&petsc)?;
//! petsc.finalize()?;
//! drop(ksp);
//! # Ok(()) }
//! ```
//!
//! A log [`Stage`](crate::Stage):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let stage = petsc::Stage::register(&petsc, "Example")?;
//! petsc.finalize()?;
//! let _in_stage = stage.push()?;
//! # Ok(()) }
//! ```
//!
//! A log [`Event`](crate::Event):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let event = petsc::Event::register(&petsc, "Example")?;
//! petsc.finalize()?;
//! let _timed = event.begin()?;
//! # Ok(()) }
//! ```
//!
//! A [`GhostExchange`](crate::GhostExchange):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! # let mut dm = petsc::Dm::da(&petsc, [petsc::Boundary::None; 2], petsc::StencilType::Star, [9, 9], 1, 1)?;
//! # dm.set_up()?;
//! let exchange = dm.ghost_exchange()?;
//! drop(dm);
//! petsc.finalize()?;
//! exchange.update(&mut vec![0.0; exchange.len()])?;
//! # Ok(()) }
//! ```
//!
//! An [`Hdf5File`](crate::Hdf5File):
//!
//! ```compile_fail,E0505
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let file = petsc::Hdf5File::append(&petsc, std::path::Path::new("u.h5"))?;
//! petsc.finalize()?;
//! file.close()?;
//! # Ok(()) }
//! ```
//!
//! A preconditioner type registered by [`Petsc::with_pc`](crate::Petsc::with_pc)
//! lives for that call only: PETSc cannot be finalized inside it,
//!
//! ```compile_fail,E0505
//! # struct Identity;
//! # impl petsc::PcType for Identity { const NAME: &'static str = "identity"; }
//! # impl petsc::Preconditioner for Identity {
//! #     fn apply(&mut self, x: &petsc::Vector, y: &mut petsc::Vector) -> petsc::Result<()> { y.copy_from(x) }
//! #     fn describe(&self) -> String { String::new() }
//! # }
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! petsc.with_pc::<Identity, _>(|_dm| Ok(Box::new(Identity)), || petsc.finalize())??;
//! # Ok(()) }
//! ```
//!
//! and its factory cannot borrow what goes before the call ends:
//!
//! ```compile_fail,E0597
//! # struct Scaled<'a>(&'a f64);
//! # impl petsc::PcType for Scaled<'_> { const NAME: &'static str = "scaled"; }
//! # impl petsc::Preconditioner for Scaled<'_> {
//! #     fn apply(&mut self, x: &petsc::Vector, y: &mut petsc::Vector) -> petsc::Result<()> {
//! #         y.set(0.0)?;
//! #         y.axpy(*self.0, x)
//! #     }
//! #     fn describe(&self) -> String { String::new() }
//! # }
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let factory;
//! {
//!     let scale = 2.0;
//!     factory = |_dm: &petsc::Dm| -> petsc::Result<Box<dyn petsc::Preconditioner>> { Ok(Box::new(Scaled(&scale))) };
//! }
//! petsc.with_pc::<Scaled, _>(factory, || ())?;
//! # Ok(()) }
//! ```
//!
//! No handle crosses to another thread, not even a stage, which holds no
//! pointer of PETSc's:
//!
//! ```compile_fail,E0277
//! # fn main() -> petsc::Result<()> {
//! # let universe = mpi::initialize().unwrap();
//! # let petsc = petsc::Petsc::init(&universe, ["example".to_string()], "")?;
//! let stage = petsc::Stage::register(&petsc, "Example")?;
//! std::thread::scope(|s| {
//!     s.spawn(|| stage.push().map(drop));
//! });
//! # Ok(()) }
//! ```
