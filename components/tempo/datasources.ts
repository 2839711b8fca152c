// The Tempo datasource Grafana gets, with its links to logs, metrics and profiles (assembled in components/grafana/datasources.ts).
import type { DatasourceDefinition, DatasourceInputs, TagMapping } from "../grafana/datasources";
import { DATASOURCE_UIDS } from "../grafana/uids";
import { LOG_LABELS, PROFILES, SPAN_METRICS } from "../vocabulary";

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
    /**
     * TraceToProfilesOptions (packages/grafana-o11y-ds-frontend/src/TraceToProfiles/TraceToProfilesSettings.tsx). A span
     * gets a profiles link when it carries `pyroscope.profile.id` (createSpanLink.tsx); the query selects
     * `{$__tags}` and the span's samples by that ID (resultTransformer.ts spanSelector).
     */
    tracesToProfiles: {
        datasourceUid: string;
        tags: TagMapping[];
        profileTypeId: string;
        customQuery: boolean;
    };
    serviceMap: { datasourceUid: string };
    nodeGraph: { enabled: boolean };
    search: { hide: boolean };
}

/** OpenTelemetry resource attributes (on the span's resource), mapped to the Loki labels both log paths carry. */
const TRACE_TO_LOG_TAGS: TagMapping[] = [
    { key: "service.name", value: LOG_LABELS.service },
    { key: "k8s.namespace.name", value: LOG_LABELS.namespace },
];
/**
 * `service.name` (on the span's resource) to the label Pyroscope keeps it under. Only the service: profiles
 * pushed by an SDK carry no namespace label (the collector cannot tell which pod pushed them), and a matcher
 * on a label a series lacks would find nothing.
 */
const TRACE_TO_PROFILE_TAGS: TagMapping[] = [{ key: "service.name", value: PROFILES.labels.service }];
// `value` is the label name: Grafana writes `${value || key}="…"` (createSpanLink.tsx buildMetricsQuery).
const TRACE_TO_METRIC_TAGS: TagMapping[] = [
    { key: "service.name", value: SPAN_METRICS.labels.service },
    { key: "k8s.namespace.name", value: SPAN_METRICS.labels.namespace },
];

export function tempoDatasources(inputs: DatasourceInputs): DatasourceDefinition[] {
    const { prometheus, loki, pyroscope } = DATASOURCE_UIDS;
    return [
        {
            key: "tempo",
            name: "Tempo",
            type: "tempo",
            url: inputs.tempoUrl,
            isDefault: false,
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
                tracesToProfiles: {
                    datasourceUid: pyroscope,
                    tags: TRACE_TO_PROFILE_TAGS,
                    profileTypeId: PROFILES.cpuProfileType,
                    customQuery: false,
                },
                serviceMap: { datasourceUid: prometheus },
                nodeGraph: { enabled: true },
                search: { hide: false },
            } satisfies TempoJsonData,
        },
    ];
}
