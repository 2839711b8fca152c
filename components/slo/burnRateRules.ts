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
import type { AlertRuleDefinition, RuleGroupDefinition, Severity } from "../grafana/alerting/rules";
import { FAST_BURN_RATE, HTTP_METRICS } from "../vocabulary";
import type { ServiceSlo } from "./recordingRules";
import { errorRatioRecord, OBJECTIVE_RECORD, SLO_PERIOD, type SloWindow, slowRatioRecord } from "./records";

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
    /** What a bad request did, for descriptions. */
    bad: string;
}

const INDICATORS: readonly Indicator[] = [
    { key: "availability", code: "err", record: errorRatioRecord, bad: "failed (5xx)" },
    { key: "latency", code: "lat", record: slowRatioRecord, bad: "took longer than the service's latency threshold" },
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

function burnRateRule(indicator: Indicator, alert: BurnRateAlert): AlertRuleDefinition {
    const { long, short, factor } = alert;
    return {
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
    };
}

/** Requests are counted but the slow ratio is empty: the threshold's histogram bucket does not exist. */
function latencySliMissingRule(): AlertRuleDefinition {
    const count = HTTP_METRICS.durationBucket.replace(/_bucket$/, "_count");
    return {
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
    };
}

/** One group in the SLOs folder for every service: two indicators × four window pairs, and the missing-SLI check. */
export function sloRuleGroups(services: readonly ServiceSlo[]): RuleGroupDefinition[] {
    if (services.length === 0) return [];
    return [
        {
            name: "SLOs",
            folder: "slos",
            interval: "1m",
            rules: [...INDICATORS.flatMap((indicator) => BURN_RATE_ALERTS.map((alert) => burnRateRule(indicator, alert))), latencySliMissingRule()],
        },
    ];
}
