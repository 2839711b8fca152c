// Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, "Alerting on SLOs") over the SLI records
// of recordingRules.ts. A window pair fires when both its long and short window spend the error budget
// `factor` times faster than the SLO period allows: the long window makes it significant, the short one
// makes it stop soon after the burn stops.
//
// The rules are multi-dimensional: one rule per indicator and window pair covers every service, each
// service an alert instance, its budget and team read from its objective series (OBJECTIVE_RECORD). So
// Grafana holds nine SLO rules whether there are 2 services or 500; what differs between services lives
// in their recording rules, which Prometheus needs anyway.

import { durationSeconds } from "../../stacks/units";
import type { RuleCase, Severity, SyntheticSeries, TestedRule, TestedRuleGroup } from "../grafana/alerting/rules";
import { counter, series } from "../grafana/alerting/syntheticSeries";
import { FAST_BURN_RATE, HTTP_METRICS } from "../vocabulary";
import { latencyBucketLabel, type ServiceSlo } from "./recordingRules";
import { errorBudget, errorRatioRecord, OBJECTIVE_RECORD, SLO_PERIOD, type SloWindow, slowRatioRecord } from "./records";

export interface BurnRateAlert {
    long: SloWindow;
    short: SloWindow;
    /** How many times faster than "exactly used up over the SLO period" the budget burns. */
    factor: number;
    severity: Severity;
    /** Keeps a single evaluation's blip from notifying; short next to the windows. */
    for: string;
}

/**
 * The workbook's four pairs for a 30-day SLO: 2% of the budget gone in 1 h or 5% in 6 h pages
 * (critical); 10% in 1 d or 10% in 3 d opens a ticket (warning).
 */
export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = [
    { long: "1h", short: "5m", factor: FAST_BURN_RATE, severity: "critical", for: "2m" },
    { long: "6h", short: "30m", factor: 6, severity: "critical", for: "15m" },
    { long: "1d", short: "2h", factor: 3, severity: "warning", for: "1h" },
    { long: "3d", short: "6h", factor: 1, severity: "warning", for: "3h" },
];

const RUNBOOK = "https://sre.google/workbook/alerting-on-slos/";

export type IndicatorKey = "availability" | "latency";

interface Indicator {
    key: IndicatorKey;
    /** UID part. */
    code: string;
    record: (window: SloWindow) => string;
    objective: (service: ServiceSlo) => number;
    /** What a bad request did, for descriptions. */
    bad: string;
}

const INDICATORS: readonly Indicator[] = [
    { key: "availability", code: "err", record: errorRatioRecord, objective: (s) => s.availabilityObjective, bad: "failed (5xx)" },
    { key: "latency", code: "lat", record: slowRatioRecord, objective: (s) => s.latencyObjective, bad: "took longer than the service's latency threshold" },
];

/** Alert instances are per service: these labels come from the SLI and objective series. */
const SERVICE_MATCH = "on (namespace, service)";

/** The burn rate over `window` of every service with an objective for the indicator, with its team. */
export function burnRateExpr(indicator: IndicatorKey, window: SloWindow): string {
    const { record } = INDICATORS.find((i) => i.key === indicator)!;
    return `${record(window)} / ${SERVICE_MATCH} group_left (team) (1 - ${OBJECTIVE_RECORD}{sli="${indicator}"})`;
}

/** How long the period's budget lasts at `factor` times the sustainable rate, in words. */
function budgetLasts(factor: number): string {
    const hours = durationSeconds(SLO_PERIOD) / 3600 / factor;
    return hours < 72 ? `${Math.round(hours)} hours` : `${Math.round(hours / 24)} days`;
}

const serviceLabels = (service: ServiceSlo) => ({ namespace: service.namespace, service: service.name, team: service.team });

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

/**
 * Cases over the first services: the first burns at `burn(first)` and must fire, the second (when there
 * is one) burns as hard in absolute terms but within its own budget when its objective is looser.
 */
