// What Loki 3.7's native OTLP endpoint (POST /otlp/v1/logs) makes of an OTLP/JSON logs request: the stream
// labels, the log line and the structured metadata of each entry.
//
// A port, and why: Loki is AGPL-3.0, so it cannot be a Go dependency of this repository's tools/, and no Loki
// binary runs in the suite. The functions below follow grafana/loki v3.7.x line by line, each citing its source:
//   - pkg/loghttp/push/otlp_config.go: GlobalOTLPConfig.RegisterFlags (the default list of resource attributes
//     indexed as labels, `-distributor.otlp.default_resource_attributes_as_index_labels`), ApplyGlobalOTLPConfig
//     (that list goes first unless `ignore_defaults`) and actionForAttribute (first match wins, else
//     structured metadata);
//   - pkg/loghttp/push/otlp.go: otlpToLokiPushRequest (resource attributes → labels or metadata, service_name
//     discovery when service.name is missing), otlpLogToPushEntry (trace_id, span_id, severity_*, flags,
//     observed_timestamp as structured metadata; the body as the line) and attributeToLabels (nested maps
//     flattened with "_", names through otlptranslator.NormalizeLabel);
//   - pkg/validation/limits.go: the `discover_service_name` default list;
//   - pkg/distributor/field_detection.go: `discover_log_levels` (detected_level from severity_text, else
//     severity_number, else the line).
// prometheus/otlptranslator (Apache-2.0) could run for real, but only from a Go tool, and NormalizeLabel is the
// one function of it used here; it is ported too, from its source (normalize_label.go).

/** OTLP/JSON AnyValue (opentelemetry-proto common.proto, JSON mapping: int64 as a decimal string). */
export interface AnyValue {
    stringValue?: string;
    boolValue?: boolean;
    intValue?: string | number;
    doubleValue?: number;
    kvlistValue?: { values: KeyValue[] };
    arrayValue?: { values: AnyValue[] };
    bytesValue?: string;
}
export interface KeyValue {
    key: string;
    value: AnyValue;
}

/** OTLP/JSON LogRecord (opentelemetry-proto logs.proto; traceId/spanId hex in the JSON mapping). */
export interface LogRecord {
    timeUnixNano?: string;
    observedTimeUnixNano?: string;
    severityNumber?: number;
    severityText?: string;
    body?: AnyValue;
    attributes?: KeyValue[];
    droppedAttributesCount?: number;
    flags?: number;
    traceId?: string;
    spanId?: string;
}
export interface ExportLogsServiceRequest {
    resourceLogs: Array<{
        resource?: { attributes?: KeyValue[] };
        scopeLogs: Array<{ scope?: { name?: string; version?: string; attributes?: KeyValue[] }; logRecords: LogRecord[] }>;
    }>;
}

type Action = "index_label" | "structured_metadata" | "drop";
interface AttributesConfig {
    action?: Action;
    attributes?: string[];
    regex?: string;
}

/** `limits_config.otlp_config` as Loki's config file holds it (only the parts this port reads). */
export interface OtlpConfig {
    resource_attributes?: { ignore_defaults?: boolean; attributes_config?: AttributesConfig[] };
    scope_attributes?: AttributesConfig[];
    log_attributes?: AttributesConfig[];
}

/** The limits and distributor settings the mapping reads, with Loki 3.7's defaults when absent from the config file. */
export interface LokiOtlpSettings {
    otlpConfig?: OtlpConfig;
    /** `distributor.otlp_config.default_resource_attributes_as_index_labels`. */
    defaultIndexLabels?: string[];
    /** `limits_config.discover_service_name`. */
    discoverServiceName?: string[];
    /** `limits_config.discover_log_levels`. */
    discoverLogLevels?: boolean;
    /** `limits_config.allow_structured_metadata`. */
    allowStructuredMetadata?: boolean;
}

/** otlp_config.go GlobalOTLPConfig.RegisterFlags. */
export const DEFAULT_INDEX_LABELS = [
    "service.name",
    "service.namespace",
    "service.instance.id",
    "deployment.environment",
    "deployment.environment.name",
    "cloud.region",
    "cloud.availability_zone",
    "k8s.cluster.name",
    "k8s.namespace.name",
    "k8s.pod.name",
    "k8s.container.name",
    "container.name",
    "k8s.replicaset.name",
    "k8s.deployment.name",
    "k8s.statefulset.name",
    "k8s.daemonset.name",
    "k8s.cronjob.name",
    "k8s.job.name",
];

