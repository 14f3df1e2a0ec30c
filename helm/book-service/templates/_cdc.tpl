{{/*
The Strimzi resources of the CDC pipeline are read from files/ (symbolic links
to strimzi/ in the repository; `helm package` stores their content), so the
connector configuration exists once. Only the cluster coordinates are
overridden here.
*/}}
{{- define "book-service.cdc.load" -}}
{{- $raw := .root.Files.Get .file }}
{{- if not $raw }}
{{- fail (printf "cdc.enabled=true needs %s in the chart (a link to strimzi/%s); it is missing or empty" .file (base .file)) }}
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
{{- $meta := dict "name" .doc.metadata.name "namespace" .root.Release.Namespace "labels" $labels }}
{{- with .doc.metadata.annotations }}
{{- $_ := set $meta "annotations" . }}
{{- end }}
{{- toYaml $meta }}
{{- end }}
