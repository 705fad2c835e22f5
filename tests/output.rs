//! Output a person or a script can read: the solution and the error through
//! PETSc's viewers (VTK for ParaView, PETSc binary, HDF5 with its XDMF file)
//! and as a PNG, each read back here and checked against the solution itself.

mod common;
#[path = "common/recorded.rs"]
mod recorded;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::{assert_refused, poisson, poisson_ok, read_petsc_vec, scratch};
use poisson::picture::{INK, Layout, Map, NEUTRAL, Scale, font};
use recorded::solved;

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
    let run = solved(2, &[&grid[..], &["-solution_view", &vtk, "-error_view", &e_bin]].concat());
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

    // The error is what the run recorded it to be.
    let (max, l2) = run.error_norms();
    let e_max = e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let e_l2 = (e.iter().map(|v| v * v).sum::<f64>() / (32.0 * 16.0)).sqrt();
    assert!((e_max - max).abs() <= 1e-12 * max && (e_l2 - l2).abs() <= 1e-12 * l2, "{e_max} {e_l2} vs {max} {l2}");

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

/// What tests/read_xdmf.py read from an XDMF file and the HDF5 file it
/// names: h5py, the XML, and ParaView's two XDMF readers.
struct Xdmf(HashMap<String, String>);

impl Xdmf {
    fn read(path: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/read_xdmf.py");
        // Debian's interpreter, which Debian's python3-h5py and python3-paraview
        // are installed for (another python3 may come first in PATH).
        let out = Command::new("/usr/bin/python3").arg(script).arg(path).output().expect("/usr/bin/python3 runs");
        assert!(
            out.status.success(),
            "read_xdmf.py {} failed (needs python3-h5py and python3-paraview: scripts/install-deps.sh):\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        Xdmf(text.lines().map(|l| l.split_once('\t').unwrap()).map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn get(&self, key: &str) -> &str {
        self.0.get(key).unwrap_or_else(|| panic!("read_xdmf.py found no {key}"))
    }

    fn numbers(&self, key: &str) -> Vec<f64> {
        self.get(key).split(' ').map(|n| n.parse().unwrap_or_else(|_| panic!("{key}: {n}"))).collect()
    }
}

/// Checks an XDMF file and its HDF5 file as ParaView and h5py see them: the
/// grid of `points` (x, y, z; z 1 in 2-D) on the unit square or cube, the
/// field `name` holding `values` (natural order) in `bytes`-byte floats, as
/// the dataset `/name` of `h5` (named relative to the XDMF file), and the
/// attributes `expected`.
fn assert_describes(
    xmf: &Path,
    (h5, name): (&str, &str),
    points: [usize; 3],
    (values, bytes): (&[f64], usize),
    expected: &[(&str, &str)],
) {
    let read = Xdmf::read(xmf);
    let dim = if points[2] == 1 { 2 } else { 3 };
    let zyx = |v: [String; 3]| format!("{} {} {}", v[2], v[1], v[0]);
    let h = points.map(|n| if n > 1 { 1.0 / (n - 1) as f64 } else { 1.0 });
    // The XML: a 3-D co-rectilinear mesh (a 2-D grid one node thick), axes z, y, x.
    assert_eq!(read.get("topology"), "3DCoRectMesh");
    assert_eq!(read.get("dimensions"), zyx(points.map(|n| n.to_string())));
    assert_eq!(read.get("geometry"), "ORIGIN_DXDYDZ");
    assert_eq!(read.numbers("origin"), [0.0; 3]);
    assert_eq!(read.numbers("spacing"), [h[2], h[1], h[0]]);
    assert_eq!(read.get("attribute"), format!("{name} Scalar Node"));
    assert_eq!(read.get("item"), format!("HDF Float {bytes} {}", zyx(points.map(|n| n.to_string()))));
    assert_eq!((read.get("file"), read.get("dataset")), (h5, format!("/{name}").as_str()));
    // The HDF5 file, through h5py: the dataset (z, y, x) and its attributes.
    let shape: Vec<String> = points[..dim].iter().rev().map(|n| n.to_string()).collect();
    assert_eq!((read.get("shape"), read.get("dtype")), (shape.join(" ").as_str(), format!("<f{bytes}").as_str()));
    assert_eq!(read.numbers("h5 values"), values);
    for (axis, d) in ["x", "y", "z"].iter().zip(0..dim) {
        assert_eq!(read.get(&format!("attr n{axis}")), points[d].to_string());
        assert_eq!(read.numbers(&format!("attr h{axis}")), [h[d]]);
        assert_eq!(read.numbers(&format!("attr origin_{axis}")), [0.0]);
    }
    assert!(!read.0.contains_key("attr nz") || dim == 3, "a 2-D grid has no z");
    assert_eq!(read.get("attr dimension"), dim.to_string());
    for (key, value) in expected {
        assert_eq!(read.get(&format!("attr {key}")), *value, "attribute {key}");
    }
    // ParaView: the nodes where they are, x fastest, and the field on them.
    let n: usize = points.iter().product();
    for reader in ["vtkXdmfReader", "vtkXdmf3Reader"] {
        assert_eq!(read.get(&format!("{reader} points")), n.to_string(), "{reader}");
        let top = [1.0, 1.0, if dim == 3 { 1.0 } else { 0.0 }];
        assert_eq!(read.numbers(&format!("{reader} bounds")), [0.0, top[0], 0.0, top[1], 0.0, top[2]], "{reader}");
        let positions = read.numbers(&format!("{reader} positions"));
        for (node, p) in positions.chunks_exact(3).enumerate() {
            let ijk = [node % points[0], node / points[0] % points[1], node / (points[0] * points[1])];
            let expected = [0, 1, 2].map(|d| ijk[d] as f64 * if d < dim { h[d] } else { 0.0 });
            assert!(p.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-15), "{reader}: node {node} at {p:?}");
        }
        assert_eq!(read.numbers(&format!("{reader} values")), values, "{reader}");
    }
}

