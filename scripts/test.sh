#!/usr/bin/env bash
# Installs what is needed, builds everything and runs every check: format
# and lints, the test suite (real MPI jobs, real PETSc), and a build against
# a PETSc found through PETSC_DIR outside the system's library paths and,
# alongside them, the container images (scripts/test-images.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --tests

# The packaging test spends most of its time downloading and unpacking
# Debian packages into images: it runs alongside the rest, not after it.
images_log=$(mktemp)
log=$(mktemp)
trap 'kill "$images" 2>/dev/null || true; rm -f "$log" "$images_log"' EXIT
images=
# A step that hangs (a mirror that stops answering, a job that never ends)
# fails the run with what it printed so far, well within CI's 90 minutes.
images_limit=${IMAGES_LIMIT:-60m}
timeout -k 60 "$images_limit" bash scripts/test-images.sh >"$images_log" 2>&1 &
images=$!

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

cargo test --release --locked 2>&1 | tee "$log"
bash scripts/check-petsc-dir.sh

images_status=0
wait "$images" || images_status=$?
cat "$images_log"
[ "$images_status" -ne 124 ] || echo "test: the image checks did not end within $images_limit (IMAGES_LIMIT) and were stopped"

# One closing line for the whole run: cargo's counts, the PETSC_DIR check,
# the image checks and the cluster's.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^(images|cluster): [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "tests: %d passed, %d failed\n", p + 1, f }' "$log" "$images_log"
exit "$images_status"
