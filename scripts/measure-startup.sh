#!/usr/bin/env bash
# What a run pays besides its solve, on 2 ranks: the wall time of
# `mpiexec -n 2` of programs that each do one more part of a run's start and
# end, beside poisson itself; docs/benchmarks.md, "The whole run and its
# start-up". About a minute.
#
#   ROUNDS   rounds (default 5); each round runs every program once, in
#            turn, so that a slow minute touches all of them alike.
#   OUT      results directory, default benches/results/startup.
#
# The C programs are built in a temporary directory with mpicc and PETSc's
# pkg-config flags. Writes $OUT/table.md (and the times beside it) and the
# same table into docs/benchmarks.md between its measure-startup marker lines.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
out=${OUT:-benches/results/startup}
ranks=2
cargo build --release --locked --bin poisson
. scripts/mpi-env.sh
. scripts/results.sh
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The programs, by what each does (the table's first column), in order.
petsc_flags=$(pkg-config --cflags --libs PETSc)
build() { # name, the body of main, the flags (PETSc's, or none)
    {
        echo '#include <mpi.h>'
        [[ -z $3 ]] || echo '#include <petscsys.h>'
        printf 'int main(int argc, char **argv) { %s return 0; }\n' "$2"
    } >"$tmp/$1.c"
    # shellcheck disable=SC2086 # the flags are words
    mpicc -O2 -o "$tmp/$1" "$tmp/$1.c" -Wl,--no-as-needed $3
}
build nothing '(void)argc; (void)argv;' "$petsc_flags"
build mpi 'MPI_Init(&argc, &argv); MPI_Finalize();' ''
build mpi_petsc 'MPI_Init(&argc, &argv); MPI_Finalize();' "$petsc_flags"
build petsc 'if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1; if (PetscFinalize()) return 1;' "$petsc_flags"
labels=(
    '`/bin/true`'
    'a C program that does nothing, linked against PETSc'
    'a C program that only calls `MPI_Init` and `MPI_Finalize`'
    'the same, linked against PETSc'
    'a C program that only calls `PetscInitialize` and `PetscFinalize`'
    '`poisson -nx 5 -ny 5`'
    '`poisson -nx 4097 -ny 4097 -pc_type gmg -ksp_type preonly`'
)
commands=(
    "/bin/true"
    "$tmp/nothing"
    "$tmp/mpi"
    "$tmp/mpi_petsc"
    "$tmp/petsc"
    "target/release/poisson -nx 5 -ny 5"
    "target/release/poisson -nx 4097 -ny 4097 -pc_type gmg -ksp_type preonly"
)

for ((r = 1; r <= rounds; r++)); do
    for i in "${!commands[@]}"; do
        start=$(date +%s.%N)
        # shellcheck disable=SC2086 # a program and its arguments
        mpiexec -n "$ranks" ${commands[$i]} </dev/null >/dev/null
        end=$(date +%s.%N)
        awk -v i="$i" -v s="$start" -v e="$end" 'BEGIN { printf "%d %.3f\n", i, e - s }'
    done
done >"$out/times.txt"

{
    echo "| program (2 ranks) | median | fastest to slowest |"
    echo "|---|--:|--:|"
    for i in "${!labels[@]}"; do
        times=$(awk -v i="$i" '$1 == i { print $2 }' "$out/times.txt" | sort -g)
        printf '| %s | %.3f s | %.3f to %.3f s |\n' "${labels[$i]}" "$(median <<<"$times")" \
            "$(head -1 <<<"$times")" "$(tail -1 <<<"$times")"
    done
    echo
    echo "Made by \`bash scripts/measure-startup.sh\` ($rounds rounds; wall time from the shell, \`scripts/mpi-env.sh\` sourced)."
} >"$out/table.md"
cat "$out/table.md"

into_benchmarks_doc measure-startup "$out/table.md"
