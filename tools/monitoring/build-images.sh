#!/usr/bin/env bash
# Prometheus and the Prometheus Operator for clusters that reach no image registry (this project's
# CI machine; docs/operations.md): built from the Go module proxy and packaged on the offline
# debian:bookworm-slim under the upstream image names, so the operator's own defaults find them:
#   quay.io/prometheus/prometheus:v3.16.0                       (module v0.316.0 of prometheus/prometheus)
#   quay.io/prometheus-operator/prometheus-operator:v0.85.0
#   quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0
# The operator's module has replace directives for its own submodules (pkg/apis/monitoring,
# pkg/client), so `go install …@version` refuses it: it is built from a copy of the module whose
# go.mod requires those submodules at the same version instead. Binaries are cached in
# ~/.cache/monitoring/<key>/, so a second run takes seconds.
# Usage: build-images.sh            build what is missing
#        build-images.sh --crds     print the directory of the operator's CRDs (example/prometheus-operator-crd)
#        build-images.sh --images   print the three image names
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prometheus_module=github.com/prometheus/prometheus
prometheus_version=v0.316.0
prometheus_release=v3.16.0
operator_module=github.com/prometheus-operator/prometheus-operator
operator_version=v0.85.0
key=$prometheus_version-$operator_version-$( (sha256sum "$here/Dockerfile" "$0"; go env GOVERSION) | sha256sum | cut -c1-12)
root=${XDG_CACHE_HOME:-$HOME/.cache}/monitoring
cache=$root/$key

module_dir() { go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'; }
if [ "${1:-}" = --crds ]; then echo "$(module_dir "$operator_module" "$operator_version")/example/prometheus-operator-crd"; exit 0; fi

images=(
  "quay.io/prometheus/prometheus:$prometheus_release prometheus"
  "quay.io/prometheus-operator/prometheus-operator:$operator_version operator"
  "quay.io/prometheus-operator/prometheus-config-reloader:$operator_version prometheus-config-reloader"
)
if [ "${1:-}" = --images ]; then for entry in "${images[@]}"; do echo "${entry%% *}"; done; exit 0; fi
up_to_date=yes
for entry in "${images[@]}"; do
  set -- $entry
  [ "$(docker image inspect -f '{{index .Config.Labels "build-key"}}' "$1" 2>/dev/null)" = "$key" ] || up_to_date=no
done
if [ $up_to_date = yes ]; then echo "Prometheus and the Prometheus Operator images are up to date ($key)"; exit 0; fi

if [ ! -x "$cache/bin/prometheus" ] || [ ! -x "$cache/bin/operator" ] || [ ! -x "$cache/bin/prometheus-config-reloader" ]; then
  mkdir -p "$root"
  tmp=$(mktemp -d "$root/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "building Prometheus ${prometheus_release#v} and the Prometheus Operator ${operator_version#v} from the Go module proxy (once, several minutes)"
  GOBIN=$tmp/bin CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${prometheus_release#v}" \
    "$prometheus_module/cmd/prometheus@$prometheus_version"
  dir=$(module_dir "$operator_module" "$operator_version")
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] || { echo "go mod download $operator_module@$operator_version returned no source directory" >&2; exit 1; }
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  (cd "$tmp/src" \
    && go mod edit -dropreplace="$operator_module/pkg/apis/monitoring" -dropreplace="$operator_module/pkg/client" \
         -require="$operator_module/pkg/apis/monitoring@$operator_version" -require="$operator_module/pkg/client@$operator_version" \
    && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build \
         -ldflags "-s -w -X github.com/prometheus/common/version.Version=${operator_version#v}" \
         -o "$tmp/bin/" ./cmd/operator ./cmd/prometheus-config-reloader)
  rm -rf "$tmp/src" "$cache"
  mv "$tmp" "$cache"
  trap - EXIT
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
for entry in "${images[@]}"; do
  set -- $entry
  cp "$here/Dockerfile" "$context/Dockerfile"
  cp "$cache/bin/$2" "$context/$2"
  docker build --quiet --label "build-key=$key" --build-arg "BINARY=$2" -t "$1" "$context" >/dev/null
  rm -f "$context/$2"
  echo "built $1 ($key)"
done
