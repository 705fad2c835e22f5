#!/usr/bin/env bash
# Installs what building, testing and running poisson needs on Debian 12 or
# 13: PETSc, OpenMPI, libclang for bindgen, pkg-config, a C toolchain
# (packaging/debian/packages.txt) and a Rust toolchain if none is there;
# with --tests, also the readers the tests check output files with
# (test-packages.txt beside it). Safe to run twice: packages already
# installed are skipped, and apt is not even called when nothing is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
lists=(packaging/debian/packages.txt)
[ "${1:-}" != --tests ] || lists+=(packaging/debian/test-packages.txt)
mapfile -t packages < <(sed 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' "${lists[@]}")
# Rust: rustup's when present; otherwise Debian's, which is recent enough
# (1.85) from Debian 13 on.
command -v cargo >/dev/null 2>&1 || packages+=(cargo rustc)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Edition 2024 and today's crates need Rust 1.85.
version=$(cargo --version | awk '{print $2}')
if [ "$(printf '%s\n' 1.85.0 "$version" | sort -V | head -n1)" != 1.85.0 ]; then
  echo "install-deps: cargo $version is too old: poisson needs Rust 1.85 or newer (rustup, or Debian 13's cargo)" >&2
  exit 1
fi
echo "install-deps: ready (PETSc $(pkg-config --modversion PETSc), $(mpiexec --version | head -n1), cargo $version)"
