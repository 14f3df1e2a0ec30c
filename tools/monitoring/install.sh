#!/usr/bin/env bash
# A Prometheus on a test cluster, reading every ServiceMonitor, PodMonitor and PrometheusRule
# (docs/operations.md, "On a live cluster"): the Prometheus Operator v0.85.0 from its bundle.yaml
# (the operator's Go module, from the module proxy; namespace default), then
# tools/monitoring/prometheus.yaml. The images are those of build-images.sh (quay.io names: a
# connected node pulls them, an air-gapped one needs them loaded first). Waits until Prometheus
# is Ready. Uses the current kubectl context.
# Usage: tools/monitoring/install.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=$(bash tools/monitoring/build-images.sh --crds)/../../bundle.yaml
[ -f "$bundle" ] || { echo "no bundle.yaml in the Prometheus Operator's module ($bundle)" >&2; exit 1; }
# server-side: the CRDs are larger than client-side apply's last-applied annotation allows
kubectl apply --server-side --force-conflicts -f "$bundle" >/dev/null
# a 2-core node has almost no CPU left to request once the platform runs
kubectl -n default set resources deployment/prometheus-operator --requests=cpu=10m
kubectl -n default rollout status deployment/prometheus-operator --timeout=5m
kubectl wait --for condition=established --timeout=2m \
  crd/prometheuses.monitoring.coreos.com crd/servicemonitors.monitoring.coreos.com \
  crd/podmonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
kubectl apply -f tools/monitoring/prometheus.yaml
for _ in $(seq 60); do
  kubectl -n monitoring get statefulset/prometheus-books >/dev/null 2>&1 && break
  sleep 2
done
kubectl -n monitoring rollout status statefulset/prometheus-books --timeout=5m
