#!/usr/bin/env bash
# Builds poisson against the PETSc of the active conda environment (made from
# packaging/conda/environment.yml), through the same path the test suite
# checks with scripts/check-petsc-dir.sh: PETSC_DIR with an empty PETSC_ARCH
# (a prefix install, whose lib/pkgconfig/PETSc.pc names the library), and an
# rpath to $CONDA_PREFIX/lib written by the build, so the binary runs without
# LD_LIBRARY_PATH. Not run here: conda-forge is out of our machines' reach.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${CONDA_PREFIX:?activate the environment first (micromamba activate poisson)}"

export PETSC_DIR=$CONDA_PREFIX PETSC_ARCH=
export PKG_CONFIG_PATH=$CONDA_PREFIX/lib/pkgconfig
export LIBCLANG_PATH=$CONDA_PREFIX/lib
# rsmpi finds MPI through the environment's mpicc (mpicc -show).
export MPICC=$CONDA_PREFIX/bin/mpicc
cargo build --release --locked -p poisson

binary=target/release/poisson
lib=$(env -u LD_LIBRARY_PATH ldd "$binary" | awk '/libpetsc/ {print $3}')
case $lib in
  "$CONDA_PREFIX"/lib/*) echo "conda build: $binary loads $lib" ;;
  *) echo "conda build: error: $binary loads PETSc from '$lib', not from $CONDA_PREFIX/lib" >&2; exit 1 ;;
esac
"$CONDA_PREFIX/bin/mpiexec" -n 2 "$binary" -assemble -ksp_monitor -pc_type gamg