/** limits.go RegisterFlags: `validation.discover-service-name`. */
export const DEFAULT_DISCOVER_SERVICE_NAME = [
    "service",
    "app",
    "application",
    "app_name",
    "name",
    "app_kubernetes_io_name",
    "container",
    "container_name",
    "k8s_container_name",
    "component",
    "workload",
    "job",
    "k8s_job_name",
];

/** field_detection.go defaultAllowedLevelFields. */
const LEVEL_FIELDS = [
    "level",
    "LEVEL",
    "Level",
    "log.level",
    "severity",
    "SEVERITY",
    "Severity",
    "SeverityText",
    "lvl",
    "LVL",
    "Lvl",
    "severity_text",
    "Severity_Text",
    "SEVERITY_TEXT",
];

export interface PushEntry {
    line: string;
    structuredMetadata: Record<string, string>;
}
export interface PushStream {
    labels: Record<string, string>;
    entries: PushEntry[];
}

/** prometheus/otlptranslator NormalizeLabel: non-alphanumerics to "_", "key_" before a digit, "key" before one "_". */
export function normalizeLabel(label: string): string {
    if (label.length === 0) return label;
    let normalized = label.replace(/[^\p{L}\p{N}]/gu, "_");
    if (/^\p{Nd}/u.test(normalized)) normalized = `key_${normalized}`;
    else if (normalized.startsWith("_") && !normalized.startsWith("__")) normalized = `key${normalized}`;
    return normalized;
}

/** pcommon.Value.AsString for the value types the mapping meets (maps are flattened before this). */
function asString(value: AnyValue): string {
    if (value.stringValue !== undefined) return value.stringValue;
    if (value.boolValue !== undefined) return String(value.boolValue);
    if (value.intValue !== undefined) return String(value.intValue);
    if (value.doubleValue !== undefined) return String(value.doubleValue);
    if (value.arrayValue) return JSON.stringify(value.arrayValue.values.map(asJson));
    if (value.bytesValue !== undefined) return value.bytesValue;
    return "";
}
function asJson(value: AnyValue): unknown {
    if (value.kvlistValue) return Object.fromEntries(value.kvlistValue.values.map((kv) => [kv.key, asJson(kv.value)]));
    if (value.arrayValue) return value.arrayValue.values.map(asJson);
    if (value.intValue !== undefined) return Number(value.intValue);
    return value.stringValue ?? value.boolValue ?? value.doubleValue ?? null;
}

/** otlp.go attributeToLabels. */
function attributeToLabels(key: string, value: AnyValue, prefix = ""): Array<[string, string]> {
    const name = normalizeLabel(prefix ? `${prefix}_${key}` : key);
    if (value.kvlistValue) return value.kvlistValue.values.flatMap((kv) => attributeToLabels(kv.key, kv.value, name));
    return [[name, asString(value)]];
}

/** otlp_config.go actionForAttribute: the first config whose regex or list matches; else structured metadata. */
function actionFor(attribute: string, configs: AttributesConfig[]): Action {
    for (const config of configs) {
        // relabel.Regexp anchors the expression (^(?:...)$).
        if (config.regex !== undefined && new RegExp(`^(?:${config.regex})$`).test(attribute)) return config.action ?? "structured_metadata";
        if ((config.attributes ?? []).includes(attribute)) return config.action ?? "structured_metadata";
    }
    return "structured_metadata";
}

/** field_detection.go normalizeLogLevel. */
function normalizeLogLevel(level: string): string {
    const lower = level.toLowerCase();
    if (["trace", "trc"].includes(lower)) return "trace";
    if (["debug", "dbg"].includes(lower)) return "debug";
    if (["info", "inf", "information"].includes(lower)) return "info";
    if (["warn", "wrn", "warning"].includes(lower)) return "warn";
    if (["error", "err"].includes(lower)) return "error";
    if (lower === "critical") return "critical";
    if (lower === "fatal") return "fatal";
    return level;
}

/**
 * field_detection.go extractLogLevel for an OTLP entry: a level-named label or structured metadata (severity_text
 * is one), else severity_number by the OpenTelemetry ranges. Lines without either are not ported (the pod-log path
 * reads its level from the line; see docs/correlations.md, "Level is not a label").
 */
export function detectedLevel(labels: Record<string, string>, metadata: Record<string, string>): string | undefined {
    for (const source of [labels, metadata]) {
        const field = LEVEL_FIELDS.find((name) => name in source);
        if (field) return normalizeLogLevel(source[field]);
    }
    const severity = metadata.severity_number;
    if (severity === undefined) return undefined;
    const n = Number.parseInt(severity, 10);
    if (Number.isNaN(n)) return "info";
    if (n === 0) return "unknown";
    for (const [upTo, level] of [
        [4, "trace"],
        [8, "debug"],
        [12, "info"],
        [16, "warn"],
        [20, "error"],
        [24, "fatal"],
    ] as const)
        if (n <= upTo) return level;
    return "unknown";
}

