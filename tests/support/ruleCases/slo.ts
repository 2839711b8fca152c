// Synthetic SLO traffic, and the cases of the burn-rate and missing-SLI rules (components/slo/burnRateRules.ts).
import type { AlertRuleDefinition } from "../../../components/grafana/alerting/rules";
import type { IndicatorKey } from "../../../components/slo/burnRateRules";
import { latencyBucketLabel, type ServiceSlo } from "../../../components/slo/recordingRules";
import { errorBudget } from "../../../components/slo/records";
import { HTTP_METRICS } from "../../../components/vocabulary";
import { durationSeconds } from "../../../stacks/units";
import type { RuleCase, RuleCases } from "./cases";
import { counter, type SyntheticSeries, series } from "./syntheticSeries";

export interface TrafficPhase {
    minutes: number;
    badShare: number;
}

/**
 * Synthetic traffic of one service for one indicator: `perMinute` requests a minute, `badShare` of them
 * bad in each phase. A service that never fails has no 5xx series, as with real client libraries.
 */
export function sloTraffic(service: ServiceSlo, indicator: IndicatorKey, phases: TrafficPhase[], perMinute = 1000): SyntheticSeries[] {
    const { labels, requests, durationBucket } = HTTP_METRICS;
    const own = { [labels.namespace]: service.namespace, [labels.service]: service.name };
    const good = counter(phases.map(({ minutes, badShare }) => ({ minutes, value: perMinute * (1 - badShare) })));
    const bad = counter(phases.map(({ minutes, badShare }) => ({ minutes, value: perMinute * badShare })));
    const all = counter(phases.map(({ minutes }) => ({ minutes, value: perMinute })));
    if (indicator === "availability") {
        return [
            series(requests, { ...own, [labels.status]: "200" }, good),
            ...(phases.some(({ badShare }) => badShare > 0) ? [series(requests, { ...own, [labels.status]: "500" }, bad)] : []),
        ];
    }
    return [
        series(durationBucket, { ...own, le: latencyBucketLabel(service.latencyThresholdMs) }, good),
        series(durationBucket, { ...own, le: "+Inf" }, all),
        series(durationBucket.replace(/_bucket$/, "_count"), own, all),
    ];
}

const serviceLabels = (service: ServiceSlo) => ({ namespace: service.namespace, service: service.name, team: service.team });

const OBJECTIVES: Record<IndicatorKey, (service: ServiceSlo) => number> = {
    availability: (service) => service.availabilityObjective,
    latency: (service) => service.latencyObjective,
};

/**
 * Cases over the stack's services for a burn-rate rule, whose threshold is the burn factor: the first
 * service burns at twice the factor (the rule fires for it alone), then at half (silent); every other
 * service burns at half its own threshold throughout, silent whatever the first one does.
 */
function burnRateCases(services: readonly ServiceSlo[], indicator: IndicatorKey, rule: AlertRuleDefinition): RuleCase[] {
    const factor = rule.threshold;
    const forMinutes = durationSeconds(rule.for) / 60;
    const budget = (service: ServiceSlo) => Number(errorBudget(OBJECTIVES[indicator](service)));
    const traffic = (service: ServiceSlo, badShare: number) => sloTraffic(service, indicator, [{ minutes: forMinutes + 10, badShare }]);
    const [first, ...others] = services;
    const quietOthers = others.flatMap((other) => traffic(other, (factor * budget(other)) / 2));
    // Steady traffic from the start: every window holds the same ratio, so only `for` delays firing.
    return [
        {
            name: `twice the burn rate (capped at every request bad)${others.length ? ", other services at half theirs" : ""}`,
            series: [...traffic(first, Math.min(1, 2 * factor * budget(first))), ...quietOthers],
            checks: [
                { at: `${forMinutes}m`, firing: [] },
                { at: `${forMinutes + 5}m`, firing: [serviceLabels(first)] },
            ],
        },
        {
            name: "half the burn rate",
            series: [...traffic(first, (factor * budget(first)) / 2), ...quietOthers],
            checks: [{ at: `${forMinutes + 10}m`, firing: [] }],
        },
    ];
}

const burnRate =
    (indicator: IndicatorKey): RuleCases[string] =>
    ({ services }, rule) =>
        burnRateCases(services, indicator, rule);

/** Requests are counted but the slow ratio is empty: the threshold's histogram bucket does not exist. */
function latencySliMissingCases(services: readonly ServiceSlo[]): RuleCase[] {
    const [first] = services;
    const le = latencyBucketLabel(first.latencyThresholdMs);
    const traffic = (service: ServiceSlo) => sloTraffic(service, "latency", [{ minutes: 30, badShare: 0.5 }]);
    // The same requests in a histogram whose buckets miss the threshold.
    const missingBucket = (inputs: SyntheticSeries[]) => inputs.map((input) => ({ ...input, series: input.series.replace(`le="${le}"`, `le="${le}1"`) }));
    const withBucket = traffic(first);
    const withoutBucket = missingBucket(withBucket);
    // A service without an SLO is none of this rule's business, bucket or not.
    const strangerTraffic = missingBucket(traffic({ ...first, name: `${first.name}-without-slo` }));
    return [
        {
            name: "no bucket at the threshold",
            series: [...withoutBucket, ...strangerTraffic],
            checks: [
                { at: "10m", firing: [] },
                { at: "20m", firing: [serviceLabels(first)] },
            ],
        },
        { name: "a bucket at the threshold", series: [...withBucket, ...strangerTraffic], checks: [{ at: "30m", firing: [] }] },
    ];
}

export const SLO_CASES: RuleCases = {
    "slo-err-1h5m": burnRate("availability"),
    "slo-err-6h30m": burnRate("availability"),
    "slo-err-1d2h": burnRate("availability"),
    "slo-err-3d6h": burnRate("availability"),
    "slo-lat-1h5m": burnRate("latency"),
    "slo-lat-6h30m": burnRate("latency"),
    "slo-lat-1d2h": burnRate("latency"),
    "slo-lat-3d6h": burnRate("latency"),
    "slo-lat-sli": ({ services }) => latencySliMissingCases(services),
};
