// SLO dashboards, read from the SLI recording rules (records.ts) that Prometheus evaluates: objective, SLI
// over the SLO period, error budget left, burn rates and error logs. One shared dashboard picks the service
// from `namespace` and `service` variables and reads each objective from its series (OBJECTIVE_RECORD), so
// Grafana holds one SLO dashboard whatever the number of services; a service with `ownDashboard: true`
// also gets one of its own, its objectives written into it.
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import type { StackConfig } from "../../stacks/schema";
import { labelValuesVariable, logsPanel, promQuery, row, statPanel, textPanel, timeSeries, WIDTH } from "../grafana/dashboards/panels";
import { HTTP_METRICS, LOG_LABELS } from "../vocabulary";
import { errorBudget, errorRatioRecord, OBJECTIVE_RECORD, percentAsRatio, SLO_PERIOD, type SloWindow, slowRatioRecord } from "./records";

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

/** The dashboard variables of the shared SLO dashboard, as its per-service links set them (`var-<name>=`). */
export const SLO_VARIABLES = { namespace: "namespace", service: "service" } as const;

type SliKey = "availability" | "latency";

interface Indicator {
    sli: SliKey;
    /** "Availability" or "Latency". */
    title: string;
    record: (window: SloWindow) => string;
}

const AVAILABILITY: Indicator = { sli: "availability", title: "Availability", record: errorRatioRecord };
const LATENCY: Indicator = { sli: "latency", title: "Latency", record: slowRatioRecord };

/** Which service a dashboard shows, and where its objectives come from: written in, or read from their series. */
interface Subject {
    /** PromQL matchers of the service's SLI series. */
    selector: string;
    /** LogQL matchers of the service's log streams. */
    logSelector: string;
    /** Row title of the indicator. */
    heading: (indicator: Indicator) => string;
    /** A PromQL divisor: the allowed share of bad requests. */
    budget: (indicator: Indicator) => string;
    /** SLI stat colours: red below the objective when it is known when the dashboard is written. */
    sliSteps: (indicator: Indicator) => Array<[number | null, string]>;
    /** What counts as a bad request. */
    bad: (indicator: Indicator) => string;
}

function indicatorPanels(board: dashboard.DashboardBuilder, indicator: Indicator, subject: Subject): void {
    const budget = subject.budget(indicator);
    const badRatio = (window: SloWindow) => `${indicator.record(window)}{${subject.selector}}`;
    const periodBadRatio = `avg_over_time(${badRatio(BASE_WINDOW)}[${SLO_PERIOD}])`;
    board
        .withRow(row(subject.heading(indicator)))
        .withPanel(
            statPanel(`${indicator.title} SLI (${SLO_PERIOD})`, units.PercentUnit, promQuery(`1 - ${periodBadRatio}`, { instant: true }), {
                width: WIDTH.quarter,
                height: 6,
                decimals: 3,
                steps: subject.sliSteps(indicator),
                description: `Share of good requests over the last ${SLO_PERIOD}; bad means ${subject.bad(indicator)}.`,
            }),
        )
        .withPanel(
            statPanel(`Error budget remaining (${SLO_PERIOD})`, units.PercentUnit, promQuery(`1 - ${periodBadRatio} / ${budget}`, { instant: true }), {
                width: WIDTH.quarter,
                height: 6,
                decimals: 1,
                steps: [
                    [null, "red"],
                    [0.25, "yellow"],
                    [0.5, "green"],
                ],
                description: "The budget is the share of requests that may be bad (100% minus the objective). Below 0% the objective is missed.",
            }),
        )
        .withPanel(
            timeSeries(
                "Burn rate (× allowed)",
                units.Short,
                BURN_WINDOWS.map((window) => promQuery(`${badRatio(window)} / ${budget}`, { legend: window })),
                {
                    width: WIDTH.half,
                    height: 6,
                    min: 0,
                    thresholdLines: [
                        [null, "green"],
                        [BURN_ALERT_LEVELS.ticket, "orange"],
                        [BURN_ALERT_LEVELS.page, "red"],
                    ],
                    description: "How many times faster than allowed the budget is being spent; 1 spends it exactly over the period.",
                },
            ),
        );
}

function sloBoard(title: string, tags: string[]): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder(title).tags(tags).timezone("browser").refresh("5m").time({ from: "now-7d", to: "now" });
}

