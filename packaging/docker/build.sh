#!/usr/bin/env bash
# Builds the image poisson:<suite> from the repository's sources, on the base
# poisson-base:<suite> (packaging/base/mkbase.sh) unless BASE names another,
# then prints the drift between what the image got and the lock.
# Crates are vendored here first (cargo vendor, from the host's registry
# access), so that the image build compiles offline.
#
#   packaging/docker/build.sh bookworm        # Debian 12: PETSc 3.18, OpenMPI 4
#   packaging/docker/build.sh trixie          # Debian 13: PETSc 3.22, OpenMPI 5
#
# Environment: PINS=strict installs exactly the lock (a release build);
# SNAPSHOT=YYYYMMDDTHHMMSSZ rebuilds from Debian's snapshot archive as it was
# then, exactly the lock (see apt-install.sh, and SNAPSHOT_URL); LOCK is the
# lock file (default packaging/docker/<suite>.versions).
set -euo pipefail
cd "$(dirname "$0")/../.."
suite=${1:?usage: build.sh SUITE}
base=${BASE:-poisson-base:$suite}
tag=${TAG:-poisson:$suite}
lock=${LOCK:-packaging/docker/$suite.versions}
pins=${PINS:-live}
snapshot=${SNAPSHOT:-}
[ -z "$snapshot" ] || pins=strict
fail() {
  echo "build.sh: error: $*" >&2
  exit 1
}
[ -f "$lock" ] || fail "no lock $lock"
locked_snapshot=$(awk '$2 == "snapshot" { print $3 }' "$lock")
if [ -n "$snapshot" ] && [ "$snapshot" != "$locked_snapshot" ]; then
  echo "build.sh: note: SNAPSHOT=$snapshot, but $lock matches $locked_snapshot"
fi

cargo vendor --locked --versioned-dirs --quiet vendor >/dev/null
# Labels and timestamps come from the commit, so that two builds of one
# commit describe it alike.
revision=$(git rev-parse HEAD)
epoch=$(git log -1 --format=%ct)
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
source_url=${SOURCE_URL:-$(git remote get-url origin 2>/dev/null || echo unknown)}

# --force-rm: a failed step (a strict build stopped by a stale lock) leaves
# no stopped container behind.
args=(--network=host --force-rm -f packaging/docker/Dockerfile
  --build-arg SUITE="$suite" --build-arg BASE="$base"
  --build-arg SOURCE_DATE_EPOCH="$epoch" --build-arg CREATED="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE_URL="$source_url"
  --build-arg PINS="$pins" --build-arg SNAPSHOT="$snapshot" --build-arg SNAPSHOT_URL="${SNAPSHOT_URL:-}")
# A live build leaves LOCK empty, so that refreshing the lock does not void
# the cached package layers.
[ "$pins" = live ] || args+=(--build-arg LOCK="$(cat "$lock")")

log=${TMPDIR:-/tmp}/poisson-build-$suite.log
build() { # docker build, its output in $log; on failure, apt-install's one line, or the log's end
  if ! docker build "${args[@]}" "$@" . >"$log" 2>&1; then
    # The legacy builder colours a step's stderr.
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -m1 '^apt-install: error: ' >&2 || {
      tail -n 30 "$log" >&2
      echo "build.sh: error: docker build of $tag failed (whole log: $log)" >&2
    }
    exit 1
  fi
}
# The build stage is tagged so that it stays as the next build's cache; the
# stages of earlier builds, untagged now, are removed.
build --target build -t "poisson-build:$suite"
build -t "$tag"
# Two builds at once (the test builds both suites side by side) may prune
# together; the daemon runs one prune at a time and refuses the other,
# whose work the first does.
docker image prune --force --filter label=org.poisson.stage=build >/dev/null 2>&1 || true

# What the image got, summarised in a label next to the one naming the list.
listed() { docker run --rm --network=none --entrypoint cat "$tag" "/usr/share/poisson/packages-$1.list"; }
runtime_list=$(listed runtime)
version_of() { awk -v p="$1" '$1 == p { print $2 }' <<<"$runtime_list"; }
summary="$(wc -l <<<"$runtime_list") packages, sha256 $(sha256sum <<<"$runtime_list" | cut -c1-64)"
summary+=", PETSc $(awk '$1 ~ /^libpetsc-real3/ { print $2 }' <<<"$runtime_list"), OpenMPI $(version_of openmpi-bin)"
printf 'FROM %s\nLABEL org.poisson.packages.summary="%s"\n' "$tag" "$summary" | docker build -q -t "$tag" - >"$log" 2>&1 ||
  fail "labelling $tag failed: $(cat "$log")"
docker image inspect -f "$tag: {{.Size}} bytes; {{index .Config.Labels \"org.poisson.packages\"}}: $summary" "$tag"

# Drift: what the lock says against what the image got, one line a package,
# as information (a live build follows the mirror).
for stage in build runtime; do
  listed "$stage" | awk -v stage="$stage" -v image="$tag" -v lock="$lock" '
    FNR == NR { if ($1 == stage) { split($2, pv, "="); locked[pv[1]] = substr($2, length(pv[1]) + 2) } next }
    { got[$1] = $2 }
    END {
      sort = "LC_ALL=C sort"
      for (p in got) if (!(p in locked)) { print "drift " image " " stage ": + " p " " got[p] " (not in the lock)" | sort; added++ }
        else if (got[p] != locked[p]) { print "drift " image " " stage ": " p " " locked[p] " -> " got[p] | sort; changed++ }
      for (p in locked) if (!(p in got)) { print "drift " image " " stage ": - " p " " locked[p] " (in the lock only)" | sort; removed++ }
      close(sort)
      printf "build.sh: %s %s against %s: %d changed, %d added, %d removed\n", image, stage, lock, changed, added, removed
    }' "$lock" -
done
