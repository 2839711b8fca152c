// Names of the SLO recording rules. Prometheus evaluates them; the burn-rate alerts and the SLO dashboards
// read them, so the names are shared from this one place.

/** The rolling period the objectives hold over. */
export const SLO_PERIOD = "30d";

/** Windows of the Google SRE workbook's multi-window, multi-burn-rate alerts. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** Share of requests that failed (5xx) over `window`; labels: namespace, service. */
export const errorRatioRecord = (window: SloWindow) => `slo:sli_error:ratio_rate${window}`;

/** Share of requests slower than the service's latency threshold over `window`; labels: namespace, service. */
export const slowRatioRecord = (window: SloWindow) => `slo:sli_slow:ratio_rate${window}`;

/**
 * A service's objective as a series, `sli` "availability" or "latency", with its namespace, service and
 * team: the burn-rate alerts divide by 1 − objective and take the team from it, so one rule covers
 * every service (Prometheus recording rules carry what differs between services, not Grafana rules).
 */
export const OBJECTIVE_RECORD = "slo:objective:ratio";

/**
 * A service's SLO as labels of one series (value 1): its namespace, service and team, its objectives in
 * percent as configured (`availability_objective`, `latency_objective`) and the `le` of its latency
 * threshold's bucket as client libraries write it. Each service's own rule group records only this; the
 * shared rules derive the objectives (OBJECTIVE_RECORD) and join the histograms on `le` from it.
 */
export const SERVICE_INFO_RECORD = "slo:service:info";

/** A share in percent as a PromQL ratio literal without float noise: 99.9 → "0.999", 0.1 → "0.001". */
export function percentAsRatio(percent: number): string {
    return String(Number((percent / 100).toPrecision(12)));
}

/** 99.9 → "0.001": the allowed failure ratio, without binary float noise in the query text. */
export function errorBudget(objectivePercent: number): string {
    return percentAsRatio(100 - objectivePercent);
}
