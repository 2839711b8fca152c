// Prometheus' health: targets it cannot scrape and rules it fails to evaluate (collected by the registry into
// the stack's health rules, components/grafana/alerting/stackRules.ts).

import type { AlertRuleDefinition } from "../grafana/alerting/rules";
import { PLATFORM_TEAM } from "../vocabulary";

const RUNBOOKS = {
    targetDown: "https://runbooks.prometheus-operator.dev/runbooks/general/targetdown",
    ruleFailures: "https://runbooks.prometheus-operator.dev/runbooks/prometheus/prometheusrulefailures",
} as const;

export function prometheusHealthRules(ns: string): AlertRuleDefinition[] {
    const inNs = `namespace="${ns}"`;
    return [
        {
            uid: "stack-target-down",
            title: "Prometheus Target Down",
            // Every target, not only the stack's: a target that cannot be scraped is a blind spot.
            expr: "100 * (1 - avg by (namespace, job) (up))",
            comparison: "gt",
            threshold: 10,
            for: "10m",
            severity: "warning",
            team: PLATFORM_TEAM,
            summary: "Prometheus cannot scrape {{ $labels.job }} in {{ $labels.namespace }}",
            description:
                "More than 10% of the {{ $labels.job }} targets in {{ $labels.namespace }} have failed their scrapes for 10 minutes: their metrics are missing and rules on them cannot fire.",
            runbookUrl: RUNBOOKS.targetDown,
            // Every scrape writes `up`: no series at all means Prometheus itself is not answering.
            noDataState: "Alerting",
            execErrState: "Error",
        },
        {
            uid: "stack-rule-failures",
            title: "Prometheus Rule Evaluation Failures",
            expr: `sum by (namespace, pod, rule_group) (increase(prometheus_rule_evaluation_failures_total{${inNs}}[5m]))`,
            comparison: "gt",
            threshold: 0,
            for: "15m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "Prometheus fails to evaluate rules of {{ $labels.rule_group }}",
            description:
                "{{ $labels.pod }} has been failing to evaluate rules in {{ $labels.rule_group }} for 15 minutes. Recording rules the SLO alerts and dashboards read may be missing.",
            runbookUrl: RUNBOOKS.ruleFailures,
            noDataState: "OK",
            execErrState: "Error",
        },
    ];
}
