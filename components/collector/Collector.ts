import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources, StackConfig } from "../../stacks/schema";
import { chartRelease } from "../helm";
import { LOKI_OTLP_PATH, LOKI_PUSH_PATH } from "../loki/Loki";

export interface CollectorArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `collector` settings. */
    settings: StackConfig["collector"];
    /** Loki's push API, e.g. "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push". */
    lokiPushUrl: pulumi.Input<string>;
    /** Tempo's OTLP gRPC receiver as "host:port". */
    tempoOtlpGrpcEndpoint: pulumi.Input<string>;
    /** Tenant sent as X-Scope-OrgID when Loki runs multi-tenant; unset sends none. */
    lokiTenantId?: pulumi.Input<string>;
}

/** Helm release name; the chart names its Service after it ("alloy"). */
export const COLLECTOR_RELEASE = "alloy";
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** Alloy's own HTTP server (UI, /metrics, cluster gossip): the chart's `alloy.listenPort` default. */
export const ALLOY_HTTP_PORT = 12345;
const CONFIG_RELOADER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

/**
 * Grafana Alloy from the `alloy` chart: pod logs and Kubernetes events into Loki, and an OTLP endpoint
 * (gRPC 4317, HTTP 4318) whose traces go to Tempo and whose logs go to Loki's native OTLP endpoint.
 *
 * Logs are tailed through the Kubernetes API (`loki.source.kubernetes`), not from node files, so Alloy
 * needs no hostPath mounts, no root and no DaemonSet: a Deployment reads the whole cluster, and with
 * clustering on, extra replicas split the pods to tail between them instead of each tailing all of them.
 */
export class Collector extends pulumi.ComponentResource {
    /** Where applications send OTLP over gRPC ("host:port"). */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** Where applications send OTLP over HTTP (URL). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Collector", name, {}, opts);
        const { namespace } = args;

        this.release = chartRelease(`${name}-release`, {
            chart: "alloy",
            releaseName: COLLECTOR_RELEASE,
            namespace,
            values: pulumi.all([namespace, args.lokiPushUrl, args.tempoOtlpGrpcEndpoint, args.lokiTenantId])
                .apply(([ns, lokiPushUrl, tempoOtlpGrpcEndpoint, lokiTenantId]) => collectorValues({
                    namespace: ns, settings: args.settings, lokiPushUrl, tempoOtlpGrpcEndpoint, lokiTenantId,
                })),
        }, { parent: this });

        const host = pulumi.interpolate`${COLLECTOR_RELEASE}.${namespace}.svc.cluster.local`;
        this.otlpGrpcEndpoint = pulumi.interpolate`${host}:${OTLP_GRPC_PORT}`;
        this.otlpHttpEndpoint = pulumi.interpolate`http://${host}:${OTLP_HTTP_PORT}`;