function sloPanels(board: dashboard.DashboardBuilder, subject: Subject): dashboard.DashboardBuilder {
    indicatorPanels(board, AVAILABILITY, subject);
    indicatorPanels(board, LATENCY, subject);
    // The service's failures in its own words: pod stdout and OTLP logs carry the same labels (components/collector/Collector.ts).
    const logs = `{${subject.logSelector}} | detected_level=~"${FAILURE_LEVELS.join("|")}"`;
    return board.withRow(row("Logs")).withPanel(logsPanel("Error logs", logs));
}

/** A service's own SLO dashboard, its objectives written in (`ownDashboard: true`). */
export function sloDashboard(service: ServiceSlo): dashboard.DashboardBuilder {
    const objective = (indicator: Indicator) => (indicator.sli === "availability" ? service.availabilityObjective : service.latencyObjective);
    const board = sloBoard(`SLO: ${service.name} (${service.namespace})`, ["slo", service.namespace, service.name, `team:${service.team}`]).withPanel(
        textPanel(
            "Objectives",
            [
                `**${service.name}** in namespace \`${service.namespace}\`, owned by **${service.team}**, over a rolling ${SLO_PERIOD}:`,
                `- Availability: ${service.availabilityObjective}% of requests succeed (no 5xx).`,
                `- Latency: ${service.latencyObjective}% of requests finish within ${service.latencyThresholdMs} ms.`,
            ].join("\n"),
        ),
    );
    return sloPanels(board, {
        selector: `namespace="${service.namespace}", service="${service.name}"`,
        logSelector: `${LOG_LABELS.namespace}="${service.namespace}", ${LOG_LABELS.service}="${service.name}"`,
        heading: (indicator) => `${indicator.title}: ${objective(indicator)}% over ${SLO_PERIOD}`,
        budget: (indicator) => errorBudget(objective(indicator)),
        sliSteps: (indicator) => [
            [null, "red"],
            [Number(percentAsRatio(objective(indicator))), "green"],
        ],
        bad: (indicator) => (indicator.sli === "availability" ? "a 5xx response" : `slower than ${service.latencyThresholdMs} ms`),
    });
}

/** The SLO dashboard of every service without its own: the service picked from variables, objectives read from their series. */
export function sharedSloDashboard(): dashboard.DashboardBuilder {
    const { namespace, service } = SLO_VARIABLES;
    const { labels } = HTTP_METRICS;
    const selector = `${labels.namespace}="$${namespace}", ${labels.service}="$${service}"`;
    const objectiveSeries = (indicator: Indicator) => `${OBJECTIVE_RECORD}{sli="${indicator.sli}", ${selector}}`;
    const board = sloBoard("SLOs by service", ["slo"])
        // Only services with an SLO: the objective series lists them.
        .withVariable(labelValuesVariable(namespace, labels.namespace, OBJECTIVE_RECORD, "Namespace"))
        .withVariable(labelValuesVariable(service, labels.service, `${OBJECTIVE_RECORD}{${labels.namespace}="$${namespace}"}`, "Service"))
        .withPanel(
            textPanel(
                "Objectives",
                [
                    `**$${service}** in namespace \`$${namespace}\`, over a rolling ${SLO_PERIOD}. Its objectives are the service's configuration`,
                    "(`services` in the stack file), as Prometheus records them; the burn-rate alerts read the same series.",
                ].join("\n"),
                WIDTH.half,
                4,
            ),
        )
        .withPanel(
            statPanel("Availability objective", units.PercentUnit, promQuery(objectiveSeries(AVAILABILITY), { instant: true }), {
                width: WIDTH.quarter,
                height: 4,
                decimals: 2,
                steps: [[null, "blue"]],
                description: "Share of requests that must succeed (no 5xx).",
            }),
        )
        .withPanel(
            statPanel("Latency objective", units.PercentUnit, promQuery(objectiveSeries(LATENCY), { instant: true }), {
                width: WIDTH.quarter,
                height: 4,
                decimals: 2,
                steps: [[null, "blue"]],
                description: "Share of requests that must finish within the service's latencyThresholdMs.",
            }),
        );
    return sloPanels(board, {
        selector,
        logSelector: `${LOG_LABELS.namespace}="$${namespace}", ${LOG_LABELS.service}="$${service}"`,
        heading: (indicator) => `${indicator.title} over ${SLO_PERIOD}`,
        // One-to-one on the service: the objective series also carries `sli` and `team`.
        budget: (indicator) => `on (${labels.namespace}, ${labels.service}) (1 - ${objectiveSeries(indicator)})`,
        sliSteps: () => [[null, "blue"]],
        bad: (indicator) => (indicator.sli === "availability" ? "a 5xx response" : "slower than the service's latencyThresholdMs"),
    });
}
