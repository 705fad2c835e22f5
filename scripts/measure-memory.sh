#!/bin/bash
# Measures the bytes per unknown a run needs at its peak, as poisson's memory
# estimate (poisson/src/memory.rs, PER_UNKNOWN and KSP_EXTRA) tabulates them:
# the slope of -memory_view's "Maximum (over computational time) process
# memory" (all ranks) between two grids, 2 ranks, seed problem.
#
#   bash scripts/measure-memory.sh                  # every row of the table
#   bash scripts/measure-memory.sh 2 "-pc_type gmg"  # one: dimension, options
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mpi-env.sh
cargo build --release --quiet --bin poisson
poisson=target/release/poisson

peak() { # dim points options...: the peak over all ranks, in bytes
    local dim=$1 n=$2
    shift 2
    mpiexec -n 2 "$poisson" -dim "$dim" -nx "$n" -memory_view "$@" |
        awk '/^Maximum \(over computational time\) process memory:/ { print $8 }'
}

slope() { # dim options...
    local dim=$1 small large
    shift
    if [ "$dim" = 2 ]; then small=513 large=1025; else small=49 large=97; fi
    local a b
    a=$(peak "$dim" "$small" "$@")
    b=$(peak "$dim" "$large" "$@")
    awk -v a="$a" -v b="$b" -v s="$small" -v l="$large" -v d="$dim" -v o="$*" \
        'BEGIN { printf "%s-D %-40s %6.1f bytes per unknown\n", d, o, (b - a) / (l ^ d - s ^ d) }'
}

if [ $# -gt 0 ]; then
    dim=$1
    shift
    # shellcheck disable=SC2086
    slope "$dim" $*
    exit
fi
for dim in 2 3; do
    slope "$dim"
    slope "$dim" -pc_type gmg
    slope "$dim" -pc_type gmg -ksp_type preonly
    slope "$dim" -pc_type gmg -ksp_type richardson
    slope "$dim" -assemble
    slope "$dim" -assemble -pc_type gamg
done
slope 2 -assemble -pc_type jacobi
slope 2 -assemble -pc_type bjacobi
slope 2 -assemble -pc_type hypre
slope 2 -pc_type gmg -ksp_type gmres
slope 2 -pc_type gmg -ksp_type fgmres
