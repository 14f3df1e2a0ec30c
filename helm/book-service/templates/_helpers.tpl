{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "book-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, unless it already contains the chart name. */}}
{{- define "book-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "book-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "book-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "book-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Pods of the API: the Service, PDB and NetworkPolicy select only these (not hook or test pods). */}}
{{- define "book-service.apiSelectorLabels" -}}
{{ include "book-service.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "book-service.labels" -}}
helm.sh/chart: {{ include "book-service.chart" . }}
{{ include "book-service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: book-service
{{- end }}

{{- define "book-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "book-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "book-service.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Secret holding username/password of a database role: existing or chart-made. */}}
{{- define "book-service.dbSecretName" -}}
{{- $role := index .root.Values.database .role }}
{{- if $role.existingSecret }}
{{- $role.existingSecret }}
{{- else }}
{{- printf "%s-db-%s" (include "book-service.fullname" .root) .role | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
libpq environment of a database role (PGHOST … PGPASSWORD): no password ever
appears in a rendered manifest, and any password works (no URL encoding).
*/}}
{{- define "book-service.pgEnv" -}}
- name: PGHOST
  value: {{ .root.Values.database.host | quote }}
- name: PGPORT
  value: {{ .root.Values.database.port | quote }}
- name: PGDATABASE
  value: {{ .root.Values.database.name | quote }}
- name: PGSSLMODE
  value: {{ .root.Values.database.sslMode | quote }}
{{- include "book-service.caEnv" .root }}
- name: PGUSER
  valueFrom:
    secretKeyRef:
      name: {{ include "book-service.dbSecretName" . }}
      key: username
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "book-service.dbSecretName" . }}
      key: password
{{- end }}

{{/* Restricted container security context, shared by every container of the chart. */}}
{{- define "book-service.containerSecurityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{- define "book-service.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{/* Hook ordering: secrets (-20) < role bootstrap (-10) < migrations (0). */}}
{{- define "book-service.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation{{ if .succeeded }},hook-succeeded{{ end }}
{{- end }}
