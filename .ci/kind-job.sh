#!/usr/bin/env bash
# The kind job: the users' flow on a kind cluster, the same script on GitHub (.github/workflows/ci.yaml,
# job kind) and here (.ci/kind-stage.sh, called by .ci/run). Expects kind, skaffold, helm, kubectl
# and a Docker engine on PATH, and node_modules installed (npm ci). Steps, each timed:
#   1. kind create cluster --config kind-config.yaml (an existing cluster "books" is deleted first)
#   2. images Skaffold does not build, preloaded into the node where the local engine has them
#      (an air-gapped site; on a connected machine the node pulls them): tools/ops/kind-preload.sh
#   3. skaffold run --status-check=true --kube-context kind-books
#   4. npm run test:dev-loop: skaffold dev -m book-service --port-forward, one saved source file,
#      the new answer on localhost:8000, Ctrl-C, and what is left behind
#   5. skaffold run again (the service's release back, on the platform the dev session left)
#   6. Prometheus and its operator (tools/monitoring/install.sh)
#   7. npm run test:cluster (with its monitoring suite: BOOK_E2E_MONITORING=1), then npm run status
# Each step has a time limit (timeout), so a stuck step fails the job with diagnostics instead of
# running into the CI's own limit. On failure: nodes, pods, events, the Strimzi resources and every
# pod's logs.
# KIND_JOB_KEEP_CLUSTER=1 keeps the cluster at the end (it is deleted otherwise).
# KIND_JOB_NETWORK_POLICY_IMAGE=<image> installs tools/network-policy/install.yaml with that image
# (already in the local engine) right after the cluster is created: for a kind whose kindnetd
# cannot enforce NetworkPolicy on the machine's kernel (.ci/kind-stage.sh). The cluster layer runs
# its NetworkPolicy suite (BOOK_E2E_NETWORK_POLICY=1) either way: values-kind.yaml enables them.
# KIND_JOB_PROFILE=production deploys the production-shaped variant instead (docs/topology.md:
# skaffold run -p production) and runs the cluster layer and status on it, without the dev loop.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=books
profile=${KIND_JOB_PROFILE:-}
context=kind-$cluster
export BOOKS_NAMESPACE=books
# values-kind.yaml enables the chart's NetworkPolicies and kind enforces them: the cluster layer checks that.
export BOOK_E2E_NETWORK_POLICY=1

step_started=$SECONDS
timing() { printf '==> kind job: %s took %d s\n' "$1" "$((SECONDS - step_started))"; step_started=$SECONDS; }

diagnostics() {
  set +e
  echo "==> kind job failed: diagnostics"
  kubectl --context "$context" get nodes -o wide
  kubectl --context "$context" get pods --all-namespaces -o wide
  echo "--- events (books)"
  kubectl --context "$context" --namespace books get events --sort-by=.lastTimestamp | tail -60
  echo "--- KafkaConnector status"
  kubectl --context "$context" --namespace books get kafkaconnector book-outbox-connector -o yaml
  kubectl --context "$context" --namespace books get kafka,kafkanodepool,kafkaconnect,kafkatopic -o wide
  for ns in books strimzi; do
    for pod in $(kubectl --context "$context" --namespace "$ns" get pods -o name); do
      echo "--- logs $ns/$pod"
      kubectl --context "$context" --namespace "$ns" logs "$pod" --all-containers --prefix --tail=200
      kubectl --context "$context" --namespace "$ns" logs "$pod" --all-containers --prefix --previous --tail=80 2>/dev/null
    done
  done
}
finish() {
  local code=$?
  [ "$code" = 0 ] || diagnostics
  [ "${KIND_JOB_KEEP_CLUSTER:-}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  [ -z "$own_skaffold_config" ] || rm -f "$own_skaffold_config"
  exit "$code"
}

for tool in kind skaffold helm kubectl docker; do
  command -v "$tool" >/dev/null || { echo "kind job: $tool is not on PATH" >&2; exit 1; }
done
echo "$(kind version); skaffold $(skaffold version); helm $(helm version --template '{{.Version}}'); $(kubectl version --client | head -1)"

# CI asks no question and reports nothing home: Skaffold's usage metrics off in a global config of
# the job's own (the first run would otherwise switch them on in ~/.skaffold/config), no update check.
own_skaffold_config=
if [ -z "${SKAFFOLD_CONFIG:-}" ]; then
  own_skaffold_config=$(mktemp)
  export SKAFFOLD_CONFIG=$own_skaffold_config
  printf 'global:\n  collect-metrics: false\n' >"$SKAFFOLD_CONFIG"
fi
export SKAFFOLD_UPDATE_CHECK=false

kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
trap finish EXIT
kind create cluster --config kind-config.yaml --wait 5m
timing "kind create cluster"

if [ -n "${KIND_JOB_NETWORK_POLICY_IMAGE:-}" ]; then
  kind load docker-image "$KIND_JOB_NETWORK_POLICY_IMAGE" --name "$cluster"
  sed "s#image: kube-network-policies:.*#image: $KIND_JOB_NETWORK_POLICY_IMAGE#" tools/network-policy/install.yaml | kubectl --context "$context" apply -f -
  kubectl --context "$context" -n kube-system rollout status daemonset/kube-network-policies --timeout=3m
  timing "NetworkPolicy engine (tools/network-policy)"
fi

bash tools/ops/kind-preload.sh "$cluster"
timing "preload of the images Skaffold does not build"

if [ -z "$profile" ]; then
  timeout --kill-after=30s 20m skaffold run --status-check=true --kube-context "$context"
  timing "skaffold run"

  timeout --kill-after=30s 15m npm run --silent test:dev-loop
  timing "npm run test:dev-loop"

  timeout --kill-after=30s 20m skaffold run --status-check=true --kube-context "$context"
  timing "skaffold run after the dev session"
else
  timeout --kill-after=30s 25m skaffold run -p "$profile" --status-check=true --kube-context "$context"
  timing "skaffold run -p $profile"
fi

# A Prometheus reading the release's monitors and alerts (tools/monitoring): the cluster layer's
# monitoring suite turns them on and asserts targets, metrics and alert transitions. Images the
# local engine has (an air-gapped site: tools/monitoring/build-images.sh) are loaded first.
for image in $(bash tools/monitoring/build-images.sh --images); do
  if docker image inspect "$image" >/dev/null 2>&1; then kind load docker-image "$image" --name "$cluster"; fi
done
timeout --kill-after=30s 10m bash tools/monitoring/install.sh
export BOOK_E2E_MONITORING=1
timing "Prometheus and its operator (tools/monitoring/install.sh)"

# The cluster layer's rolling upgrade (helm upgrade under load) moves the release to a second tag of
# the image it runs: tag it and load it into the node, as Skaffold loads its own builds.
image=$(kubectl --context "$context" -n books get deployment book-service -o jsonpath='{.spec.template.spec.containers[0].image}')
image=${image%%@*}
export E2E_UPGRADE_IMAGE=${image%:*}:e2e-upgrade
docker tag "$image" "$E2E_UPGRADE_IMAGE"
kind load docker-image "$E2E_UPGRADE_IMAGE" --name "$cluster"
timing "a second tag of the service image, for the rolling upgrade"

timeout --kill-after=30s 50m npm run --silent test:cluster
timing "npm run test:cluster"

timeout --kill-after=30s 5m npm run --silent status
timing "npm run status"
echo "pods after the cluster layer:"
kubectl --context "$context" get pods -A -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,STATUS:.status.phase,RESTARTS:.status.containerStatuses[*].restartCount'
