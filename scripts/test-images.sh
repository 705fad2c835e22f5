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
cluster= # the cluster test's pid, once started
finish() { # a cluster test still running when this ends (a signal, an error) is stopped, and its log shown
  if [ -n "$cluster" ]; then
    kill "$cluster" 2>/dev/null
    wait "$cluster" 2>/dev/null
    echo "test-images: stopped after $((SECONDS - started)) s, with the cluster test unfinished; its log:"
    cat "$work/cluster.log" 2>/dev/null
  fi
  rm -rf "$work"
}
trap finish EXIT
# IMAGE_SUITES="bookworm" halves a cold run (the Apptainer checks use bookworm).
read -r -a suites <<<"${IMAGE_SUITES:-bookworm trixie}"
head=$(git rev-parse HEAD)
. scripts/check.sh
started=$SECONDS
main_job=(mpiexec -n 2 poisson -assemble -ksp_monitor -pc_type gamg)
records_packages() { # records_packages IMAGE LIST SHA256: the list is dpkg's, its sha256 the label's
  local run=(docker run --rm --network=none "$1")
  "${run[@]}" sh -c 'dpkg-query -W -f="\${Package} \${Version}\n" | LC_ALL=C sort | cmp - "$0"' "$2" &&
    [ "$("${run[@]}" sha256sum "$2" | cut -c1-64)" = "$3" ] &&
    "${run[@]}" test -s /usr/share/poisson/packages-build.list
}
label_of() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1"; }
field() { scripts/record-field "$@"; }

# The bases, then both images at once (one compiles while the other
# downloads and unpacks), building while the checks that need no image run.
bash packaging/base/mkbase.sh --out "$work/base1" bookworm
bash packaging/base/mkbase.sh --out "$work/base1" trixie
echo "test-images: bases ready after $((SECONDS - started)) s"
for suite in "${suites[@]}"; do
  bash packaging/docker/build.sh "$suite" >"$work/build-$suite.log" 2>&1 &
  echo $! >"$work/build-$suite.pid"
done

# Base: two builds of the Debian 12 tarball from one mirror state must be
# byte-identical, and a hash from a newer state is reported as the mirror
# having moved (checked against a SHA256SUMS that records an older state).
printf '%s  debian-bookworm-minbase.tar  bookworm=2020-01-01T00:00:00Z bookworm-security=2020-01-01T00:00:00Z\n' \
  "$(printf '0%.0s' {1..64})" >"$work/old-sums"
SHA256SUMS=$work/old-sums bash packaging/base/mkbase.sh --no-import --out "$work/base2" bookworm | tee "$work/base2.log"
sum1=$(sha256sum "$work/base1/debian-bookworm-minbase.tar" | cut -d' ' -f1)
sum2=$(sha256sum "$work/base2/debian-bookworm-minbase.tar" | cut -d' ' -f1)
state1=$(cat "$work/base1/debian-bookworm-minbase.tar.mirror") state2=$(cat "$work/base2/debian-bookworm-minbase.tar.mirror")
check "base tarball rebuilt byte-identical from one mirror state (sha256 $sum1, mirror $state1)" \
  [ "$state1" != "$state2" -o "$sum1" = "$sum2" ]
check "a newer mirror state is reported as such ($(grep -o 'the mirror moved from [^(]*' "$work/base2.log"))" \
  grep -q '^mkbase: the mirror moved from 2020-01-01T00:00:00Z to ' "$work/base2.log"
check "SHA256SUMS records the mirror state of every base tarball" \
  sh -c '[ "$(grep -c "^[0-9a-f]\{64\}  debian-[a-z]*-minbase.tar  [a-z]*-security=20" packaging/base/SHA256SUMS)" -ge 2 ]'
rm -rf "$work/base1" "$work/base2"

# Debian's snapshot archive cannot be reached from here: what can be checked
# is what a SNAPSHOT build would ask for, and that an archive that does not
# answer (a closed port on this machine) ends it with one line.
snapshot=$(awk '$2 == "snapshot" { print $3 }' packaging/docker/bookworm.versions)
SUITE=bookworm SNAPSHOT=$snapshot LOCK=$(cat packaging/docker/bookworm.versions) \
  bash packaging/docker/apt-install.sh --print runtime >"$work/print"
