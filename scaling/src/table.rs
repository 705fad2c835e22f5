//! The series as a CSV file (every figure, full precision) and as a
//! Markdown table (rounded, for READMEs).

use crate::job::SolverSet;
use crate::series::Row;

pub const CSV_HEADER: &str = "solver,dim,points,unknowns,ranks,repeats,converged,iterations,matrix_s,pc_setup_s,\
ksp_solve_s,solver_s,matmult_s,matmult_count,dof_per_s,peak_memory_bytes,bytes_per_dof,speedup,efficiency,\
stream_bytes_per_s,stream_speedup";

pub fn csv(rows: &[Row]) -> String {
    let mut text = format!("{CSV_HEADER}\n");
    for r in rows {
        let m = &r.median;
        let fields = [
            r.solver.clone(),
            r.grid.dim.to_string(),
            r.grid.points.to_string(),
            m.unknowns.to_string(),
            r.ranks.to_string(),
            r.repeats.to_string(),
            m.converged.to_string(),
            m.iterations.to_string(),
            m.matrix_s.to_string(),
            m.pc_setup_s.to_string(),
            m.ksp_solve_s.to_string(),
            m.solver_s.to_string(),
            m.matmult_s.to_string(),
            m.matmult_count.to_string(),
            r.dof_per_s().to_string(),
            m.peak_memory.to_string(),
            r.bytes_per_dof().to_string(),
            r.speedup.to_string(),
            r.efficiency.to_string(),
            r.stream_bandwidth.to_string(),
            r.stream_speedup.to_string(),
        ];
        text += &fields.join(",");
        text.push('\n');
    }
    text
}

/// The table, then what each solver set and the common options were, and
/// the command that made it.
pub fn markdown(rows: &[Row], solvers: &[SolverSet], common: &[String], command: &str) -> String {
    let mut text = String::from(
        "| solver | grid | ranks | iterations | matrix (s) | PC setup (s) | solve (s) | setup + solve (s) \
         | Mdof/s | bytes/dof | speed-up | efficiency | STREAM GB/s | STREAM speed-up |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        let m = &r.median;
        let iterations =
            if m.converged { m.iterations.to_string() } else { format!("{} (not converged)", m.iterations) };
        text += &format!(
            "| {} | {} | {} | {iterations} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.0} | {:.2} | {:.2} | {:.1} | {:.2} |\n",
            r.solver,
            r.grid,
            r.ranks,
            m.matrix_s,
            m.pc_setup_s,
            m.ksp_solve_s,
            m.solver_s,
            r.dof_per_s() / 1e6,
            r.bytes_per_dof(),
            r.speedup,
            r.efficiency,
            r.stream_bandwidth / 1e9,
            r.stream_speedup,
        );
    }
    let sets: Vec<_> = solvers.iter().map(|s| format!("`{}` = `{}`", s.name, s.options.join(" "))).collect();
    text += &format!("\nSolvers: {}.", sets.join("; "));
    if !common.is_empty() {
        text += &format!(" Every run: `{}`.", common.join(" "));
    }
    text += &format!("\n\nMade by `{command}`.\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{GridSize, Measurement};

    fn rows() -> Vec<Row> {
        let median = Measurement {
            unknowns: 1089,
            converged: false,
            iterations: 70,
            matrix_s: 0.001,
            pc_setup_s: 0.002,
            ksp_solve_s: 0.003,
            solver_s: 0.005,
            matmult_s: 0.001,
            matmult_count: 71,
            peak_memory: 1.089e8,
        };
        let grid = GridSize { dim: 2, points: 33 };
        let row = Row {
            solver: "cg".into(),
            grid,
            ranks: 1,
            repeats: 3,
            median,
            speedup: 1.0,
            efficiency: 1.0,
            stream_bandwidth: 1e10,
            stream_speedup: 1.0,
        };
        vec![row]
    }

    #[test]
    fn csv_has_one_value_per_column() {
        let text = csv(&rows());
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].split(',').count(), lines[1].split(',').count());
        assert!(lines[1].starts_with("cg,2,33,1089,1,3,false,70,"), "{}", lines[1]);
    }

    #[test]
    fn markdown_says_what_did_not_converge_and_how_it_was_made() {
        let solvers = [SolverSet { name: "cg".into(), options: vec!["-pc_type".into(), "none".into()] }];
        let text = markdown(&rows(), &solvers, &["-ksp_rtol".into(), "1e-8".into()], "poisson-scaling strong");
        assert!(text.contains("| cg | 33² | 1 | 70 (not converged) | 0.001 |"), "{text}");
        assert!(text.contains("Solvers: `cg` = `-pc_type none`. Every run: `-ksp_rtol 1e-8`."), "{text}");
        assert!(text.ends_with("Made by `poisson-scaling strong`.\n"));
    }
}
