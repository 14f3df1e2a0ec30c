{{/* Helpers of the book-catalog consumer's templates (this folder): its names, its database, its Kafka. */}}

{{/* The consumer's pods: its Service, NetworkPolicy and ServiceMonitor select only these. */}}
{{- define "book-service.consumerSelectorLabels" -}}
{{ include "book-service.selectorLabels" . }}
app.kubernetes.io/component: consumer
{{- end }}

{{- define "book-service.consumerName" -}}
{{- include "book-service.fullname" . | trunc 54 | trimSuffix "-" }}-consumer
{{- end }}

{{/* Secret of the catalog role (book_catalog): existing or chart-made. */}}
{{- define "book-service.catalogSecretName" -}}
{{- if .Values.consumer.database.existingSecret }}
{{- .Values.consumer.database.existingSecret }}
{{- else }}
{{- printf "%s-db-catalog" (include "book-service.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The catalog database: dict host, port, name (defaults: the service's server). */}}
{{- define "book-service.catalogDatabase" -}}
{{- $db := .Values.consumer.database }}
host: {{ default .Values.database.host $db.host | quote }}
port: {{ int (default .Values.database.port $db.port) }}
name: {{ $db.name | quote }}
{{- end }}

{{/*
CATALOG_DATABASE_URL of the catalog role, the password through Kubernetes' $(VAR)
expansion (so it must be URL-safe), and TLS as the service's (PGSSLMODE, PGSSLROOTCERT).
*/}}
{{- define "book-service.catalogEnv" -}}
{{- $db := include "book-service.catalogDatabase" . | fromYaml -}}
- name: CATALOG_DB_USER
  valueFrom:
    secretKeyRef:
      name: {{ include "book-service.catalogSecretName" . }}
      key: username
- name: CATALOG_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "book-service.catalogSecretName" . }}
      key: password
- name: CATALOG_DATABASE_URL
  value: {{ printf "postgres://$(CATALOG_DB_USER):$(CATALOG_DB_PASSWORD)@%s:%v/%s" $db.host $db.port $db.name | quote }}
- name: PGSSLMODE
  value: {{ .Values.database.sslMode | quote }}
{{- include "book-service.caEnv" . }}
{{- end }}

{{/* KAFKA_BOOTSTRAP_SERVERS: the value, or Strimzi's plain internal listener of cdc.kafkaCluster (in cdc.namespace). */}}
{{- define "book-service.kafkaBootstrapServers" -}}
{{- $ns := include "book-service.cdcNamespace" . }}
{{- $host := printf "%s-kafka-bootstrap" .Values.cdc.kafkaCluster }}
{{- if ne $ns .Release.Namespace }}
{{- $host = printf "%s.%s.svc" $host $ns }}
{{- end }}
{{- default (printf "%s:9092" $host) .Values.consumer.kafka.bootstrapServers }}
{{- end }}
