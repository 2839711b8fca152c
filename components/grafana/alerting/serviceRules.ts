// The reference guide's "Service Health" rules (alerting-rules.yaml): error rate, P95 latency and pod
// restarts. Unlike the guide, error rate and latency are per namespace and service, so one noisy service
// neither hides nor drowns the others; services with SLOs also get burn-rate alerts (components/slo/burnRateRules.ts).
import { HTTP_METRICS, PLATFORM_TEAM } from "../../vocabulary";
import type { AlertRuleInput, TestedRule } from "./rules";
import { counter, gauge, series } from "./syntheticSeries";

/** Thresholds of the guide: 5% of requests failing, P95 above 2 s, more than 3 restarts in an hour. */
export const SERVICE_HEALTH_THRESHOLDS = { errorPercent: 5, p95Seconds: 2, restartsPerHour: 3 } as const;

const GOLDEN_SIGNALS = "https://sre.google/sre-book/monitoring-distributed-systems/#xref_monitoring_golden-signals";
const CRASH_LOOPING = "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping";

const { requests, durationBucket, labels } = HTTP_METRICS;
const byService = `${labels.namespace}, ${labels.service}`;
/** The synthetic service of the cases. */
const app = { [labels.namespace]: "shop", [labels.service]: "checkout" };

/** Requests a minute with a 2xx and a 5xx status, as counters. */
function httpTraffic(okPerMinute: number, failedPerMinute: number, minutes: number) {
    return [
        series(requests, { ...app, [labels.status]: "200" }, counter([{ minutes, value: okPerMinute }])),
        series(requests, { ...app, [labels.status]: "500" }, counter([{ minutes, value: failedPerMinute }])),
    ];
}

/** Cumulative histogram buckets: requests a minute at or under each bound. */
function latencyBuckets(atOrUnder: Record<string, number>, minutes: number) {
    return Object.entries(atOrUnder).map(([le, perMinute]) => series(durationBucket, { ...app, le }, counter([{ minutes, value: perMinute }])));
}

/** Restart counter of one container: +1 at each of the given minutes, observed for `minutes`. */
function restarts(namespace: string, pod: string, atMinutes: number[], minutes: number) {
    const steps = [0, ...atMinutes, minutes + 1];
    return series(
        "kube_pod_container_status_restarts_total",
        { namespace, pod, container: "main" },
        gauge(steps.slice(0, -1).map((start, count) => ({ minutes: steps[count + 1] - start, value: count }))),
    );
}

export function serviceHealthRules(input: AlertRuleInput): TestedRule[] {
    const { errorPercent, p95Seconds, restartsPerHour } = SERVICE_HEALTH_THRESHOLDS;
    const ns = input.namespace;
    return [
        {
            rule: {
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
            cases: [
                {
                    name: "10% of requests fail: pending for 5 minutes, then firing",
                    series: httpTraffic(90, 10, 20),
                    checks: [
                        { at: "4m", firing: [] },
                        { at: "10m", firing: [app] },
                    ],
                },
                { name: "2% of requests fail", series: httpTraffic(98, 2, 20), checks: [{ at: "15m", firing: [] }] },
            ],
        },
        {
            rule: {
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
            cases: [
                {
                    name: "60% of requests take 2.5-5 s (P95 ≈ 4.8 s)",
                    series: latencyBuckets({ "0.5": 10, "1": 20, "2.5": 40, "5": 100, "+Inf": 100 }, 20),
                    checks: [
                        { at: "4m", firing: [] },
                        { at: "10m", firing: [app] },
                    ],
                },
                {
                    name: "all requests within 2.5 s, most within 0.5 s",
                    series: latencyBuckets({ "0.5": 90, "1": 99, "2.5": 100, "5": 100, "+Inf": 100 }, 20),
                    checks: [{ at: "15m", firing: [] }],
                },
            ],
        },
        {
            rule: {
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
            cases: [
                {
                    name: "a restart every 10 minutes; an application pod doing the same is not the stack's",
                    series: [restarts(ns, "loki-0", [10, 20, 30, 40, 50], 60), restarts("shop", "checkout-0", [10, 20, 30, 40, 50], 60)],
                    checks: [
                        { at: "25m", firing: [] },
                        { at: "45m", firing: [{ namespace: ns, pod: "loki-0", container: "main" }] },
                    ],
                },
                {
                    name: "two restarts in an hour",
                    series: [restarts(ns, "loki-0", [10, 40], 90)],
                    checks: [
                        { at: "60m", firing: [] },
                        { at: "90m", firing: [] },
                    ],
                },
            ],
        },
    ];
}
