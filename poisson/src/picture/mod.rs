//! Pictures a person can look at without ParaView: a 2-D field (or one z
//! plane of a 3-D one) as a PNG, under a title naming the field and its
//! grid, coloured by a [`Scale`] (diverging about zero for a signed field),
//! with a colour bar on the right numbered at its ends and at round values
//! between. Text is drawn with a built-in bitmap [`font`]. The range is also
//! written into the file (a tEXt chunk), so the colours can be read back as
//! values.

mod colour;
pub mod font;
mod ticks;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

pub use colour::{Map, NEUTRAL, Scale};
use petsc::{Error, Result};
use ticks::{Numbers, ticks};

/// The smallest side a picture's field is scaled up to (whole pixels per node).
const MIN_SIDE: usize = 256;
/// Text is drawn one pixel per font pixel for this many pixels of the
/// field's longer side (at least 2), so it reads alike at every size.
const PIXELS_PER_TEXT: usize = 128;
/// A line of text, in font pixels: a glyph and the space below it.
const LINE: usize = 10;
/// The longest label the picture leaves room for ("-1.23e-04"); a longer
/// one widens it.
const LABEL_CHARS: usize = 9;
/// The colour of text and tick marks, in neither colour map.
pub const INK: [u8; 3] = [0, 0, 0];

/// What a picture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Solution,
    Error,
}

impl Subject {
    /// The field's name in the run's report.
    pub fn name(self) -> &'static str {
        match self {
            Subject::Solution => "u",
            Subject::Error => "u - exact",
        }
    }

    /// An error is signed whatever its values: it gets a diverging scale.
    pub fn signed(self) -> bool {
        self == Subject::Error
    }

    fn caption(self) -> &'static str {
        match self {
            Subject::Solution => "u (solution)",
            Subject::Error => "u - exact",
        }
    }
}

/// A field to picture: one plane of nodes.
pub struct Field<'a> {
    /// nx x ny values (the grid's first two sizes), x fastest, y upwards.
    pub values: &'a [f64],
    /// The grid's nodes per direction, 2 or 3 of them.
    pub points: &'a [usize],
    /// In 3-D, the z index of the plane shown.
    pub plane: Option<usize>,
    pub subject: Subject,
}

impl Field<'_> {
    /// "u (solution), 257 x 257 nodes", "u - exact, 65 x 65 x 65 nodes, plane z = 32".
    pub fn title(&self) -> String {
        let nodes: Vec<String> = self.points.iter().map(|n| n.to_string()).collect();
        format!("{}, {} nodes{}", self.subject.caption(), nodes.join(" x "), plane(self.plane))
    }

    /// The smallest and largest finite values (0, 0 if none is).
    fn range(&self) -> (f64, f64) {
        let finite = self.values.iter().filter(|v| v.is_finite());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        if min <= max { (min, max) } else { (0.0, 0.0) }
    }
}

/// ", plane z = k" for the plane of a 3-D grid a picture shows, else nothing.
pub fn plane(shown: Option<usize>) -> String {
    shown.map(|k| format!(", plane z = {k}")).unwrap_or_default()
}

/// Where a picture's parts go, in pixels from its top left: the title, the
/// field below it, the colour bar to the right of the field with its tick
/// marks and labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Pixels per node, and per font pixel.
    pub scale: usize,
    pub text: usize,
    /// Blank space around the picture and between its parts.
    pub margin: usize,
    /// The title, split at its commas into lines that fit the picture.
    pub title: Vec<String>,
    pub field_left: usize,
    /// The top of the field and of the bar.
    pub top: usize,
    pub field_width: usize,
    pub field_height: usize,
    pub bar_left: usize,
    pub bar_width: usize,
    /// At least five lines of text, so that three labels fit; odd, so that
    /// its middle row shows the middle value (zero, on a diverging bar).
    pub bar_height: usize,
    /// Tick marks run right from the bar, labels start after them.
    pub tick_length: usize,
    pub label_left: usize,
    pub height: usize,
    /// Wide enough for labels of [`LABEL_CHARS`].
    width: usize,
}