/** otlp.go otlpToLokiPushRequest with otlpLogToPushEntry, then the distributor's detected_level. */
export function otlpToLokiStreams(request: ExportLogsServiceRequest, settings: LokiOtlpSettings = {}): PushStream[] {
    const resourceConfigs: AttributesConfig[] = [
        ...(settings.otlpConfig?.resource_attributes?.ignore_defaults
            ? []
            : [{ action: "index_label" as const, attributes: settings.defaultIndexLabels ?? DEFAULT_INDEX_LABELS }]),
        ...(settings.otlpConfig?.resource_attributes?.attributes_config ?? []),
    ];
    const discover = settings.discoverServiceName ?? DEFAULT_DISCOVER_SERVICE_NAME;
    if (settings.allowStructuredMetadata === false)
        throw new Error("Loki refuses OTLP logs when allow_structured_metadata is false (their metadata has nowhere to go)");
    const streams = new Map<string, PushStream>();

    for (const resourceLogs of request.resourceLogs) {
        const attributes = resourceLogs.resource?.attributes ?? [];
        const labels: Record<string, string> = {};
        const resourceMetadata: Array<[string, string]> = [];
        let hasServiceName = attributes.some((kv) => kv.key === "service.name" && asString(kv.value) !== "");
        for (const { key, value } of attributes) {
            const action = actionFor(key, resourceConfigs);
            if (action === "drop") continue;
            const asLabels = attributeToLabels(key, value);
            if (action === "index_label") {
                for (const [name, text] of asLabels) {
                    labels[name] = text;
                    if (!hasServiceName && discover.length > 0 && discover.includes(name)) {
                        labels.service_name = text;
                        hasServiceName = true;
                    }
                }
            } else resourceMetadata.push(...asLabels);
        }
        if (!hasServiceName && discover.length > 0) labels.service_name = "unknown_service";
        const streamKey = JSON.stringify(Object.entries(labels).sort());
        const stream = streams.get(streamKey) ?? { labels, entries: [] };
        streams.set(streamKey, stream);

        for (const scopeLogs of resourceLogs.scopeLogs) {
            const scopeMetadata: Array<[string, string]> = [];
            for (const { key, value } of scopeLogs.scope?.attributes ?? []) {
                if (actionFor(key, settings.otlpConfig?.scope_attributes ?? []) === "structured_metadata") scopeMetadata.push(...attributeToLabels(key, value));
            }
            if (scopeLogs.scope?.name) scopeMetadata.push(["scope_name", scopeLogs.scope.name]);
            if (scopeLogs.scope?.version) scopeMetadata.push(["scope_version", scopeLogs.scope.version]);

            for (const record of scopeLogs.logRecords) {
                const metadata: Array<[string, string]> = [];
                for (const { key, value } of record.attributes ?? []) {
                    if (actionFor(key, settings.otlpConfig?.log_attributes ?? []) === "structured_metadata") metadata.push(...attributeToLabels(key, value));
                }
                if (record.timeUnixNano && record.timeUnixNano !== "0" && record.observedTimeUnixNano && record.observedTimeUnixNano !== "0") {
                    metadata.push(["observed_timestamp", record.observedTimeUnixNano]);
                }
                if (record.severityNumber) metadata.push(["severity_number", String(record.severityNumber)]);
                if (record.severityText) metadata.push(["severity_text", record.severityText]);
                if (record.droppedAttributesCount) metadata.push(["dropped_attributes_count", String(record.droppedAttributesCount)]);
                if (record.flags) metadata.push(["flags", String(record.flags)]);
                // pdata decodes the JSON hex into bytes; Loki writes them back with hex.EncodeToString (lower case).
                if (record.traceId && !/^0*$/.test(record.traceId)) metadata.push(["trace_id", record.traceId.toLowerCase()]);
                if (record.spanId && !/^0*$/.test(record.spanId)) metadata.push(["span_id", record.spanId.toLowerCase()]);
                const structuredMetadata = Object.fromEntries([...metadata, ...resourceMetadata, ...scopeMetadata]);
                if (settings.discoverLogLevels ?? true) {
                    const level = detectedLevel(stream.labels, structuredMetadata);
                    if (level) structuredMetadata.detected_level = level;
                }
                stream.entries.push({ line: record.body ? asString(record.body) : "", structuredMetadata });
            }
        }
    }
    return [...streams.values()];
}
