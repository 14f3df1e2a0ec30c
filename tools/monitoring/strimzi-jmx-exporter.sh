#!/usr/bin/env bash
# Strimzi's Kafka image ships the Prometheus JMX exporter agent in $JMX_EXPORTER_HOME, which
# metricsConfig (strimzi/kafka.yaml, strimzi/kafka-connect.yaml) starts as a Java agent. A stand-in
# built from source on an air-gapped site may lack it (../shared/local-k8s/strimzi leaves it out),
# and then every Kafka node fails to start (the Connect image adds it itself:
# strimzi/connect/Dockerfile). This adds the agent, from Maven Central and checked against the
# digest that Dockerfile pins, to the local Kafka image under the same name; an image that has
# the agent (Strimzi's own) is left alone, and so is an absent one.
# Usage: tools/monitoring/strimzi-jmx-exporter.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# The version and digest the Connect image's Dockerfile pins (it adds the agent the same way):
# the newest jmx_prometheus_javaagent on Maven Central (Strimzi 1.2.0 downloads 1.6.0 from GitHub).
version=$(sed -n 's/^ARG JMX_EXPORTER_VERSION=//p' strimzi/connect/Dockerfile)
sha512=$(sed -n 's/^ARG JMX_EXPORTER_SHA512=//p' strimzi/connect/Dockerfile)
maven=${MAVEN_CENTRAL:-https://repo1.maven.org/maven2}
cache=${BOOK_CACHE_DIR:-$HOME/.cache/book-service}/jars
log() { printf '[strimzi-jmx-exporter] %s\n' "$*"; }

image=$(bash tools/ops/platform-images.sh | grep '/kafka:')
if ! docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is not in the local Docker engine: nothing to do"
  exit 0
fi
if docker run --rm --entrypoint sh "$image" -c 'ls "$JMX_EXPORTER_HOME"/jmx_prometheus_javaagent*.jar' >/dev/null 2>&1; then
  log "$image has the JMX exporter agent"
  exit 0
fi

jar=jmx_prometheus_javaagent-$version.jar
mkdir -p "$cache"
if ! echo "$sha512  $cache/$jar" | sha512sum -c --status - 2>/dev/null; then
  curl -fsSL -o "$cache/$jar.part" "$maven/io/prometheus/jmx/jmx_prometheus_javaagent/$version/$jar"
  echo "$sha512  $cache/$jar.part" | sha512sum -c --status - || { log "$jar: digest mismatch"; exit 1; }
  mv "$cache/$jar.part" "$cache/$jar"
fi
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$cache/$jar" "$context/" && chmod 0644 "$context/$jar"
cat >"$context/Dockerfile" <<EOF
FROM $image
COPY $jar /opt/prometheus-jmx-exporter/$jar
LABEL io.prometheus.jmx.version=$version
EOF
docker build -q -t "$image" "$context" >/dev/null 2>"$context/build.log" || { cat "$context/build.log"; exit 1; }
docker run --rm --entrypoint sh "$image" -c 'ls "$JMX_EXPORTER_HOME"/jmx_prometheus_javaagent*.jar' >/dev/null \
  || { log "JMX_EXPORTER_HOME of $image is not /opt/prometheus-jmx-exporter"; exit 1; }
log "$image: added $jar"
