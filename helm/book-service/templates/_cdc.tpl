{{/*
The Strimzi resources of the CDC pipeline are read from files/ (symbolic links
to strimzi/ in the repository; `helm package` stores their content), so the
connector configuration exists once. Only the cluster coordinates are
overridden here.
*/}}
{{- define "book-service.cdc.load" -}}
{{- $raw := .root.Files.Get .file }}
{{- if not $raw }}
{{- fail (printf "the chart needs %s (a link to strimzi/%s); it is missing or empty" .file (base .file)) }}
{{- end }}
{{- $doc := fromYaml $raw }}
{{- if hasKey $doc "Error" }}
{{- fail (printf "%s is not a single YAML document: %s" .file $doc.Error) }}
{{- end }}
{{- toYaml $doc }}
{{- end }}

{{/* metadata of a Strimzi resource: the file's name, annotations and labels, plus ours. */}}
{{- define "book-service.cdc.metadata" -}}
{{- $labels := merge (dict "strimzi.io/cluster" .cluster) (include "book-service.labels" .root | fromYaml) (default dict .doc.metadata.labels) }}
{{- $meta := dict "name" .doc.metadata.name "namespace" (include "book-service.cdcNamespace" .root) "labels" $labels }}
{{- with .doc.metadata.annotations }}
{{- $_ := set $meta "annotations" . }}
{{- end }}
{{- toYaml $meta }}
{{- end }}

{{/*
A KafkaTopic from a file of files/, with the replication settings of the values `topic`
(replicas, minInsyncReplicas, keepOnUninstall; `prefix` names them in messages).
dict: root, file, cluster, topic, prefix.
*/}}
{{- define "book-service.kafkaTopic" -}}
{{- $doc := include "book-service.cdc.load" (dict "root" .root "file" .file) | fromYaml }}
{{- if ne $doc.kind "KafkaTopic" }}
{{- fail (printf "%s holds a %s, expected a KafkaTopic" .file $doc.kind) }}
{{- end }}
{{- $spec := deepCopy $doc.spec }}
{{- $config := deepCopy (default dict $spec.config) }}
{{- $minIsr := .topic.minInsyncReplicas }}
{{- if not (kindIs "invalid" .topic.replicas) }}
{{- $replicas := int .topic.replicas }}
{{- $_ := set $spec "replicas" $replicas }}
{{- if kindIs "invalid" $minIsr }}
{{- /* one broker may be down and acks=all still means two copies: 1 → 1, 2 → 1, 3+ → 2 */}}
{{- $minIsr = ternary 2 1 (ge $replicas 3) }}
{{- end }}
{{- end }}
{{- if not (kindIs "invalid" $minIsr) }}
{{- $replicas := int (default 0 $spec.replicas) }}
{{- if and (gt $replicas 0) (gt (int $minIsr) $replicas) }}
{{- fail (printf "%s.minInsyncReplicas (%d) must not exceed the replication factor (%d): no write could ever be acknowledged" .prefix (int $minIsr) $replicas) }}
{{- end }}
{{- $_ := set $config "min.insync.replicas" (int $minIsr) }}
{{- end }}
{{- $_ := set $spec "config" $config }}
apiVersion: {{ $doc.apiVersion }}
kind: KafkaTopic
{{- $meta := include "book-service.cdc.metadata" (dict "root" .root "doc" $doc "cluster" .cluster) | fromYaml }}
{{- if .topic.keepOnUninstall }}
{{- /* deleting the KafkaTopic deletes the topic and its events: helm uninstall leaves it */}}
{{- $_ := set $meta "annotations" (merge (dict "helm.sh/resource-policy" "keep") (default dict $meta.annotations)) }}
{{- end }}
metadata:
  {{- toYaml $meta | nindent 2 }}
spec:
  {{- toYaml $spec | nindent 2 }}
{{- end }}

{{/* The Kafka name of the topic a file of files/ declares (spec.topicName, else metadata.name). */}}
{{- define "book-service.topicName" -}}
{{- $doc := include "book-service.cdc.load" (dict "root" .root "file" .file) | fromYaml }}
{{- default $doc.metadata.name $doc.spec.topicName }}
{{- end }}

{{/* Namespace of the Kafka and KafkaConnect clusters (cdc.namespace): the KafkaConnector and the KafkaTopics go there. */}}
{{- define "book-service.cdcNamespace" -}}
{{- default .Release.Namespace .Values.cdc.namespace }}
{{- end }}
