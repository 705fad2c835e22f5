#!/usr/bin/env bash
# Installs the Debian packages poisson needs to build, test and run.
# Safe to run twice: apt-get install is idempotent, and the update is skipped
# when every package is already there.
set -euo pipefail

packages=(
  petsc-dev        # PETSc (real, double) with hypre, ML, MUMPS, SuperLU
  libopenmpi-dev   # MPI headers and wrappers for rsmpi's probe
  openmpi-bin      # mpiexec
  libclang-dev     # libclang for bindgen
  clang            # clang's resource headers (stddef.h...) for bindgen
  pkg-config       # finds PETSc and MPI
  build-essential  # cc for crates that build C
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
