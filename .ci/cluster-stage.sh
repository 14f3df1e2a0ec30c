#!/usr/bin/env bash
# The cluster stage of .ci/run: on a machine that has the local Kubernetes of ../shared/local-k8s
# with its binaries built, and Strimzi's images built (../shared/local-k8s/strimzi), bring the
# cluster up from nothing, deploy the project with `npm run deploy:local`, run the cluster
# layer (`npm run test:cluster`), and tear the cluster down, timing each step. Without those
# caches the stage is skipped and says why. Exit code: that of the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
lk8s=${LOCAL_K8S_DIR:-$(cd .. && pwd)/shared/local-k8s}
strimzi_version=$(sed -n 's/^ *version: \([0-9.]*\)$/\1/p' skaffold.yaml | head -1)
kafka_version=$(sed -n 's/^ *version: \([0-9.]*\)$/\1/p' strimzi/kafka.yaml | head -1)
operator_image=quay.io/strimzi/operator:$strimzi_version
kafka_image=quay.io/strimzi/kafka:$strimzi_version-kafka-$kafka_version
operator_chart=${DEPLOY_CHART_STRIMZI_OPERATOR:-$HOME/.cache/local-k8s-strimzi/strimzi-src-$strimzi_version/packaging/helm-charts/helm3/strimzi-kafka-operator}

skip() { echo "SKIPPED: the cluster stage: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "local-k8s runs as root"
[ -x "$lk8s/up.sh" ] || skip "no local Kubernetes scripts at $lk8s"
[ -x "${LK8S_CACHE:-$HOME/.cache/local-k8s}/bin-v1.34.4/kube-apiserver" ] || skip "the local Kubernetes binaries are not built (run $lk8s/up.sh once, about 15 minutes)"
docker info >/dev/null 2>&1 || skip "no Docker engine to build and load the images"
for image in "$operator_image" "$kafka_image"; do
  docker image inspect "$image" >/dev/null 2>&1 || skip "$image is not built (see $lk8s/strimzi/README.md)"
done
[ -f "$operator_chart/Chart.yaml" ] || skip "no local copy of the Strimzi $strimzi_version operator chart at $operator_chart"

step_started=$SECONDS
timing() { printf '==> cluster stage: %s took %d s\n' "$1" "$((SECONDS - step_started))"; step_started=$SECONDS; }
teardown() { "$lk8s/down.sh" --purge >/dev/null 2>&1 || true; }
trap teardown EXIT

# From nothing: a cluster left by an earlier run (its processes ended with it) is wiped first.
teardown
"$lk8s/up.sh" >/tmp/local-k8s-up.log 2>&1 || { tail -30 /tmp/local-k8s-up.log; exit 1; }
timing "local Kubernetes up"
# shellcheck disable=SC1091
source "$lk8s/env.sh"
export DEPLOY_CHART_STRIMZI_OPERATOR=$operator_chart
npm run --silent deploy:local
timing "npm run deploy:local"
npm run --silent test:cluster
timing "npm run test:cluster"
echo "pods after the cluster layer:"
kubectl get pods -A -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,STATUS:.status.phase,RESTARTS:.status.containerStatuses[*].restartCount'
kubectl top pods -A 2>/dev/null || ps -eo rss,comm --sort=-rss | awk 'NR>1 && NR<=15 {printf "  %6d MiB  %s\n", $1/1024, $2}'
teardown
timing "teardown"
