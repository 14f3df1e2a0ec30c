#!/usr/bin/env bash
# For an air-gapped kind cluster: copies into its node the images that the cluster runs but Skaffold
# does not build (Strimzi's operator and Kafka images, PostgreSQL), from the local Docker engine,
# where that engine has them. An image the engine lacks is left for the node to pull (a connected
# machine). Skaffold itself `kind load`s the images it builds (book-service, book-connect).
# usage: tools/ops/kind-preload.sh [CLUSTER]        (default: books, as kind-config.yaml names it)
set -euo pipefail
cd "$(dirname "$0")/../.."
cluster=${1:-books}
for image in $(bash tools/ops/platform-images.sh); do
  if docker image inspect "$image" >/dev/null 2>&1; then
    kind load docker-image "$image" --name "$cluster"
  else
    echo "$image: not in the local Docker engine, left for the node to pull"
  fi
done