#[test]
fn hdf5_output_opens_in_paraview_through_its_xdmf_file() {
    let dir = scratch("output-hdf5");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let grid = ["-problem", "manufactured", "-nx", "33", "-ny", "17"];
    let view = |option: &str, kind: &str, name: &str| [option.to_string(), format!("{kind}:{}", file(name))];
    let hdf5 = [view("-solution_view", "hdf5", "u.h5"), view("-error_view", "hdf5", "e.h5")].concat();
    let binary = [view("-solution_view", "binary", "u.dat"), view("-error_view", "binary", "e.dat")].concat();
    for views in [&hdf5, &binary] {
        poisson_ok(2, &[&grid[..], &views.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    }
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["e.dat", "e.dat.info", "e.h5", "e.xmf", "u.dat", "u.dat.info", "u.h5", "u.xmf"]);
    let set_up = [("problem", "manufactured"), ("dirichlet", "symmetric"), ("operator", "matrix-free")];
    let u = read_petsc_vec(&dir.join("u.dat"));
    assert_describes(&dir.join("u.xmf"), ("u.h5", "u"), [33, 17, 1], (&u, 8), &set_up);
    let e = read_petsc_vec(&dir.join("e.dat"));
    assert_describes(&dir.join("e.xmf"), ("e.h5", "error"), [33, 17, 1], (&e, 8), &set_up);
    // The options as given: the targets' names, not where they were staged.
    let options = Xdmf::read(&dir.join("u.xmf")).get("attr options").to_string();
    for given in ["-problem manufactured", "-nx 33", "-ny 17", &hdf5[..2].join(" "), &hdf5[2..].join(" ")] {
        assert!(options.contains(given), "{given:?} not in {options:?}");
    }
}

#[test]
fn hdf5_output_of_a_3d_run_opens_in_paraview() {
    let dir = scratch("output-hdf5-3d");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let grid = ["-dim", "3", "-nx", "9", "-ny", "11", "-nz", "13", "-assemble", "-dirichlet", "seed"];
    // In single precision, which the XDMF file must say.
    let hdf5 = format!("hdf5:{}", file("u.h5"));
    poisson_ok(2, &[&grid[..], &["-solution_view", &hdf5, "-viewer_hdf5_sp_output"]].concat());
    poisson_ok(2, &[&grid[..], &["-solution_view", &format!("binary:{}", file("u.dat"))]].concat());
    let u: Vec<f64> = read_petsc_vec(&dir.join("u.dat")).iter().map(|&v| f64::from(v as f32)).collect();
    let set_up = [("problem", "seed"), ("dirichlet", "seed"), ("operator", "assembled"), ("nz", "13")];
    assert_describes(&dir.join("u.xmf"), ("u.h5", "u"), [9, 11, 13], (&u, 4), &set_up);
}

#[test]
fn a_failed_run_leaves_no_hdf5_or_xdmf_file() {
    let dir = scratch("output-hdf5-failed");
    let target = format!("hdf5:{}", dir.join("u.h5").display());
    // Misspelt, found after the solve: the files were written, then removed.
    let run = poisson(2, &["-nx", "17", "-ny", "17", "-solution_view", &target, "-ksp_vieww"]);
    assert_eq!((run.status, run.our_errors().len()), (Some(1), 1), "{}", run.stderr);
    assert!(run.our_errors()[0].contains("unknown option -ksp_vieww"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "files left behind");
    // Files already there stay as they were.
    for name in ["u.h5", "u.xmf"] {
        std::fs::write(dir.join(name), "good\n").unwrap();
    }
    assert_eq!(poisson(2, &["-nx", "17", "-solution_view", &target, "-ksp_vieww"]).status, Some(1));
    for name in ["u.h5", "u.xmf"] {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), "good\n", "{name} replaced");
    }
    // A description that cannot be written is refused before anything is.
    std::fs::remove_file(dir.join("u.xmf")).unwrap();
    std::fs::create_dir(dir.join("u.xmf")).unwrap();
    let run = poisson(2, &["-nx", "17", "-solution_view", &target]);
    assert_refused(&run, &["u.xmf"], "u.xmf: is a directory");
    assert_eq!(std::fs::read_to_string(dir.join("u.h5")).unwrap(), "good\n");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2, "files left behind");
}
