#!/usr/bin/env bash
# Builds poisson against a PETSc that only PETSC_DIR can find, whose library
# lives outside the system's library paths (a copy of the installed one, as a
# home-built or conda PETSc would be), then checks that the binary finds that
# library through its rpath, with no LD_LIBRARY_PATH, and solves.
set -euo pipefail
cd "$(dirname "$0")/.."

system_dir=$(pkg-config --variable=prefix PETSc)
lib=$(readlink -f "$(pkg-config --variable=libdir PETSc)/lib$(pkg-config --libs-only-l PETSc | sed 's/^ *-l//; s/ .*//').so")
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')

prefix=$(mktemp -d /tmp/poisson-petsc-dir.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
mkdir -p "$prefix/lib"
ln -s "$system_dir/include" "$prefix/include"
cp "$lib" "$prefix/lib/$soname"
ln -s "$soname" "$prefix/lib/libpetsc.so"

echo "check-petsc-dir: building against PETSC_DIR=$prefix (no pkg-config file, library $soname)"
env -u PKG_CONFIG_PATH PETSC_DIR="$prefix" PETSC_ARCH= \
  cargo build --release --locked -p poisson --target-dir target/petsc-dir
binary=target/petsc-dir/release/poisson

resolved=$(env -u LD_LIBRARY_PATH ldd "$binary" | awk -v so="$soname" '$1 == so {print $3}')
if [ "$resolved" != "$prefix/lib/$soname" ]; then
  echo "check-petsc-dir: FAILED: $soname resolves to '$resolved', not to $prefix/lib" >&2
  exit 1
fi
. scripts/mpi-env.sh
# Exit 0: converged; the record says in how many iterations.
env -u LD_LIBRARY_PATH mpiexec -n 2 "$binary" -nx 65 -ny 65 -record "$prefix/run.json" >/dev/null || {
  echo "check-petsc-dir: FAILED: the PETSC_DIR build did not solve" >&2
  exit 1
}
echo "check-petsc-dir: ok ($soname from $prefix/lib through the rpath; $(scripts/record-field "$prefix/run.json" result.iterations) iterations)"
