#!/usr/bin/env bash
# The solver comparison (docs/benchmarks.md, "Solver comparison"): time to solve
# (setup and solve apart), iterations, dof/s and bytes per dof, for each
# solver on growing grids, seed and manufactured problems, 2-D and 3-D,
# made with poisson-scaling on 2 ranks. Writes compare.csv, compare.md and
# compare.svg under benches/results/compare-*/ (OUT=dir to change).
#
# Sizes are chosen for a 2-core machine: the multigrid solvers (GAMG, hypre
# BoomerAMG, ML, PETSc's geometric PCMG on the DMDA with 5 levels) go to
# 4097² and 129³. CG alone and CG+Jacobi need iterations in proportion to the
# grid side (1555 at 1025²), so they stop at 2049²: at 4097² a single run
# would take minutes for a figure the smaller grids already predict. One run
# per point (REPEAT=3 for medians): the whole comparison then takes about 25
# minutes on an idle 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin poisson --bin poisson-scaling
. scripts/mpi-env.sh
out=${OUT:-benches/results}
compare() { target/release/poisson-scaling compare --ranks "${RANKS:-2}" --repeat "${REPEAT:-1}" "$@"; }

for problem in seed manufactured; do
  compare --grid 257,513,1025,2049,4097 --solver gamg --solver hypre --solver ml --solver mg \
    --out "$out/compare-2d-$problem-multigrid" -- -problem "$problem"
  compare --grid 257,513,1025,2049 --solver cg --solver jacobi \
    --out "$out/compare-2d-$problem-krylov" -- -problem "$problem"
  compare --dim 3 --grid 33,65,129 --solver cg --solver jacobi --solver gamg --solver hypre --solver ml --solver mg \
    --out "$out/compare-3d-$problem" -- -problem "$problem"
done
