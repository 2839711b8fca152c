// One SLO dashboard per configured service, read from the SLI recording rules (records.ts)
// that Prometheus evaluates: objective, SLI over the SLO period, error budget left, and burn rates.
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import type { StackConfig } from "../../stacks/schema";
import { SLO_PERIOD, type SloWindow, errorBudget, errorRatioRecord, slowRatioRecord } from "./records";
import { LOG_LABELS } from "../vocabulary";
import { WIDTH, logsPanel, promQuery, row, statPanel, textPanel, timeSeries } from "../grafana/dashboards/panels";

export type ServiceSlo = StackConfig["services"][number];

/** The 5m ratio averaged over the period: every 5m window weighs the same, as in the SRE workbook. */
const BASE_WINDOW: SloWindow = "5m";
/** Burn-rate windows shown, and the rates the multi-window alerts page (14.4, 6) and ticket (3, 1) at. */
const BURN_WINDOWS: readonly SloWindow[] = ["1h", "6h", "1d", "3d"];
const BURN_ALERT_LEVELS = { page: 6, ticket: 3 } as const;

/**
 * Levels Loki's `discover_log_levels` writes as `detected_level` that mean a failure (Loki normalises what it
 * detects to trace, debug, info, warn, error, critical, fatal or unknown: pkg/distributor/field_detection.go).
 */
const FAILURE_LEVELS = ["error", "critical", "fatal"] as const;

interface Indicator {
    /** "Availability" or "Latency". */
    title: string;
    /** The objective, in percent of requests. */
    objective: number;
    record: (window: SloWindow) => string;
    /** What counts as a bad request. */
    bad: string;
}

function indicatorPanels(board: dashboard.DashboardBuilder, indicator: Indicator, selector: string): void {
    const budget = errorBudget(indicator.objective);
    const badRatio = (window: SloWindow) => `${indicator.record(window)}{${selector}}`;
    const periodBadRatio = `avg_over_time(${badRatio(BASE_WINDOW)}[${SLO_PERIOD}])`;
    const objectiveRatio = indicator.objective / 100;
    board
        .withRow(row(`${indicator.title}: ${indicator.objective}% over ${SLO_PERIOD}`))
        .withPanel(statPanel(`${indicator.title} SLI (${SLO_PERIOD})`, units.PercentUnit, promQuery(`1 - ${periodBadRatio}`, { instant: true }), {
            width: WIDTH.quarter, height: 6, decimals: 3,
            steps: [[null, "red"], [objectiveRatio, "green"]],
            description: `Share of good requests over the last ${SLO_PERIOD}; bad means ${indicator.bad}.`,
        }))
        .withPanel(statPanel(`Error budget remaining (${SLO_PERIOD})`, units.PercentUnit,
            promQuery(`1 - ${periodBadRatio} / ${budget}`, { instant: true }), {
                width: WIDTH.quarter, height: 6, decimals: 1,
                steps: [[null, "red"], [0.25, "yellow"], [0.5, "green"]],
                description: `Budget: ${budget} of requests may be bad. Below 0% the objective is missed.`,
            }))
        .withPanel(timeSeries("Burn rate (× allowed)", units.Short, BURN_WINDOWS.map((window) =>
            promQuery(`${badRatio(window)} / ${budget}`, { legend: window })), {
            width: WIDTH.half, height: 6, min: 0,
            thresholdLines: [[null, "green"], [BURN_ALERT_LEVELS.ticket, "orange"], [BURN_ALERT_LEVELS.page, "red"]],
            description: "How many times faster than allowed the budget is being spent; 1 spends it exactly over the period.",
        }));
}

export function sloDashboard(service: ServiceSlo): dashboard.DashboardBuilder {
    const selector = `namespace="${service.namespace}", service="${service.name}"`;
    const board = new dashboard.DashboardBuilder(`SLO: ${service.name} (${service.namespace})`)
        .tags(["slo", service.namespace, service.name, `team:${service.team}`])
        .timezone("browser")
        .refresh("5m")
        .time({ from: "now-7d", to: "now" })
        .withPanel(textPanel("Objectives", [
            `**${service.name}** in namespace \`${service.namespace}\`, owned by **${service.team}**, over a rolling ${SLO_PERIOD}:`,
            `- Availability: ${service.availabilityObjective}% of requests succeed (no 5xx).`,
            `- Latency: ${service.latencyObjective}% of requests finish within ${service.latencyThresholdMs} ms.`,
        ].join("\n")));
    indicatorPanels(board, {
        title: "Availability", objective: service.availabilityObjective, record: errorRatioRecord, bad: "a 5xx response",
    }, selector);
    indicatorPanels(board, {
        title: "Latency", objective: service.latencyObjective, record: slowRatioRecord,
        bad: `slower than ${service.latencyThresholdMs} ms`,
    }, selector);
    // The service's failures in its own words: pod stdout and OTLP logs carry the same labels (components/collector/Collector.ts).
    const logs = `{${LOG_LABELS.namespace}="${service.namespace}", ${LOG_LABELS.service}="${service.name}"} | detected_level=~"${FAILURE_LEVELS.join("|")}"`;
    board.withRow(row("Logs")).withPanel(logsPanel("Error logs", logs));
    return board;
}
