#!/bin/bash
# Installs one stage's Debian packages inside an image build, and records
# every package the stage then holds (dpkg-query) in
# /usr/share/poisson/packages-<stage>.list.
#
#   apt-install.sh [--print] STAGE        STAGE: build or runtime
#
# The names are read from <suite>.packages beside it and, for the build stage,
# ../debian/packages.txt (the repository's layout, which the Dockerfile keeps
# under /tmp/packaging). The environment chooses:
#   SUITE      bookworm or trixie
#   PINS       live (default): the top-level names, at whatever version the
#              mirror serves today; strict: exactly the lock's versions, or
#              one line naming the first package the mirror no longer has
#   LOCK       the lock's text (<suite>.versions), needed by PINS=strict
#   SNAPSHOT   YYYYMMDDTHHMMSSZ: Debian's snapshot archive as it was then,
#              instead of the live mirror; implies PINS=strict
#   SNAPSHOT_URL  the archive (default http://snapshot.debian.org/archive)
# --print prints the sources lines and the apt-get command, and changes nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
print=0
if [ "${1:-}" = --print ]; then
  print=1
  shift
fi
stage=${1:?usage: apt-install.sh [--print] build|runtime}
fail() {
  echo "apt-install: error: $*" >&2
  exit 1
}
suite=${SUITE:?SUITE is not set}
snapshot=${SNAPSHOT:-}
pins=${PINS:-live}
[ -z "$snapshot" ] || pins=strict
case $stage in build | runtime) ;; *) fail "unknown stage '$stage' (build or runtime)" ;; esac
case $pins in live | strict) ;; *) fail "PINS=$pins: use live or strict" ;; esac

sources=()
if [ -n "$snapshot" ]; then
  [[ $snapshot =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || fail "SNAPSHOT=$snapshot is not of the form YYYYMMDDTHHMMSSZ"
  url=${SNAPSHOT_URL:-http://snapshot.debian.org/archive}
  # The archive's Release files are long expired: apt must not check.
  sources=("deb [check-valid-until=no] $url/debian/$snapshot $suite main"
    "deb [check-valid-until=no] $url/debian/$snapshot $suite-updates main"
    "deb [check-valid-until=no] $url/debian-security/$snapshot $suite-security main")
fi

# What to install: names (live), or name=version for every package the lock
# gives this stage (strict).
if [ "$pins" = strict ]; then
  [ -n "${LOCK:-}" ] || fail "PINS=strict needs the lock (LOCK)"
  mapfile -t wanted < <(awk -v s="$stage" '$1 == s { print $2 }' <<<"$LOCK")
  [ ${#wanted[@]} -gt 0 ] || fail "the lock has no '$stage' packages"
else
  mapfile -t wanted < <(
    if [ "$stage" = build ]; then sed 's/#.*//; /^[[:space:]]*$/d; s/[[:space:]]//g' "$here/../debian/packages.txt"; fi
    sed 's/#.*//' "$here/$suite.packages" | awk -v s="$stage" '$1 == s { print $2 }'
  )
fi
# dpkg's fsyncs are pointless in a throw-away layer, and slow on overlays.
args=(install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io)
[ "$pins" = live ] || args+=(--allow-downgrades)

if [ "$print" -eq 1 ]; then
  [ ${#sources[@]} -eq 0 ] || printf '%s\n' "${sources[@]}"
  echo "apt-get ${args[*]} ${wanted[*]}"
  exit 0
fi

if [ ${#sources[@]} -gt 0 ]; then
  printf '%s\n' "${sources[@]}" >/etc/apt/sources.list
  rm -f /etc/apt/sources.list.d/*
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# apt-get update warns and goes on when a source does not answer: any
# warning or error about fetching is a failure here.
if ! apt-get update -qq >"$log" 2>&1 || grep -q '^[WE]: .*\(Failed to fetch\|Could not\|Unable to\|Temporary failure\)' "$log"; then
  fail "apt-get update failed: $(grep -m1 '^[WE]: ' "$log" | cut -c4-)"
fi
if [ "$pins" = strict ]; then
  # A dry run first: a version the mirror no longer has is named at once.
  if ! apt-get "${args[@]}" -s "${wanted[@]}" >"$log" 2>&1; then
    missing=$(sed -n "s/^E: Version '\(.*\)' for '\(.*\)' was not found.*/\2=\1/p" "$log" | head -n1)
    [ -z "$missing" ] || fail "PINS=strict: $missing is no longer on the mirror (the lock matches SNAPSHOT=$(awk '$2 == "snapshot" {print $3}' <<<"$LOCK"))"
    fail "PINS=strict: $(grep -m1 '^E: ' "$log" | cut -c4-)"
  fi
fi
apt-get "${args[@]}" "${wanted[@]}" >"$log" 2>&1 || {
  cat "$log" >&2
  fail "apt-get install failed: $(grep -m1 '^E: ' "$log" | cut -c4-)"
}

list=/usr/share/poisson/packages-$stage.list
mkdir -p /usr/share/poisson
dpkg-query -W -f='${Package} ${Version}\n' | LC_ALL=C sort >"$list"
if [ "$pins" = strict ]; then
  # Exactly the lock, nothing more: an extra or different package means the
  # lock was not made for this stage.
  differs=$(awk -v s="$stage" '$1 == s { sub(/=/, " ", $2); print $2 }' <<<"$LOCK" | LC_ALL=C sort | diff - "$list" | grep -m1 '^[<>]' || true)
  [ -z "$differs" ] || fail "PINS=strict: the stage holds other packages than the lock ($differs)"
fi
rm -rf /var/lib/apt/lists/* "$log"
echo "apt-install: $stage: $(wc -l <"$list") packages recorded in $list ($pins)"
