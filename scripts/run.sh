#!/usr/bin/env bash
# Installs what is needed, builds poisson and runs the main job:
#   mpiexec -n 2 poisson -assemble -ksp_monitor -pc_type gamg
# Other options replace the default ones: scripts/run.sh -nx 1025 -ny 1025
# RANKS sets the number of processes (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release --locked
. scripts/mpi-env.sh
[ $# -gt 0 ] || set -- -assemble -ksp_monitor -pc_type gamg
exec mpiexec -n "${RANKS:-2}" target/release/poisson "$@"
