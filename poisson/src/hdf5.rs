//! The HDF5 file of an `hdf5:` viewer (`-solution_view hdf5:u.h5`) made
//! ready for ParaView and for scripts. PETSc writes the field alone: the
//! dataset `/u` (`/error` for `-error_view`), its axes z, y, x. The grid and
//! the run's set-up are added as attributes of that dataset, and an XDMF
//! file beside it (`u.xmf`) tells ParaView the grid the values lie on.

use std::fs;

use petsc::{Attribute, Error, Hdf5File, Petsc, PetscInt, Result, Vector};

use crate::config::Config;
use crate::grid::{Grid, ORIGIN};
use crate::operator;
use crate::outputs::{Outputs, write_on_first_rank};

const AXES: [&str; 3] = ["x", "y", "z"];

/// Describes the file `option`'s viewer wrote of `v`, if it is an `hdf5:`
/// viewer writing a file: its attributes, then its XDMF file. Collective.
pub fn describe(
    petsc: &Petsc,
    grid: &Grid,
    config: &Config,
    outputs: &Outputs,
    option: &str,
    v: &Vector,
) -> Result<()> {
    let Some(staged) = outputs.hdf5(option) else { return Ok(()) };
    let name = v.name()?;
    let dataset = format!("/{name}");
    // As given: the viewers' staged names put back to their targets'.
    let given: Vec<String> = petsc
        .options()?
        .into_iter()
        .map(|(option, value)| value.map_or(option.clone(), |value| format!("{option} {value}")))
        .collect();
    let options = outputs.explain(&given.join(" "));
    let file = Hdf5File::append(petsc, &staged.file)?;
    for (attribute, value) in attributes(grid, config, &options) {
        file.write_attribute(&dataset, &attribute, value)?;
    }
    file.close()?;
    // -viewer_hdf5_sp_output has PETSc write single precision.
    let precision = if petsc.option_bool("-viewer_hdf5_sp_output")?.unwrap_or(false) { 4 } else { 8 };
    let spacing = [0, 1, 2].map(|d| if d < grid.dim { grid.h[d] } else { 1.0 });
    let text = xdmf(&name, &format!("{}:{dataset}", staged.file_name), grid.points(), spacing, precision);
    let shown = staged.xdmf.display().to_string();
    write_on_first_rank(petsc, &shown, || fs::write(&staged.xdmf, text).map_err(|e| Error::io(format!("{shown}: {e}"))))
        .map(drop)
}

/// The run's set-up, and the grid per axis (points, spacing h, origin).
fn attributes<'a>(grid: &Grid, config: &Config, options: &'a str) -> Vec<(String, Attribute<'a>)> {
    let mut list = vec![
        ("problem".to_string(), Attribute::Text(config.problem.name())),
        ("dimension".to_string(), Attribute::Int(grid.dim as PetscInt)),
        ("dirichlet".to_string(), Attribute::Text(config.dirichlet.name())),
        ("operator".to_string(), Attribute::Text(operator::kind(config.assemble))),
        ("options".to_string(), Attribute::Text(options)),
    ];
    for (d, axis) in AXES.iter().enumerate().take(grid.dim) {
        list.push((format!("n{axis}"), Attribute::Int(grid.points()[d] as PetscInt)));
        list.push((format!("h{axis}"), Attribute::Real(grid.h[d])));
        list.push((format!("origin_{axis}"), Attribute::Real(ORIGIN[d])));
    }
    list
}

/// XDMF for the field `name` at the nodes of a grid of `points` (x, y, z)
/// starting at [`ORIGIN`], `spacing` apart, whose values are `data`
/// (`file:/dataset`, the file named relative to the XDMF file) of
/// `precision` bytes each. XDMF lists axes z, y, x. A 2-D grid is written as
/// a 3-D one a node thick: ParaView's XDMF readers lay a 2DCoRectMesh in the
/// y-z plane, its x along y.
fn xdmf(name: &str, data: &str, points: [usize; 3], spacing: [f64; 3], precision: usize) -> String {
    let zyx = |v: [String; 3]| format!("{} {} {}", v[2], v[1], v[0]);
    let dimensions = zyx(points.map(|n| n.to_string()));
    let item = |format: &str, dimensions: &str, precision: usize, value: &str| {
        format!(
            "<DataItem Format=\"{format}\" NumberType=\"Float\" Precision=\"{precision}\" \
             Dimensions=\"{dimensions}\">{}</DataItem>",
            escape(value)
        )
    };
    let name = escape(name);
    format!(
        "<?xml version=\"1.0\" ?>\n\
         <!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n\
         <Xdmf Version=\"3.0\">\n  <Domain>\n    <Grid Name=\"{name}\" GridType=\"Uniform\">\n      \
         <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{dimensions}\"/>\n      \
         <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n        {}\n        {}\n      </Geometry>\n      \
         <Attribute Name=\"{name}\" AttributeType=\"Scalar\" Center=\"Node\">\n        {}\n      </Attribute>\n    \
         </Grid>\n  </Domain>\n</Xdmf>\n",
        item("XML", "3", 8, &zyx(ORIGIN.map(|o| o.to_string()))),
        item("XML", "3", 8, &zyx(spacing.map(|h| h.to_string()))),
        item("HDF", &dimensions, precision, data),
    )
}

/// Text for XML, attribute values included.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2d_grid_is_one_node_thick_axes_listed_z_first() {
        let text = xdmf("u", "u.h5:/u", [33, 17, 1], [1.0 / 32.0, 1.0 / 16.0, 1.0], 8);
        assert!(text.contains("<Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"1 17 33\"/>"), "{text}");
        assert!(text.contains("Dimensions=\"3\">0 0 0</DataItem>"), "{text}");
        assert!(text.contains("Dimensions=\"3\">1 0.0625 0.03125</DataItem>"), "{text}");
        assert!(text.contains("Precision=\"8\" Dimensions=\"1 17 33\">u.h5:/u</DataItem>"), "{text}");
    }

    #[test]
    fn names_are_escaped() {
        let text = xdmf("u", "a&b<c>.h5:/u", [3, 3, 3], [0.5; 3], 4);
        assert!(text.contains(">a&amp;b&lt;c&gt;.h5:/u</DataItem>"), "{text}");
        assert_eq!(escape("\"x\""), "&quot;x&quot;");
    }
}
