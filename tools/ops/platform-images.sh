#!/usr/bin/env bash
# Prints, one per line, the images the platform runs that Skaffold does not build: Strimzi's operator
# and Kafka images (the versions skaffold.yaml and strimzi/kafka.yaml name, under
# STRIMZI_IMAGE_REGISTRY/STRIMZI_IMAGE_REPOSITORY, default quay.io/strimzi) and PostgreSQL's (k8s/).
# An air-gapped site preloads or mirrors exactly these (tools/ops/kind-preload.sh, .ci/).
set -euo pipefail
cd "$(dirname "$0")/../.."
strimzi=$(sed -n '/strimzi-kafka-operator$/,/version:/s/^ *version: \([0-9.]*\)$/\1/p' skaffold.yaml)
kafka=$(sed -n 's/^ *version: \([0-9.]*\)$/\1/p' strimzi/kafka.yaml | head -1)
registry=${STRIMZI_IMAGE_REGISTRY:-quay.io}/${STRIMZI_IMAGE_REPOSITORY:-strimzi}
printf '%s\n' "$registry/operator:$strimzi" "$registry/kafka:$strimzi-kafka-$kafka"
sed -n 's/^ *image: \(.*\)$/\1/p' k8s/postgres-statefulset.yaml
