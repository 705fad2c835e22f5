#!/usr/bin/env bash
# The fast path beside HPGMG-FV (the reference benchmark of geometric
# multigrid) and a direct FFT solve (scipy's DST-I), on 2 ranks, in one run:
# docs/benchmarks.md, "Against HPGMG-FV and an FFT solve". About 3 minutes.
#
#   HPGMG_DIR    HPGMG's tree (finite-volume-source/, README.md), default
#                ../shared/anchors/hpgmg beside the repository. Built as its
#                README says, in a temporary directory, never copied here;
#                skipped with one line when absent.
#   HPGMG_SECONDS  how long HPGMG runs (default 30): it benchmarks each grid
#                for at least 60 s by design, so its per-solve lines of the
#                finest grid are read and the run is stopped.
#   DST_SCRIPT   the FFT solve, default ../shared/anchors/fft/dst_solve_time.py
#                (needs numpy and scipy; skipped with one line otherwise).
#   PYTHON       the Python to run it with, default the first of python3 and
#                /usr/bin/python3 that has them.
#   OUT          results directory, default benches/results/hpgmg.
#   IDLE_SECONDS how long the machine idles before one more whole 4097² run
#                (default 30; 0 leaves it out): a run after a pause, as a
#                user's first run is, where a virtual machine's host may
#                have taken the freed memory back.
#
# Writes $OUT/table.md (and the runs' data beside it) and the same table into
# docs/benchmarks.md between its bench-hpgmg marker lines.
set -euo pipefail
cd "$(dirname "$0")/.."
hpgmg=${HPGMG_DIR:-../shared/anchors/hpgmg}
dst=${DST_SCRIPT:-../shared/anchors/fft/dst_solve_time.py}
out=${OUT:-benches/results/hpgmg}
seconds=${HPGMG_SECONDS:-30}
idle=${IDLE_SECONDS:-30}
ranks=2
cargo build --release --locked --bin poisson --bin poisson-scaling
. scripts/mpi-env.sh
. scripts/results.sh
load=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Column $2 of the one data row of CSV file $1, by its header's name.
column() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i } NR == 2 { print $c }' "$1"; }
# Wall time of one whole poisson run, start-up included.
wall_once() {
  local start end
  start=$(date +%s.%N)
  mpiexec -n "$ranks" target/release/poisson "$@" -pc_type gmg -ksp_type preonly </dev/null >/dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}
# The same, median of 3 in a row.
wall() { for _ in 1 2 3; do wall_once "$@"; done | median; }

# 1. HPGMG-FV, 256³ (boxes of 128³, 4 per rank), constant-coefficient
#    7-point operator, F-cycles, red-black Gauss-Seidel.
hpgmg_s=
if [[ -f $hpgmg/finite-volume-source/hpgmg-fv.c ]]; then
  src=$hpgmg/finite-volume-source
  sed 's|^#define STENCIL_VARIABLE_COEFFICIENT|// constant coefficients|' "$src/operators.7pt.c" >"$tmp/operators.7ptc.c"
  mpicc -O3 -march=native -DUSE_MPI -DUSE_FCYCLES -DUSE_GSRB -DUSE_BICGSTAB -DUSE_SUBCOMM -I"$src" \
    "$src/level.c" "$tmp/operators.7ptc.c" "$src/mg.c" "$src/solvers.c" "$src/hpgmg-fv.c" "$src/timers.c" \
    -o "$tmp/hpgmg" -lm
  timeout "$seconds" mpiexec -n "$ranks" "$tmp/hpgmg" 7 4 </dev/null >"$tmp/hpgmg.txt" 2>&1 || true
  # The timed solves of the finest grid (after its warm-up), one per line.
  awk '/===== Running/ { on++ } on == 1 && /FMGSolve/ { sub(/.*done \(/, ""); print $1 }' "$tmp/hpgmg.txt" \
    >"$out/hpgmg-solves.txt"
  hpgmg_s=$(median <"$out/hpgmg-solves.txt")
  [[ -n $hpgmg_s ]] || echo "bench-hpgmg: HPGMG gave no timed solve in $seconds s (HPGMG_SECONDS)"
else
  echo "bench-hpgmg: no HPGMG source at $hpgmg (set HPGMG_DIR): skipped"
fi

