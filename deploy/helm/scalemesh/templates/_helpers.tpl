{{/*
Shared helpers. Every resource of a service is rendered from its merged settings:
the chart's `defaults`, overridden by the service's entry under `services`.
*/}}

{{- define "scalemesh.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels of every resource; `component` and `name` say which part of the mesh it is. */}}
{{- define "scalemesh.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: scalemesh
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "scalemesh.chart" .root }}
{{- end }}

{{/* The labels a Deployment selects its pods by (immutable: never the version). */}}
{{- define "scalemesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* A service's settings: defaults merged with its own entry (as YAML; use with fromYaml). */}}
{{- define "scalemesh.service" -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy .svc) -}}
{{- toYaml $merged -}}
{{- end }}

{{- define "scalemesh.image" -}}
{{- $image := default dict .svc.image -}}
{{- $repository := default (printf "%s/%s" .root.Values.global.imageRegistry .name) $image.repository -}}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.global.imageTag) $image.tag -}}
{{ printf "%s:%s" $repository $tag }}
{{- end }}

{{/* Infrastructure endpoints: external when given, else the in-cluster ones this chart creates. */}}
{{- define "scalemesh.kafkaBootstrap" -}}
{{- if .Values.kafka.bootstrapServers -}}
{{ .Values.kafka.bootstrapServers }}
{{- else if .Values.kafka.strimzi.enabled -}}
{{ printf "%s-kafka-bootstrap:9093" .Values.kafka.strimzi.clusterName }}
{{- else -}}
{{ fail "kafka: set kafka.bootstrapServers, or enable kafka.strimzi" }}
{{- end }}
{{- end }}

{{- define "scalemesh.redisHost" -}}
{{- if .Values.redis.host -}}
{{ .Values.redis.host }}
{{- else if .Values.redis.inCluster.enabled -}}
redis
{{- else -}}
{{ fail "redis: set redis.host, or enable redis.inCluster" }}
{{- end }}
{{- end }}

{{/* The CloudNativePG Cluster of a PostgreSQL server. */}}
{{- define "scalemesh.pgCluster" -}}
{{ printf "scalemesh-pg-%s" .name }}
{{- end }}

{{- define "scalemesh.pgPrimary" -}}
{{- if .server.host -}}
{{ .server.host }}
{{- else if .root.Values.postgres.cloudnativepg.enabled -}}
{{ printf "%s-rw" (include "scalemesh.pgCluster" .server) }}
{{- else -}}
{{ fail (printf "postgres: set postgres.servers[%s].host, or enable postgres.cloudnativepg" .server.name) }}
{{- end }}
{{- end }}

{{- define "scalemesh.pgReplica" -}}
{{- if .server.replicaHost -}}
{{ .server.replicaHost }}
{{- else if and (not .server.host) .root.Values.postgres.cloudnativepg.enabled -}}
{{ printf "%s-ro" (include "scalemesh.pgCluster" .server) }}
{{- end }}
{{- end }}

{{/* The PostgreSQL servers a service connects to: profile-service all (the shards), the others server 0. */}}
{{- define "scalemesh.pgServersOf" -}}
{{- if eq .name "profile-service" -}}
{{ toYaml .root.Values.postgres.servers }}
{{- else -}}
{{ toYaml (list (index .root.Values.postgres.servers 0)) }}
{{- end }}
{{- end }}

{{/* The Secret whose ca.crt verifies a server's certificate. */}}
{{- define "scalemesh.pgCaSecret" -}}
{{- if .server.caSecret -}}
{{ .server.caSecret }}
{{- else if and (not .server.host) .root.Values.postgres.cloudnativepg.enabled -}}
{{ printf "%s-ca" (include "scalemesh.pgCluster" .server) }}
{{- else -}}
{{ fail (printf "postgres: server %s is external; set postgres.servers[].caSecret to a Secret with its CA's ca.crt (or postgres.sslMode=disable)" .server.name) }}
{{- end }}
{{- end }}

{{/* The Secret (keys username, password) every service connects to PostgreSQL with. */}}
{{- define "scalemesh.pgSecret" -}}
{{ default "scalemesh-postgres" .Values.postgres.existingSecret }}
{{- end }}

{{- define "scalemesh.jwtSecret" -}}
{{ default "scalemesh-jwt" .Values.global.jwt.existingSecret }}
{{- end }}

{{/* The Secret (keys username, password) every service logs in to Redis with. */}}
{{- define "scalemesh.redisSecret" -}}
{{ default "scalemesh-redis" .Values.redis.existingSecret }}
{{- end }}

{{/* Whether the mesh's Kafka is the chart's Strimzi cluster: TLS, SCRAM users and ACLs. */}}
{{- define "scalemesh.strimzi" -}}
{{- if and .Values.kafka.strimzi.enabled (not .Values.kafka.bootstrapServers) -}}true{{- end -}}
{{- end }}

{{/*
What of the identity Secret a service mounts: a signer its private key, a backend the JWKS it
trusts (analytics-service also task-service's key, whose reports call it).
*/}}
{{- define "scalemesh.identityItems" -}}
{{- if eq .name "api-gateway" -}}
[api-gateway.pem]
{{- else if eq .name "task-service" -}}
[task-service.pem, gateway.jwks.json]
{{- else if eq .name "analytics-service" -}}
[gateway-and-tasks.jwks.json]
{{- else -}}
[gateway.jwks.json]
{{- end -}}
{{- end }}

{{/* Whether a service is scaled by KEDA (then it gets no HorizontalPodAutoscaler). */}}
{{- define "scalemesh.keda" -}}
{{- if and .keda .keda.enabled -}}true{{- end -}}
{{- end }}

{{/*
An operator's custom resource needs the operator's API: where the cluster (Capabilities) does not
serve it, the release fails naming the operator. helm template and lint see no cluster: pass them
--api-versions, or set global.checkOperatorApis=false.
*/}}
{{- define "scalemesh.requireApi" -}}
{{- if and .root.Values.global.checkOperatorApis (not (.root.Capabilities.APIVersions.Has .api)) -}}
{{- fail (printf "%s needs the %s API, which the cluster does not serve: install %s first, or set %s=false (helm template: --api-versions %s)" .feature .api .operator .feature .api) -}}
{{- end -}}
{{- end }}
