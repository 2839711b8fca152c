// The telemetry pipeline's health: Loki refusing or failing requests, Tempo refusing or discarding
// spans, and the collector (Alloy) failing to deliver. Mostly counters of lost data: any sustained
// increase is worth a look, so most rules fire on a rate above zero.
import type { AlertRuleDefinition, RuleCase, TestedRule } from "./rules";
import { counter, series } from "./syntheticSeries";
import { PLATFORM_TEAM } from "../../vocabulary";

const RUNBOOKS = {
    lokiRequestErrors: "https://github.com/grafana/loki/blob/main/operator/docs/lokistack/sop.md#loki-request-errors",
    lokiRateLimits: "https://grafana.com/docs/loki/latest/operations/request-validation-rate-limits/",
    tempoRefusing: "https://grafana.com/docs/tempo/latest/troubleshooting/send-traces/max-trace-limit-reached/",
    alloy: "https://grafana.com/docs/alloy/latest/troubleshoot/debug/",
} as const;

type Labels = Record<string, string>;

/** A rule counting events (failures, drops): it fires once events keep coming for its `for`. */
export function eventRule(rule: Omit<AlertRuleDefinition, "comparison" | "threshold" | "team" | "noDataState" | "execErrState">) {
    // Counters appear on the first event: no series means nothing happened.
    return { ...rule, comparison: "gt", threshold: 0, team: PLATFORM_TEAM, noDataState: "OK", execErrState: "Error" } as const;
}

/** Cases of an event rule: `metric` grows (one series per label set) and fires after `forMinutes`. */
export function eventCases(metric: string, firing: Labels, silent: Labels[], forMinutes: number): RuleCase[] {
    const minutes = forMinutes + 15;
    return [
        {
            name: `${metric} grows by 10 a minute`,
            series: [series(metric, firing, counter([{ minutes, value: 10 }]))],
            // Counters need two samples for a rate, so the condition holds from minute 1.
            checks: [{ at: `${forMinutes}m`, firing: [] }, { at: `${forMinutes + 5}m`, firing: [firing] }],
        },
        {
            name: `${metric} stays flat, or grows where the rule does not look`,
            series: [
                series(metric, firing, counter([{ minutes, value: 0 }])),
                ...silent.map((labels) => series(metric, labels, counter([{ minutes, value: 10 }]))),
            ],
            checks: [{ at: `${minutes}m`, firing: [] }],
        },
    ];
}

/** Two series of one counter: `bad` grows by `badPerMinute`, `good` by the rest of 100 a minute. */
function shareOf(metric: string, good: Labels, bad: Labels, badPerMinute: number, minutes: number) {
    return [
        series(metric, good, counter([{ minutes, value: 100 - badPerMinute }])),
        series(metric, bad, counter([{ minutes, value: badPerMinute }])),
    ];
}

