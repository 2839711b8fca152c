// Every datasource Grafana gets, and every link between them, in one place: read it like a provisioning
// file. Key names follow Grafana 13's own settings types (cited per interface): Grafana ignores a
// misspelt jsonData key without a word, so tests pin each link to the datasource it must reach.
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { goJsonMarshal } from "./alerting/wireFormat";
import { DATASOURCE_UIDS } from "./uids";
import { LOG_LABELS, SPAN_METRICS } from "../vocabulary";

export type DatasourceKey = keyof typeof DATASOURCE_UIDS;

/** Where an exemplar's trace id links: `ExemplarTraceIdDestination`, packages/grafana-prometheus/src/types.ts. */
interface ExemplarTraceIdDestination { name: string; datasourceUid: string; urlDisplayLabel?: string }

/** `PromOptions`, packages/grafana-prometheus/src/types.ts. */
interface PrometheusJsonData {
    httpMethod: "POST" | "GET";
    /** The scrape interval: the smallest step Grafana asks for, and the base of `$__rate_interval`. */
    timeInterval: string;
    prometheusType: "Prometheus";
    exemplarTraceIdDestinations: ExemplarTraceIdDestination[];
}

/** `DerivedFieldConfig`, public/app/plugins/datasource/loki/types.ts. */
interface DerivedField {
    name: string;
    /** A regex over the log line (`regex`), or over label and structured-metadata names (`label`). */
    matcherType: "regex" | "label";
    matcherRegex: string;
    /** With `datasourceUid`, the query run in that datasource: here the matched trace id. */
    url: string;
    datasourceUid: string;
    urlDisplayLabel?: string;
}

/** `LokiOptions`, public/app/plugins/datasource/loki/types.ts (`maxLines` is a string there). */
interface LokiJsonData { maxLines: string; derivedFields: DerivedField[] }

interface TagMapping { key: string; value?: string }

/**
 * `TempoJsonData` (public/app/plugins/datasource/tempo/types.ts) with the trace links of
 * `@grafana/o11y-ds-frontend` (TraceToLogsOptionsV2, TraceToMetricsOptions). Grafana 13 dropped the
 * old `lokiSearch` setting with the Loki search tab, so it is deliberately absent.
 */
interface TempoJsonData {
    tracesToLogsV2: {
        datasourceUid: string;
        tags: TagMapping[];
        spanStartTimeShift: string;
        spanEndTimeShift: string;
        filterByTraceID: boolean;
        filterBySpanID: boolean;
        customQuery: boolean;
    };
    tracesToMetrics: {
        datasourceUid: string;
        tags: TagMapping[];
        spanStartTimeShift: string;
        spanEndTimeShift: string;
        /** `$__tags` expands to the mapped span attributes as label matchers. */
        queries: Array<{ name: string; query: string }>;
    };
    serviceMap: { datasourceUid: string };
    nodeGraph: { enabled: boolean };
    search: { hide: boolean };
}

/** `AlertManagerDataSourceJsonData`, public/app/plugins/datasource/alertmanager/types.ts. */
interface AlertmanagerJsonData {
    implementation: "prometheus" | "mimir" | "cortex";
    /** Grafana-managed alerts go to Grafana's own Alertmanager; this one only shows Prometheus' alerts. */
    handleGrafanaManagedAlerts: boolean;
}

export interface DatasourceDefinition {
    key: DatasourceKey;
    name: string;
    type: "prometheus" | "loki" | "tempo" | "alertmanager";
    url: pulumi.Input<string>;
    isDefault: boolean;
    /** Headers Grafana adds to every request to the datasource (stored encrypted by Grafana). */
    httpHeaders?: Record<string, string>;
    jsonData: PrometheusJsonData | LokiJsonData | TempoJsonData | AlertmanagerJsonData;
}

export interface DatasourceInputs {
    prometheusUrl: pulumi.Input<string>;
    lokiUrl: pulumi.Input<string>;
    tempoUrl: pulumi.Input<string>;
    /** Set exactly when the stack runs Alertmanager. */
    alertmanagerUrl?: pulumi.Input<string | undefined>;
    alertmanagerEnabled: boolean;
    /** Prometheus' scrape interval, e.g. "30s". */
    scrapeInterval: string;
    /** Loki tenant to read (sent as X-Scope-OrgID) when Loki is multi-tenant. */
    lokiTenantId?: string;
}

/** Exemplar labels that carry a trace id, per producer (see the Prometheus datasource below). */
export const EXEMPLAR_TRACE_ID_LABELS = ["trace_id", "traceID"] as const;

/**
 * Structured metadata Loki's OTLP endpoint writes the log record's TraceId under (lower-case hex;
 * pkg/loghttp/push/otlp.go otlpLogToPushEntry).
 */
export const OTLP_TRACE_ID_METADATA = "trace_id";

/** OpenTelemetry resource attributes (on the span's resource), mapped to the Loki labels both log paths carry. */
const TRACE_TO_LOG_TAGS: TagMapping[] = [
    { key: "service.name", value: LOG_LABELS.service },
    { key: "k8s.namespace.name", value: LOG_LABELS.namespace },
];
// `value` is the label name: Grafana writes `${value || key}="…"` (createSpanLink.tsx buildMetricsQuery).
const TRACE_TO_METRIC_TAGS: TagMapping[] = [
    { key: "service.name", value: SPAN_METRICS.labels.service },
    { key: "k8s.namespace.name", value: SPAN_METRICS.labels.namespace },
];

