// The reference guide's "Service Health" rules (alerting-rules.yaml): error rate, P95 latency and pod
// restarts. Unlike the guide, error rate and latency are per namespace and service, so one noisy service
// neither hides nor drowns the others; services with SLOs also get burn-rate alerts (components/slo/burnRateRules.ts).
import { HTTP_METRICS, PLATFORM_TEAM } from "../../vocabulary";
import type { AlertRuleDefinition, AlertRuleInput } from "./rules";

/** Thresholds of the guide: 5% of requests failing, P95 above 2 s, more than 3 restarts in an hour. */
export const SERVICE_HEALTH_THRESHOLDS = { errorPercent: 5, p95Seconds: 2, restartsPerHour: 3 } as const;

const GOLDEN_SIGNALS = "https://sre.google/sre-book/monitoring-distributed-systems/#xref_monitoring_golden-signals";
const CRASH_LOOPING = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping";

const { requests, durationBucket, labels } = HTTP_METRICS;
const byService = `${labels.namespace}, ${labels.service}`;

export function serviceHealthRules(input: AlertRuleInput): AlertRuleDefinition[] {
    const { errorPercent, p95Seconds, restartsPerHour } = SERVICE_HEALTH_THRESHOLDS;
    const ns = input.namespace;
    return [
        {
            uid: "high-error-rate",
            title: "High Error Rate",
            expr: `100 * sum by (${byService}) (rate(${requests}{${labels.status}=~"5.."}[5m])) / sum by (${byService}) (rate(${requests}[5m]))`,
            comparison: "gt",
            threshold: errorPercent,
            for: "5m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "High error rate on {{ $labels.service }} ({{ $labels.namespace }})",
            description: `More than ${errorPercent}% of the requests {{ $labels.service }} in {{ $labels.namespace }} answered over the last 5 minutes failed with a 5xx status.`,
            runbookUrl: GOLDEN_SIGNALS,
            // No requests at all is not an error rate.
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "high-latency",
            title: "High Request Latency",
            expr: `histogram_quantile(0.95, sum by (${byService}, le) (rate(${durationBucket}[5m])))`,
            comparison: "gt",
            threshold: p95Seconds,
            for: "5m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "High latency on {{ $labels.service }} ({{ $labels.namespace }})",
            description: `The 95th percentile of {{ $labels.service }}'s request duration in {{ $labels.namespace }} has been above ${p95Seconds}s for 5 minutes.`,
            runbookUrl: GOLDEN_SIGNALS,
            noDataState: "OK",
            execErrState: "Error",
        },
        {
            uid: "pod-restart-loop",
            title: "Pod Restart Loop",
            // The guide scopes this to the stack's namespace: application pods belong to their teams.
            expr: `increase(kube_pod_container_status_restarts_total{namespace="${ns}"}[1h])`,
            comparison: "gt",
            threshold: restartsPerHour,
            for: "0s",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Pod {{ $labels.pod }} is restarting frequently",
            description: `Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} restarted more than ${restartsPerHour} times in the last hour.`,
            runbookUrl: CRASH_LOOPING,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
}
