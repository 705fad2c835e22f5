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
# printed and compared with the one recorded in SHA256SUMS: a difference means
# the mirror moved on (a point release or a security update), not that the
# build is irreproducible; two builds from the same mirror state are equal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
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
  mmdebstrap --quiet --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    "$suite" "$tarball" \
    "deb $mirror $suite main" "deb $mirror $suite-updates main" "deb $security $suite-security main" \
    >"$tarball.log" 2>&1 || { cat "$tarball.log" >&2; echo "mkbase: error: mmdebstrap failed" >&2; exit 1; }
  rm -f "$tarball.log"
fi

sum=$(sha256sum "$tarball" | cut -d' ' -f1)
recorded=$(awk -v n="$name" '$2 == n {print $1}' "$here/SHA256SUMS" 2>/dev/null || true)
echo "mkbase: $name sha256 $sum"
if [ "$record" -eq 1 ]; then
  { grep -v " $name\$" "$here/SHA256SUMS" 2>/dev/null || true; echo "$sum  $name"; } | sort -k2 >"$here/SHA256SUMS.new"
  mv "$here/SHA256SUMS.new" "$here/SHA256SUMS"
  echo "mkbase: recorded in $here/SHA256SUMS"
elif [ -z "$recorded" ]; then
  echo "mkbase: no sha256 recorded for $name"
elif [ "$sum" = "$recorded" ]; then
  echo "mkbase: matches the recorded sha256"
elif [ -n "$given" ]; then
  echo "mkbase: error: $tarball does not match the recorded sha256 $recorded" >&2
  exit 1
else
  echo "mkbase: note: differs from the recorded $recorded (the mirror has changed since; --record to update)"
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
