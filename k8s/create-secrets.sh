#!/usr/bin/env bash
# Creates namespace `books` and the database Secrets with random passwords, once:
#   postgres-admin  superuser of the in-cluster PostgreSQL
#   book-db-owner   book_owner (migrations)
#   book-db-app     book_app (the service)
#   book-db-cdc     book_cdc (Debezium, read by Connect through KubernetesSecretConfigProvider)
#   book-db-catalog book_catalog (the consumer's read model; owns database catalog)
# Each has keys `username` and `password`. Existing Secrets are kept, so re-running
# never changes a password. No password is printed, logged or written to disk.
# Skaffold runs this before it deploys; by hand: k8s/create-secrets.sh
set -euo pipefail

namespace="${BOOKS_NAMESPACE:-books}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Skaffold passes the context of --kube-context to its hooks; by hand, kubectl's current context.
kubectl() { command kubectl ${SKAFFOLD_KUBE_CONTEXT:+--context "$SKAFFOLD_KUBE_CONTEXT"} "$@"; }

kubectl apply -f "${here}/namespace.yaml" >/dev/null

random_password() {
  # 24 random bytes as hex: URL-safe, so it can sit in a postgres:// URL as is.
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}

ensure_secret() {
  local name="$1" username="$2"
  if kubectl --namespace "${namespace}" get secret "${name}" >/dev/null 2>&1; then
    echo "secret/${name} exists, kept"
    return
  fi
  random_password | kubectl --namespace "${namespace}" create secret generic "${name}" \
    --from-literal=username="${username}" --from-file=password=/dev/stdin >/dev/null
  kubectl --namespace "${namespace}" label secret "${name}" app.kubernetes.io/part-of=book-service >/dev/null
  echo "secret/${name} created"
}

ensure_secret postgres-admin postgres
ensure_secret book-db-owner book_owner
ensure_secret book-db-app book_app
ensure_secret book-db-cdc book_cdc
ensure_secret book-db-catalog book_catalog
