#!/usr/bin/env bash
# Builds a minimal Debian root file system with mmdebstrap, byte for byte the
# same on every rebuild from the same mirror state, and loads it into Docker
# as poisson-base:<suite>. No registry is involved, so the same script serves
# air-gapped sites: build the tarball where the mirror answers, carry it over,
# and import it there (--import).
#
#   mkbase.sh [--no-import] [--out DIR] SUITE   build (and import) the base
#   mkbase.sh --import TARBALL SUITE             import a carried-over tarball
#   mkbase.sh --record SUITE                     build, then record its sha256
#
# SUITE is bookworm (Debian 12) or trixie (Debian 13). The tarball's sha256 is
# printed with the mirror state it came from (each suite's Release date) and
# compared with the ones recorded in SHA256SUMS: two builds from the same
# mirror state are equal, and a new hash from a newer state is reported as the
# mirror having moved (a point release or a security update), not as a fault.
#
# SNAPSHOT=YYYYMMDDTHHMMSSZ builds from Debian's snapshot archive as it was
# then (SNAPSHOT_URL, default http://snapshot.debian.org/archive), instead of
# the live mirror (DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sums=${SHA256SUMS:-$here/SHA256SUMS}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
options= aptopts=()
if [ -n "${SNAPSHOT:-}" ]; then
  [[ $SNAPSHOT =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || { echo "mkbase: error: SNAPSHOT=$SNAPSHOT is not of the form YYYYMMDDTHHMMSSZ" >&2; exit 1; }
  url=${SNAPSHOT_URL:-http://snapshot.debian.org/archive}
  mirror=$url/debian/$SNAPSHOT security=$url/debian-security/$SNAPSHOT
  # The archive's Release files are long expired: apt must not check.
  options="[check-valid-until=no] " aptopts=(--aptopt='Acquire::Check-Valid-Until "false"')
fi
# Fixed, so that the tarball depends on the mirror's contents only.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600} # 2025-01-01T00:00:00Z

import=1 record=0 out= given=
while [ $# -gt 1 ]; do
  case $1 in
    --no-import) import=0; shift ;;
    --record) record=1; shift ;;
    --out) out=$2; shift 2 ;;
    --import) given=$2; shift 2 ;;
    *) echo "mkbase: error: unknown option $1" >&2; exit 1 ;;
  esac
done
suite=${1:?usage: mkbase.sh [--no-import] [--record] [--out DIR] [--import TARBALL] SUITE}
case $suite in
  bookworm | trixie) ;;
  *) echo "mkbase: error: unsupported suite '$suite' (bookworm or trixie)" >&2; exit 1 ;;
esac
name=debian-$suite-minbase.tar

if [ -n "$given" ]; then
  tarball=$given
else
  command -v mmdebstrap >/dev/null || { echo "mkbase: error: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2; exit 1; }
  out=${out:-$(pwd)}
  mkdir -p "$out"
  tarball=$out/$name
  # Merged /usr as debootstrap does it (without the usrmerge package, which
  # pulls in perl); no manuals, documentation or translations, as in Debian's
  # "slim" images (copyright files are kept), also for packages added later.
  # The mirror state: each suite's Release date, read before mmdebstrap
  # removes apt's lists.
  mmdebstrap --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "${aptopts[@]}" \
    --customize-hook='for f in "$1"/var/lib/apt/lists/*_InRelease; do
        echo "$(sed -n "s/^Codename: //p" "$f")=$(date -u -d "$(sed -n "s/^Date: //p" "$f")" +%Y-%m-%dT%H:%M:%SZ)"
      done | LC_ALL=C sort | tr "\n" " " | sed "s/ $//" >'"'$tarball.mirror'" \
    "$suite" "$tarball" \
    "deb $options$mirror $suite main" "deb $options$mirror $suite-updates main" "deb $options$security $suite-security main" \
    >"$tarball.log" 2>&1 || {
    # An archive or mirror that does not answer: apt's first word on it.
    unreachable=$(grep -m1 '^E: Failed to fetch' "$tarball.log" || true)
    if [ -n "$unreachable" ]; then
      echo "mkbase: error: $mirror does not answer: ${unreachable#E: }" >&2
    else
      cat "$tarball.log" >&2
      echo "mkbase: error: mmdebstrap failed" >&2
    fi
    exit 1
  }
  rm -f "$tarball.log"
fi

sum=$(sha256sum "$tarball" | cut -d' ' -f1)
state=$(cat "$tarball.mirror" 2>/dev/null || echo unknown)
recorded=$(awk -v n="$name" '$2 == n { print $1 }' "$sums" 2>/dev/null || true)
recorded_state=$(awk -v n="$name" '$2 == n { $1 = $2 = ""; sub(/^ +/, ""); print }' "$sums" 2>/dev/null || true)
latest() { tr ' ' '\n' <<<"$1" | cut -d= -f2 | sort | tail -n1; }
echo "mkbase: $name sha256 $sum, mirror $state"
if [ "$record" -eq 1 ]; then
  { awk -v n="$name" '!/^#/ && $2 != n' "$sums" 2>/dev/null || true; echo "$sum  $name  $state"; } | LC_ALL=C sort -k2 >"$sums.new"
  { echo "# mkbase.sh --record: sha256, tarball, and the mirror state it was built from (each suite's Release date)."
    cat "$sums.new"; } >"$sums"
  rm -f "$sums.new"
  echo "mkbase: recorded in $sums"
elif [ -z "$recorded" ]; then
  echo "mkbase: no sha256 recorded for $name"
elif [ "$sum" = "$recorded" ]; then
  echo "mkbase: matches the recorded sha256"
elif [ "$state" = unknown ] || [ -z "$recorded_state" ]; then
  echo "mkbase: note: sha256 $sum, recorded $recorded (the mirror state of one of them is unknown)"
elif [ "$state" != "$recorded_state" ]; then
  changed=$(join <(tr ' ' '\n' <<<"$recorded_state" | tr = ' ' | sort) <(tr ' ' '\n' <<<"$state" | tr = ' ' | sort) |
    awk '$2 != $3 { printf "%s%s", sep, $1; sep = ", " }')
  echo "mkbase: the mirror moved from $(latest "$recorded_state") to $(latest "$state") (${changed:-other suites}): sha256 $sum, recorded $recorded (packaging/refresh.sh records the new state)"
else
  echo "mkbase: warning: sha256 $sum differs from the recorded $recorded although the mirror state is the recorded one"
fi

# An import makes a new image ID each time, which would void every cached
# layer built on it: the same tarball is imported once.
if [ "$import" -eq 1 ]; then
  current=$(docker image inspect -f '{{index .Config.Labels "org.poisson.base.sha256"}}' "poisson-base:$suite" 2>/dev/null || true)
  if [ "$current" = "$sum" ]; then
    echo "mkbase: poisson-base:$suite is already this tarball"
  else
    docker import --message "mmdebstrap minbase $suite" --change "LABEL org.poisson.base.sha256=$sum" \
      --change 'CMD ["/bin/bash"]' "$tarball" "poisson-base:$suite" >/dev/null
    echo "mkbase: imported as poisson-base:$suite"
  fi
fi
