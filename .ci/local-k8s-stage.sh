#!/usr/bin/env bash
# `helm install` into a cluster that is not kind (docs/kubernetes.md, "Two namespaces"), on this
# machine's ../shared/local-k8s: its own containerd, no kind, nothing preloaded. Every image comes
# from a private registry (distribution's `registry`, on 127.0.0.1, where the cluster's containerd
# may pull over plain HTTP), and the chart's pods run in a namespace that enforces the `restricted`
# Pod Security level, apart from Strimzi's (which meet `baseline`):
#   strimzi    the Strimzi operator (its chart from the local copy), images from the registry
#   books      the platform: PostgreSQL (k8s/), Kafka and Kafka Connect (strimzi/), and the chart's
#              KafkaConnector and KafkaTopics (cdc.namespace=books); enforce: baseline
#   books-app  the release: service, consumer, hook Jobs, Secrets; enforce: restricted
# Then the cluster layer (npm run test:cluster with BOOKS_NAMESPACE/CDC_NAMESPACE) and npm run status.
# The cluster is purged first and stopped at the end (LOCAL_K8S_KEEP=1 keeps it running).
# Needs root (local-k8s), Docker, Go (the registry is built once), Strimzi's images and chart.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_DIR:-$(cd .. && pwd)/shared}
lk8s_cache=${LK8S_CACHE:-$HOME/.cache/local-k8s}
strimzi_version=$(bash tools/ops/platform-images.sh | sed -n 's#.*/operator:##p')
operator_chart=${STRIMZI_OPERATOR_CHART:-${LK8S_STRIMZI_CACHE:-$HOME/.cache/local-k8s-strimzi}/strimzi-src-$strimzi_version/packaging/helm-charts/helm3/strimzi-kafka-operator}
registry_address=127.0.0.1:${LOCAL_REGISTRY_PORT:-5000}
platform=books
app=books-app
release=book-service

skip() { echo "SKIPPED: the local-k8s stage: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "local-k8s runs its own containerd and kubelet as root"
docker info >/dev/null 2>&1 || skip "no Docker engine to build and push the images"
[ -x "$shared/local-k8s/up.sh" ] || skip "no ../shared/local-k8s"
[ -x "$lk8s_cache/bin-v1.34.4/kube-apiserver" ] || skip "local-k8s is not built here (run $shared/local-k8s/up.sh once, about 30 minutes)"
for image in $(bash tools/ops/platform-images.sh | grep /strimzi/); do
  docker image inspect "$image" >/dev/null 2>&1 || skip "$image is not built (see $shared/local-k8s/strimzi/README.md)"
done
[ -f "$operator_chart/Chart.yaml" ] || skip "no local copy of the Strimzi $strimzi_version operator chart at $operator_chart"

step_started=$SECONDS
timing() { printf '==> local-k8s: %s took %d s\n' "$1" "$((SECONDS - step_started))"; step_started=$SECONDS; }
tool() { node_modules/.bin/tsx -e "const t = require('./tools/pinned-tools'); console.log = console.error; process.stdout.write(t.ensureTool('$1'))"; }
helm_bin=$(tool helm)
registry_bin=$(tool registry)
helm() { "$helm_bin" "$@"; }

work=$(mktemp -d)
registry_pid=
# A packet to a Service address that kube-proxy left untranslated (while a broker pod is replaced
# and the Service's endpoints change) would leave this machine by its default route, and whatever
# answers there (an HTTP 400, read by a Kafka client as a 1.2 GB response size) is not the
# cluster: such packets are refused here, as kube-proxy refuses those to a Service without any
# endpoints (docs/kubernetes.md, "Connect after a broker loss").
guard=(-m comment --comment "book-service local-k8s stage: Service addresses stay on this machine" -j REJECT)
finish() {
  local code=$?
  set +e
  if [ "$code" != 0 ]; then
    echo "==> local-k8s stage failed: diagnostics"
    kubectl get pods -A -o wide
    kubectl get events -A --sort-by=.lastTimestamp | tail -40
    kubectl -n "$platform" get kafka,kafkaconnect,kafkaconnector,kafkatopic -o wide
    for ns in "$app" "$platform"; do
      for pod in $(kubectl -n "$ns" get pods -o name); do
        echo "--- logs $ns/$pod"; kubectl -n "$ns" logs "$pod" --all-containers --prefix --tail=100
      done
    done
  fi
  [ "${LOCAL_K8S_KEEP:-}" = 1 ] || {
    "$shared/local-k8s/down.sh" >/dev/null 2>&1
    for chain in FORWARD OUTPUT; do while iptables -D "$chain" -d "${SVC_CIDR:-10.96.0.0/16}" "${guard[@]}" 2>/dev/null; do :; done; done
  }
  [ -z "$registry_pid" ] || kill "$registry_pid" 2>/dev/null
  rm -rf "$work"
  exit "$code"
}
trap finish EXIT

# A clean cluster, as the kind job makes a new one.
"$shared/local-k8s/down.sh" --purge >/dev/null 2>&1 || true
"$shared/local-k8s/up.sh" >"$work/up.log" 2>&1 || { tail -30 "$work/up.log"; exit 1; }
# shellcheck disable=SC1091
source "$shared/local-k8s/env.sh"
for chain in FORWARD OUTPUT; do iptables -C "$chain" -d "$SVC_CIDR" "${guard[@]}" 2>/dev/null || iptables -I "$chain" -d "$SVC_CIDR" "${guard[@]}"; done
kubectl get nodes
timing "local-k8s up"

# The private registry, on loopback only (storage in the stage's temp dir).
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $registry_address
EOF
"$registry_bin" serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fsS "http://$registry_address/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$registry_address/v2/" >/dev/null || { cat "$work/registry.log"; exit 1; }

# Every image the cluster runs, pushed there: the two this repository builds, Strimzi's, PostgreSQL's.
bash tools/monitoring/strimzi-jmx-exporter.sh
tag=$(git rev-parse --short=12 HEAD)
docker build -q -t "$registry_address/book-service:$tag" -f service/Dockerfile . >/dev/null 2>"$work/build.log" || { cat "$work/build.log"; exit 1; }
docker build -q -t "$registry_address/book-connect:$tag" strimzi/connect >/dev/null 2>"$work/build.log" || { cat "$work/build.log"; exit 1; }
# A second tag of the service image: the cluster layer's rolling upgrade (helm upgrade under load) moves to it.
docker tag "$registry_address/book-service:$tag" "$registry_address/book-service:$tag-upgrade"
pushed=("$registry_address/book-service:$tag" "$registry_address/book-service:$tag-upgrade" "$registry_address/book-connect:$tag")
for image in $(bash tools/ops/platform-images.sh); do
  case $image in
    */*) target=$registry_address/${image#*/} ;;  # quay.io/strimzi/kafka:… -> <registry>/strimzi/kafka:…
    *) target=$registry_address/library/$image ;;
  esac
  docker tag "$image" "$target"
  pushed+=("$target")
