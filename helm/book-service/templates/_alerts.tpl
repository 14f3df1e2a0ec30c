{{/* An alert's labels and annotations. dict: alert, severity, labels (extra), runbook (base URL or ""), summary, description. */}}
{{- define "book-service.alertExtras" -}}
labels:
  severity: {{ .severity }}
  {{- with .labels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  summary: {{ .summary | quote }}
  description: {{ .description | quote }}
  {{- with .runbook }}
  runbook_url: {{ printf "%s#%s" . ($.alert | lower) | quote }}
  {{- end }}
{{- end }}
