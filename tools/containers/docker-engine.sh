#!/usr/bin/env bash
# Makes a Docker engine answer and the base images the project builds FROM present, where this
# machine allows it: as root on a Debian-like machine, installs docker.io (apt) and starts dockerd
# when no engine answers; base images that are missing and cannot be pulled are built as local
# stand-ins by ../shared/offline-images/build.sh (a sibling of the repository), when it exists.
# Prints what it did or why it could not. Exit 0: an engine answers and the base images are
# present; 3: not possible here (the reason is printed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
offline_images=${OFFLINE_IMAGES_DIR:-$repo/../shared/offline-images}
base_images=(node:22-bookworm-slim debian:bookworm-slim "${BOOK_POSTGRES_IMAGE:-postgres:15}")
log() { printf '[docker-engine] %s\n' "$*"; }
unavailable() { log "no usable Docker engine: $*"; exit 3; }

if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || unavailable "none answers and starting one needs root"
  if ! command -v dockerd >/dev/null; then
    command -v apt-get >/dev/null || unavailable "none answers and there is no apt-get to install docker.io"
    log "installing docker.io (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap >/dev/null \
      || unavailable "apt-get install docker.io failed"
  fi
  log "starting dockerd (log: ${TMPDIR:-/tmp}/dockerd.log)"
  setsid dockerd >"${TMPDIR:-/tmp}/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || unavailable "dockerd did not answer within 60 s (see ${TMPDIR:-/tmp}/dockerd.log)"
fi
log "engine $(docker version --format '{{.Server.Version}}')"

missing=()
for image in "${base_images[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 && continue
  if docker pull -q "$image" >/dev/null 2>&1; then log "pulled $image"; else missing+=("$image"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ -x "$offline_images/build.sh" ] || unavailable "${missing[*]} missing, not pullable, and no $offline_images/build.sh to build stand-ins"
  command -v debootstrap >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; } \
    || unavailable "debootstrap is needed to build the stand-ins"
  log "${missing[*]} cannot be pulled: building local stand-ins with $offline_images/build.sh"
  "$offline_images/build.sh" all 2>&1 | sed 's/^/  /'
fi
for image in "${base_images[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 || unavailable "$image is still missing"
done
log "base images present: ${base_images[*]}"