impl Layout {
    pub fn new(nx: usize, ny: usize, title: &str) -> Self {
        let scale = MIN_SIDE.div_ceil(nx.max(ny)).max(1);
        let (field_width, field_height) = (nx * scale, ny * scale);
        let text = (field_width.max(field_height) / PIXELS_PER_TEXT).max(2);
        let (margin, line) = (4 * text, LINE * text);
        let bar_left = margin + field_width + margin;
        let bar_width = (field_width / 16).max(4 * text);
        let tick_length = 2 * text;
        // Clear of the tick, so that a tick and a minus sign do not merge.
        let label_left = bar_left + bar_width + tick_length + 3 * text;
        let width = label_left + font::width(&"0".repeat(LABEL_CHARS), text) + margin;
        let title = wrap(title, width - 2 * margin, text);
        let top = margin + title.len() * line + margin;
        let bar_height = field_height.max(5 * line + 1) | 1;
        // Below the bar, room for the lower half of its bottom label.
        let height = top + bar_height + line / 2 + margin;
        Layout {
            scale,
            text,
            margin,
            title,
            field_left: margin,
            top,
            field_width,
            field_height,
            bar_left,
            bar_width,
            bar_height,
            tick_length,
            label_left,
            height,
            width,
        }
    }

    /// The picture's width, with room for `labels` and the title.
    pub fn width<S: AsRef<str>>(&self, labels: &[S]) -> usize {
        let text = |t: &str, left| left + font::width(t, self.text) + self.margin;
        let labels = labels.iter().map(|l| text(l.as_ref(), self.label_left));
        let title = self.title.iter().map(|l| text(l, self.margin));
        labels.chain(title).fold(self.width, usize::max)
    }

    /// The bar's row at position `t` of the scale (1 at the top, 0 at the bottom).
    pub fn bar_row(&self, t: f64) -> usize {
        self.top + ((1.0 - t) * (self.bar_height - 1) as f64).round() as usize
    }

    /// The top of a label centred on the bar's `row`.
    pub fn label_top(&self, row: usize) -> usize {
        row - font::HEIGHT * self.text / 2
    }

    /// The top of the title's `line`.
    pub fn title_top(&self, line: usize) -> usize {
        self.margin + line * LINE * self.text
    }

    /// The least distance between two labels, as a fraction of the bar.
    fn label_gap(&self) -> f64 {
        (LINE * self.text) as f64 / (self.bar_height - 1) as f64
    }
}

/// `title` in lines no wider than `width` pixels, split where it has ", ".
fn wrap(title: &str, width: usize, text: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in title.split(", ") {
        match lines.last_mut() {
            Some(line) if font::width(&format!("{line}, {part}"), text) <= width => *line = format!("{line}, {part}"),
            _ => lines.push(part.to_string()),
        }
    }
    lines
}

/// RGB pixels on a white ground.
struct Canvas {
    width: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Result<Self> {
        Ok(Canvas { width, pixels: petsc::filled_vec(width * height * 3, 255u8, "the picture's pixels")? })
    }

    fn fill(&mut self, (left, top): (usize, usize), (width, height): (usize, usize), rgb: [u8; 3]) {
        for y in top..top + height {
            let row = &mut self.pixels[(y * self.width + left) * 3..(y * self.width + left + width) * 3];
            row.chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&rgb));
        }
    }

    fn text(&mut self, (left, top): (usize, usize), text: &str, scale: usize) {
        for (x, y) in font::ink(text, scale) {
            self.fill((left + x, top + y), (1, 1), INK);
        }
    }
}

