#!/usr/bin/env bash
# The NetworkPolicy engine for clusters on kernels without the nftables `queue` expression (this
# project's CI machine; docs/kubernetes.md, "NetworkPolicy enforced"): kube-network-policies
# v0.8.0 from the Go module proxy, patched (iptables-dataplane.patch) to divert the first packet
# of a connection with iptables' NFQUEUE target instead, built and packaged as the image
# kube-network-policies:v0.8.0-iptables (Dockerfile) in the local Docker engine. The binary is
# cached in ~/.cache/netpol/<version>-<patch hash>/, so a second run takes seconds.
# Usage: build-image.sh [--source-dir | --image]
# Then: kind load docker-image kube-network-policies:v0.8.0-iptables --name <cluster>
#       kubectl apply -f tools/network-policy/install.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=v0.8.0
image=kube-network-policies:$version-iptables
module=sigs.k8s.io/kube-network-policies
key=$version-$( (sha256sum "$here/iptables-dataplane.patch" "$here/Dockerfile"; go env GOVERSION) | sha256sum | cut -c1-12)
root=${XDG_CACHE_HOME:-$HOME/.cache}/netpol
cache=$root/$key
# --source-dir: where the patched source of this key is (smoke-netns.sh builds its tests there).
if [ "${1:-}" = --source-dir ]; then echo "$cache/src"; exit 0; fi
# --image: the image name (.ci/kind-stage.sh passes it to the kind job).
if [ "${1:-}" = --image ]; then echo "$image"; exit 0; fi

if [ "$(docker image inspect -f '{{index .Config.Labels "build-key"}}' "$image" 2>/dev/null)" = "$key" ]; then
  echo "$image is up to date ($key)"
  exit 0
fi
if [ ! -x "$cache/netpol" ]; then
  mkdir -p "$root"
  tmp=$(mktemp -d "$root/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] || { echo "go mod download $module@$version returned no source directory" >&2; exit 1; }
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  (cd "$tmp/src" && patch -p1 --quiet <"$here/iptables-dataplane.patch")
  (cd "$tmp/src" && CGO_ENABLED=0 go build -o "$tmp/netpol" ./cmd)
  rm -rf "$cache"
  mv "$tmp" "$cache"
  trap - EXIT
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$cache/netpol" "$context/"
docker build --quiet --label "build-key=$key" -t "$image" "$context" >/dev/null
echo "built $image ($key)"