/**
 * Trace ids as logfmt or JSON fields of a log line, under the keys application loggers write: `trace_id`
 * (OpenTelemetry's Python logging instrumentation, Java MDC, logfmt), `traceId`/`traceID` (Spring/Micrometer,
 * Go), `TraceId` (.NET ActivityTrackingOptions scopes), `trace.id` (Elastic Common Schema). Grafana's frontend
 * runs it as a JavaScript RegExp (no inline flags), hence the character classes instead of `(?i)`.
 */
const TRACE_ID_IN_LINE = "(?:[Tt]race_?[Ii][Dd]|trace\\.id)[\"']?\\s*[=:]\\s*[\"']?([0-9a-fA-F]{16,32})";

export function datasourceDefinitions(inputs: DatasourceInputs): DatasourceDefinition[] {
    const { prometheus, loki, tempo } = DATASOURCE_UIDS;
    const definitions: DatasourceDefinition[] = [
        {
            key: "prometheus", name: "Prometheus", type: "prometheus", url: inputs.prometheusUrl, isDefault: true,
            jsonData: {
                httpMethod: "POST",
                timeInterval: inputs.scrapeInterval,
                prometheusType: "Prometheus",
                // The exemplar label each producer in the stack writes the trace id under: OpenTelemetry SDKs'
                // Prometheus exporters "trace_id" (opentelemetry-go exporters/prometheus: traceIDExemplarKey), Tempo's
                // metrics generator "traceID" (grafana/tempo modules/overrides/config.go: TraceIDLabelName default).
                exemplarTraceIdDestinations: EXEMPLAR_TRACE_ID_LABELS.map((name) => ({ name, datasourceUid: tempo, urlDisplayLabel: "View trace" })),
            } satisfies PrometheusJsonData,
        },
        {
            key: "loki", name: "Loki", type: "loki", url: inputs.lokiUrl, isDefault: false,
            ...(inputs.lokiTenantId ? { httpHeaders: { "X-Scope-OrgID": inputs.lokiTenantId } } : {}),
            jsonData: {
                maxLines: "1000",
                derivedFields: [
                    { name: "TraceID", matcherType: "regex", matcherRegex: TRACE_ID_IN_LINE, url: "${__value.raw}", datasourceUid: tempo, urlDisplayLabel: "View trace" },
                    // Logs sent over OTLP carry the trace id as structured metadata, not in the line; Grafana's
                    // `label` matcher tests the regex against the names of the row's labels, structured metadata included.
                    { name: "trace_id", matcherType: "label", matcherRegex: `^${OTLP_TRACE_ID_METADATA}$`, url: "${__value.raw}", datasourceUid: tempo, urlDisplayLabel: "View trace" },
                ],
            } satisfies LokiJsonData,
        },
        {
            key: "tempo", name: "Tempo", type: "tempo", url: inputs.tempoUrl, isDefault: false,
            jsonData: {
                tracesToLogsV2: {
                    datasourceUid: loki,
                    tags: TRACE_TO_LOG_TAGS,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    filterByTraceID: true,
                    filterBySpanID: false,
                    customQuery: false,
                },
                tracesToMetrics: {
                    datasourceUid: prometheus,
                    tags: TRACE_TO_METRIC_TAGS,
                    spanStartTimeShift: "-5m",
                    spanEndTimeShift: "5m",
                    // `$__tags` goes last: PromQL accepts the trailing comma when it expands to nothing.
                    queries: [
                        { name: "Request rate", query: `sum(rate(${SPAN_METRICS.calls}{$__tags}[5m]))` },
                        { name: "Error rate", query: `sum(rate(${SPAN_METRICS.calls}{status_code="STATUS_CODE_ERROR", $__tags}[5m]))` },
                        { name: "P95 latency", query: `histogram_quantile(0.95, sum by (le) (rate(${SPAN_METRICS.latencyBucket}{$__tags}[5m])))` },
                    ],
                },
                serviceMap: { datasourceUid: prometheus },
                nodeGraph: { enabled: true },
                search: { hide: false },
            } satisfies TempoJsonData,
        },
    ];
    if (inputs.alertmanagerEnabled) {
        definitions.push({
            key: "alertmanager", name: "Alertmanager", type: "alertmanager", isDefault: false,
            url: pulumi.output(inputs.alertmanagerUrl).apply((url) => {
                if (!url) throw new Error("Alertmanager is enabled but its URL is empty");
                return url;
            }),
            jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false } satisfies AlertmanagerJsonData,
        });
    }
    return definitions;
}

/** Creates one `grafana.oss.DataSource` per definition, at its fixed UID. */
export function createDatasources(
    name: string, definitions: readonly DatasourceDefinition[], opts: pulumi.CustomResourceOptions,
): Partial<Record<DatasourceKey, grafana.oss.DataSource>> {
    const created: Partial<Record<DatasourceKey, grafana.oss.DataSource>> = {};
    for (const definition of definitions) {
        created[definition.key] = new grafana.oss.DataSource(`${name}-datasource-${definition.key}`, {
            name: definition.name,
            type: definition.type,
            uid: DATASOURCE_UIDS[definition.key],
            url: definition.url,
            accessMode: "proxy",
            isDefault: definition.isDefault,
            // In the provider's own encoding (Go's json.Marshal: sorted keys, `<>&` escaped): what it stores
            // in state both from our value (StateFunc NormalizeJsonString) and from Grafana's (datasourceConfigToState).
            jsonDataEncoded: goJsonMarshal(definition.jsonData),
            ...(definition.httpHeaders ? { httpHeaders: definition.httpHeaders } : {}),
        }, opts);
    }
    return created;
}
