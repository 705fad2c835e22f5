//! Output a person or a script can read: the solution and the error through
//! PETSc's viewers (VTK for ParaView, PETSc binary, HDF5) and as a PNG,
//! each read back here and checked against the solution itself.

mod common;

use std::path::Path;

use common::{poisson_ok, read_petsc_vec, scratch};
use poisson::picture::{INK, Layout, Map, NEUTRAL, Scale, font};

/// A VTK structured grid as PETSc writes it (XML, raw appended data): the
/// whole extent, and per node its position and the named field, in natural
/// order (x fastest).
struct Vts {
    extent: [usize; 3],
    positions: Vec<[f64; 3]>,
    field: Vec<f64>,
}

fn attribute<'a>(tag: &'a str, name: &str) -> &'a str {
    let start = tag.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 2;
    &tag[start..start + tag[start..].find('"').unwrap()]
}

fn numbers(text: &str) -> Vec<usize> {
    text.split_whitespace().map(|n| n.parse().unwrap()).collect()
}

fn read_vts(path: &Path, field: &str) -> Vts {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let marker = b"<AppendedData encoding=\"raw\">";
    let at = bytes.windows(marker.len()).position(|w| w == marker).expect("raw appended data");
    let xml = std::str::from_utf8(&bytes[..at]).unwrap();
    assert!(xml.contains("type=\"StructuredGrid\"") && xml.contains("byte_order=\"LittleEndian\""));
    // Each block starts with its length in bytes, 32-bit unless the file says
    // otherwise (PETSc 3.22 writes header_type="UInt64").
    let header = if xml.contains("header_type=\"UInt64\"") { 8 } else { 4 };
    // The data start after the '_' that follows the tag.
    let base = at + marker.len() + bytes[at + marker.len()..].iter().position(|&b| b == b'_').unwrap() + 1;
    let block = |array: &str| -> Vec<f64> {
        let start = base + numbers(attribute(array, "offset"))[0];
        let mut len = [0u8; 8];
        len[..header].copy_from_slice(&bytes[start..start + header]);
        let data = &bytes[start + header..start + header + u64::from_le_bytes(len) as usize];
        match attribute(array, "type") {
            "Float64" => data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect(),
            "Float32" => data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect(),
            other => panic!("{}: unexpected data type {other}", path.display()),
        }
    };
    let whole = numbers(attribute(xml, "WholeExtent"));
    let extent = [whole[1] + 1, whole[3] + 1, whole[5] + 1];
    let n = extent.iter().product();
    let (mut positions, mut values) = (vec![[f64::NAN; 3]; n], vec![f64::NAN; n]);
    for piece in xml.split("<Piece ").skip(1) {
        let e = numbers(attribute(piece, "Extent"));
        let arrays: Vec<&str> = piece.split("<DataArray ").skip(1).collect();
        let find = |name: &str| arrays.iter().find(|a| attribute(a, "Name") == name).unwrap();
        let (xyz, u) = (block(find("Position")), block(find(field)));
        let mut next = 0;
        for k in e[4]..=e[5] {
            for j in e[2]..=e[3] {
                for i in e[0]..=e[1] {
                    let node = i + extent[0] * (j + extent[1] * k);
                    positions[node] = [xyz[3 * next], xyz[3 * next + 1], xyz[3 * next + 2]];
                    values[node] = u[next];
                    next += 1;
                }
            }
        }
    }
    assert!(values.iter().all(|v| v.is_finite()), "{}: pieces do not cover the grid", path.display());
    Vts { extent, positions, field: values }
}

/// A PNG: its pixels (RGB), the range of values it says it shows, and the
/// map and range its colours say they span.
struct Png {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    range: (f64, f64),
    map: String,
    colours: (f64, f64),
}

