// The OTLP section of the collector's configuration: what applications send, traces to Tempo and logs to Loki.
import { LOKI_OTLP_PATH, LOKI_PUSH_PATH } from "../../loki/Loki";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../../vocabulary";
import { quote } from "./syntax";

/**
 * What otelcol.processor.k8sattributes extracts: the processor's own defaults (opentelemetry-collector-contrib
 * processor/k8sattributesprocessor README, "added by default") and k8s.container.name.
 */
export const K8S_ATTRIBUTES = [
    "k8s.namespace.name",
    "k8s.pod.name",
    "k8s.pod.uid",
    "k8s.pod.start_time",
    "k8s.deployment.name",
    "k8s.node.name",
    "k8s.container.name",
] as const;

/** Loki's OTLP endpoint next to its push API: otelcol.exporter.otlphttp appends /v1/logs to it. */
export function lokiOtlpEndpoint(lokiPushUrl: string): string {
    if (!lokiPushUrl.endsWith(LOKI_PUSH_PATH)) throw new Error(`Loki's push URL ${lokiPushUrl} does not end in ${LOKI_PUSH_PATH}`);
    return lokiPushUrl.slice(0, -LOKI_PUSH_PATH.length) + LOKI_OTLP_PATH;
}

/** An OTLP endpoint (gRPC 4317, HTTP 4318) whose traces go to Tempo and whose logs go to Loki's native OTLP endpoint. */
export function otlpSection(lokiPushUrl: string, tempoOtlpGrpcEndpoint: string, lokiTenantId?: string): string {
    const otlpTenant = lokiTenantId ? `\n    headers  = { "X-Scope-OrgID" = ${quote(lokiTenantId)} }` : "";
    return `// ---- OTLP from applications: traces to Tempo, logs to Loki (OTLP, same tenant) ----

otelcol.receiver.otlp "apps" {
  grpc {
    endpoint = "0.0.0.0:${OTLP_GRPC_PORT}"
  }
  http {
    endpoint = "0.0.0.0:${OTLP_HTTP_PORT}"
  }
  output {
    logs   = [otelcol.processor.memory_limiter.apps.input]
    traces = [otelcol.processor.memory_limiter.apps.input]
  }
}

// Refuses data before the container's memory limit is reached, instead of being OOM-killed.
otelcol.processor.memory_limiter "apps" {
  check_interval         = "1s"
  limit_percentage       = 80
  spike_limit_percentage = 20
  output {
    logs   = [otelcol.processor.k8sattributes.apps.input]
    traces = [otelcol.processor.k8sattributes.apps.input]
  }
}

// Adds k8s.namespace.name, k8s.pod.name, ... of the sending pod, so traces link to its logs: the
// processor's defaults, and k8s.container.name (set when the pod has one container or the SDK sends
// container.id), which Loki indexes like the pod logs' container label.
otelcol.processor.k8sattributes "apps" {
  extract {
    metadata = [${K8S_ATTRIBUTES.map(quote).join(", ")}]
  }
  output {
    logs   = [otelcol.processor.batch.apps.input]
    traces = [otelcol.processor.batch.apps.input]
  }
}

otelcol.processor.batch "apps" {
  output {
    logs   = [otelcol.exporter.otlphttp.loki.input]
    traces = [otelcol.exporter.otlp.tempo.input]
  }
}

// OTLP logs to Loki's native OTLP endpoint (the exporter appends /v1/logs): resource attributes become
// index labels or structured metadata by Loki's otlp_config, trace_id and span_id structured metadata.
otelcol.exporter.otlphttp "loki" {
  client {
    endpoint = ${quote(lokiOtlpEndpoint(lokiPushUrl))}${otlpTenant}
  }
}

// Plain gRPC inside the cluster.
otelcol.exporter.otlp "tempo" {
  client {
    endpoint = ${quote(tempoOtlpGrpcEndpoint)}
    tls {
      insecure = true
    }
  }
}
`;
}
