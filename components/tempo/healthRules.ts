// Tempo's health: spans refused at its receiver or discarded by its limits (collected by the registry into
// the stack's health rules, components/grafana/alerting/stackRules.ts).

import type { AlertRuleDefinition } from "../grafana/alerting/rules";
import { PLATFORM_TEAM } from "../vocabulary";

const RUNBOOKS = {
    tempoRefusing: "https://grafana.com/docs/tempo/latest/troubleshooting/send-traces/max-trace-limit-reached/",
} as const;

export function tempoHealthRules(ns: string): AlertRuleDefinition[] {
    const inNs = `namespace="${ns}"`;
    return [
        {
            uid: "stack-tempo-spans-refused",
            title: "Tempo Refusing Spans",
            // The receiver counter is `tempo_receiver_refused_spans` in the Tempo releases we could
            // check; an OpenTelemetry SDK exporter names counters with `_total`. Either is accepted.
            expr: `sum by (namespace, job) (rate(tempo_receiver_refused_spans{${inNs}}[5m])) or sum by (namespace, job) (rate(tempo_receiver_refused_spans_total{${inNs}}[5m]))`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Tempo refuses spans ({{ $labels.job }})",
            description: "{{ $labels.job }} in {{ $labels.namespace }} has been refusing spans at its receiver for 15 minutes: traces are being lost.",
            runbookUrl: RUNBOOKS.tempoRefusing,
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "stack-tempo-spans-discarded",
            title: "Tempo Discarding Spans",
            expr: `sum by (namespace, reason) (rate(tempo_discarded_spans_total{${inNs}}[5m]))`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Tempo discards spans ({{ $labels.reason }})",
            description:
                "Tempo in {{ $labels.namespace }} has been discarding spans for 15 minutes ({{ $labels.reason }}): traces are incomplete. Raise tempo.limits or find the service that sends oversized traces.",
            runbookUrl: RUNBOOKS.tempoRefusing,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
}