fn read_png(path: &Path) -> Png {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.color_type, frame.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    let text = &reader.info().uncompressed_latin1_text;
    // "TITLE: values from MIN to MAX, colours (MAP) from LO to HI"
    let description = text.iter().find(|t| t.keyword == "Description").expect("a Description").text.clone();
    let word = |after: &str, nth: usize| -> &str {
        description
            .split(after)
            .nth(nth)
            .unwrap_or_else(|| panic!("{after:?} in {description:?}"))
            .split([' ', ')', ','])
            .next()
            .unwrap()
    };
    let number = |after: &str, nth: usize| -> f64 { word(after, nth).parse().unwrap() };
    Png {
        width: frame.width as usize,
        height: frame.height as usize,
        pixels,
        range: (number(" from ", 1), number(" to ", 1)),
        map: word("colours (", 1).into(),
        colours: (number(" from ", 2), number(" to ", 2)),
    }
}

impl Png {
    fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * 3;
        self.pixels[at..at + 3].try_into().unwrap()
    }

    /// The text drawn with its top left at (`left`, `top`), `scale` pixels
    /// per font pixel, read back glyph by glyph up to the picture's edge.
    fn text(&self, (left, top): (usize, usize), scale: usize) -> String {
        let cells = (self.width - left + scale) / (font::ADVANCE * scale);
        let read = |n: usize| -> char {
            let x = left + n * font::ADVANCE * scale;
            let rows: [u8; font::HEIGHT] = std::array::from_fn(|r| {
                (0..font::WIDTH)
                    .fold(0, |bits, c| bits << 1 | u8::from(self.pixel(x + c * scale, top + r * scale) == INK))
            });
            let found = font::GLYPHS.iter().find(|(_, glyph)| *glyph == rows);
            found.unwrap_or_else(|| panic!("no glyph at ({x}, {top}): {rows:?}")).0
        };
        (0..cells).map(read).collect::<String>().trim_end().into()
    }
}

