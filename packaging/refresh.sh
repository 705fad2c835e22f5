#!/usr/bin/env bash
# Refreshes what the images are compared with, for both suites: the base
# tarball's sha256 and mirror state (packaging/base/SHA256SUMS), and the lock
# packaging/docker/<suite>.versions: every package each image stage holds,
# with its version, as apt resolves the top-level names of <suite>.packages
# (and packaging/debian/packages.txt for the build stage) inside the new base.
#
#   packaging/refresh.sh [SUITE...]        default: bookworm trixie
#
# Each lock records the snapshot timestamp of its mirror state: SNAPSHOT=that
# rebuilds the image exactly from Debian's snapshot archive. Commit the result:
# the diff shows what moved.
set -euo pipefail
cd "$(dirname "$0")"
suites=("$@")
[ $# -gt 0 ] || suites=(bookworm trixie)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for suite in "${suites[@]}"; do
  [ -f "docker/$suite.packages" ] || { echo "refresh: error: no docker/$suite.packages" >&2; exit 1; }
  bash base/mkbase.sh --record --out "$work" "$suite"
  state=$(cat "$work/debian-$suite-minbase.tar.mirror")
  rm -f "$work/debian-$suite-minbase.tar"*
  # Taken now, the timestamp is at or after every Release date of this state.
  snapshot=$(date -u +%Y%m%dT%H%M%SZ)

  names() { sed 's/#.*//' "docker/$suite.packages" | awk -v s="$1" '$1 == s { print $2 }'; }
  build=$(sed 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' debian/packages.txt; names build)
  # What the base holds, overridden and completed by what apt would install:
  # "Inst name [old] (version ...)".
  resolve() {
    docker run --rm --network=host "poisson-base:$suite" sh -c "
      dpkg-query -W -f='\${Package} \${Version}\n' && apt-get update -qq &&
      apt-get install -s --no-install-recommends $(echo $1) | sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\?(\([^ ]*\) .*/\1 \3/p'" |
      awk -v s="$2" '{ v[$1] = $2 } END { for (p in v) print s, p "=" v[p] }' | LC_ALL=C sort
  }
  {
    echo "# Lock of poisson:$suite, made by packaging/refresh.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ): every package"
    echo "# each image stage holds. Builds follow the mirror and print their drift from it; PINS=strict"
    echo "# installs exactly it; SNAPSHOT=<the timestamp below> rebuilds it from Debian's snapshot archive."
    echo "# snapshot $snapshot"
    echo "# mirror $state"
    resolve "$build" build
    resolve "$(names runtime)" runtime
  } >"docker/$suite.versions.new"
  mv "docker/$suite.versions.new" "docker/$suite.versions"
  echo "refresh: docker/$suite.versions: $(grep -c '^build ' "docker/$suite.versions") build and $(grep -c '^runtime ' "docker/$suite.versions") runtime packages, snapshot $snapshot"
done