export function pipelineRules(ns: string): TestedRule[] {
    const inNs = `namespace="${ns}"`;
    const loki = { namespace: ns, job: `${ns}/loki`, route: "loki_api_v1_push" };
    return [
        {
            rule: {
                uid: "stack-loki-request-errors",
                title: "Loki Request Errors",
                expr: `100 * sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${inNs}, status_code=~"5.."}[5m])) / sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${inNs}}[5m]))`,
                comparison: "gt", threshold: 10, for: "15m", severity: "critical", team: PLATFORM_TEAM,
                summary: "Loki {{ $labels.route }} is failing",
                description: "More than 10% of the requests to {{ $labels.job }} on {{ $labels.route }} have failed with a 5xx status for 15 minutes: logs are being lost or cannot be queried.",
                runbookUrl: RUNBOOKS.lokiRequestErrors,
                noDataState: "OK", execErrState: "Error",
            },
            cases: [
                {
                    name: "20% of pushes fail",
                    series: shareOf("loki_request_duration_seconds_count", { ...loki, status_code: "204" }, { ...loki, status_code: "500" }, 20, 30),
                    checks: [{ at: "15m", firing: [] }, { at: "20m", firing: [loki] }],
                },
                {
                    name: "5% of pushes fail",
                    series: shareOf("loki_request_duration_seconds_count", { ...loki, status_code: "204" }, { ...loki, status_code: "500" }, 5, 30),
                    checks: [{ at: "30m", firing: [] }],
                },
            ],
        },
        {
            rule: {
                uid: "stack-loki-rate-limited",
                title: "Loki Ingestion Rate-Limited",
                expr: `sum by (namespace, tenant, reason) (rate(loki_discarded_samples_total{${inNs}, reason=~"rate_limited|per_stream_rate_limit|stream_limit"}[5m]))`,
                comparison: "gt", threshold: 0, for: "15m", severity: "warning", team: PLATFORM_TEAM,
                summary: "Loki refuses logs of tenant {{ $labels.tenant }} ({{ $labels.reason }})",
                description: "Loki has been discarding log lines of tenant {{ $labels.tenant }} for 15 minutes because of its {{ $labels.reason }} limit. The collector retries, but lines are lost once its queue is full: raise loki.limits or find the noisy stream.",
                runbookUrl: RUNBOOKS.lokiRateLimits,
                noDataState: "OK", execErrState: "Error",
            },
            // Validation failures (line_too_long, ...) are the sender's problem, not a limit to raise.
            cases: eventCases("loki_discarded_samples_total", { namespace: ns, tenant: "fake", reason: "rate_limited" },
                [{ namespace: ns, tenant: "fake", reason: "line_too_long" }, { namespace: "other", tenant: "fake", reason: "rate_limited" }], 15),
        },
        {
            rule: {
                uid: "stack-tempo-spans-refused",
                title: "Tempo Refusing Spans",
                // The receiver counter is `tempo_receiver_refused_spans` in the Tempo releases we could
                // check; an OpenTelemetry SDK exporter names counters with `_total`. Either is accepted.
                expr: `sum by (namespace, job) (rate(tempo_receiver_refused_spans{${inNs}}[5m])) or sum by (namespace, job) (rate(tempo_receiver_refused_spans_total{${inNs}}[5m]))`,
                comparison: "gt", threshold: 0, for: "15m", severity: "warning", team: PLATFORM_TEAM,
                summary: "Tempo refuses spans ({{ $labels.job }})",
                description: "{{ $labels.job }} in {{ $labels.namespace }} has been refusing spans at its receiver for 15 minutes: traces are being lost.",
                runbookUrl: RUNBOOKS.tempoRefusing,
                noDataState: "OK", execErrState: "Error",
            },
            cases: [
                ...eventCases("tempo_receiver_refused_spans", { namespace: ns, job: `${ns}/tempo` }, [{ namespace: "other", job: "other/tempo" }], 15),
                ...eventCases("tempo_receiver_refused_spans_total", { namespace: ns, job: `${ns}/tempo` }, [], 15),
            ],
        },
        {
            rule: {
                uid: "stack-tempo-spans-discarded",
                title: "Tempo Discarding Spans",
                expr: `sum by (namespace, reason) (rate(tempo_discarded_spans_total{${inNs}}[5m]))`,
                comparison: "gt", threshold: 0, for: "15m", severity: "warning", team: PLATFORM_TEAM,
                summary: "Tempo discards spans ({{ $labels.reason }})",
                description: "Tempo in {{ $labels.namespace }} has been discarding spans for 15 minutes ({{ $labels.reason }}): traces are incomplete. Raise tempo.limits or find the service that sends oversized traces.",
                runbookUrl: RUNBOOKS.tempoRefusing,
                noDataState: "OK", execErrState: "Error",
            },
            cases: eventCases("tempo_discarded_spans_total", { namespace: ns, reason: "trace_too_large" }, [{ namespace: "other", reason: "rate_limited" }], 15),
        },
        ...collectorRules(ns),
    ];
}

/** Alloy: spans it cannot export to Tempo, spans it refuses from applications, log lines it drops. */
function collectorRules(ns: string): TestedRule[] {
    const alloy = { namespace: ns, pod: "alloy-0" };
    const other = [{ namespace: "other", pod: "alloy-0" }];
    return [
        {
            rule: eventRule({
                uid: "stack-collector-export-failures",
                title: "Collector Failing to Export Spans",
                expr: `sum by (namespace, pod) (rate(otelcol_exporter_send_failed_spans_total{namespace="${ns}"}[5m]))`,
                for: "10m", severity: "warning",
                summary: "The collector cannot send spans to Tempo",
                description: "Collector pod {{ $labels.pod }} has been failing to export spans for 10 minutes: they are lost once its retry queue is full. Check that Tempo's distributor is reachable.",
                runbookUrl: RUNBOOKS.alloy,
            }),
            cases: eventCases("otelcol_exporter_send_failed_spans_total", alloy, other, 10),
        },
        {
            rule: eventRule({
                uid: "stack-collector-refusing-spans",
                title: "Collector Refusing Spans",
                expr: `sum by (namespace, pod) (rate(otelcol_receiver_refused_spans_total{namespace="${ns}"}[5m]))`,
                for: "10m", severity: "warning",
                summary: "The collector refuses spans from applications",
                description: "Collector pod {{ $labels.pod }} has been refusing spans for 10 minutes, usually because its memory limiter is engaged: give it more memory or replicas.",
                runbookUrl: RUNBOOKS.alloy,
            }),
            cases: eventCases("otelcol_receiver_refused_spans_total", alloy, other, 10),
        },
        {
            rule: eventRule({
                uid: "stack-collector-dropping-logs",
                title: "Collector Dropping Logs",
                expr: `sum by (namespace, pod, reason) (rate(loki_write_dropped_entries_total{namespace="${ns}"}[5m]))`,
                for: "10m", severity: "warning",
                summary: "The collector drops log lines bound for Loki ({{ $labels.reason }})",
                description: "Collector pod {{ $labels.pod }} has been dropping log lines for 10 minutes ({{ $labels.reason }}): Loki refuses them or cannot be reached.",
                runbookUrl: RUNBOOKS.alloy,
            }),
            cases: eventCases("loki_write_dropped_entries_total", { ...alloy, reason: "ingester_error" }, [{ ...other[0], reason: "ingester_error" }], 10),
        },
    ];
}
