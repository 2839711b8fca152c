// The SLO recording rules: the share of bad requests over each burn-rate window, and each service's SLO as a
// series. Prometheus evaluates them (PrometheusRules, ruleObjects.ts); the burn-rate alerts (burnRateRules.ts)
// and the SLO dashboards read them.
//
// Each service's rule group records one series, its SLO as labels (SERVICE_INFO_RECORD). One shared group
// turns those into the objective series (one rule per indicator over every service) and records both SLI
// ratios over every window for every service at once, by namespace and service. What grows with the number
// of services is one small rule each; the shared rules grow with the distinct namespaces, objectives and
// thresholds only. A service without an SLO gets no SLO series, whatever its namespace.
import type { StackConfig } from "../../stacks/schema";
import { HTTP_METRICS } from "../vocabulary";
import { errorRatioRecord, OBJECTIVE_RECORD, percentAsRatio, SERVICE_INFO_RECORD, SLO_WINDOWS, type SloWindow, slowRatioRecord } from "./records";

export type ServiceSlo = StackConfig["services"][number];

export interface RecordingRule {
    record: string;
    expr: string;
    /**
     * Labels the rule adds to its series: a service's info series gets all of its own (they also make each
     * service's rule distinct to `promtool check rules`, which otherwise reports it a duplicate of the first
     * one's); on the shared rules, only what the expression does not yield.
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

/** Name of the shared group; a service's group has two colons (`slo:<namespace>:<name>`). */
export const SHARED_GROUP_NAME = "slo:shared";

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

/** The SLO indicators, each with its objective's label on the info series and its value in the config. */
const OBJECTIVES = {
    availability: { label: "availability_objective", percent: (service: ServiceSlo) => service.availabilityObjective },
    latency: { label: "latency_objective", percent: (service: ServiceSlo) => service.latencyObjective },
} as const;

/** An objective in percent as the info series' label holds it, and the shared rules select it: 99.9 → "99.9". */
const percentLabel = (percent: number) => String(percent);

/**
 * Every service's objective for `sli`, from its info series, labelled with its namespace, service and team:
 * one term per distinct objective, since PromQL cannot turn a label into a value.
 */
export function objectiveExpr(services: readonly ServiceSlo[], sli: keyof typeof OBJECTIVES): string {
    const { label, percent } = OBJECTIVES[sli];
    return [...new Set(services.map(percent))]
        .sort((a, b) => a - b)
        .map((value) => `${percentAsRatio(value)} * group by (${byService}, team) (${SERVICE_INFO_RECORD}{${label}="${percentLabel(value)}"})`)
        .join(" or ");
}

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
 * all). The buckets are read at any service's threshold, then each service keeps its own: the info series'
 * `le`, and for whole seconds also its "1.0" form (label_replace adds it; a fraction does not match the
 * regular expression and comes back unchanged, which `or` drops as a duplicate).
 */
export function slowRatioExpr(services: readonly ServiceSlo[], window: SloWindow): string {
    const namespaces = `${labels.namespace}=~"${anyOf(services.map((s) => s.namespace))}"`;
    const buckets = `le=~"${anyOf(services.flatMap((s) => latencyBucketLabels(s.latencyThresholdMs)))}"`;
    const thresholds = `(${SERVICE_INFO_RECORD} or label_replace(${SERVICE_INFO_RECORD}, "le", "$1.0", "le", "([0-9]+)"))`;
    const fast = `sum by (${byService}) (rate(${durationBucket}{${namespaces}, ${buckets}}[${window}]) and on (${byService}, le) ${thresholds})`;
    const all = `sum by (${byService}) (rate(${durationCount}{${namespaces}}[${window}]))`;
    return `1 - ${fast} / ${all}`;
}

/** A service's group: its SLO as the labels of one series (SERVICE_INFO_RECORD). */
export function serviceRuleGroup(service: ServiceSlo): RecordingRuleGroup {
    return {
        name: `slo:${service.namespace}:${service.name}`,
        rules: [
            {
                record: SERVICE_INFO_RECORD,
                expr: "vector(1)",
                labels: {
                    [labels.namespace]: service.namespace,
                    [labels.service]: service.name,
                    team: service.team,
                    [OBJECTIVES.availability.label]: percentLabel(service.availabilityObjective),
                    [OBJECTIVES.latency.label]: percentLabel(service.latencyObjective),
                    le: latencyBucketLabel(service.latencyThresholdMs),
                },
            },
        ],
    };
}

/**
 * The shared group: both objectives of every service, then both ratios over every window. Within a group
 * Prometheus evaluates rules in order, so the error ratios read this evaluation's objectives.
 */
export function sharedRuleGroup(services: readonly ServiceSlo[]): RecordingRuleGroup {
    return {
        name: SHARED_GROUP_NAME,
        rules: [
            ...(["availability", "latency"] as const).map((sli) => ({ record: OBJECTIVE_RECORD, expr: objectiveExpr(services, sli), labels: { sli } })),
            ...SLO_WINDOWS.flatMap((window) => [
                { record: errorRatioRecord(window), expr: errorRatioExpr(services, window), labels: {} },
                { record: slowRatioRecord(window), expr: slowRatioExpr(services, window), labels: {} },
            ]),
        ],
    };
}

/**
 * Each service's group (in the services' order), then the shared group, none without services. In this
 * order promtool evaluates the shared rules after the series they read; Prometheus evaluates groups
 * independently, so there a new or changed service's SLO series may lag its info series by one evaluation.
 */
export function sloRecordingRuleGroups(services: readonly ServiceSlo[]): RecordingRuleGroup[] {
    if (services.length === 0) return [];
    return [...services.map(serviceRuleGroup), sharedRuleGroup(services)];
}
