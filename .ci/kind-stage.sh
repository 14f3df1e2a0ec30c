#!/usr/bin/env bash
# The kind stage of .ci/run: the GitHub kind job's script (.ci/kind-job.sh) on this machine, which
# reaches no image registry. What the job gets from the internet on GitHub comes from local builds:
#   kind v0.30.0 and the kindest/node:v1.34.4 image   ../shared/local-kind (build-node-image.sh)
#   Skaffold v2.17.0                                  ../shared/local-k8s/build-skaffold.sh
#   Strimzi's operator and Kafka images, its chart    ../shared/local-k8s/strimzi/build-images.sh
#   the JMX exporter agent that build leaves out      tools/monitoring/strimzi-jmx-exporter.sh
#   Prometheus and its operator                       tools/monitoring/build-images.sh (Go module proxy, once)
#   helm v3.22.0                                      tools/pinned-tools.ts (go install, once)
#   a NetworkPolicy engine (kindnetd's needs the      tools/network-policy/build-image.sh (Go module
#   nftables `queue` expression this kernel lacks)    proxy, once; KIND_JOB_NETWORK_POLICY_IMAGE)
# and the air-gapped variant of the users' flow is used (docs/kubernetes.md, "Air-gapped"): the
# operator chart from its local copy (STRIMZI_OPERATOR_CHART), the images Skaffold does not build
# preloaded by kind load. Without those builds the stage is skipped and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_DIR:-$(cd .. && pwd)/shared}
kind_cache=${LOCAL_KIND_CACHE:-$HOME/.cache/local-kind}
skaffold_bin=${LK8S_CACHE:-$HOME/.cache/local-k8s}/skaffold
strimzi_version=$(bash tools/ops/platform-images.sh | sed -n 's#.*/operator:##p')
operator_chart=${STRIMZI_OPERATOR_CHART:-${LK8S_STRIMZI_CACHE:-$HOME/.cache/local-k8s-strimzi}/strimzi-src-$strimzi_version/packaging/helm-charts/helm3/strimzi-kafka-operator}

skip() { echo "SKIPPED: the kind stage: $*"; exit 0; }
docker info >/dev/null 2>&1 || skip "no Docker engine for kind"
[ -x "$shared/local-kind/bin/kind" ] || skip "no ../shared/local-kind to build kind from"
[ -x "$kind_cache/bin/kind" ] || skip "kind and its node image are not built here (run $shared/local-kind/build-node-image.sh once, about 35 minutes)"
[ -x "$skaffold_bin" ] || skip "Skaffold is not built here (see $shared/local-k8s/build-skaffold.sh, about 22 minutes)"
for image in $(bash tools/ops/platform-images.sh | grep /strimzi/); do
  docker image inspect "$image" >/dev/null 2>&1 || skip "$image is not built (see $shared/local-k8s/strimzi/README.md)"
done
command -v go >/dev/null || skip "no Go toolchain to build the NetworkPolicy engine (tools/network-policy)"
[ -f "$operator_chart/Chart.yaml" ] || skip "no local copy of the Strimzi $strimzi_version operator chart at $operator_chart"

# The node image, from the cached binaries and image tarballs (seconds when nothing changed).
"$shared/local-kind/build-node-image.sh" >/tmp/local-kind-node-image.log 2>&1 || { tail -20 /tmp/local-kind-node-image.log; exit 1; }
tools_bin=$(mktemp -d)
trap 'rm -rf "$tools_bin"' EXIT
helm_bin=$(node_modules/.bin/tsx -e "const tools = require('./tools/pinned-tools'); console.log = console.error; process.stdout.write(tools.ensureTool('helm'))")
ln -s "$helm_bin" "$tools_bin/helm"
ln -s "$(readlink -f "$skaffold_bin")" "$tools_bin/skaffold"
# bin/kind first: the wrapper with the docker shim this VM needs; then kind's kubectl v1.34.4.
export PATH="$shared/local-kind/bin:$kind_cache/bin:$tools_bin:$PATH"
export STRIMZI_OPERATOR_CHART=$operator_chart

bash tools/monitoring/strimzi-jmx-exporter.sh
bash tools/monitoring/build-images.sh 2>/tmp/monitoring-images.log || { cat /tmp/monitoring-images.log; exit 1; }
bash tools/network-policy/build-image.sh
KIND_JOB_NETWORK_POLICY_IMAGE=$(bash tools/network-policy/build-image.sh --image)
export KIND_JOB_NETWORK_POLICY_IMAGE

bash .ci/kind-job.sh
