//! Which levels a grid has: each halves the intervals of the one above
//! while every direction has an even number of them (at least 4), and
//! coarse node I goes to the rank that owns fine node 2I, so restriction and
//! linear interpolation need nothing but one layer of ghosts (full
//! multigrid's cubic interpolation reads two, which coarse levels hold).

use petsc::{BoxLayout, DaInfo, Dm, Petsc, PetscInt, Result, StencilType};

/// How deep the ghosts of coarse levels are.
const GHOSTS: usize = 2;

/// A level's grid: points per direction and, per direction, how many each
/// process row owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelGrid {
    pub dim: usize,
    pub points: [usize; 3],
    pub owned: [Vec<usize>; 3],
}

/// The levels from the finest (the grid given) down, at most `max_levels`.
pub fn plan(info: &DaInfo, owned: [Vec<usize>; 3], max_levels: usize) -> Vec<LevelGrid> {
    let mut levels = vec![LevelGrid { dim: info.dim, points: info.points, owned }];
    while levels.len() < max_levels {
        match levels.last().expect("not empty").coarsened() {
            Some(next) => levels.push(next),
            None => break,
        }
    }
    levels
}

impl LevelGrid {
    fn coarsened(&self) -> Option<LevelGrid> {
        let mut next = self.clone();
        for d in 0..self.dim {
            let n = self.points[d];
            if n < 5 || (n - 1) % 2 != 0 {
                return None;
            }
            next.points[d] = (n - 1) / 2 + 1;
            // The process row starting at fine node s starts at coarse node ceil(s / 2).
            let mut start = 0;
            let mut coarse_start = 0;
            for count in next.owned[d].iter_mut() {
                let end = start + *count;
                let coarse_end = end.div_ceil(2);
                *count = coarse_end - coarse_start;
                // The coarse levels' ghosts are two deep (for full
                // multigrid's cubic interpolation): DMDA wants as many owned.
                if *count < GHOSTS {
                    return None;
                }
                (start, coarse_start) = (end, coarse_end);
            }
        }
        Some(next)
    }

    /// The level's layout: ghosts two deep (for full multigrid's cubic
    /// interpolation), corners included.
    pub fn box_layout(&self) -> BoxLayout {
        BoxLayout { dim: self.dim, points: self.points, owned: self.owned.clone(), width: GHOSTS }
    }

    /// The level's DMDA, laid out as [`LevelGrid::box_layout`] says.
    pub fn dm<'p>(&self, petsc: &'p Petsc) -> Result<Dm<'p>> {
        let points = self.points.map(|n| n as PetscInt);
        let owned: Vec<Vec<PetscInt>> = self.owned.iter().map(|o| o.iter().map(|&n| n as PetscInt).collect()).collect();
        let b = StencilType::Box;
        match self.dim {
            2 => Dm::da_with_layout(petsc, b, [points[0], points[1]], [&owned[0], &owned[1]], GHOSTS as PetscInt),
            _ => Dm::da_with_layout(petsc, b, points, [&owned[0], &owned[1], &owned[2]], GHOSTS as PetscInt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(dim: usize, points: [usize; 3], processes: [usize; 3]) -> DaInfo {
        DaInfo { dim, points, processes, width: 1 }
    }

    #[test]
    fn coarsens_to_three_points_on_one_rank() {
        let levels = plan(&info(2, [33, 17, 1], [1; 3]), [vec![33], vec![17], vec![1]], usize::MAX);
        let sizes: Vec<_> = levels.iter().map(|l| l.points).collect();
        assert_eq!(sizes, [[33, 17, 1], [17, 9, 1], [9, 5, 1], [5, 3, 1]]);
    }

    #[test]
    fn coarse_nodes_go_to_the_owner_of_their_fine_node() {
        // Fine rows own nodes 0..5, 5..11, 11..17 of 17: coarse 0..3, 3..6, 6..9.
        let levels = plan(&info(2, [17, 17, 1], [1, 3, 1]), [vec![17], vec![5, 6, 6], vec![1]], 2);
        assert_eq!(levels[1].owned[1], [3, 3, 3]);
        assert_eq!(levels[1].owned[0], [9]);
    }

    #[test]
    fn stops_where_a_direction_cannot_halve_or_a_rank_would_own_nothing() {
        assert_eq!(plan(&info(2, [100, 101, 1], [1; 3]), [vec![100], vec![101], vec![1]], 9).len(), 1);
        assert_eq!(plan(&info(3, [9, 9, 13], [1; 3]), [vec![9], vec![9], vec![13]], 9).len(), 3);
        // Four ranks along x own 2 nodes of 9 each...: coarse rows would own
        // 1, 1, 1 and 2 nodes, fewer than the ghost depth.
        assert_eq!(plan(&info(2, [9, 9, 1], [4, 1, 1]), [vec![2, 2, 2, 3], vec![9], vec![1]], 9).len(), 1);
        let levels = plan(&info(2, [17, 9, 1], [2, 1, 1]), [vec![8, 9], vec![9], vec![1]], 9);
        assert_eq!(levels.len(), 3);
        assert_eq!(levels[2].owned[0], [2, 3]);
    }

    #[test]
    fn honours_the_level_limit() {
        assert_eq!(plan(&info(2, [257, 257, 1], [1; 3]), [vec![257], vec![257], vec![1]], 3).len(), 3);
    }
}
