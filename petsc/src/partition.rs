//! How a DMDA's grid is split over the processes, decided as DMDA's set-up
//! decides it: a process grid close to the grid's proportions, and process
//! rows that own as even a share of points as can be. Deciding it here
//! lets a DMDA be laid out without its set-up, which indexes every point of
//! the grid (a scatter and a local-to-global map as large as the grid).

/// The processes per direction (x, y, z) for a `dim`-D grid of `points` on
/// `size` processes; `given[d]` is the user's count along d, 0 where PETSc
/// is to decide. Every rank decides the same.
pub(crate) fn process_grid(
    dim: usize,
    points: [usize; 3],
    given: [usize; 3],
    size: usize,
) -> Result<[usize; 3], String> {
    let axes = ["x", "y", "z"];
    for d in 0..dim {
        if given[d] > size {
            return Err(format!("{} processes along {} but only {size} in all", given[d], axes[d]));
        }
    }
    let decided = if dim == 2 { grid_2d(points, given, size) } else { grid_3d(points, given, size) };
    let count: usize = decided.iter().product();
    if count != size {
        let shown: Vec<String> = decided[..dim].iter().map(|n| n.to_string()).collect();
        return Err(format!("a process grid of {} is not {size} processes", shown.join(" x ")));
    }
    for d in 0..dim {
        if points[d] < decided[d] {
            return Err(format!("{} process rows along {} but only {} points", decided[d], axes[d], points[d]));
        }
    }
    Ok(decided)
}

/// The rows along one direction of `points` split over `rows` processes:
/// the first `points % rows` rows own one point more.
pub(crate) fn rows(points: usize, rows: usize) -> Vec<usize> {
    (0..rows).map(|i| points / rows + usize::from(points % rows > i)).collect()
}

/// The whole part of `x + 0.5` (PETSc's rounding of the ideal count).
// A ratio of grid sizes times the process count: positive and small.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn nearest(x: f64) -> usize {
    (0.5 + x) as usize
}

/// The largest count at most `start` (and at least 1) that divides `size`.
fn divisor_at_most(start: usize, size: usize) -> usize {
    (1..=start.max(1)).rev().find(|m| size % m == 0).unwrap_or(1)
}

fn grid_2d(points: [usize; 3], given: [usize; 3], size: usize) -> [usize; 3] {
    let [mx, my, _] = points.map(|n| n as f64);
    let (m, n) = match (given[0], given[1]) {
        (0, 0) => {
            let m = divisor_at_most(nearest((mx * size as f64 / my).sqrt()), size);
            let n = size / m;
            // The longer direction gets the more processes.
            if points[0] > points[1] && m < n { (n, m) } else { (m, n) }
        }
        (0, n) => (size / n, n),
        (m, 0) => (m, size / m),
        given => given,
    };
    [m, n, 1]
}

fn grid_3d(points: [usize; 3], given: [usize; 3], size: usize) -> [usize; 3] {
    let [mx, my, mz] = points.map(|n| n as f64);
    let s = size as f64;
    // Along `a` as nearly as `ideal` says, dividing what `fixed` leaves,
    // then the last direction takes the rest.
    let split = |ideal: f64, fixed: usize| divisor_at_most(nearest(ideal), size / fixed);
    match given {
        [0, n, p] if n > 0 && p > 0 => [size / (n * p), n, p],
        [m, 0, p] if m > 0 && p > 0 => [m, size / (m * p), p],
        [m, n, 0] if m > 0 && n > 0 => [m, n, size / (m * n)],
        [0, 0, p] if p > 0 => {
            let m = split((mx * s / (my * p as f64)).sqrt(), p);
            let n = size / (m * p);
            if points[0] > points[1] && m < n { [n, m, p] } else { [m, n, p] }
        }
        [0, n, 0] if n > 0 => {
            let m = split((mx * s / (mz * n as f64)).sqrt(), n);
            let p = size / (m * n);
            if points[0] > points[2] && m < p { [p, n, m] } else { [m, n, p] }
        }
        [m, 0, 0] if m > 0 => {
            let n = split((my * s / (mz * m as f64)).sqrt(), m);
            let p = size / (m * n);
            if points[1] > points[2] && n < p { [m, p, n] } else { [m, n, p] }
        }
        [0, 0, 0] => {
            let n = divisor_at_most(nearest((my * my * s / (mz * mx)).powf(1.0 / 3.0)), size);
            let m = split((mx * s / (mz * n as f64)).sqrt(), n);
            let p = size / (m * n);
            if points[0] > points[2] && m < p { [p, n, m] } else { [m, n, p] }
        }
        given => given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_as_even_as_can_be_the_first_ones_longer() {
        assert_eq!(rows(10, 3), [4, 3, 3]);
        assert_eq!(rows(9, 3), [3, 3, 3]);
        assert_eq!(rows(4097, 2), [2049, 2048]);
    }

    #[test]
    fn square_grids_split_along_y_first_long_ones_along_their_length() {
        assert_eq!(process_grid(2, [257, 257, 1], [0; 3], 2), Ok([1, 2, 1]));
        assert_eq!(process_grid(2, [257, 257, 1], [0; 3], 4), Ok([2, 2, 1]));
        assert_eq!(process_grid(2, [1025, 65, 1], [0; 3], 4), Ok([4, 1, 1]));
        assert_eq!(process_grid(2, [257, 257, 1], [2, 0, 0], 6), Ok([2, 3, 1]));
        assert_eq!(process_grid(3, [65, 65, 65], [0; 3], 8), Ok([2, 2, 2]));
    }

    #[test]
    fn impossible_process_grids_are_refused() {
        assert!(process_grid(2, [257, 257, 1], [4, 0, 0], 6).is_err());
        assert!(process_grid(2, [257, 257, 1], [8, 0, 0], 4).is_err());
        assert!(process_grid(2, [3, 3, 1], [0, 0, 0], 5).is_err());
    }
}