done
for image in "${pushed[@]}"; do docker push -q "$image" >/dev/null; echo "pushed $image"; done
postgres_image=$registry_address/library/$(bash tools/ops/platform-images.sh | tail -1)
timing "images built and pushed to $registry_address"

# The platform: namespace books and its Secrets (the operator's RoleBindings go there), the operator,
# then PostgreSQL, Kafka and Connect, with the registry's image names.
BOOKS_NAMESPACE=$platform bash k8s/create-secrets.sh
helm upgrade --install strimzi-operator "$operator_chart" -n strimzi --create-namespace \
  -f k8s/strimzi-operator-values.yaml \
  --set defaultImageRegistry="$registry_address" --set defaultImageRepository=strimzi --wait --timeout 10m
for file in k8s/postgres-config.yaml k8s/postgres-service.yaml k8s/postgres-statefulset.yaml; do
  sed "s#^\( *image:\) postgres:.*#\1 $postgres_image#" "$file" | kubectl apply -f -
done
for file in strimzi/kafka-metrics.yaml strimzi/connect-metrics.yaml strimzi/kafka.yaml strimzi/kafka-node-pool.yaml strimzi/kafka-connect.yaml strimzi/connect-secret-rbac.yaml; do
  sed "s#^\( *image:\) book-connect:.*#\1 $registry_address/book-connect:$tag#" "$file" | kubectl apply -f -
done
kubectl -n "$platform" rollout status statefulset/postgres --timeout=10m
kubectl -n "$platform" wait kafka/book-kafka kafkaconnect/book-connect --for=condition=Ready --timeout=15m
timing "platform (Strimzi, PostgreSQL, Kafka, Connect)"

# The release's namespace, `restricted`; the role bootstrap's superuser Secret copied from the
# platform's (never printed), the other database Secrets made there.
kubectl create namespace "$app"
kubectl label namespace "$app" app.kubernetes.io/part-of=book-service \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted
kubectl -n "$platform" get secret postgres-admin -o 'go-template={{.data.password | base64decode}}' |
  kubectl -n "$app" create secret generic postgres-admin --from-literal=username=postgres --from-file=password=/dev/stdin
BOOKS_NAMESPACE=$app bash k8s/create-secrets.sh

helm install "$release" helm/book-service -n "$app" \
  --set image.repository="$registry_address/book-service" --set image.tag="$tag" \
  --set database.host="postgres.$platform.svc" --set cdc.namespace="$platform" \
  --set dbBootstrap.enabled=true --set cdc.enabled=true --set consumer.enabled=true \
  --wait --timeout 10m
timing "helm install into $app"
# The namespace enforced `restricted` before the install, so every pod above was admitted under it.
echo "Pod Security enforced in $app: $(kubectl get namespace "$app" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')"
kubectl -n "$app" get pods
echo "what $platform would say to restricted (Strimzi's pods meet baseline), asked with a server-side dry run:"
kubectl label --dry-run=server --overwrite namespace "$platform" pod-security.kubernetes.io/enforce=restricted 2>&1 | head -6 | sed 's/^/  /'

export BOOKS_NAMESPACE=$app CDC_NAMESPACE=$platform BOOK_SERVICE_RELEASE=$release E2E_UPGRADE_IMAGE=$registry_address/book-service:$tag-upgrade
timeout --kill-after=30s 50m npm run --silent test:cluster
timing "npm run test:cluster"
timeout --kill-after=30s 5m npm run --silent status
timing "npm run status"
