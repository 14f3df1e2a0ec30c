#!/usr/bin/env bash
# Builds the project's two images and checks them (needs a Docker engine: docker-engine.sh):
#  - the service image from service/Dockerfile, then `npm run image:smoke` runs it as the chart does;
#  - the Connect image from strimzi/connect/Dockerfile. Its base (Strimzi's Kafka image) is used when
#    present or pullable; otherwise the same Dockerfile is built FROM a small stand-in with curl, so
#    the Debezium plugin step (download, sha512 and sha1 check) still runs: a wrong version or
#    checksum fails here.
# Prints build times and image sizes. SERVICE_IMAGE / CONNECT_IMAGE name the results.
set -euo pipefail
cd "$(dirname "$0")/../.."
service_image=${SERVICE_IMAGE:-book-service:dev}
connect_image=${CONNECT_IMAGE:-book-connect:dev}
kafka_image=${KAFKA_IMAGE:-$(sed -n 's/^ARG KAFKA_IMAGE=//p' strimzi/connect/Dockerfile)}
log() { printf '[images] %s\n' "$*"; }
size() { docker image inspect "$1" --format '{{.Size}}' | awk '{printf "%d MB", $1/1e6}'; }
quiet_build() { # docker build arguments; its output only when it fails
  local out
  out=$(docker build -q "$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}
timed_build() { # image, then docker build arguments
  local image=$1 start=$SECONDS; shift
  quiet_build -t "$image" "$@"
  log "built $image in $((SECONDS - start)) s: $(size "$image")"
}

timed_build "$service_image" -f service/Dockerfile .
npm run --silent image:smoke -- --image="$service_image"

if docker image inspect "$kafka_image" >/dev/null 2>&1 || docker pull -q "$kafka_image" >/dev/null 2>&1; then
  timed_build "$connect_image" --build-arg KAFKA_IMAGE="$kafka_image" strimzi/connect
else
  standin=book-connect-base:standin
  log "$kafka_image cannot be had here: building the Connect Dockerfile FROM $standin (Debian + curl)"
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  # A TLS-intercepting egress: the stand-in (never shipped) trusts the host's added CAs, as Strimzi's image would need to.
  cp /usr/local/share/ca-certificates/*.crt "$ctx"/ 2>/dev/null || true
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
COPY . /usr/local/share/ca-certificates/
RUN apt-get update -q && apt-get install -y -q --no-install-recommends curl ca-certificates >/dev/null \
 && update-ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/* /usr/local/share/ca-certificates/Dockerfile
DOCKERFILE
  docker image inspect "$standin" >/dev/null 2>&1 || quiet_build --network host -t "$standin" "$ctx"
  timed_build "$connect_image" --build-arg KAFKA_IMAGE="$standin" strimzi/connect
  docker run --rm --entrypoint ls "$connect_image" /opt/kafka/plugins | sed 's/^/[images] plugin: /'
fi
