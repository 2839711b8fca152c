// The logs section of the collector's configuration: pod logs and Kubernetes events into Loki.
import { POD_LOG_LABELS } from "../../vocabulary";
import { quote } from "./syntax";

/** The pods every pod-based section discovers from (the logs' tailing and the profiles' scraping share it). */
export const POD_DISCOVERY = "discovery.kubernetes.pods";

/**
 * The rules that label a pod's container with its namespace, pod, container and service: the names Loki gives
 * the same pod's OTLP logs, written by every signal the collector reads from pods so one selector finds them all.
 */
export const POD_LABEL_RULES = `  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "${POD_LOG_LABELS.namespace}"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "${POD_LOG_LABELS.pod}"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "${POD_LOG_LABELS.container}"
  }
  // service_name: the pod's resource.opentelemetry.io/service.name annotation, else the recommended
  // app.kubernetes.io/name label, else the older "app" label, else the container's name.
  rule {
    source_labels = [
      "__meta_kubernetes_pod_annotation_resource_opentelemetry_io_service_name",
      "__meta_kubernetes_pod_label_app_kubernetes_io_name",
      "__meta_kubernetes_pod_label_app",
      "__meta_kubernetes_pod_container_name",
    ]
    separator     = ";"
    regex         = "^;*([^;]+).*$"
    target_label  = "${POD_LOG_LABELS.service}"
  }
`;

/** Every container of every pod, read through the Kubernetes API, and the cluster's events, through loki.write. */
export function logsSection(lokiPushUrl: string, lokiTenantId?: string): string {
    const tenant = lokiTenantId ? `\n    tenant_id = ${quote(lokiTenantId)}` : "";
    return `// ---- Logs: every container of every pod, read through the Kubernetes API ----

discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = ${POD_DISCOVERY}.targets

  // The label names Loki gives the same pod's OTLP logs: its default index labels are the resource
  // attributes k8s.namespace.name, k8s.pod.name, k8s.container.name and service.name with dots as
  // underscores, so one selector finds a service's logs whichever way they came.
${POD_LABEL_RULES}}

loki.source.kubernetes "pod_logs" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.write.loki.receiver]

  // With several replicas, each pod is tailed by exactly one of them.
  clustering {
    enabled = true
  }
}

// ---- Kubernetes events (scheduling failures, OOM kills, image pulls) as logs ----

loki.source.kubernetes_events "events" {
  job_name   = "kubernetes-events"
  log_format = "logfmt"
  forward_to = [loki.write.loki.receiver]
}

loki.write "loki" {
  endpoint {
    url = ${quote(lokiPushUrl)}${tenant}
  }
}
`;
}
