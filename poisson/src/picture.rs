//! Pictures a person can look at without ParaView: a 2-D field (or one z
//! plane of a 3-D one) as a PNG, coloured from its minimum to its maximum,
//! with a colour bar on the right. The range is also written into the file
//! (a tEXt chunk), so the colours can be read back as values.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use petsc::{Error, Result};

/// Colours from the minimum (first) to the maximum (last), interpolated
/// linearly: dark blue to teal to green to yellow, light rising steadily.
const RAMP: [[f64; 3]; 5] =
    [[30.0, 20.0, 90.0], [40.0, 80.0, 150.0], [30.0, 145.0, 140.0], [120.0, 200.0, 80.0], [250.0, 230.0, 50.0]];

/// The smallest side a picture is scaled up to (whole pixels per node).
const MIN_SIDE: usize = 256;

/// The colour of t in [0, 1].
pub fn colour(t: f64) -> [u8; 3] {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    [0, 1, 2].map(|c| (RAMP[i][c] + f * (RAMP[i + 1][c] - RAMP[i][c])).round() as u8)
}

/// A field of `nx` x `ny` values, x fastest, y upwards.
pub struct Field<'a> {
    pub values: &'a [f64],
    pub nx: usize,
    pub ny: usize,
    pub name: &'a str,
}

/// Layout of a picture: pixels per node, field and bar widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub scale: usize,
    pub field_width: usize,
    pub height: usize,
    pub bar_left: usize,
    pub width: usize,
}

impl Layout {
    pub fn new(nx: usize, ny: usize) -> Self {
        let scale = MIN_SIDE.div_ceil(nx.max(ny)).max(1);
        let (field_width, height) = (nx * scale, ny * scale);
        let bar = (field_width / 16).max(8);
        Layout { scale, field_width, height, bar_left: field_width + bar / 2, width: field_width + bar / 2 + bar }
    }
}

/// Writes the field as a PNG; returns its range (min, max).
pub fn write(path: &Path, field: &Field) -> Result<(f64, f64)> {
    let (min, max) =
        field.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = if max > min { max - min } else { 1.0 };
    let layout = Layout::new(field.nx, field.ny);
    let mut pixels = petsc::filled_vec(layout.width * layout.height * 3, 255u8, "the picture's pixels")
        .map_err(|e| e.context(path.display()))?;
    for row in 0..layout.height {
        // PNG rows run top down; y runs bottom up.
        let j = field.ny - 1 - row / layout.scale;
        for col in 0..layout.width {
            let rgb = if col < layout.field_width {
                colour((field.values[j * field.nx + col / layout.scale] - min) / span)
            } else if col >= layout.bar_left {
                colour(1.0 - row as f64 / (layout.height - 1).max(1) as f64)
            } else {
                continue;
            };
            let at = (row * layout.width + col) * 3;
            pixels[at..at + 3].copy_from_slice(&rgb);
        }
    }
    let fail = |e: &dyn std::fmt::Display| Error::io(format!("{}: {e}", path.display()));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), layout.width as u32, layout.height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let range = format!("{} from {min:e} to {max:e} over {} x {} nodes", field.name, field.nx, field.ny);
    encoder.add_text_chunk("Description".into(), range).map_err(|e| fail(&e))?;
    let mut writer = encoder.write_header().map_err(|e| fail(&e))?;
    writer.write_image_data(&pixels).map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))?;
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_from_dark_to_light() {
        let light = |c: [u8; 3]| 0.3 * c[0] as f64 + 0.6 * c[1] as f64 + 0.1 * c[2] as f64;
        let steps: Vec<f64> = (0..=20).map(|i| light(colour(i as f64 / 20.0))).collect();
        assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
        assert_eq!(colour(-1.0), colour(0.0));
        assert_eq!(colour(f64::NAN), colour(0.0));
    }

    #[test]
    fn small_grids_are_scaled_up_large_ones_not() {
        let small = Layout::new(33, 17);
        assert_eq!((small.scale, small.field_width, small.height), (8, 264, 136));
        assert!(small.bar_left > small.field_width && small.width > small.bar_left);
        assert_eq!(Layout::new(1025, 1025).scale, 1);
    }
}
