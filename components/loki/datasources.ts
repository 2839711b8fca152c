// The Loki datasource Grafana gets, with its links to traces (assembled in components/grafana/datasources.ts).
import type { DatasourceDefinition, DatasourceInputs } from "../grafana/datasources";
import { DATASOURCE_UIDS } from "../grafana/uids";

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
interface LokiJsonData {
    maxLines: string;
    derivedFields: DerivedField[];
}

/**
 * Structured metadata Loki's OTLP endpoint writes the log record's TraceId under (lower-case hex;
 * pkg/loghttp/push/otlp.go otlpLogToPushEntry).
 */
export const OTLP_TRACE_ID_METADATA = "trace_id";

/**
 * Trace ids as logfmt or JSON fields of a log line, under the keys application loggers write: `trace_id`
 * (OpenTelemetry's Python logging instrumentation, Java MDC, logfmt), `traceId`/`traceID` (Spring/Micrometer,
 * Go), `TraceId` (.NET ActivityTrackingOptions scopes), `trace.id` (Elastic Common Schema). Grafana's frontend
 * runs it as a JavaScript RegExp (no inline flags), hence the character classes instead of `(?i)`.
 */
const TRACE_ID_IN_LINE = "(?:[Tt]race_?[Ii][Dd]|trace\\.id)[\"']?\\s*[=:]\\s*[\"']?([0-9a-fA-F]{16,32})";

export function lokiDatasources(inputs: DatasourceInputs): DatasourceDefinition[] {
    const { tempo } = DATASOURCE_UIDS;
    return [
        {
            key: "loki",
            name: "Loki",
            type: "loki",
            url: inputs.lokiUrl,
            isDefault: false,
            ...(inputs.lokiTenantId ? { httpHeaders: { "X-Scope-OrgID": inputs.lokiTenantId } } : {}),
            jsonData: {
                maxLines: "1000",
                derivedFields: [
                    {
                        name: "TraceID",
                        matcherType: "regex",
                        matcherRegex: TRACE_ID_IN_LINE,
                        url: "${__value.raw}",
                        datasourceUid: tempo,
                        urlDisplayLabel: "View trace",
                    },
                    // Logs sent over OTLP carry the trace id as structured metadata, not in the line; Grafana's
                    // `label` matcher tests the regex against the names of the row's labels, structured metadata included.
                    {
                        name: "trace_id",
                        matcherType: "label",
                        matcherRegex: `^${OTLP_TRACE_ID_METADATA}$`,
                        url: "${__value.raw}",
                        datasourceUid: tempo,
                        urlDisplayLabel: "View trace",
                    },
                ],
            } satisfies LokiJsonData,
        },
    ];
}
