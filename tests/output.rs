//! Output a person or a script can read: the solution and the error through
//! PETSc's viewers (VTK for ParaView, PETSc binary, HDF5) and as a PNG,
//! each read back here and checked against the solution itself.

mod common;

use std::path::Path;

use common::{poisson_ok, read_petsc_vec, scratch};
use poisson::picture::{Layout, colour};

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

/// A PNG: its pixels (RGB) and the range it says it shows.
struct Png {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    range: (f64, f64),
}

fn read_png(path: &Path) -> Png {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.color_type, frame.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    let text = &reader.info().uncompressed_latin1_text;
    let description = text.iter().find(|t| t.keyword == "Description").expect("a Description").text.clone();
    let word =
        |after: &str| -> f64 { description.split(after).nth(1).unwrap().split(' ').next().unwrap().parse().unwrap() };
    Png { width: frame.width as usize, height: frame.height as usize, pixels, range: (word(" from "), word(" to ")) }
}

/// Checks that the picture shows `values` (nx x ny, x fastest): sizes, the
/// range it states, and the colour of every node.
fn assert_picture_shows(png: &Png, values: &[f64], nx: usize, ny: usize) {
    let layout = Layout::new(nx, ny);
    assert_eq!((png.width, png.height), (layout.width, layout.height));
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * (max - min);
    assert!(close(png.range.0, min) && close(png.range.1, max), "range {:?} vs {min}..{max}", png.range);
    for j in 0..ny {
        for i in 0..nx {
            let (row, col) = ((ny - 1 - j) * layout.scale, i * layout.scale);
            let at = (row * png.width + col) * 3;
            let expected = colour((values[i + nx * j] - min) / (max - min));
            assert_eq!(png.pixels[at..at + 3], expected, "node ({i}, {j})");
        }
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
    poisson_ok(
        2,
        &[&grid[..], &["-solution_view", &format!("binary:{}", file("u.dat")), "-solution_png", &file("u.png")]]
            .concat(),
    );
    poisson_ok(
        2,
        &[&grid[..], &["-error_png", &file("e.png"), "-error_view", &format!("vtk:{}", file("e.vts"))]].concat(),
    );
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

    // PNG: every node's colour.
    assert_picture_shows(&read_png(&dir.join("u.png")), &u, nx, ny);
    assert_picture_shows(&read_png(&dir.join("e.png")), &e, nx, ny);
}

#[test]
fn a_3d_picture_shows_the_chosen_plane() {
    let dir = scratch("output-3d");
    let file = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (nx, ny, nz) = (9, 11, 13);
    let grid = ["-problem", "manufactured", "-dim", "3", "-nx", "9", "-ny", "11", "-nz", "13", "-assemble"];
    let vtk = format!("vtk:{}", file("u.vts"));
    let run = poisson_ok(
        3,
        &[&grid[..], &["-solution_view", &vtk, "-solution_png", &file("u.png"), "-png_slice", "4"]].concat(),
    );
    assert!(run.stdout.contains("plane z = 4"), "{}", run.stdout);
    let vts = read_vts(&dir.join("u.vts"), "u");
    assert_eq!(vts.extent, [nx, ny, nz]);
    let plane = &vts.field[4 * nx * ny..5 * nx * ny];
    assert!(vts.positions[4 * nx * ny].iter().zip([0.0, 0.0, 4.0 / 12.0]).all(|(a, b)| (a - b).abs() < 1e-15));
    assert_picture_shows(&read_png(&dir.join("u.png")), plane, nx, ny);
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
