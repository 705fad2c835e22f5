#!/usr/bin/env bash
# Builds the image poisson:<suite> from the repository's sources, on the base
# poisson-base:<suite> (packaging/base/mkbase.sh) unless BASE names another.
# Crates are vendored here first (cargo vendor, from the host's registry
# access), so that the image build compiles offline.
#
#   packaging/docker/build.sh bookworm        # Debian 12: PETSc 3.18, OpenMPI 4
#   packaging/docker/build.sh trixie          # Debian 13: PETSc 3.22, OpenMPI 5
set -euo pipefail
cd "$(dirname "$0")/../.."
suite=${1:?usage: build.sh SUITE}
base=${BASE:-poisson-base:$suite}
tag=${TAG:-poisson:$suite}

cargo vendor --locked --versioned-dirs --quiet vendor >/dev/null
# Labels and timestamps come from the commit, so that two builds of one
# commit describe it alike.
revision=$(git rev-parse HEAD)
epoch=$(git log -1 --format=%ct)
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
source_url=${SOURCE_URL:-$(git remote get-url origin 2>/dev/null || echo unknown)}

args=(--network=host -f packaging/docker/Dockerfile
  --build-arg SUITE="$suite" --build-arg BASE="$base"
  --build-arg SOURCE_DATE_EPOCH="$epoch" --build-arg CREATED="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
  --build-arg VERSION="$version" --build-arg REVISION="$revision" --build-arg SOURCE_URL="$source_url")
# The build stage is tagged so that it stays as the next build's cache; the
# stages of earlier builds, untagged now, are removed.
docker build "${args[@]}" --target build -t "poisson-build:$suite" .
docker build "${args[@]}" -t "$tag" .
docker image prune --force --filter label=org.poisson.stage=build >/dev/null
docker image inspect -f "$tag: {{.Size}} bytes" "$tag"
