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

{{/*
Hook ordering: chart-made Secrets (-20) < role bootstrap (-10) < migrations (0) <
catalog migrations of the consumer (5).
Every hook Job is deleted once it succeeded (nothing is left after `helm uninstall`)
and before it runs again; a failed one stays for `kubectl logs` until the next run
or its ttlSecondsAfterFinished.
*/}}
{{- define "book-service.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
The Secrets the chart makes: the app and owner roles without existingSecret, and the
CDC role without cdc.database.passwordSecret when CDC or the role bootstrap needs it.
A YAML list of {name, data}; a missing password fails the render.
*/}}
{{- define "book-service.chartMadeSecrets" -}}
{{- $out := list }}
{{- range $role := list "app" "owner" }}
{{- $cfg := index $.Values.database $role }}
{{- if not $cfg.existingSecret }}
{{- $password := required (printf "database.%s.password is required when database.%s.existingSecret is empty" $role $role) $cfg.password }}
{{- $out = append $out (dict "name" (include "book-service.dbSecretName" (dict "root" $ "role" $role)) "data" (dict "username" $cfg.username "password" $password)) }}
{{- end }}
{{- end }}
{{- $cdc := $.Values.cdc.database }}
{{- if and (or $.Values.cdc.enabled $.Values.dbBootstrap.enabled) (not $cdc.passwordSecret) }}
{{- $password := required "cdc.database.password is required when cdc.database.passwordSecret is empty (the chart then makes the Secret of the CDC role)" $cdc.password }}
{{- $out = append $out (dict "name" (include "book-service.cdcSecretName" $) "data" (dict "username" $cdc.user $cdc.passwordKey $password)) }}
{{- end }}
{{- $catalog := $.Values.consumer.database }}
{{- if and $.Values.consumer.enabled (not $catalog.existingSecret) }}
{{- $password := required "consumer.database.password is required when consumer.database.existingSecret is empty (the chart then makes the Secret of the catalog role)" $catalog.password }}
{{- if not (regexMatch "^[A-Za-z0-9._~-]+$" $password) }}
{{- fail "consumer.database.password must be URL-safe (letters, digits, . _ ~ -): it is put into CATALOG_DATABASE_URL" }}
{{- end }}
{{- $out = append $out (dict "name" (include "book-service.catalogSecretName" $) "data" (dict "username" $catalog.username "password" $password)) }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* Secret of the CDC role (Debezium's database.password, the role bootstrap): existing or chart-made. */}}
{{- define "book-service.cdcSecretName" -}}
{{- if .Values.cdc.database.passwordSecret }}
{{- .Values.cdc.database.passwordSecret }}
{{- else }}
{{- printf "%s-db-cdc" (include "book-service.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Whether a chart-made Secret must be (re)written: "true" when `existing` (what lookup
returned; empty when rendering offline or when the Secret is missing) lacks a key of
`data` or holds another value for it, else empty.
*/}}
{{- define "book-service.secretNeedsWrite" -}}
{{- $stored := default dict (get (default dict .existing) "data") }}
{{- $write := not .existing }}
{{- range $key, $value := .data }}
{{- if ne (toString $value) (b64dec (toString (get $stored $key))) }}
{{- $write = true }}
{{- end }}
{{- end }}
{{- if $write }}true{{ end }}
{{- end }}

{{/*
Checks a Secret that the chart reads but does not make. `live`: rendering against a
cluster (install, upgrade, --dry-run=server), where `existing` is what lookup returned;
offline (helm template, lint, --dry-run) nothing can be checked. The Secret must exist
and hold `keys`; its `username`, if it has one, must be `username`.
dict: root, live, existing, name, keys, username (optional), what, hint.
*/}}
{{- define "book-service.checkSecret" -}}
{{- if .live }}
{{- $ns := .root.Release.Namespace }}
{{- $name := .name }}
{{- if not .existing }}
{{- fail (printf "Secret %s/%s (%s) does not exist. Create it before installing, e.g. `kubectl -n %s create secret generic %s --from-literal=username=<role> --from-file=password=<file without trailing newline>`, or %s" $ns $name .what $ns $name .hint) }}
{{- end }}
{{- $data := default dict .existing.data }}
{{- range $key := .keys }}
{{- if not (hasKey $data $key) }}
{{- fail (printf "Secret %s/%s has no key %q (keys: %s)" $ns $name $key (keys $data | sortAlpha | join ", ")) }}
{{- end }}
{{- end }}
{{- if and .username (hasKey $data "username") }}
{{- $stored := b64dec (toString (get $data "username")) }}
{{- if ne $stored .username }}
{{- fail (printf "Secret %s/%s has username %q, but %s is %q: set it to %q, or use a Secret of role %q" $ns $name $stored .usernameValue .username $stored .username) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* checkSecret with what lookup returns; a Secret list that answers means a live cluster (Helm's own storage needs that permission). */}}
{{- define "book-service.requireSecret" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- $live := or $existing (lookup "v1" "Secret" .root.Release.Namespace "") }}
{{- include "book-service.checkSecret" (dict "root" .root "live" $live "existing" $existing "name" .name "keys" .keys "username" .username "usernameValue" .usernameValue "what" .what "hint" .hint) }}
{{- end }}

{{/*
Init container of the hook Jobs: waits until PostgreSQL accepts connections (pg_isready's
rule, no credentials), so the hooks do not depend on Job retries while the database is
still starting (Skaffold, a first image pull). The Job's activeDeadlineSeconds bounds it.
*/}}
{{- define "book-service.waitForPostgres" -}}
{{- include "book-service.waitForPostgresAt" (dict "root" . "host" .Values.database.host "port" .Values.database.port "name" .Values.database.name) }}
{{- end }}

{{/* waitForPostgres for another server or database. dict: root, host, port, name. */}}
{{- define "book-service.waitForPostgresAt" -}}
{{- $root := .root }}
{{- if $root.Values.migrations.waitForDatabase }}
initContainers:
  - name: wait-for-postgres
    image: {{ include "book-service.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    command: ["node", "dist/bin/wait-for-postgres.js"]
    env:
      - name: PGHOST
        value: {{ .host | quote }}
      - name: PGPORT
        value: {{ .port | quote }}
      - name: PGDATABASE
        value: {{ .name | quote }}
    resources:
      requests:
        cpu: 10m
        memory: 32Mi
      limits:
        memory: 64Mi
    securityContext:
      {{- include "book-service.containerSecurityContext" $root | nindent 6 }}
{{- end }}
{{- end }}