# 2. The fast path, one F-cycle, seed problem (f = 1): the "Solver" stage,
#    median of 3, with the triad of 2 threads; then whole runs.
scaling() { target/release/poisson-scaling compare --ranks "$ranks" --repeat 3 --solver gmg "$@"; }
scaling --grid 4097 --out "$out/gmg-2d-4097"
scaling --dim 3 --grid 257 --out "$out/gmg-3d-257"
wall_2d=$(wall -nx 4097 -ny 4097)
wall_3d=$(wall -dim 3 -nx 257 -ny 257 -nz 257)

# 3. The FFT solve, 4097², 2 workers.
dst_s= python=
for candidate in ${PYTHON:-python3 /usr/bin/python3}; do
  if "$candidate" -c 'import numpy, scipy' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [[ -f $dst && -n $python ]]; then
  dst_s=$("$python" "$dst" 4097)
else
  echo "bench-hpgmg: no DST solve ($dst, with numpy and scipy): skipped"
fi

# 4. A whole run after the machine has idled.
wall_idle=
if ((idle > 0)); then
  sleep "$idle"
  wall_idle=$(wall_once -nx 4097 -ny 4097)
fi

csv2=$out/gmg-2d-4097/compare.csv csv3=$out/gmg-3d-257/compare.csv
solve_2d=$(column "$csv2" solver_s) solve_3d=$(column "$csv3" solver_s)
# The F-cycle alone (KSPSolve, the same median run), as HPGMG times its
# solves: without the set-up.
cycle_2d=$(column "$csv2" ksp_solve_s) cycle_3d=$(column "$csv3" ksp_solve_s)
triad=$(column "$csv2" stream_bytes_per_s)
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", n / t / 1e6; else printf "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
or_dash() { if [[ -n $1 ]]; then printf '%.3f s' "$1"; else printf -- '-'; fi; }
{
  echo "| what (2 ranks) | time | Mdof/s | poisson's speed-up, or wall / solve |"
  echo "|---|--:|--:|--:|"
  echo "| poisson gmg, 4097², Solver stage (median of 3) | $(or_dash "$solve_2d") | $(rate 16785409 "$solve_2d") | 1 |"
  echo "| scipy DST-I, 4097², 2 workers (best of 3) | $(or_dash "$dst_s") | $(rate 16785409 "$dst_s") | $(ratio "$dst_s" "$solve_2d") |"
  echo "| poisson gmg, 257³, Solver stage (median of 3) | $(or_dash "$solve_3d") | $(rate 16974593 "$solve_3d") | 1 |"
  echo "| HPGMG-FV, 256³, one F-cycle solve (median of $(wc -l <"$out/hpgmg-solves.txt" 2>/dev/null || echo 0)) | $(or_dash "$hpgmg_s") | $(rate 16777216 "$hpgmg_s") | $(ratio "$(rate 16974593 "$solve_3d")" "$(rate 16777216 "$hpgmg_s")") (DOF/s) |"
  echo "| poisson gmg, 4097², the F-cycle alone (KSPSolve, same run) | $(or_dash "$cycle_2d") | $(rate 16785409 "$cycle_2d") | |"
  echo "| poisson gmg, 257³, the F-cycle alone (KSPSolve, same run) | $(or_dash "$cycle_3d") | $(rate 16974593 "$cycle_3d") | $(ratio "$(rate 16974593 "$cycle_3d")" "$(rate 16777216 "$hpgmg_s")") (DOF/s, against HPGMG-FV) |"
  echo "| poisson gmg, 4097², whole run (wall, median of 3) | $(or_dash "$wall_2d") | | $(ratio "$wall_2d" "$solve_2d") |"
  echo "| poisson gmg, 257³, whole run (wall, median of 3) | $(or_dash "$wall_3d") | | $(ratio "$wall_3d" "$solve_3d") |"
  if [[ -n $wall_idle ]]; then
    echo "| poisson gmg, 4097², whole run after $idle s idle (wall, one run) | $(or_dash "$wall_idle") | | $(ratio "$wall_idle" "$solve_2d") |"
  fi
  echo
  echo "STREAM triad, 2 threads, same run: $(awk -v b="$triad" 'BEGIN { printf "%.1f", b / 1e9 }') GB/s."
  echo "Load average (1, 5, 15 min) when the run started: $load."
  echo
  echo "Made by \`bash scripts/bench-hpgmg.sh\` (HPGMG_SECONDS=$seconds, IDLE_SECONDS=$idle)."
} >"$out/table.md"
cat "$out/table.md"

into_benchmarks_doc bench-hpgmg "$out/table.md"