/// Checks the picture of `values` (nx x ny, x fastest): its title, the range
/// it states, its colour map, the colour of every node, the colour bar
/// (from the maximum's colour at the top to the minimum's at the bottom),
/// and the bar's ticks, each labelled and where its value says.
fn assert_picture_shows(png: &Png, values: &[f64], (nx, ny): (usize, usize), title: &str, map: Map) {
    let layout = Layout::new(nx, ny, title);
    assert_eq!(png.height, layout.height);
    assert!(png.width >= layout.label_left + font::width("0", layout.text));
    let text = layout.text;
    let lines: Vec<String> =
        (0..layout.title.len()).map(|n| png.text((layout.margin, layout.title_top(n)), text)).collect();
    assert_eq!(lines.join(", "), title);

    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * (max - min);
    assert!(close(png.range.0, min) && close(png.range.1, max), "range {:?} vs {min}..{max}", png.range);
    // Diverging: symmetric about zero; sequential: the values' range.
    let m = max.max(-min);
    let (lo, hi) = if map == Map::Diverging { (-m, m) } else { (min, max) };
    assert_eq!(png.map, map.name());
    assert!(close(png.colours.0, lo) && close(png.colours.1, hi), "colours {:?} vs {lo}..{hi}", png.colours);
    let scale = Scale { map, lo: png.colours.0, hi: png.colours.1 };

    for j in 0..ny {
        for i in 0..nx {
            let (x, y) = (layout.field_left + i * layout.scale, layout.top + (ny - 1 - j) * layout.scale);
            assert_eq!(png.pixel(x, y), scale.colour(values[i + nx * j]), "node ({i}, {j})");
        }
    }

    let (top, rows) = (layout.top, layout.bar_height);
    assert_eq!(png.pixel(layout.bar_left, top), scale.colour(scale.hi), "the top of the bar");
    assert_eq!(png.pixel(layout.bar_left, top + rows - 1), scale.colour(scale.lo), "the bottom of the bar");
    for r in 0..rows {
        let expected = map.colour(1.0 - r as f64 / (rows - 1) as f64);
        for x in [layout.bar_left, layout.bar_left + layout.bar_width - 1] {
            assert_eq!(png.pixel(x, top + r), expected, "bar row {r}");
        }
    }

    // Ticks: runs of ink in the column beside the bar, each labelled.
    let column = layout.bar_left + layout.bar_width;
    let inked: Vec<usize> = (top - text..top + rows + text).filter(|&y| png.pixel(column, y) == INK).collect();
    let runs: Vec<&[usize]> = inked.chunk_by(|a, b| b - a == 1).collect();
    assert!((3..=6).contains(&runs.len()), "{} ticks", runs.len());
    let ticks: Vec<(usize, String)> = runs
        .iter()
        .map(|run| {
            let row = run[0] + run.len() / 2;
            (row, png.text((layout.label_left, layout.label_top(row)), text))
        })
        .collect();
    let values: Vec<f64> =
        ticks.iter().map(|(_, label)| label.parse().unwrap_or_else(|_| panic!("{label:?}"))).collect();
    let span = scale.hi - scale.lo;
    let row_of = |v: f64| top as f64 + (scale.hi - v) / span * (rows - 1) as f64;
    // The ends: the bar's own, labelled to about a hundredth of the span.
    let (first, last) = (ticks[0].0, ticks[ticks.len() - 1].0);
    assert_eq!((first, last), (top, top + rows - 1), "{ticks:?}");
    assert!(
        (values[0] - scale.hi).abs() <= 0.006 * span && (values[values.len() - 1] - scale.lo).abs() <= 0.006 * span
    );
    // Between them: round values a constant step apart (1, 2 or 5 times a
    // power of ten), exactly where they should be, the labels apart.
    let inner = &values[1..values.len() - 1];
    for ((row, label), v) in ticks[1..ticks.len() - 1].iter().zip(inner) {
        assert!((*row as f64 - row_of(*v)).abs() <= 0.5 + 1e-9, "{label} at row {row}, not {}", row_of(*v));
    }
    let steps: Vec<f64> = inner.windows(2).map(|w| w[0] - w[1]).collect();
    if let Some(step) = steps.first() {
        assert!(steps.iter().all(|s| (s - step).abs() <= 1e-9 * step), "{values:?}");
        let mantissa = step / 10f64.powf(step.log10().floor());
        assert!([1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9), "step {step}");
    }
    assert!(ticks.windows(2).all(|w| w[1].0 - w[0].0 >= font::HEIGHT * text), "labels overlap: {ticks:?}");
    if map == Map::Diverging {
        // Symmetric, and zero in the middle, neutral.
        assert_eq!(ticks[ticks.len() - 1].1, format!("-{}", ticks[0].1));
        let zero = ticks.iter().find(|(_, label)| label == "0").expect("a 0 label").0;
        assert_eq!((zero, png.pixel(layout.bar_left, zero)), (top + rows / 2, NEUTRAL));
    }
}