        this.registerOutputs({ otlpGrpcEndpoint: this.otlpGrpcEndpoint, otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}

/**
 * The Loki labels of a pod's logs, for both ways in: Loki's native OTLP endpoint turns the resource attributes
 * service.name, k8s.namespace.name, k8s.pod.name and k8s.container.name into these index labels (its default
 * `distributor.otlp_config.default_resource_attributes_as_index_labels`, dots to underscores by
 * otlptranslator.NormalizeLabel), and the pod-log relabeling below writes the same names.
 */
export const POD_LOG_LABELS = {
    service: "service_name", namespace: "k8s_namespace_name", pod: "k8s_pod_name", container: "k8s_container_name",
} as const;

/**
 * What otelcol.processor.k8sattributes extracts: the processor's own defaults (opentelemetry-collector-contrib
 * processor/k8sattributesprocessor README, "added by default") and k8s.container.name.
 */
export const K8S_ATTRIBUTES = [
    "k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.start_time", "k8s.deployment.name", "k8s.node.name", "k8s.container.name",
] as const;

/** Loki's OTLP endpoint next to its push API: otelcol.exporter.otlphttp appends /v1/logs to it. */
export function lokiOtlpEndpoint(lokiPushUrl: string): string {
    if (!lokiPushUrl.endsWith(LOKI_PUSH_PATH)) throw new Error(`Loki's push URL ${lokiPushUrl} does not end in ${LOKI_PUSH_PATH}`);
    return lokiPushUrl.slice(0, -LOKI_PUSH_PATH.length) + LOKI_OTLP_PATH;
}

/** Alloy's configuration (Alloy syntax): Kubernetes logs and events through loki.write and OTLP logs natively to Loki, OTLP traces to Tempo. */
export function alloyConfig(lokiPushUrl: string, tempoOtlpGrpcEndpoint: string, options: { lokiTenantId?: string } = {}): string {
    const quote = (text: string) => JSON.stringify(text);
    const tenant = options.lokiTenantId ? `\n    tenant_id = ${quote(options.lokiTenantId)}` : "";
    const otlpTenant = options.lokiTenantId ? `\n    headers  = { "X-Scope-OrgID" = ${quote(options.lokiTenantId)} }` : "";
    return `// Generated by components/Collector.ts.

// ---- Logs: every container of every pod, read through the Kubernetes API ----

discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets

  // The label names Loki gives the same pod's OTLP logs: its default index labels are the resource
  // attributes k8s.namespace.name, k8s.pod.name, k8s.container.name and service.name with dots as
  // underscores, so one selector finds a service's logs whichever way they came.
  rule {
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
}

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

// ---- OTLP from applications: traces to Tempo, logs to Loki (OTLP, same tenant) ----

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

/** The `alloy` user of grafana/alloy's image. */
const ALLOY_UID = 473;

export interface CollectorValuesArgs {
    namespace: string;
    settings: StackConfig["collector"];
    lokiPushUrl: string;
    tempoOtlpGrpcEndpoint: string;
    lokiTenantId?: string;
}

/** The chart values; every key is a real key of the alloy chart (tests check it). */
export function collectorValues(args: CollectorValuesArgs): Record<string, unknown> {
    const { settings } = args;
    return {
        // PodLogs CRDs serve loki.source.podlogs, which this configuration does not use.
        crds: { create: false },
        controller: { type: "deployment", replicas: 1 },
        // Pod Security `restricted` (the level the namespace warns and audits at) for every container: found by
        // tests/pod-security.test.ts, which judged the rendered chart with the API server's own library. 473 is
        // the alloy user of Grafana's image; the chart's config reloader already runs restricted as 65534.
        global: { podSecurityContext: { runAsNonRoot: true, runAsUser: ALLOY_UID, runAsGroup: ALLOY_UID, fsGroup: ALLOY_UID, seccompProfile: { type: "RuntimeDefault" } } },
        alloy: {
            configMap: { create: true, content: alloyConfig(args.lokiPushUrl, args.tempoOtlpGrpcEndpoint, { lokiTenantId: args.lokiTenantId }) },
            clustering: { enabled: true },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, runAsUser: ALLOY_UID },
            enableReporting: false,
            resources: settings.resources,
            extraPorts: [
                { name: "otlp-grpc", port: OTLP_GRPC_PORT, targetPort: OTLP_GRPC_PORT, protocol: "TCP" },
                { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: OTLP_HTTP_PORT, protocol: "TCP" },
            ],
            // Kubernetes API sources need no node files.
            mounts: { varlog: false, dockercontainers: false },
        },
        configReloader: { enabled: true, resources: CONFIG_RELOADER_RESOURCES },
        service: { enabled: true, type: "ClusterIP" },
        serviceMonitor: { enabled: true },
        // Who may reach Alloy is decided with every other flow in components/NetworkPolicies.ts; the
        // chart's own policy would add a second, wider rule (policies only ever add up).
        networkPolicy: { enabled: false },
        ingress: { enabled: false },
    };
}
