// "Service overview" (the reference guide's Dashboard as Code): RED metrics, latency with exemplars,
// the service's logs, its failing or slow traces and its CPU flame graph, for one namespace/service picked from variables.
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { HTTP_METRICS, LOG_LABELS, PROFILES } from "../../vocabulary";
import { flameGraphPanel, labelValuesVariable, logsPanel, profileQuery, promQuery, row, statPanel, timeSeries, tracesPanel, WIDTH } from "./panels";

const { labels } = HTTP_METRICS;
const selected = `${labels.namespace}="$namespace", ${labels.service}="$service"`;
const requestRate = (extra = "") => `sum(rate(${HTTP_METRICS.requests}{${selected}${extra}}[$__rate_interval]))`;
const latency = (quantile: number) => `histogram_quantile(${quantile}, sum by (le) (rate(${HTTP_METRICS.durationBucket}{${selected}}[$__rate_interval])))`;

/** Above this share of 5xx responses the error rate turns yellow, then red (percent). */
const ERROR_RATE_STEPS = { warning: 1, critical: 5 } as const;
/** Latency colours (seconds), as in the reference guide. */
const LATENCY_STEPS = { warning: 0.5, critical: 1 } as const;
/** A trace worth a look: it failed, or it took longer than this. */
const SLOW_TRACE = "500ms";
/**
 * The service's profiles, by service name alone: profiles an application pushes with a Pyroscope SDK carry no
 * namespace label, and a matcher on it would hide them.
 */
const SERVICE_PROFILES = `{${PROFILES.labels.service}="$service"}`;

/** The selected service's latency at `quantile` ("P95 latency"), coloured by LATENCY_STEPS. */
function latencyStat(quantile: number) {
    return statPanel(`P${Math.round(quantile * 100)} latency`, units.Seconds, promQuery(latency(quantile)), {
        steps: [
            [null, "green"],
            [LATENCY_STEPS.warning, "yellow"],
            [LATENCY_STEPS.critical, "red"],
        ],
        width: WIDTH.third,
    });
}

export function serviceOverviewDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder("Service Overview")
        .tags(["service", "overview"])
        .timezone("browser")
        .refresh("30s")
        .time({ from: "now-1h", to: "now" })
        .withVariable(labelValuesVariable("namespace", labels.namespace, HTTP_METRICS.requests, "Namespace"))
        .withVariable(labelValuesVariable("service", labels.service, `${HTTP_METRICS.requests}{${labels.namespace}="$namespace"}`, "Service"))
        .withRow(row("Requests"))
        .withPanel(
            statPanel("Error rate", units.Percent, promQuery(`100 * ${requestRate(`, ${labels.status}=~"5.."`)} / ${requestRate()}`), {
                steps: [
                    [null, "green"],
                    [ERROR_RATE_STEPS.warning, "yellow"],
                    [ERROR_RATE_STEPS.critical, "red"],
                ],
                decimals: 2,
                width: WIDTH.third,
                description: "Share of requests answered with a 5xx status.",
            }),
        )
        .withPanel(latencyStat(0.95))
        .withPanel(latencyStat(0.99))
        .withPanel(
            timeSeries(
                "Request rate by status",
                units.RequestsPerSecond,
                [promQuery(`sum by (${labels.status}) (rate(${HTTP_METRICS.requests}{${selected}}[$__rate_interval]))`, { legend: `{{${labels.status}}}` })],
                { stacked: true },
            ),
        )
        .withPanel(
            timeSeries(
                "Latency (P95, P99)",
                units.Seconds,
                [promQuery(latency(0.95), { legend: "P95", exemplar: true }), promQuery(latency(0.99), { legend: "P99", exemplar: true })],
                { min: 0, description: "Exemplar dots link to the trace of that request in Tempo." },
            ),
        )
        .withRow(row("Logs and traces"))
        .withPanel(logsPanel("Logs", `{${LOG_LABELS.namespace}="$namespace", ${LOG_LABELS.service}="$service"}`))
        .withPanel(
            tracesPanel(
                `Traces that failed or took longer than ${SLOW_TRACE}`,
                `{resource.service.name="$service" && (status = error || duration > ${SLOW_TRACE})}`,
            ),
        )
        .withRow(row("Profiles"))
        .withPanel(
            flameGraphPanel(
                "CPU flame graph",
                profileQuery(SERVICE_PROFILES, PROFILES.cpuProfileType),
                "CPU time of the service over the dashboard's time range, by stack (Pyroscope). Selected by service name only: " +
                    "profiles pushed by an SDK carry no namespace, so a service of the same name in another namespace is merged in.",
            ),
        );
}