#[test]
fn a_2d_solution_and_its_error_read_back_from_vtk_binary_and_png() {
    let dir = scratch("output-2d");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (nx, ny) = (33, 17);
    let grid = ["-problem", "manufactured", "-nx", "33", "-ny", "17", "-ksp_rtol", "1e-12"];
    let vtk = format!("vtk:{}", file("u.vts"));
    let e_bin = format!("binary:{}", file("e.dat"));
    let run = poisson_ok(2, &[&grid[..], &["-solution_view", &vtk, "-error_view", &e_bin]].concat());
    // Both pictures, as a user asks for them.
    let u_bin = format!("binary:{}", file("u.dat"));
    let pictures = ["-solution_png", &file("u.png"), "-error_png", &file("e.png")];
    poisson_ok(2, &[&grid[..], &["-solution_view", &u_bin], &pictures[..]].concat());
    poisson_ok(2, &[&grid[..], &["-error_view", &format!("vtk:{}", file("e.vts"))]].concat());
    let u = read_petsc_vec(&dir.join("u.dat"));
    let e = read_petsc_vec(&dir.join("e.dat"));
    assert_eq!(u.len(), nx * ny);

    // VTK: the grid, the unit square's geometry, and the solution bit for bit.
    let vts = read_vts(&dir.join("u.vts"), "u");
    assert_eq!(vts.extent, [nx, ny, 1]);
    for (node, p) in vts.positions.iter().enumerate() {
        let (i, j) = (node % nx, node / nx);
        assert!((p[0] - i as f64 / 32.0).abs() < 1e-15 && (p[1] - j as f64 / 16.0).abs() < 1e-15 && p[2] == 0.0);
    }
    assert_eq!(vts.field, u);
    assert_eq!(read_vts(&dir.join("e.vts"), "error").field, e);

    // The error is what the report says it is.
    let (max, l2) = run.error_norms();
    let e_max = e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let e_l2 = (e.iter().map(|v| v * v).sum::<f64>() / (32.0 * 16.0)).sqrt();
    assert!((e_max - max).abs() <= 1e-3 * max && (e_l2 - l2).abs() <= 1e-3 * l2, "{e_max} {e_l2} vs {max} {l2}");

    // PNG: the solution on a sequential scale even where it dips below zero,
    // the error on a diverging one; the seed problem's solution likewise.
    assert_picture_shows(&read_png(&dir.join("u.png")), &u, (nx, ny), "u (solution), 33 x 17 nodes", Map::Sequential);
    assert_picture_shows(&read_png(&dir.join("e.png")), &e, (nx, ny), "u - exact, 33 x 17 nodes", Map::Diverging);
    let seed = ["-nx", "33", "-ny", "17", "-solution_view", &format!("binary:{}", file("s.dat"))];
    poisson_ok(2, &[&seed[..], &["-solution_png", &file("s.png")]].concat());
    let s = read_petsc_vec(&dir.join("s.dat"));
    assert!(s.iter().all(|v| *v >= 0.0));
    assert_picture_shows(&read_png(&dir.join("s.png")), &s, (nx, ny), "u (solution), 33 x 17 nodes", Map::Sequential);
}

#[test]
fn a_3d_picture_shows_the_chosen_plane() {
    let dir = scratch("output-3d");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (nx, ny, nz) = (9, 11, 13);
    let grid = ["-problem", "manufactured", "-dim", "3", "-nx", "9", "-ny", "11", "-nz", "13", "-assemble"];
    let views = ["-solution_view", &format!("vtk:{}", file("u.vts")), "-error_view", &format!("vtk:{}", file("e.vts"))];
    let pictures = ["-solution_png", &file("u.png"), "-error_png", &file("e.png"), "-png_slice", "4"];
    let run = poisson_ok(2, &[&grid[..], &views, &pictures].concat());
    assert!(run.stdout.contains("plane z = 4"), "{}", run.stdout);
    let vts = read_vts(&dir.join("u.vts"), "u");
    assert_eq!(vts.extent, [nx, ny, nz]);
    let plane = 4 * nx * ny..5 * nx * ny;
    assert!(vts.positions[plane.start].iter().zip([0.0, 0.0, 4.0 / 12.0]).all(|(a, b)| (a - b).abs() < 1e-15));
    let title = |field: &str| format!("{field}, 9 x 11 x 13 nodes, plane z = 4");
    let u = &vts.field[plane.clone()];
    assert_picture_shows(&read_png(&dir.join("u.png")), u, (nx, ny), &title("u (solution)"), Map::Sequential);
    let e = &read_vts(&dir.join("e.vts"), "error").field[plane];
    assert_picture_shows(&read_png(&dir.join("e.png")), e, (nx, ny), &title("u - exact"), Map::Diverging);
}

#[test]
fn hdf5_output_is_an_hdf5_file() {
    let dir = scratch("output-hdf5");
    let path = dir.join("u.h5");
    poisson_ok(2, &["-nx", "17", "-ny", "17", "-solution_view", &format!("hdf5:{}", path.display())]);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\x89HDF\r\n\x1a\n"), "no HDF5 signature");
    assert!(bytes.len() > 17 * 17 * 8);
}
