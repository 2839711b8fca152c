// Grafana's health: a Grafana pod Prometheus cannot scrape (collected by the registry into the stack's
// health rules, components/grafana/alerting/stackRules.ts).

import { PLATFORM_TEAM } from "../vocabulary";
import type { AlertRuleDefinition } from "./alerting/rules";
import { GRAFANA_RELEASE } from "./names";

const RUNBOOKS = {
    grafana: "https://grafana.com/docs/grafana/latest/troubleshooting/",
} as const;

export function grafanaHealthRules(ns: string): AlertRuleDefinition[] {
    const inNs = `namespace="${ns}"`;
    return [
        {
            uid: "stack-grafana-down",
            title: "Grafana Unreachable",
            // Grafana evaluates this rule itself, so it catches one replica (or its metrics endpoint)
            // failing while another still evaluates. A total Grafana outage silences every Grafana
            // rule, this one included: that needs a probe from outside Grafana (a blackbox check, or
            // kube-prometheus-stack's TargetDown through Alertmanager).
            expr: `up{${inNs}, job="${GRAFANA_RELEASE}"}`,
            comparison: "lt",
            threshold: 1,
            for: "5m",
            severity: "critical",
            team: PLATFORM_TEAM,
            summary: "Grafana pod {{ $labels.pod }} does not answer",
            description: "Prometheus has not been able to scrape Grafana pod {{ $labels.pod }} in {{ $labels.namespace }} for 5 minutes.",
            runbookUrl: RUNBOOKS.grafana,
            // No Grafana target at all: its ServiceMonitor or Service is gone.
            noDataState: "Alerting",
            execErrState: "Error",
        },
    ];
}
