// The collector's health (collected by the registry into the stack's health rules,
// components/grafana/alerting/stackRules.ts).

import { eventRule } from "../grafana/alerting/eventRules";
import type { AlertRuleDefinition } from "../grafana/alerting/rules";

const RUNBOOKS = {
    alloy: "https://grafana.com/docs/alloy/latest/troubleshoot/debug/",
} as const;

/** Alloy: spans it cannot export to Tempo, spans it refuses from applications, log lines it drops. */
export function collectorHealthRules(ns: string): AlertRuleDefinition[] {
    return [
        eventRule({
            uid: "stack-collector-export-failures",
            title: "Collector Failing to Export Spans",
            expr: `sum by (namespace, pod) (rate(otelcol_exporter_send_failed_spans_total{namespace="${ns}"}[5m]))`,
            for: "10m",
            severity: "warning",
            summary: "The collector cannot send spans to Tempo",
            description:
                "Collector pod {{ $labels.pod }} has been failing to export spans for 10 minutes: they are lost once its retry queue is full. Check that Tempo's distributor is reachable.",
            runbookUrl: RUNBOOKS.alloy,
        }),
        eventRule({
            uid: "stack-collector-refusing-spans",
            title: "Collector Refusing Spans",
            expr: `sum by (namespace, pod) (rate(otelcol_receiver_refused_spans_total{namespace="${ns}"}[5m]))`,
            for: "10m",
            severity: "warning",
            summary: "The collector refuses spans from applications",
            description:
                "Collector pod {{ $labels.pod }} has been refusing spans for 10 minutes, usually because its memory limiter is engaged: give it more memory or replicas.",
            runbookUrl: RUNBOOKS.alloy,
        }),
        eventRule({
            uid: "stack-collector-dropping-logs",
            title: "Collector Dropping Logs",
            expr: `sum by (namespace, pod, reason) (rate(loki_write_dropped_entries_total{namespace="${ns}"}[5m]))`,
            for: "10m",
            severity: "warning",
            summary: "The collector drops log lines bound for Loki ({{ $labels.reason }})",
            description:
                "Collector pod {{ $labels.pod }} has been dropping log lines for 10 minutes ({{ $labels.reason }}): Loki refuses them or cannot be reached.",
            runbookUrl: RUNBOOKS.alloy,
        }),
    ];
}
