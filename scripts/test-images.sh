#!/usr/bin/env bash
# Builds and tests the packaging when a Docker engine answers (skipped, with
# a message, when none does): the Debian base tarball twice (same sha256), the
# image for Debian 12 (PETSc 3.18, OpenMPI 4) and Debian 13 (PETSc 3.22,
# OpenMPI 5), the main job inside each as a non-root user without network
# against the host build's own run, and the Apptainer definition's %test
# inside the image's root file system made into a squashfs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker info >/dev/null 2>&1; then
  echo "test-images: skipped: no Docker engine answers (docker info failed)"
  exit 0
fi

mapfile -t tools < <(sed 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' packaging/docker/host-packages.txt)
missing=()
for p in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "test-images: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/poisson-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
# IMAGE_SUITES="bookworm" halves a cold run (the Apptainer checks use bookworm).
read -r -a suites <<<"${IMAGE_SUITES:-bookworm trixie}"
head=$(git rev-parse HEAD)
passed=0 failed=0
check() { # check NAME COMMAND...: one PASS/FAIL line
  local name=$1
  shift
  if "$@"; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
started=$SECONDS
main_job=(mpiexec -n 2 poisson -assemble -ksp_monitor -pc_type gamg)
iterations() { sed -n 's/^Result: converged (.*) in \([0-9]*\) iterations.*/\1/p' "$1"; }

# Base: two builds of the Debian 12 tarball must be byte-identical.
bash packaging/base/mkbase.sh --out "$work/base1" bookworm
bash packaging/base/mkbase.sh --no-import --out "$work/base2" bookworm
sum1=$(sha256sum "$work/base1/debian-bookworm-minbase.tar" | cut -d' ' -f1)
sum2=$(sha256sum "$work/base2/debian-bookworm-minbase.tar" | cut -d' ' -f1)
check "base tarball rebuilt byte-identical (sha256 $sum1)" [ "$sum1" = "$sum2" ]
bash packaging/base/mkbase.sh --out "$work/base1" trixie
rm -rf "$work/base1" "$work/base2"
echo "test-images: bases ready after $((SECONDS - started)) s"

# The host's own reference, computed now (the operator may change).
cargo build --release --locked -p poisson
(. scripts/mpi-env.sh && mpiexec -n 2 target/release/poisson -assemble -ksp_monitor -pc_type gamg) >"$work/host.out"
(. scripts/mpi-env.sh && mpiexec -n 2 target/release/poisson) >"$work/host-cg.out"
fast_path=(mpiexec -n 2 poisson -problem manufactured -nx 257 -ny 257 -pc_type gmg -ksp_type richardson -ksp_rtol 1e-10)
(. scripts/mpi-env.sh && "${fast_path[@]/#poisson/target/release/poisson}") >"$work/host-gmg.out"
host_petsc=$(pkg-config --modversion PETSc)

# Both images at once: one compiles while the other downloads and unpacks.
for suite in "${suites[@]}"; do
  bash packaging/docker/build.sh "$suite" >"$work/build-$suite.log" 2>&1 &
  echo $! >"$work/build-$suite.pid"
done
for suite in "${suites[@]}"; do
  if wait "$(cat "$work/build-$suite.pid")"; then
    echo "test-images: poisson:$suite built"
  else
    tail -n 30 "$work/build-$suite.log"
  fi
done
echo "test-images: images built after $((SECONDS - started)) s"

for suite in "${suites[@]}"; do
  image=poisson:$suite
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    check "$image builds (log above)" false
    continue
  fi
  check "$image builds" true
  run=(docker run --rm --network=none --user poisson "$image")
  image_petsc=$("${run[@]}" sh -c 'ls /usr/lib/x86_64-linux-gnu/libpetsc_real.so.3.*.*' | sed 's/.*\.so\.//')

  "${run[@]}" "${main_job[@]}" >"$work/$suite.out" 2>"$work/$suite.err" || true
  cat "$work/$suite.out" "$work/$suite.err"
  n_host=$(iterations "$work/host.out") n_image=$(iterations "$work/$suite.out")
  check "$image: ${main_job[*]} converges, non-root, --network=none, stderr empty" \
    [ -n "$n_image" -a ! -s "$work/$suite.err" ]
  if [ "$image_petsc" = "$host_petsc" ]; then
    check "$image: GAMG iterations equal the host's (PETSc $image_petsc: $n_image vs $n_host)" [ "$n_image" = "$n_host" ]
  else
    echo "test-images: $image has PETSc $image_petsc, the host $host_petsc: GAMG took $n_image iterations in the image, $n_host on the host (GAMG's defaults differ between releases; not compared)"
  fi
  # Plain CG does not depend on PETSc's release: it must match the host on both.
  "${run[@]}" mpiexec -n 2 poisson >"$work/$suite-cg.out" 2>&1 || true
  n_host_cg=$(iterations "$work/host-cg.out") n_image_cg=$(iterations "$work/$suite-cg.out")
  check "$image: matrix-free CG iterations equal the host's ($n_image_cg vs $n_host_cg)" \
    [ -n "$n_image_cg" -a "$n_image_cg" = "$n_host_cg" ]

  # The fast path (a PC type registered with PETSc) on the image's PETSc: the
  # converged solution's error against the exact one is the host's.
  "${run[@]}" "${fast_path[@]}" >"$work/$suite-gmg.out" 2>&1 || true
  error_line() { grep '^Error:' "$1"; }
  check "$image: -pc_type gmg converges to the host's solution ($(error_line "$work/$suite-gmg.out" | cut -d' ' -f2-4))" \
    sh -c "grep -q '^Result: converged' '$work/$suite-gmg.out' &&
           [ \"\$(grep '^Error:' '$work/$suite-gmg.out')\" = \"\$(grep '^Error:' '$work/host-gmg.out')\" ]"

  check "$image: default command solves as non-root" \
    sh -c "docker run --rm --network=none '$image' | grep -q '^Result: converged' &&
           [ \"\$(docker run --rm '$image' id -u)\" != 0 ]"
  check "$image: no compiler, cargo or headers in the runtime image" \
    docker run --rm "$image" sh -c '! command -v cc && ! command -v cargo && ! command -v rustc && [ ! -e /usr/include/petsc ]'
  label() { docker image inspect -f "{{index .Config.Labels \"org.opencontainers.image.$1\"}}" "$image"; }
  check "$image: OCI labels (source $(label source), revision $(label revision), version $(label version), licenses $(label licenses))" \
    [ -n "$(label source)" -a "$(label revision)" = "$head" -a -n "$(label version)" -a -n "$(label licenses)" ]
  # tini passes docker stop's SIGTERM on: the job ends at once, not killed after the grace period.
  cid=$(docker run -d --network=none "$image" mpiexec -n 2 poisson -nx 2049 -ny 2049)
  sleep 3
  t0=$SECONDS
  docker stop -t 20 "$cid" >/dev/null
  status=$(docker inspect -f '{{.State.ExitCode}}' "$cid")
  docker rm "$cid" >/dev/null
  init=$(docker run --rm "$image" cat /proc/1/cmdline | tr '\0' ' ')
  check "$image: init is tini ($init); docker stop ends a running job (exit $status after $((SECONDS - t0)) s)" \
    [ "${init#/usr/bin/tini }" != "$init" -a "$status" != 137 -a $((SECONDS - t0)) -lt 15 ]
  size=$(docker image inspect -f '{{.Size}}' "$image")
  echo "test-images: $image: $((size / 1000000)) MB, PETSc $image_petsc, GAMG $n_image iterations (host $n_host, PETSc $host_petsc)"
done

# Apptainer without Apptainer: the image's root file system as a squashfs (a
# SIF's data partition), unpacked and run with the definition's own sections.
def=packaging/apptainer/poisson.def
section() { awk -v s="%$1" '/^%/ { on = ($1 == s); next } on' "$def"; }
from=$(awk '$1 == "From:" {print $2}' "$def")
check "$def: docker-daemon bootstrap from $from, with %labels, %help, %runscript, %test" sh -c "
  grep -q '^Bootstrap: docker-daemon' '$def' && for s in labels help runscript test; do grep -q \"^%\$s\" '$def' || exit 1; done"
if docker image inspect "$from" >/dev/null 2>&1; then
  mkdir "$work/rootfs"
  cid=$(docker create "$from")
  docker export "$cid" | tar -x -C "$work/rootfs"
  docker rm "$cid" >/dev/null
  mksquashfs "$work/rootfs" "$work/poisson.sqfs" -noappend -quiet -comp gzip
  rm -rf "$work/rootfs"
  echo "test-images: squashfs of $from: $(($(stat -c %s "$work/poisson.sqfs") / 1000000)) MB"
  unsquashfs -quiet -no-progress -d "$work/sqfs-root" "$work/poisson.sqfs" >/dev/null
  tar -C "$work/sqfs-root" -c . | docker import - poisson-sqfs:test >/dev/null
  rm -rf "$work/sqfs-root" "$work/poisson.sqfs"
  # Apptainer gives %test and %runscript the Docker image's environment and %environment.
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$from" >"$work/env"
  sqfs=(docker run --rm --network=none --user 1000:1000 --env-file "$work/env" -w /tmp poisson-sqfs:test /bin/sh -c)
  check "$def: %test passes in the squashfs root file system, non-root, no network" \
    "${sqfs[@]}" "$(section environment)
$(section test)"
  check "$def: %runscript runs poisson" sh -c '"$@" | grep -q "^Result: converged"' sh \
    "${sqfs[@]}" "$(section environment)
$(section runscript)" runscript -nx 33 -ny 33
  docker rmi poisson-sqfs:test >/dev/null
else
  check "$def: its image $from exists" false
fi

echo "test-images: $((SECONDS - started)) s"
echo "images: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
