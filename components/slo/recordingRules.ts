// The SLO recording rules: the share of bad requests over each burn-rate window, and what differs between
// services as series. Prometheus evaluates them (PrometheusRules, ruleObjects.ts); the burn-rate alerts
// (burnRateRules.ts) and the SLO dashboards read them.
//
// The SLI rules are shared: one rule per indicator and window aggregates every service by its namespace
// and service labels, so their size does not grow with the number of services. Each service's group holds
// only its data: its two objectives (with its team) and the `le` of its latency threshold's bucket, which
// the shared latency rules join on. A service without these series has no SLI records.
import type { StackConfig } from "../../stacks/schema";
import { HTTP_METRICS } from "../vocabulary";
import { errorRatioRecord, OBJECTIVE_RECORD, percentAsRatio, SLO_WINDOWS, type SloWindow, slowRatioRecord, THRESHOLD_BUCKET_RECORD } from "./records";

export type ServiceSlo = StackConfig["services"][number];

export interface RecordingRule {
    record: string;
    expr: string;
    /**
     * A service's own labels on the series of its group: they make each service's rules distinct to
     * `promtool check rules`, which otherwise reports every service's rules as duplicates of the first
     * one's (same record name, no labels). Empty on the shared rules, whose expression yields them.
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

/** Name of the group of the shared SLI rules; a service's group has two colons (`slo:<namespace>:<name>`). */
export const SLI_GROUP_NAME = "slo:sli";

/** The `le` label value of the threshold's bucket as Prometheus client libraries write it: 300 ms → "0.3". */
export function latencyBucketLabel(thresholdMs: number): string {
    return String(thresholdMs / 1000);
}

/**
 * The latency SLI counts requests in the histogram bucket whose upper bound is the threshold, so that
 * bucket MUST exist in the service's `http_request_duration_seconds` histogram: without it the latency
 * SLI is empty (the "latency SLI missing" alert of burnRateRules.ts says so). Whole seconds are written "1"
 * by Go clients and "1.0" by others, and Prometheus 3 rewrites them to "1.0" on ingestion: both count.
 */
export function latencyBucketLabels(thresholdMs: number): string[] {
    const le = latencyBucketLabel(thresholdMs);
    return Number.isInteger(thresholdMs / 1000) ? [le, `${le}.0`] : [le];
}

/** A PromQL regular expression matching exactly these label values (namespaces and `le` values: no metacharacter but "."). */
const anyOf = (values: Iterable<string>) =>
    [...new Set(values)]
        .sort()
        .map((value) => value.replaceAll(".", "[.]"))
        .join("|");

/**
 * Every service's share of failed (5xx) requests. A service that has never failed has no 5xx series at all
 * (client libraries create a label set on first use); `or 0 * total` makes its ratio 0, not empty. Only
 * the services' namespaces are read, and only services with an availability objective are recorded.
 */
export function errorRatioExpr(services: readonly ServiceSlo[], window: SloWindow): string {
    const namespaces = `${labels.namespace}=~"${anyOf(services.map((s) => s.namespace))}"`;
    const total = `sum by (${byService}) (rate(${requests}{${namespaces}}[${window}]))`;
    const failed = `sum by (${byService}) (rate(${requests}{${namespaces}, ${labels.status}=~"5.."}[${window}]))`;
    return `((${failed} or 0 * ${total}) / ${total}) and on (${byService}) ${OBJECTIVE_RECORD}{sli="availability"}`;
}

/**
 * Every service's share of requests slower than its own threshold: 1 − (requests in the threshold's bucket ÷
 * all). The buckets are read at any service's threshold, then each service keeps its own (THRESHOLD_BUCKET_RECORD).
 */
export function slowRatioExpr(services: readonly ServiceSlo[], window: SloWindow): string {
    const namespaces = `${labels.namespace}=~"${anyOf(services.map((s) => s.namespace))}"`;
    const buckets = `le=~"${anyOf(services.flatMap((s) => latencyBucketLabels(s.latencyThresholdMs)))}"`;
    const fast = `sum by (${byService}) (rate(${durationBucket}{${namespaces}, ${buckets}}[${window}]) and on (${byService}, le) ${THRESHOLD_BUCKET_RECORD})`;
    const all = `sum by (${byService}) (rate(${durationCount}{${namespaces}}[${window}]))`;
    return `1 - ${fast} / ${all}`;
}

/** A service's group: its two objectives (OBJECTIVE_RECORD) with its team, and its threshold's bucket. */
export function serviceRuleGroup(service: ServiceSlo): RecordingRuleGroup {
    const own = { [labels.namespace]: service.namespace, [labels.service]: service.name };
    return {
        name: `slo:${service.namespace}:${service.name}`,
        rules: [
            ...(["availability", "latency"] as const).map((sli) => ({
                record: OBJECTIVE_RECORD,
                expr: `vector(${percentAsRatio(sli === "availability" ? service.availabilityObjective : service.latencyObjective)})`,
                labels: { ...own, team: service.team, sli },
            })),
            ...latencyBucketLabels(service.latencyThresholdMs).map((le) => ({ record: THRESHOLD_BUCKET_RECORD, expr: "vector(1)", labels: { ...own, le } })),
        ],
    };
}

/** The shared group: both ratios over every window, for every service at once. */
export function sliRuleGroup(services: readonly ServiceSlo[]): RecordingRuleGroup {
    return {
        name: SLI_GROUP_NAME,
        rules: SLO_WINDOWS.flatMap((window) => [
            { record: errorRatioRecord(window), expr: errorRatioExpr(services, window), labels: {} },
            { record: slowRatioRecord(window), expr: slowRatioExpr(services, window), labels: {} },
        ]),
    };
}

/**
 * Each service's group (in the services' order), then the shared SLI group, none without services. In this
 * order promtool evaluates the shared rules after the series they join; Prometheus evaluates groups
 * independently, so there the SLI records may lag a new objective or threshold by one evaluation.
 */
export function sloRecordingRuleGroups(services: readonly ServiceSlo[]): RecordingRuleGroup[] {
    if (services.length === 0) return [];
    return [...services.map(serviceRuleGroup), sliRuleGroup(services)];
}
