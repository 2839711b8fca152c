// The SLI recording rules every service with an SLO gets (names from ../slo.ts): the share of bad
// requests over each burn-rate window. Prometheus evaluates them (a PrometheusRule); the burn-rate
// alerts (burnRateRules.ts) and the SLO dashboards read them.
import type { StackConfig } from "../../stacks/schema";
import { HTTP_METRICS } from "../vocabulary";
import { errorRatioRecord, OBJECTIVE_RECORD, percentAsRatio, SLO_WINDOWS, type SloWindow, slowRatioRecord } from "./records";

export type ServiceSlo = StackConfig["services"][number];

export interface RecordingRule {
    record: string;
    expr: string;
    /**
     * The service's own labels, which the expression already yields: stated, they make each service's
     * rules distinct to `promtool check rules`, which otherwise reports every service's rules as
     * duplicates of the first one's (same record name, no labels).
     */
    labels: Record<string, string>;
}
export interface RecordingRuleGroup {
    name: string;
    /** Unset: Prometheus' evaluation interval. */
    interval?: string;
    rules: RecordingRule[];
}

const { requests, durationBucket, labels } = HTTP_METRICS;
const durationCount = durationBucket.replace(/_bucket$/, "_count");
const byService = `${labels.namespace}, ${labels.service}`;

/** Matchers of one service's series. */
export function serviceSelector(service: ServiceSlo): string {
    return `${labels.namespace}="${service.namespace}", ${labels.service}="${service.name}"`;
}

/** The `le` label value of the threshold's bucket as Prometheus client libraries write it: 300 ms → "0.3". */
export function latencyBucketLabel(thresholdMs: number): string {
    return String(thresholdMs / 1000);
}

/**
 * The latency SLI counts requests in the histogram bucket whose upper bound is the threshold, so that
 * bucket MUST exist in the service's `http_request_duration_seconds` histogram: without it the latency
 * SLI is empty (the "latency SLI missing" alert of burnRateRules.ts says so). Whole seconds are written "1"
 * by Go clients and "1.0" by others, and Prometheus 3 rewrites them to "1.0" on ingestion: both match.
 */
export function latencyBucketMatcher(thresholdMs: number): string {
    const le = latencyBucketLabel(thresholdMs);
    return Number.isInteger(thresholdMs / 1000) ? `le=~"${le}|${le}[.]0"` : `le="${le}"`;
}

/**
 * Share of requests that failed (5xx). A service that has never failed has no 5xx series at all
 * (client libraries create a label set on first use); `or 0 * total` makes its ratio 0, not empty.
 */
export function errorRatioExpr(service: ServiceSlo, window: SloWindow): string {
    const selector = serviceSelector(service);
    const total = `sum by (${byService}) (rate(${requests}{${selector}}[${window}]))`;
    const failed = `sum by (${byService}) (rate(${requests}{${selector}, ${labels.status}=~"5.."}[${window}]))`;
    return `(${failed} or 0 * ${total}) / ${total}`;
}

/** Share of requests slower than the service's threshold: 1 − (requests in the threshold's bucket ÷ all). */
export function slowRatioExpr(service: ServiceSlo, window: SloWindow): string {
    const selector = serviceSelector(service);
    const fast = `sum by (${byService}) (rate(${durationBucket}{${selector}, ${latencyBucketMatcher(service.latencyThresholdMs)}}[${window}]))`;
    const all = `sum by (${byService}) (rate(${durationCount}{${selector}}[${window}]))`;
    return `1 - ${fast} / ${all}`;
}

/**
 * One group per service: both ratios over every window, labelled with the service's namespace and
 * name, and both objectives (OBJECTIVE_RECORD) with the service's team.
 */
export function sloRecordingRuleGroups(services: readonly ServiceSlo[]): RecordingRuleGroup[] {
    return services.map((service) => {
        const own = { [labels.namespace]: service.namespace, [labels.service]: service.name };
        return {
            name: `slo:${service.namespace}:${service.name}`,
            rules: SLO_WINDOWS.flatMap((window) => [
                { record: errorRatioRecord(window), expr: errorRatioExpr(service, window), labels: own },
                { record: slowRatioRecord(window), expr: slowRatioExpr(service, window), labels: own },
            ]).concat(
                (["availability", "latency"] as const).map((sli) => ({
                    record: OBJECTIVE_RECORD,
                    expr: `vector(${percentAsRatio(sli === "availability" ? service.availabilityObjective : service.latencyObjective)})`,
                    labels: { ...own, team: service.team, sli },
                })),
            ),
        };
    });
}
