// "Observability stack health": is the stack itself ingesting? One row per component, metric names as
// the components export them (Prometheus TSDB, Loki distributor/ingester, Tempo distributor and
// ingester (Tempo 2) or live-store (Tempo 3), Alloy's otelcol.* and loki.write components).
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as units from "@grafana/grafana-foundation-sdk/units";
import { promQuery, row, statPanel, timeSeries, WIDTH } from "./panels";

const rate = (metric: string, selector: string, by?: string) => `sum${by ? ` by (${by})` : ""}(rate(${metric}{${selector}}[$__rate_interval]))`;

export function stackHealthDashboard(namespace: string): dashboard.DashboardBuilder {
    const ns = `namespace="${namespace}"`;
    return new dashboard.DashboardBuilder("Observability Stack Health")
        .tags(["observability", "stack"])
        .timezone("browser")
        .refresh("1m")
        .time({ from: "now-3h", to: "now" })

        .withRow(row("Prometheus"))
        .withPanel(statPanel("Targets up", units.Short, promQuery("sum(up)", { instant: true }), { width: WIDTH.quarter }))
        .withPanel(
            statPanel("Targets down", units.Short, promQuery("count(up == 0) or vector(0)", { instant: true }), {
                width: WIDTH.quarter,
                steps: [
                    [null, "green"],
                    [1, "red"],
                ],
                description: "Scrape targets whose last scrape failed.",
            }),
        )
        .withPanel(
            timeSeries(
                "Samples ingested",
                units.CountsPerSecond,
                [promQuery(rate("prometheus_tsdb_head_samples_appended_total", ns, "pod"), { legend: "{{pod}}" })],
                { width: WIDTH.quarter, height: 4 },
            ),
        )
        .withPanel(
            timeSeries("TSDB head series", units.Short, [promQuery(`sum by (pod) (prometheus_tsdb_head_series{${ns}})`, { legend: "{{pod}}" })], {
                width: WIDTH.quarter,
                height: 4,
            }),
        )
        .withPanel(
            timeSeries("Targets down by job", units.Short, [promQuery("count by (job) (up == 0)", { legend: "{{job}}" })], { width: WIDTH.full, height: 6 }),
        )

        .withRow(row("Loki"))
        .withPanel(
            timeSeries(
                "Log ingest rate",
                units.BytesPerSecondSI,
                [promQuery(rate("loki_distributor_bytes_received_total", ns), { legend: "bytes received" })],
                { width: WIDTH.quarter },
            ),
        )
        .withPanel(
            timeSeries(
                "Request errors (5xx) by route",
                units.RequestsPerSecond,
                [promQuery(rate("loki_request_duration_seconds_count", `${ns}, status_code=~"5.."`, "route"), { legend: "{{route}}" })],
                { width: WIDTH.quarter },
            ),
        )
        .withPanel(
            timeSeries("Ingester: streams in memory", units.Short, [promQuery(`sum by (pod) (loki_ingester_memory_streams{${ns}})`, { legend: "{{pod}}" })], {
                width: WIDTH.quarter,
            }),
        )
        .withPanel(
            timeSeries(
                "Ingester: chunk flushes",
                units.CountsPerSecond,
                [
                    promQuery(rate("loki_ingester_chunks_flushed_total", ns, "reason"), { legend: "flushed ({{reason}})" }),
                    promQuery(rate("loki_ingester_chunks_flush_failures_total", ns), { legend: "failed" }),
                ],
                { width: WIDTH.quarter },
            ),
        )

        .withRow(row("Tempo"))
        .withPanel(
            timeSeries(
                "Spans received, refused and discarded",
                units.CountsPerSecond,
                [
                    promQuery(rate("tempo_distributor_spans_received_total", ns), { legend: "received" }),
                    promQuery(rate("tempo_receiver_refused_spans", ns), { legend: "refused" }),
                    promQuery(rate("tempo_discarded_spans_total", ns, "reason"), { legend: "discarded ({{reason}})" }),
                ],
                { width: WIDTH.half },
            ),
        )
        .withPanel(
            timeSeries(
                "Block flushes",
                units.CountsPerSecond,
                [
                    promQuery(rate("tempo_ingester_blocks_flushed_total", ns), { legend: "ingester flushed" }),
                    promQuery(rate("tempo_ingester_failed_flushes_total", ns), { legend: "ingester failed" }),
                    promQuery(rate("tempo_live_store_blocks_completed_total", ns), { legend: "live-store completed" }),
                    promQuery(rate("tempo_live_store_failed_completions_total", ns), { legend: "live-store failed" }),
                ],
                {
                    width: WIDTH.half,
                    description:
                        "Tempo 2 (monolithic) flushes from its ingester, Tempo 3 (distributed) completes blocks in its live-store: each shows one pair.",
                },
            ),
        )

        .withRow(row("Collector (Alloy)"))
        .withPanel(
            timeSeries(
                "Telemetry accepted from applications",
                units.CountsPerSecond,
                [
                    promQuery(rate("otelcol_receiver_accepted_spans_total", ns), { legend: "spans" }),
                    promQuery(rate("otelcol_receiver_accepted_log_records_total", ns), { legend: "log records" }),
                    promQuery(rate("otelcol_receiver_accepted_metric_points_total", ns), { legend: "metric points" }),
                ],
                { width: WIDTH.third },
            ),
        )
        .withPanel(
            timeSeries(
                "Refused and failed exports",
                units.CountsPerSecond,
                [
                    promQuery(rate("otelcol_receiver_refused_spans_total", ns), { legend: "spans refused" }),
                    promQuery(rate("otelcol_exporter_send_failed_spans_total", ns), { legend: "spans failed to export" }),
                    promQuery(rate("otelcol_exporter_send_failed_log_records_total", ns), { legend: "log records failed to export" }),
                    promQuery(rate("otelcol_exporter_send_failed_metric_points_total", ns), { legend: "metric points failed to export" }),
                ],
                { width: WIDTH.third },
            ),
        )
        .withPanel(
            timeSeries(
                "Logs written to Loki (loki.write)",
                units.BytesPerSecondSI,
                [
                    promQuery(rate("loki_write_sent_bytes_total", ns), { legend: "sent" }),
                    promQuery(rate("loki_write_dropped_bytes_total", ns, "reason"), { legend: "dropped ({{reason}})" }),
                ],
                { width: WIDTH.third },
            ),
        );
}