snapshot_request() { # the archive's three sources lines, then apt-get with every locked runtime package
  diff <(head -n 3 "$work/print") <(
    for s in bookworm bookworm-updates; do echo "deb [check-valid-until=no] http://snapshot.debian.org/archive/debian/$snapshot $s main"; done
    echo "deb [check-valid-until=no] http://snapshot.debian.org/archive/debian-security/$snapshot bookworm-security main") &&
    diff <(sed -n '4s/ /\n/gp' "$work/print" | grep '^[a-z0-9][a-z0-9.+-]*=') \
      <(awk '$1 == "runtime" { print $2 }' packaging/docker/bookworm.versions) &&
    sed -n 4p "$work/print" | grep -q '^apt-get install .*--allow-downgrades' && [ "$(wc -l <"$work/print")" -eq 4 ]
}
check "SNAPSHOT=$snapshot: apt's sources are the archive then, its arguments the lock's versions" snapshot_request
one_line_failure() { # one_line_failure PATTERN LOG SECONDS COMMAND...: exit 1, one line on stderr, quickly
  local pattern=$1 err=$2 limit=$3 t0=$SECONDS status=0
  shift 3
  "$@" >/dev/null 2>"$err" || status=$?
  echo "($((SECONDS - t0)) s) $(cat "$err")"
  [ "$status" -ne 0 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q -- "$pattern" "$err" && [ $((SECONDS - t0)) -lt "$limit" ]
}
closed=http://127.0.0.1:9
check "mkbase.sh with SNAPSHOT, archive not answering: one line, exit 1" one_line_failure \
  "^mkbase: error: $closed/debian/$snapshot does not answer" "$work/err" 120 \
  env SNAPSHOT="$snapshot" SNAPSHOT_URL=$closed bash packaging/base/mkbase.sh --no-import --out "$work/snap" bookworm
check "apt-install.sh with SNAPSHOT in the base, archive not answering: one line, exit 1" one_line_failure \
  "^apt-install: error: apt-get update failed: .*127.0.0.1" "$work/err" 120 \
  docker run --rm --network=none -v "$PWD/packaging:/packaging:ro" -e SUITE=bookworm -e SNAPSHOT="$snapshot" \
  -e SNAPSHOT_URL=$closed -e LOCK="$(cat packaging/docker/bookworm.versions)" poisson-base:bookworm \
  bash /packaging/docker/apt-install.sh runtime
rm -rf "$work/snap"

# The host's own runs, recorded now (the operator may change), for the
# images to replay: the user's command (GAMG), plain CG, and the fast path.
cargo build --release --locked -p poisson
records=$work/records
mkdir -m 755 "$records"
declare -A recorded=(
  [gamg]="${main_job[*]:4}"
  [cg]=""
  [gmg]="-problem manufactured -nx 257 -ny 257 -pc_type gmg -ksp_type richardson -ksp_rtol 1e-10"
)
# Open MPI 4 makes its session directory under TMPDIR, and two jobs
# starting at once under one TMPDIR can collide making it ("mkdir: File
# exists"): the host's jobs here, beside the test suite's, use their own.
for name in "${!recorded[@]}"; do
  # shellcheck disable=SC2086 # the options are words
  (. scripts/mpi-env.sh && export TMPDIR=$work && mpiexec -n 2 target/release/poisson ${recorded[$name]} -record "$records/$name.json") \
    >"$work/host-$name.out"
done
chmod 644 "$records"/*.json
host_petsc=$(pkg-config --modversion PETSc)

for suite in "${suites[@]}"; do
  if wait "$(cat "$work/build-$suite.pid")"; then
    echo "test-images: poisson:$suite built; what it got against the lock:"
    grep -E '^(drift|build.sh:) ' "$work/build-$suite.log"
  else
    tail -n 30 "$work/build-$suite.log"
  fi
  # The test cluster of poisson:bookworm containers (scripts/test-cluster.sh)
  # waits mostly on its faults' time-outs: it runs beside the other checks.
  if [ "$suite" = bookworm ]; then
    bash scripts/test-cluster.sh >"$work/cluster.log" 2>&1 &
    cluster=$!
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
  # The image's user writes its records into a directory of the host's.
  out=$work/out-$suite
  mkdir -m 777 "$out"
  run=(docker run --rm --network=none --user poisson -v "$records:/records:ro" -v "$out:/out" "$image")
  image_petsc=$("${run[@]}" sh -c 'ls /usr/lib/x86_64-linux-gnu/libpetsc_real.so.3.*.*' | sed 's/.*\.so\.//')

  "${run[@]}" "${main_job[@]}" -record /out/main.json >"$work/$suite.out" 2>"$work/$suite.err" || true
  cat "$work/$suite.out" "$work/$suite.err"
  n_image=$(field "$out/main.json" result.iterations || true)
  check "$image: ${main_job[*]} converges ($n_image iterations), non-root, --network=none, stderr empty" \
    [ "$(field "$out/main.json" result.converged)" = true -a ! -s "$work/$suite.err" ]
  check "$image: its record validates against docs/record.schema.json and names the image (revision $(field "$out/main.json" provenance.image.revision | cut -c1-12), $(field "$out/main.json" provenance.image.package_lists | grep -o sha256 | wc -l) package lists)" \
    sh -c "/usr/bin/python3 -c 'import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' \
             docs/record.schema.json '$out/main.json' &&
           [ \"\$(scripts/record-field '$out/main.json' provenance.image.revision)\" = '$head' ]"

  # The host's records replayed in the image: with the host's PETSc and MPI
  # to the bit; with others (Debian 13) within the replay's tolerances for
  # CG and the fast path, the versions named as the likely cause. GAMG's
  # defaults change between PETSc releases: its replay is shown, not judged.
  for name in cg gmg gamg; do
    status=0
    "${run[@]}" poisson-replay "/records/$name.json" >"$work/$suite-replay-$name.out" 2>&1 || status=$?
    sed "s/^/  replay $name: /" "$work/$suite-replay-$name.out"
    what="$image: poisson-replay of the host's ${recorded[$name]:-matrix-free CG} record"
    if [ "$image_petsc" = "$host_petsc" ]; then
      check "$what: reproduced to the bit (exit $status)" \
        sh -c "[ $status -eq 0 ] && grep -q '^reproduced, compared to the bit' '$work/$suite-replay-$name.out'"
    elif [ "$name" != gamg ]; then
      check "$what: reproduced within tolerances, PETSc $host_petsc -> $image_petsc named (exit $status)" \
        sh -c "[ $status -eq 0 ] && grep -q '^reproduced, compared within tolerances' '$work/$suite-replay-$name.out' &&
               grep -q '^provenance: PETSc differs' '$work/$suite-replay-$name.out'"
    else
      check "$what: compared, PETSc $host_petsc -> $image_petsc named ($(tail -n 1 "$work/$suite-replay-$name.out"), exit $status)" \
        sh -c "[ $status -eq 0 -o $status -eq 3 ] && grep -q '^iterations ' '$work/$suite-replay-$name.out' &&
               grep -q '^provenance: PETSc differs' '$work/$suite-replay-$name.out'"
    fi
  done

  check "$image: default command solves as non-root" \
    sh -c "docker run --rm --network=none '$image' >/dev/null && [ \"\$(docker run --rm '$image' id -u)\" != 0 ]"
  check "$image: no compiler, cargo or headers in the runtime image" \
    docker run --rm "$image" sh -c '! command -v cc && ! command -v cargo && ! command -v rustc && [ ! -e /usr/include/petsc ]'
  label() { label_of "$image" "org.opencontainers.image.$1"; }
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
  # The image records what it holds, and its labels name the record.
  packages=$(label_of "$image" org.poisson.packages)
  summary=$(label_of "$image" org.poisson.packages.summary)
  check "$image: $packages equals dpkg-query's list, and the label names it ($summary)" \
    records_packages "$image" "$packages" "$(sed 's/.*sha256 \([0-9a-f]*\).*/\1/' <<<"$summary")"
  size=$(docker image inspect -f '{{.Size}}' "$image")
  echo "test-images: $image: $((size / 1000000)) MB, PETSc $image_petsc, GAMG $n_image iterations (host $(field "$records/gamg.json" result.iterations), PETSc $host_petsc)"
done

# A lock made stale on purpose (its first package at a version no mirror
# has): a live build does not read it and passes, reporting that line of
# drift; a strict one stops at once, naming that package.
if docker image inspect poisson:bookworm >/dev/null 2>&1; then
  awk '!stale && $1 == "build" { sub(/=.*/, "=0.0-stale", $2); stale = 1 } 1' \
    packaging/docker/bookworm.versions >"$work/stale.versions"
  stale=$(awk '$1 == "build" { sub(/=.*/, "", $2); print $2; exit }' "$work/stale.versions")
  status=0
  LOCK=$work/stale.versions bash packaging/docker/build.sh bookworm >"$work/stale-live.log" 2>&1 || status=$?
  check "stale lock, live build: passes (exit $status) and reports $(grep "^drift poisson:bookworm build: $stale " "$work/stale-live.log")" \
    sh -c "[ $status -eq 0 ] && grep -q '^drift poisson:bookworm build: $stale 0.0-stale -> ' '$work/stale-live.log'"
  check "stale lock, PINS=strict: exit 1 with one line naming $stale=0.0-stale" one_line_failure \
    "^apt-install: error: PINS=strict: $stale=0.0-stale is no longer on the mirror" "$work/err" 300 \
    env PINS=strict LOCK="$work/stale.versions" TAG=poisson-strict:test bash packaging/docker/build.sh bookworm
fi

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
  check "$def: %runscript runs poisson (and converges: exit 0)" \
    "${sqfs[@]}" "$(section environment)
$(section runscript)" runscript -nx 33 -ny 33
  docker rmi poisson-sqfs:test >/dev/null
else
  check "$def: its image $from exists" false
fi

echo "test-images: $((SECONDS - started)) s"
echo "images: $passed passed, $failed failed"
cluster_status=0
if [ -n "$cluster" ]; then
  wait "$cluster" || cluster_status=$?
  cluster=
  cat "$work/cluster.log"
fi
[ "$failed" -eq 0 ] && [ "$cluster_status" -eq 0 ]
