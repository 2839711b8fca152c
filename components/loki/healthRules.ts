// Loki's health: requests failing, and lines refused by its ingestion limits (collected by the registry into
// the stack's health rules, components/grafana/alerting/stackRules.ts).

import type { AlertRuleDefinition } from "../grafana/alerting/rules";
import { PLATFORM_TEAM } from "../vocabulary";

const RUNBOOKS = {
    lokiRequestErrors: "https://github.com/grafana/loki/blob/main/operator/docs/lokistack/sop.md#loki-request-errors",
    lokiRateLimits: "https://grafana.com/docs/loki/latest/operations/request-validation-rate-limits/",
} as const;

export function lokiHealthRules(ns: string): AlertRuleDefinition[] {
    const inNs = `namespace="${ns}"`;
    return [
        {
            uid: "stack-loki-request-errors",
            title: "Loki Request Errors",
            expr: `100 * sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${inNs}, status_code=~"5.."}[5m])) / sum by (namespace, job, route) (rate(loki_request_duration_seconds_count{${inNs}}[5m]))`,
            comparison: "gt",
            threshold: 10,
            for: "15m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "Loki {{ $labels.route }} is failing",
            description:
                "More than 10% of the requests to {{ $labels.job }} on {{ $labels.route }} have failed with a 5xx status for 15 minutes: logs are being lost or cannot be queried.",
            runbookUrl: RUNBOOKS.lokiRequestErrors,
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "stack-loki-rate-limited",
            title: "Loki Ingestion Rate-Limited",
            expr: `sum by (namespace, tenant, reason) (rate(loki_discarded_samples_total{${inNs}, reason=~"rate_limited|per_stream_rate_limit|stream_limit"}[5m]))`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Loki refuses logs of tenant {{ $labels.tenant }} ({{ $labels.reason }})",
            description:
                "Loki has been discarding log lines of tenant {{ $labels.tenant }} for 15 minutes because of its {{ $labels.reason }} limit. The collector retries, but lines are lost once its queue is full: raise loki.limits or find the noisy stream.",
            runbookUrl: RUNBOOKS.lokiRateLimits,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
}