function burnRateRule(services: readonly ServiceSlo[], indicator: Indicator, alert: BurnRateAlert): TestedRule {
    const { long, short, factor } = alert;
    const forMinutes = durationSeconds(alert.for) / 60;
    const budget = (service: ServiceSlo) => Number(errorBudget(indicator.objective(service)));
    const traffic = (service: ServiceSlo, badShare: number) => sloTraffic(service, indicator.key, [{ minutes: forMinutes + 10, badShare }]);
    const [first, ...others] = services;
    // Steady traffic from the start: every window holds the same ratio, so only `for` delays firing.
    const cases = (): RuleCase[] => {
        // Every other service at half its own burn threshold: silent whatever the first one does.
        const quietOthers = others.flatMap((other) => traffic(other, (factor * budget(other)) / 2));
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
    };
    let built: RuleCase[] | undefined;
    return {
        rule: {
            uid: `slo-${indicator.code}-${long}${short}`,
            title: `SLO ${indicator.key} budget burn ${factor}x over ${long}/${short}`,
            // The value is the long window's burn rate, kept where the short window burns as fast.
            expr: `${burnRateExpr(indicator.key, long)} and ${SERVICE_MATCH} ${burnRateExpr(indicator.key, short)} > ${factor}`,
            comparison: "gt",
            threshold: factor,
            for: alert.for,
            severity: alert.severity,
            summary: `{{ $labels.service }} ({{ $labels.namespace }}) is spending its ${indicator.key} error budget ${factor}x too fast`,
            description: `Over the last ${long} and the last ${short}, the share of requests to {{ $labels.service }} in {{ $labels.namespace }} that ${indicator.bad} was more than ${factor} times its error budget (100% minus its ${indicator.key} objective; both on the service's SLO dashboard). At this rate the ${SLO_PERIOD} error budget lasts ${budgetLasts(factor)}. Team: {{ $labels.team }}.`,
            runbookUrl: RUNBOOK,
            // No traffic burns no budget.
            noDataState: "OK",
            execErrState: "Error",
        },
        // Built when asked: with a series set for every service, they are most of the work of a thousand
        // services' rules, and only the tests read them.
        get cases() {
            built ??= cases();
            return built;
        },
    };
}

/** Requests are counted but the slow ratio is empty: the threshold's histogram bucket does not exist. */
function latencySliMissingRule(services: readonly ServiceSlo[]): TestedRule {
    const [first] = services;
    const count = HTTP_METRICS.durationBucket.replace(/_bucket$/, "_count");
    const le = latencyBucketLabel(first.latencyThresholdMs);
    const traffic = (service: ServiceSlo) => sloTraffic(service, "latency", [{ minutes: 30, badShare: 0.5 }]);
    // The same requests in a histogram whose buckets miss the threshold.
    const missingBucket = (inputs: SyntheticSeries[]) => inputs.map((input) => ({ ...input, series: input.series.replace(`le="${le}"`, `le="${le}1"`) }));
    const withBucket = traffic(first);
    const withoutBucket = missingBucket(withBucket);
    // A service without an SLO is none of this rule's business, bucket or not.
    const strangerTraffic = missingBucket(traffic({ ...first, name: `${first.name}-without-slo` }));
    return {
        rule: {
            uid: "slo-lat-sli",
            title: "SLO latency SLI missing",
            // Services with a latency objective (the count carries its team) that serve requests but record no slow ratio.
            expr: `sum by (namespace, service) (rate(${count}[5m])) * ${SERVICE_MATCH} group_left (team) count by (namespace, service, team) (${OBJECTIVE_RECORD}{sli="latency"}) unless ${SERVICE_MATCH} ${slowRatioRecord("5m")}`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "warning",
            summary: "{{ $labels.service }} has no latency SLI",
            description: `{{ $labels.service }} in {{ $labels.namespace }} serves requests, but its latency SLI is empty: its ${HTTP_METRICS.durationBucket} histogram has no bucket at the service's latencyThresholdMs, so the latency SLO can neither be measured nor alert. Add that bucket to the service's histogram, or set latencyThresholdMs to one of its buckets. Team: {{ $labels.team }}.`,
            runbookUrl: RUNBOOK,
            noDataState: "OK",
            execErrState: "Error",
        },
        cases: [
            {
                name: "no bucket at the threshold",
                series: [...withoutBucket, ...strangerTraffic],
                checks: [
                    { at: "10m", firing: [] },
                    { at: "20m", firing: [serviceLabels(first)] },
                ],
            },
            { name: "a bucket at the threshold", series: [...withBucket, ...strangerTraffic], checks: [{ at: "30m", firing: [] }] },
        ],
    };
}

/** One group in the SLOs folder for every service: two indicators × four window pairs, and the missing-SLI check. */
export function sloRuleGroups(services: readonly ServiceSlo[]): TestedRuleGroup[] {
    if (services.length === 0) return [];
    return [
        {
            name: "SLOs",
            folder: "slos",
            interval: "1m",
            rules: [
                ...INDICATORS.flatMap((indicator) => BURN_RATE_ALERTS.map((alert) => burnRateRule(services, indicator, alert))),
                latencySliMissingRule(services),
            ],
        },
    ];
}
