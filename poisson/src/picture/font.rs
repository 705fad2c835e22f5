//! A 5 x 7 bitmap font for the pictures' titles and numbers: no font files,
//! no font library. Each glyph is 7 rows, top down, of 5 bits (the leftmost
//! pixel the highest bit); text is drawn scaled by whole pixels.

/// A glyph's size in font pixels, and the advance from one to the next.
pub const WIDTH: usize = 5;
pub const HEIGHT: usize = 7;
pub const ADVANCE: usize = WIDTH + 1;

#[rustfmt::skip]
pub const GLYPHS: [(char, [u8; HEIGHT]); 44] = [
    (' ', [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000]),
    ('(', [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010]),
    (')', [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000]),
    ('+', [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000]),
    (',', [0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b00100, 0b01000]),
    ('-', [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000]),
    ('.', [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100]),
    ('=', [0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000]),
    ('0', [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110]),
    ('1', [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('2', [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111]),
    ('3', [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110]),
    ('4', [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010]),
    ('5', [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110]),
    ('6', [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110]),
    ('7', [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000]),
    ('8', [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110]),
    ('9', [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100]),
    ('a', [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111]),
    ('b', [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110]),
    ('c', [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110]),
    ('d', [0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111]),
    ('e', [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110]),
    ('f', [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000]),
    ('g', [0b00000, 0b01111, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110]),
    ('h', [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001]),
    ('i', [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('j', [0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b10010, 0b01100]),
    ('k', [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010]),
    ('l', [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110]),
    ('m', [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001]),
    ('n', [0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001]),
    ('o', [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110]),
    ('p', [0b00000, 0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000]),
    ('q', [0b00000, 0b01111, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001]),
    ('r', [0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000]),
    ('s', [0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110]),
    ('t', [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110]),
    ('u', [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101]),
    ('v', [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100]),
    ('w', [0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010]),
    ('x', [0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001]),
    ('y', [0b00000, 0b00000, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110]),
    ('z', [0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111]),
];

/// The glyph of `c`, if the font has one.
pub fn glyph(c: char) -> Option<[u8; HEIGHT]> {
    GLYPHS.iter().find(|(g, _)| *g == c).map(|(_, rows)| *rows)
}

/// The width in pixels of `text` drawn `scale` pixels per font pixel.
pub fn width(text: &str, scale: usize) -> usize {
    (text.chars().count() * ADVANCE).saturating_sub(1) * scale
}

/// The pixels (x, y, from the top left) `text` inks, drawn `scale` pixels
/// per font pixel; a character the font lacks is left blank.
pub fn ink(text: &str, scale: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    text.chars().enumerate().filter_map(|(n, c)| Some((n, glyph(c)?))).flat_map(move |(n, rows)| {
        (0..HEIGHT * scale).flat_map(move |y| {
            (0..WIDTH * scale)
                .filter(move |x| rows[y / scale] >> (WIDTH - 1 - x / scale) & 1 == 1)
                .map(move |x| (n * ADVANCE * scale + x, y))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_renders_as_its_glyphs() {
        let drawn = [
            "........#.........#####",
            ".......##.........#....",
            "........#.........####.",
            "#####...#.............#",
            "........#.............#",
            "........#....##...#...#",
            ".......###...##....###.",
        ];
        // "-1.5" at scale 1: one blank column between glyphs.
        let mut pixels = vec![vec!['.'; width("-1.5", 1)]; HEIGHT];
        for (x, y) in ink("-1.5", 1) {
            pixels[y][x] = '#';
        }
        let text: Vec<String> = pixels.iter().map(|row| row.iter().collect()).collect();
        assert_eq!(text, drawn);
    }

    #[test]
    fn scaled_text_is_each_pixel_as_a_square() {
        let big: Vec<_> = ink("x", 3).collect();
        let small: Vec<_> = ink("x", 1).collect();
        assert_eq!(big.len(), 9 * small.len());
        for (x, y) in small {
            assert!((0..9).all(|k| big.contains(&(3 * x + k % 3, 3 * y + k / 3))));
        }
        assert_eq!(width("ab", 3), 11 * 3);
    }

    #[test]
    fn every_glyph_is_distinct_and_fits_five_columns() {
        for (i, (c, rows)) in GLYPHS.iter().enumerate() {
            assert!(rows.iter().all(|r| r >> WIDTH == 0), "{c:?} is wider than {WIDTH}");
            assert!(GLYPHS[..i].iter().all(|(d, other)| d != c && other != rows), "{c:?} twice");
        }
        assert!(GLYPHS.iter().filter(|(_, rows)| rows.iter().all(|&r| r == 0)).count() == 1, "one blank");
    }
}
