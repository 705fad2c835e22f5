#!/usr/bin/env bash
# The fast path's benchmarks (docs/benchmarks.md), on 2 ranks, with
# poisson-scaling and poisson itself. Writes under benches/results/gmg-*/
# (OUT=dir to change). Run it on an idle machine: about 6 minutes here.
#
#   1. 4097² manufactured: -pc_type gmg beside GAMG, BoomerAMG and PETSc's
#      assembled geometric MG, all in the same run of the driver.
#   2. How far one F-cycle is from the converged solution, against the
#      discretization error (-reference).
#   3. Cycles against the grid, 257² to 8193² (richardson to 1e-10).
#   4. 3-D: 257³ with gmg, and 129³ with the others.
#   5. The largest grid this machine holds: 16385² (268 M unknowns).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin poisson --bin poisson-scaling
. scripts/mpi-env.sh
out=${OUT:-benches/results}
ranks=${RANKS:-2}
compare() { target/release/poisson-scaling compare --ranks "$ranks" --repeat "${REPEAT:-1}" "$@"; }
# The fast path alone, median of 3 (a run is a fraction of a second, and
# this machine's timings vary by 30 % from run to run).
median3() { target/release/poisson-scaling compare --ranks "$ranks" --repeat 3 "$@"; }
poisson() { mpiexec -n "$ranks" target/release/poisson "$@" </dev/null; }

# The others solve to 1e-8 relative (the algebraic error then stays below
# the discretization error at 4097²); gmg applies one F-cycle (-ksp_type
# preonly, which takes no tolerance).
tight=-ksp_rtol=1e-8
others=(--solver "gamg=-assemble -ksp_type cg -pc_type gamg ${tight/=/ }"
  --solver "hypre=-assemble -ksp_type cg -pc_type hypre -pc_hypre_type boomeramg ${tight/=/ }"
  --solver "mg=-assemble -ksp_type cg -pc_type mg -pc_mg_levels 5 -pc_mg_galerkin pmat ${tight/=/ }")
compare --grid 4097 --solver gmg "${others[@]}" --out "$out/gmg-2d-4097" -- -problem manufactured
median3 --grid 4097 --solver gmg --out "$out/gmg-2d-4097-repeat" -- -problem manufactured

mkdir -p "$out/gmg-accuracy"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
{
  echo "| grid | discretization error (max) | one F-cycle: max \|u - u_h\| | ratio |"
  echo "|---|---|---|---|"
  for n in 257 1025 4097; do
    grid=(-problem manufactured -nx "$n" -ny "$n" -pc_type gmg)
    converged=$(poisson "${grid[@]}" -ksp_type richardson -ksp_rtol 1e-12 -ksp_max_it 20 \
      -solution_view "binary:$scratch/u.dat")
    discretization=$(sed -n 's/^Error: max \([^,]*\),.*/\1/p' <<<"$converged")
    one=$(poisson "${grid[@]}" -ksp_type preonly -reference "$scratch/u.dat")
    algebraic=$(sed -n 's/^Reference: max |u - reference| \([^,]*\),.*/\1/p' <<<"$one")
    ratio=$(awk -v a="$algebraic" -v d="$discretization" 'BEGIN { printf "%.3f", a / d }')
    echo "| ${n}² | $discretization | $algebraic | $ratio |"
  done
} | tee "$out/gmg-accuracy/accuracy.md"

compare --grid 257,513,1025,2049,4097,8193 \
  --solver "gmg-richardson=-ksp_type richardson -ksp_rtol 1e-10 -pc_type gmg" \
  --solver "gmg-v=-ksp_type richardson -ksp_rtol 1e-10 -pc_type gmg -pc_gmg_type multiplicative" \
  --out "$out/gmg-2d-cycles" -- -problem manufactured

median3 --dim 3 --grid 257 --solver gmg --out "$out/gmg-3d-257" -- -problem manufactured
compare --dim 3 --grid 129 --solver gmg "${others[@]}" --out "$out/gmg-3d-129" -- -problem manufactured

compare --grid 16385 --solver gmg --out "$out/gmg-2d-16385" -- -problem manufactured
