// Cases of the guide's "Service Health" rules (components/grafana/alerting/serviceRules.ts).
import { HTTP_METRICS } from "../../../components/vocabulary";
import type { RuleCases } from "./cases";
import { counter, gauge, series } from "./syntheticSeries";

const { requests, durationBucket, labels } = HTTP_METRICS;
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

export const SERVICE_HEALTH_CASES: RuleCases = {
    "high-error-rate": () => [
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
    "high-latency": () => [
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
    "pod-restart-loop": ({ namespace: ns }) => [
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
};
