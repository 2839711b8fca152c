// Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, "Alerting on SLOs"), per service and
// indicator, over the SLI records of sloRecording.ts. A window pair fires when both its long and short
// window spend the error budget `factor` times faster than the SLO period allows: the long window
// makes it significant, the short one makes it stop soon after the burn stops.
import { createHash } from "crypto";
import { SLO_PERIOD, errorBudget } from "../dashboards/slo";
import { HTTP_METRICS } from "../dashboards/serviceOverview";
import { type SloWindow, errorRatioRecord, slowRatioRecord } from "../slo";
import { durationSeconds } from "../../../stacks/units";
import type { RuleCase, Severity, SyntheticSeries, TestedRule, TestedRuleGroup } from "./rules";
import { type ServiceSlo, latencyBucketLabel, serviceSelector } from "./sloRecording";
import { counter, series } from "./syntheticSeries";

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
    { long: "1h", short: "5m", factor: 14.4, severity: "critical", for: "2m" },
    { long: "6h", short: "30m", factor: 6, severity: "critical", for: "15m" },
    { long: "1d", short: "2h", factor: 3, severity: "warning", for: "1h" },
    { long: "3d", short: "6h", factor: 1, severity: "warning", for: "3h" },
];

const RUNBOOK = "https://sre.google/workbook/alerting-on-slos/";

export type IndicatorKey = "availability" | "latency";

interface Indicator {
    key: IndicatorKey;
    /** UID part, kept short for the 40-character limit. */
    code: string;
    record: (window: SloWindow) => string;
    objective: (service: ServiceSlo) => number;
    /** What a bad request did, for descriptions. */
    bad: (service: ServiceSlo) => string;
}

const INDICATORS: readonly Indicator[] = [
    { key: "availability", code: "err", record: errorRatioRecord, objective: (s) => s.availabilityObjective, bad: () => "failed (5xx)" },
    { key: "latency", code: "lat", record: slowRatioRecord, objective: (s) => s.latencyObjective, bad: (s) => `took longer than ${s.latencyThresholdMs} ms` },
];

const MAX_UID_LENGTH = 40;

/** UID of one of a service's SLO rules: readable when it fits, else a stable hash of namespace and name. */
export function sloRuleUid(service: ServiceSlo, suffix: string): string {
    const readable = `slo-${service.namespace}-${service.name}-${suffix}`;
    if (readable.length <= MAX_UID_LENGTH) return readable;
    const hash = createHash("sha256").update(`${service.namespace}/${service.name}`).digest("hex");
    return `slo-${hash.slice(0, MAX_UID_LENGTH - suffix.length - 5)}-${suffix}`;
}