/// Writes the field as a PNG; returns its range (min, max).
pub fn write(path: &Path, field: &Field) -> Result<(f64, f64)> {
    let (min, max) = field.range();
    let scale = Scale::new((min, max), field.subject.signed());
    let (nx, ny) = (field.points[0], field.points[1]);
    let title = field.title();
    let layout = Layout::new(nx, ny, &title);
    let numbers = Numbers::new(scale.lo, scale.hi);
    let marks: Vec<(usize, String)> = ticks(scale.lo, scale.hi, layout.label_gap())
        .into_iter()
        .map(|v| (layout.bar_row(scale.position(v)), numbers.format(v)))
        .collect();
    let labels: Vec<&str> = marks.iter().map(|(_, label)| label.as_str()).collect();
    let width = layout.width(&labels);
    let mut canvas = Canvas::new(width, layout.height).map_err(|e| e.context(path.display()))?;
    let node = (layout.scale, layout.scale);
    for j in 0..ny {
        // PNG rows run top down; y runs bottom up.
        let top = layout.top + (ny - 1 - j) * layout.scale;
        for i in 0..nx {
            canvas.fill((layout.field_left + i * layout.scale, top), node, scale.colour(field.values[j * nx + i]));
        }
    }
    for row in 0..layout.bar_height {
        let t = 1.0 - row as f64 / (layout.bar_height - 1) as f64;
        canvas.fill((layout.bar_left, layout.top + row), (layout.bar_width, 1), scale.map.colour(t));
    }
    let thickness = (layout.text / 2).max(1);
    for (row, label) in &marks {
        let tick = (layout.bar_left + layout.bar_width, row - thickness / 2);
        canvas.fill(tick, (layout.tick_length, thickness), INK);
        canvas.text((layout.label_left, layout.label_top(*row)), label, layout.text);
    }
    for (n, line) in layout.title.iter().enumerate() {
        canvas.text((layout.margin, layout.title_top(n)), line, layout.text);
    }
    let fail = |e: &dyn std::fmt::Display| Error::io(format!("{}: {e}", path.display()));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width as u32, layout.height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let description = format!(
        "{title}: values from {min:e} to {max:e}, colours ({}) from {:e} to {:e}",
        scale.map.name(),
        scale.lo,
        scale.hi
    );
    encoder.add_text_chunk("Description".into(), description).map_err(|e| fail(&e))?;
    let mut writer = encoder.write_header().map_err(|e| fail(&e))?;
    writer.write_image_data(&canvas.pixels).map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))?;
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_grids_are_scaled_up_large_ones_not() {
        let small = Layout::new(33, 17, "u");
        assert_eq!((small.scale, small.field_width, small.field_height, small.text), (8, 264, 136, 2));
        assert!(small.bar_left > small.field_left + small.field_width && small.label_left > small.bar_left);
        let large = Layout::new(1025, 1025, "u");
        assert_eq!((large.scale, large.text), (1, 8));
    }

    #[test]
    fn the_bar_is_odd_and_tall_enough_for_three_labels() {
        for (nx, ny) in [(33, 17), (257, 257), (1025, 3), (64, 64)] {
            let layout = Layout::new(nx, ny, "u");
            assert!(layout.bar_height % 2 == 1 && layout.bar_height >= layout.field_height);
            assert!(layout.label_gap() <= 0.2, "{nx} x {ny}");
            assert_eq!(layout.bar_row(1.0), layout.top);
            assert_eq!(layout.bar_row(0.5), layout.top + layout.bar_height / 2);
            assert_eq!(layout.bar_row(0.0), layout.top + layout.bar_height - 1);
            assert!(
                layout.label_top(layout.top) > layout.title_top(layout.title.len() - 1) + font::HEIGHT * layout.text
            );
            assert!(layout.label_top(layout.bar_row(0.0)) + font::HEIGHT * layout.text < layout.height);
        }
    }

    #[test]
    fn titles_name_the_field_and_its_grid_and_wrap_at_commas() {
        let field = |points, plane, subject| Field { values: &[], points, plane, subject }.title();
        assert_eq!(field(&[257, 257], None, Subject::Solution), "u (solution), 257 x 257 nodes");
        let title = field(&[65, 65, 65], Some(32), Subject::Error);
        assert_eq!(title, "u - exact, 65 x 65 x 65 nodes, plane z = 32");
        let layout = Layout::new(65, 65, &title);
        assert_eq!(layout.title, ["u - exact, 65 x 65 x 65 nodes", "plane z = 32"]);
        assert!(layout.title.iter().all(|l| font::width(l, layout.text) + 2 * layout.margin <= layout.width(&[""])));
        assert_eq!(Layout::new(257, 257, "u (solution), 257 x 257 nodes").title.len(), 1);
        // The picture's every character is in the font.
        for c in title.chars().chain("u (solution)".chars()).chain("0123456789.-+e".chars()) {
            assert!(font::glyph(c).is_some(), "{c:?}");
        }
    }
}
