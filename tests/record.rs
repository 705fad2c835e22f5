//! A run's record (`-record FILE`): valid against docs/record.schema.json,
//! holding what the run printed; the same solution digest on any number of
//! processes where the arithmetic is the same; `poisson-replay` reproducing
//! a record and refusing one that claims what did not happen.

mod common;

use std::path::Path;
use std::process::Command;

use common::{mpi_environment, poisson_ok, scratch};
use poisson::record::Record;

/// Has Debian's python3-jsonschema validate `record` against the schema.
fn assert_valid(record: &Path) {
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/record.schema.json");
    let check = "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 jsonschema.Draft7Validator.check_schema(schema)\n\
                 jsonschema.validate(json.load(open(sys.argv[2])), schema)\n";
    let out = Command::new("/usr/bin/python3").args(["-c", check, schema]).arg(record).output().unwrap();
    assert!(out.status.success(), "{}: {}", record.display(), String::from_utf8_lossy(&out.stderr));
}

fn replay(record: &Path) -> common::Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_poisson-replay"));
    let out = mpi_environment(&mut command).arg(record).output().unwrap();
    common::Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
        seconds: 0.0,
    }
}

#[test]
fn the_users_command_records_what_it_printed() {
    let dir = scratch("record-user");
    let file = dir.join("run.json");
    let path = file.to_str().unwrap();
    let run = poisson_ok(2, &["-assemble", "-ksp_monitor", "-pc_type", "gamg", "-nx", "65", "-record", path]);
    assert_valid(&file);
    let record = Record::read(&file).unwrap();
    let (result, problem, p) = (&record.result, &record.problem, &record.provenance);
    // What the report printed for people, the record holds.
    let iterations = format!("Result: converged (CONVERGED_RTOL) in {} iterations;", result.iterations);
    assert!(run.stdout.contains(&iterations), "{iterations:?} not in\n{}", run.stdout);
    assert!(result.converged && result.reason.name == "CONVERGED_RTOL" && result.reason.code > 0);
    // -ksp_monitor prints each norm to 13 digits.
    let printed: Vec<f64> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("KSP Residual norm ").nth(1))
        .map(|norm| norm.trim().parse().unwrap())
        .collect();
    assert_eq!(result.residual_history.len(), printed.len());
    for (kept, shown) in result.residual_history.iter().zip(&printed) {
        assert!((kept - shown).abs() <= 1e-12 * kept.abs(), "{kept} printed as {shown}");
    }
    assert!(result.true_relative_residual > 0.0 && result.true_relative_residual < 1.0);
    assert_eq!(result.error, None, "the seed problem has no exact solution");
    let stages: Vec<&str> = result.stage_wall_seconds.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(stages, poisson::stages::NAMES);
    assert!(result.stage_wall_seconds.iter().map(|s| s.seconds).sum::<f64>() > 0.0);
    assert!(result.peak_resident_bytes > 1 << 20, "{}", result.peak_resident_bytes);
    assert_eq!((problem.dim, problem.points.as_slice(), problem.unknowns), (2, &[65, 65][..], 65 * 65));
    assert_eq!((problem.problem.as_str(), problem.dirichlet.as_str()), ("seed", "symmetric"));
    assert_eq!(
        (problem.operator.as_str(), problem.ksp_type.as_str(), problem.pc_type.as_str()),
        ("assembled", "cg", "gamg")
    );
    assert_eq!((problem.ranks, problem.processes.iter().product::<usize>()), (2, 2));
    let option = |name: &str| problem.options.iter().find(|o| o.name == name).map(|o| o.value.clone());
    assert_eq!(option("-pc_type"), Some(Some("gamg".into())));
    assert_eq!(option("-assemble"), Some(None));
    assert_eq!(option("-record"), Some(Some(path.into())));
    assert_eq!(p.poisson_commit, env!("POISSON_COMMIT"));
    assert!(p.petsc_version.contains("PETSc") || p.petsc_version.contains("Petsc"), "{}", p.petsc_version);
    assert!(p.petsc_configure_options.contains("--"), "{}", p.petsc_configure_options);
    assert!(p.rustc.starts_with("rustc ") && p.mpi_version.contains("MPI") && !p.host.is_empty(), "{p:?}");
    assert_eq!(record.solution.values, 65 * 65);
    assert!(record.solution.norms.max > 0.0 && record.solution.norms.l2 > 0.0);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Richardson with Jacobi for a fixed number of iterations does the same
/// arithmetic on any number of processes (no reductions steer it): the
/// same digest. CG and gmg reduce in an order that follows the layout, so
/// their digests differ across process counts (checked by hand).
#[test]
fn the_same_arithmetic_gives_the_same_digest_on_any_number_of_processes() {
    let dir = scratch("record-digest");
    let digests: Vec<String> = [1, 2, 3]
        .into_iter()
        .map(|ranks| {
            let file = dir.join(format!("{ranks}.json"));
            let fixed =
                ["-ksp_type", "richardson", "-pc_type", "jacobi", "-ksp_max_it", "30", "-ksp_norm_type", "none"];
            poisson_ok(ranks, &[&fixed[..], &["-nx", "33", "-record", file.to_str().unwrap()]].concat());
            Record::read(&file).unwrap().solution.sha256
        })
        .collect();
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_replay_reproduces_its_record_and_not_an_edited_one() {
    let dir = scratch("record-replay");
    let file = dir.join("run.json");
    poisson_ok(2, &["-assemble", "-pc_type", "gamg", "-nx", "33", "-record", file.to_str().unwrap()]);
    let same = replay(&file);
    assert_eq!(same.status, Some(0), "{}{}", same.stdout, same.stderr);
    assert!(same.stdout.contains("reproduced, compared to the bit"), "{}", same.stdout);
    let mut record = Record::read(&file).unwrap();
    let iterations = record.result.iterations;
    record.result.iterations += 3;
    let edited = dir.join("edited.json");
    std::fs::write(&edited, serde_json::to_string(&record).unwrap()).unwrap();
    let other = replay(&edited);
    assert_eq!(other.status, Some(3), "{}{}", other.stdout, other.stderr);
    let row = other.stdout.lines().find(|l| l.starts_with("iterations")).unwrap();
    let words: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(words, ["iterations", &(iterations + 3).to_string(), &iterations.to_string(), "-3"]);
    assert!(other.stdout.contains("NOT reproduced"), "{}", other.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A run that blows up measures infinities, which JSON cannot hold: its
/// record still validates, with null in their place, read back as NaN.
#[test]
fn a_diverged_run_records_what_is_not_finite_as_null() {
    let dir = scratch("record-diverged");
    let file = dir.join("run.json");
    let blow_up = ["-ksp_type", "richardson", "-ksp_richardson_scale", "10", "-ksp_divtol", "1e300", "-nx", "17"];
    let run = common::poisson(2, &[&blow_up[..], &["-record", file.to_str().unwrap()]].concat());
    assert_eq!(run.status, Some(2), "{}", run.stderr);
    assert_valid(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["result"]["true_relative_residual"], serde_json::Value::Null, "{text}");
    let record = Record::read(&file).unwrap();
    let result = &record.result;
    assert_eq!((result.converged, result.reason.name.as_str()), (false, "DIVERGED_NANORINF"));
    assert!(result.true_relative_residual.is_nan() && result.residual_history.last().unwrap().is_nan());
    assert!(
        result.residual_history[..result.iterations].iter().all(|r| r.is_finite()),
        "{:?}",
        result.residual_history
    );
    std::fs::remove_dir_all(dir).unwrap();
}
