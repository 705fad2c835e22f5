//! The coarsest level, assembled once and solved by a KSP of its own:
//! `-gmg_coarse_ksp_type`, `-gmg_coarse_pc_type`... (by default a direct
//! solve, LU of the whole coarse matrix on every rank: PCREDUNDANT).

use petsc::{Dm, Event, Ksp, Petsc, Result, Vector};

use super::events::COARSE;
use super::kernels::{LevelPart, PatchValues};
use crate::config::Dirichlet;
use crate::operator::{self, Stencil};

pub struct Coarse<'p> {
    ksp: Ksp<'p>,
    b: Vector<'p>,
    x: Vector<'p>,
    event: Event<'p>,
    // Dropped last: the solver and vectors were made on it.
    _dm: Dm<'p>,
}

impl<'p> Coarse<'p> {
    pub fn new(petsc: &'p Petsc, dm: Dm<'p>) -> Result<Self> {
        let info = dm.info()?;
        let a = operator::assemble(&dm, &Stencil::on_points(info.dim, info.points, Dirichlet::Symmetric))?;
        let mut ksp = Ksp::new(petsc)?;
        ksp.set_options_prefix("gmg_coarse_")?;
        ksp.set_operator_owned(a)?;
        ksp.set_type("preonly")?;
        ksp.pc()?.set_type("redundant")?;
        ksp.set_from_options()?;
        ksp.set_up()?;
        let (b, x) = (dm.global_vector()?, dm.global_vector()?);
        Ok(Coarse { ksp, b, x, event: Event::register(petsc, COARSE)?, _dm: dm })
    }

    /// Solves the coarsest level for `u` (owned points) from `rhs`, with
    /// zero boundary values.
    pub fn solve(&mut self, layout: &LevelPart, rhs: PatchValues, u: &mut [f64]) -> Result<()> {
        let _timed = self.event.begin()?;
        let (o, e) = (layout.owned.start, layout.owned.end());
        let [ix, iy, iz] = layout.interior();
        {
            let mut b = self.b.write()?;
            let mut at = 0;
            for z in o[2]..e[2] {
                for y in o[1]..e[1] {
                    for x in o[0]..e[0] {
                        let inside = ix.contains(&x) && iy.contains(&y) && iz.contains(&z);
                        b[at] = if inside { rhs.value([x, y, z]) } else { 0.0 };
                        at += 1;
                    }
                }
            }
        }
        self.ksp.solve(&self.b, &mut self.x)?;
        let x = self.x.read()?;
        let mut at = 0;
        for z in o[2]..e[2] {
            for y in o[1]..e[1] {
                for i in o[0]..e[0] {
                    u[layout.at([i, y, z])] = x[at];
                    at += 1;
                }
            }
        }
        Ok(())
    }
}
