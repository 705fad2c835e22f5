#!/usr/bin/env bash
# Installs what is needed, builds everything and runs every check: format
# and lints, the test suite (real MPI jobs, real PETSc), and a build against
# a PETSc found through PETSC_DIR outside the system's library paths, then
# the container images (scripts/test-images.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all --check
else
  echo "test: rustfmt not installed, format check skipped"
fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --release --locked --all-targets -- -D warnings
else
  echo "test: clippy not installed, lint check skipped"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --locked 2>&1 | tee "$log"
bash scripts/check-petsc-dir.sh

# One closing line for the whole run: cargo's counts plus the PETSC_DIR check.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p + 1, f }' "$log"

# The packaging: base image, Docker images on Debian 12 and 13, Apptainer
# definition (skipped, with a message, when no Docker engine answers).
bash scripts/test-images.sh