const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(3))}%`;

/** How long the period's budget lasts at `factor` times the sustainable rate, in words. */
function budgetLasts(factor: number): string {
    const hours = durationSeconds(SLO_PERIOD) / 3600 / factor;
    return hours < 72 ? `${Math.round(hours)} hours` : `${Math.round(hours / 24)} days`;
}

export interface TrafficPhase { minutes: number; badShare: number }

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

function burnRateRule(service: ServiceSlo, indicator: Indicator, alert: BurnRateAlert): TestedRule {
    const objective = indicator.objective(service);
    const budget = errorBudget(objective);
    const selector = serviceSelector(service);
    const { long, short, factor } = alert;
    const burn = (window: SloWindow) => `${indicator.record(window)}{${selector}} / ${budget}`;
    const forMinutes = durationSeconds(alert.for) / 60;
    const labels = { namespace: service.namespace, service: service.name };
    const traffic = (badShare: number): RuleCase["series"] =>
        sloTraffic(service, indicator.key, [{ minutes: forMinutes + 10, badShare }]);
    return {
        rule: {
            uid: sloRuleUid(service, `${indicator.code}-${long}${short}`),
            title: `SLO ${service.name} (${service.namespace}): ${indicator.key} budget burn ${factor}x over ${long}/${short}`,
            // The value is the long window's burn rate, kept where the short window burns as fast.
            expr: `${burn(long)} and ${burn(short)} > ${factor}`,
            comparison: "gt", threshold: factor, for: alert.for,
            severity: alert.severity, team: service.team,
            summary: `${service.name} is spending its ${indicator.key} error budget ${factor}x too fast`,
            description: `Over the last ${long} and the last ${short}, more than ${percent(factor * Number(budget))} of the requests to ${service.name} in ${service.namespace} ${indicator.bad(service)}, against an objective of ${objective}% (a budget of ${percent(Number(budget))}). At this rate the ${SLO_PERIOD} error budget lasts ${budgetLasts(factor)}.`,
            runbookUrl: RUNBOOK,
            // No traffic burns no budget.
            noDataState: "OK", execErrState: "Error",
        },
        // Steady traffic from the start: every window holds the same ratio, so only `for` delays firing.
        cases: [
            {
                name: `twice the burn rate (capped at every request bad)`,
                series: traffic(Math.min(1, 2 * factor * Number(budget))),
                checks: [{ at: `${forMinutes}m`, firing: [] }, { at: `${forMinutes + 5}m`, firing: [labels] }],
            },
            {
                name: "half the burn rate",
                series: traffic(factor * Number(budget) / 2),
                checks: [{ at: `${forMinutes + 10}m`, firing: [] }],
            },
        ],
    };
}

/** Requests are counted but the slow ratio is empty: the threshold's histogram bucket does not exist. */
function latencySliMissingRule(service: ServiceSlo): TestedRule {
    const selector = serviceSelector(service);
    const count = HTTP_METRICS.durationBucket.replace(/_bucket$/, "_count");
    const le = latencyBucketLabel(service.latencyThresholdMs);
    const labels = { namespace: service.namespace, service: service.name };
    const withBucket = sloTraffic(service, "latency", [{ minutes: 30, badShare: 0.5 }]);
    // The same requests in a histogram whose buckets miss the threshold.
    const withoutBucket = withBucket.map((input) => ({ ...input, series: input.series.replace(`le="${le}"`, `le="${le}1"`) }));
    return {
        rule: {
            uid: sloRuleUid(service, "lat-sli"),
            title: `SLO ${service.name} (${service.namespace}): latency SLI missing`,
            expr: `sum by (namespace, service) (rate(${count}{${selector}}[5m])) unless on (namespace, service) ${slowRatioRecord("5m")}{${selector}}`,
            comparison: "gt", threshold: 0, for: "15m", severity: "warning", team: service.team,
            summary: `${service.name} has no latency SLI`,
            description: `${service.name} in ${service.namespace} serves requests, but its latency SLI is empty: its ${HTTP_METRICS.durationBucket} histogram has no bucket le="${le}" (${service.latencyThresholdMs} ms), so the latency SLO can neither be measured nor alert. Add that bucket to the service's histogram, or set latencyThresholdMs to one of its buckets.`,
            runbookUrl: RUNBOOK,
            noDataState: "OK", execErrState: "Error",
        },
        cases: [
            { name: "no bucket at the threshold", series: withoutBucket, checks: [{ at: "10m", firing: [] }, { at: "20m", firing: [labels] }] },
            { name: "a bucket at the threshold", series: withBucket, checks: [{ at: "30m", firing: [] }] },
        ],
    };
}

/** One group per service in the SLOs folder, routed to the service's team. */
export function sloRuleGroups(services: readonly ServiceSlo[]): TestedRuleGroup[] {
    return services.map((service) => ({
        name: `SLO ${service.name} (${service.namespace})`,
        folder: "slos",
        service: { namespace: service.namespace, name: service.name },
        interval: "1m",
        rules: [
            ...INDICATORS.flatMap((indicator) => BURN_RATE_ALERTS.map((alert) => burnRateRule(service, indicator, alert))),
            latencySliMissingRule(service),
        ],
    }));
}
