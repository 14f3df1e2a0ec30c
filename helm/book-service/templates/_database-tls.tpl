{{/*
TLS to PostgreSQL (database.sslMode, database.sslRootCert). The service applies libpq's
meaning of sslmode itself (service/src/shared/db/ssl.ts): disable, require (encrypted, not
verified), verify-ca (chain), verify-full (chain and host name). The CA bundle comes from
a Secret or a ConfigMap the release namespace already has, mounted read-only in the
Deployment and both hook Jobs; PGSSLROOTCERT points at it. Without one, verify-ca and
verify-full check the chain against Node's built-in (public) CAs.
*/}}

{{- define "book-service.caDir" -}}/etc/book-service/postgres-ca{{- end }}

{{/* True (non-empty) when a CA bundle is mounted; fails on contradictory values. */}}
{{- define "book-service.caEnabled" -}}
{{- $ca := .Values.database.sslRootCert }}
{{- if and $ca.secretName $ca.configMapName }}
{{- fail "database.sslRootCert: set secretName or configMapName, not both" }}
{{- end }}
{{- if or $ca.secretName $ca.configMapName }}
{{- if eq .Values.database.sslMode "disable" }}
{{- fail "database.sslRootCert is set but database.sslMode is disable (no TLS): use verify-full (or verify-ca), or remove the CA bundle" }}
{{- end }}
{{- true }}
{{- end }}
{{- end }}

{{/* PGSSLROOTCERT, when a CA bundle is mounted. */}}
{{- define "book-service.caEnv" -}}
{{- if include "book-service.caEnabled" . }}
- name: PGSSLROOTCERT
  value: {{ printf "%s/ca.crt" (include "book-service.caDir" .) | quote }}
{{- end }}
{{- end }}

{{- define "book-service.caVolumeMount" -}}
{{- if include "book-service.caEnabled" . }}
- name: postgres-ca
  mountPath: {{ include "book-service.caDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/* The key is always projected to ca.crt, so PGSSLROOTCERT does not depend on its name. */}}
{{- define "book-service.caVolume" -}}
{{- if include "book-service.caEnabled" . }}
{{- $ca := .Values.database.sslRootCert }}
- name: postgres-ca
  {{- if $ca.secretName }}
  secret:
    secretName: {{ $ca.secretName }}
    defaultMode: 292 # 0444: decimal, as YAML 1.1 and 1.2 read octal differently
    items:
      - key: {{ $ca.key | quote }}
        path: ca.crt
  {{- else }}
  configMap:
    name: {{ $ca.configMapName }}
    defaultMode: 292 # 0444: decimal, as YAML 1.1 and 1.2 read octal differently
    items:
      - key: {{ $ca.key | quote }}
        path: ca.crt
  {{- end }}
{{- end }}
{{- end }}
