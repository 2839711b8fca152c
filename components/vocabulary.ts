// Names several backends, the dashboards, the alert rules and the config checks agree on: ports, metric
// and label names, the team label, the fast-burn rate. Everything imports them from here; this module
// imports nothing of the project's, so it sits below every component.

/** The OTLP ports (gRPC, HTTP) the collector listens on for applications and Tempo's distributors expose. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/** The `team` label of the stack's own alert rules: the platform team owns the stack and its pipeline. */
export const PLATFORM_TEAM = "platform";

/**
 * The SRE workbook's fast-burn rate (1h/5m windows) that the SLO alerts page at; the config loader refuses
 * objectives so low that this rate could never be reached (more than 100% of requests failing).
 */
export const FAST_BURN_RATE = 14.4;

/** The HTTP server metrics every service exposes (Prometheus client conventions). */
export const HTTP_METRICS = {
    requests: "http_requests_total",
    durationBucket: "http_request_duration_seconds_bucket",
    /** Labels: the service's namespace and name, and the HTTP status code. */
    labels: { namespace: "namespace", service: "service", status: "status" },
} as const;

/**
 * The Loki labels of a pod's logs, for both ways in: Loki's native OTLP endpoint turns the resource attributes
 * service.name, k8s.namespace.name, k8s.pod.name and k8s.container.name into these index labels (its default
 * `distributor.otlp_config.default_resource_attributes_as_index_labels`, dots to underscores by
 * otlptranslator.NormalizeLabel), and the collector's pod-log relabeling writes the same names.
 */
export const POD_LOG_LABELS = {
    service: "service_name",
    namespace: "k8s_namespace_name",
    pod: "k8s_pod_name",
    container: "k8s_container_name",
} as const;

/**
 * Loki labels a service's logs carry, whichever way they came (POD_LOG_LABELS): Loki's OTLP endpoint indexes
 * the resource attributes service.name and k8s.namespace.name as service_name and k8s_namespace_name, and the
 * collector labels pod stdout with the same names. Trace links and log panels select by them.
 */
export const LOG_LABELS = { namespace: POD_LOG_LABELS.namespace, service: POD_LOG_LABELS.service } as const;

/**
 * Span-metrics series of Tempo's metrics generator (grafana/tempo modules/generator/processor/spanmetrics) and the
 * labels it writes: the intrinsic dimensions, `k8s.namespace.name` (components/tempo/Tempo.ts SPAN_METRICS_DIMENSIONS,
 * sanitised to `k8s_namespace_name`) and `__metrics_gen_instance` (the generator pod): every query must `sum`,
 * since a service's spans are split between generators. tests/engines/trace-metrics-links.test.ts proves them.
 */
export const SPAN_METRICS = {
    calls: "traces_spanmetrics_calls_total",
    latencyBucket: "traces_spanmetrics_latency_bucket",
    labels: { service: "service", spanName: "span_name", spanKind: "span_kind", statusCode: "status_code", namespace: "k8s_namespace_name" },
} as const;

/**
 * Profiles: Pyroscope keeps a series' service under `service_name` (pkg/model/labels.go LabelNameServiceName),
 * which its SDKs fill from the application name (pkg/og/convert/pprof/profile.go createLabels) and its OTLP
 * endpoint from `service.name`; the collector's scrapes write the same name, and the pod's namespace under the
 * logs' label. `cpuProfileType` is the CPU profile's type ID (pkg/model/profile.go, name:sample:unit:period:unit).
 */
export const PROFILES = {
    labels: { service: POD_LOG_LABELS.service, namespace: POD_LOG_LABELS.namespace },
    cpuProfileType: "process_cpu:cpu:nanoseconds:cpu:nanoseconds",
} as const;
