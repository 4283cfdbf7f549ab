{{- define "karpor-token-bot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "karpor-token-bot.fullname" -}}
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

{{- define "karpor-token-bot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "karpor-token-bot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "karpor-token-bot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "karpor-token-bot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "karpor-token-bot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "karpor-token-bot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "karpor-token-bot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The ConfigMap the policy comes from, and its key: the user's own, or the chart's. */}}
{{- define "karpor-token-bot.policyConfigMap" -}}
{{- .Values.existingPolicyConfigMap.name | default (printf "%s-policy" (include "karpor-token-bot.fullname" .)) }}
{{- end }}

{{- define "karpor-token-bot.policyKey" -}}
{{- if .Values.existingPolicyConfigMap.name }}{{ .Values.existingPolicyConfigMap.key }}{{ else }}policy.yaml{{ end }}
{{- end }}

{{/* Mistakes that would otherwise surface only as a crash-looping pod. */}}
{{- define "karpor-token-bot.validate" -}}
{{- if not (has .Values.slack.mode (list "http" "socket")) }}
{{- fail (printf "slack.mode must be \"http\" or \"socket\", not %q" .Values.slack.mode) }}
{{- end }}
{{- if not (has .Values.hub.access (list "configmap" "kubeconfigSecret")) }}
{{- fail (printf "hub.access must be \"configmap\" or \"kubeconfigSecret\", not %q" .Values.hub.access) }}
{{- end }}
{{- if not .Values.slack.existingSecret }}
{{- fail "slack.existingSecret is required: the name of a Secret with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (http mode) or SLACK_APP_TOKEN (socket mode)" }}
{{- end }}
{{- if and (eq .Values.hub.access "kubeconfigSecret") (not .Values.hub.kubeconfigSecret.name) }}
{{- fail "hub.kubeconfigSecret.name is required when hub.access is kubeconfigSecret" }}
{{- end }}
{{- if and (eq .Values.hub.access "configmap") (not .Values.hub.configmap.allowSuperuser) }}
{{- fail "hub.access=configmap puts Karpor's hub SUPERUSER kubeconfig (system:masters) into the bot's pod: use the default hub.access=kubeconfigSecret (the setup hook gives the bot its own least-privilege identity), or set hub.configmap.allowSuperuser=true to accept that" }}
{{- end }}
{{- if and .Values.ingress.enabled (ne .Values.slack.mode "http") }}
{{- fail "ingress.enabled needs slack.mode=http: in Socket Mode Slack is reached from inside the pod and nothing is exposed" }}
{{- end }}
{{- if not .Values.existingPolicyConfigMap.name }}
{{- if not (kindIs "string" .Values.policy) }}
{{- fail "policy must be the text of a policy file (so it replaces the example instead of merging into it): pass --set-file policy=policy.yaml, or write `policy: |` in your values" }}
{{- end }}
{{- $policy := fromYaml .Values.policy }}
{{- if hasKey $policy "Error" }}
{{- fail (printf "policy is not valid YAML: %s" $policy.Error) }}
{{- end }}
{{- if not $policy.roles }}
{{- fail "policy has no roles: list the roles people may request (see values.yaml)" }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled .Values.metrics.podMonitor.enabled }}
{{- fail "metrics.serviceMonitor.enabled and metrics.podMonitor.enabled both scrape the same pods: choose one" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled (or use metrics.podMonitor.enabled)" }}
{{- end }}
{{- end }}

{{/* The bot's series in PromQL: this release's pods, scraped by the ServiceMonitor, the PodMonitor or otherwise. */}}
{{- define "karpor-token-bot.promSelector" -}}
namespace="{{ .Release.Namespace }}", pod=~"{{ include "karpor-token-bot.fullname" . }}-.*"
{{- end }}

{{/* Whether the bot stores its renewed hub token back into its Secret (needs a host-cluster Role). */}}
{{- define "karpor-token-bot.renewsCredential" -}}
{{- if and (eq .Values.hub.access "kubeconfigSecret") .Values.hub.renew }}true{{ end }}
{{- end }}

{{/* Labels of the setup hook's objects, which exist only while it runs. */}}
{{- define "karpor-token-bot.setupLabels" -}}
{{ include "karpor-token-bot.labels" . }}
app.kubernetes.io/component: hub-setup
{{- end }}
