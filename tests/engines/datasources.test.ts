import "../helpers/pulumi";
import * as assert from "assert";
import { LOG_LABELS } from "../../components/vocabulary";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { queryProblems } from "../helpers/dashboardQueries";
import { type BuiltContent, buildContent, type RecordedDatasource, TEST_URLS } from "../helpers/grafanaContent";
import { STACK_NAMES } from "../helpers/stacks";

const ofType = (built: BuiltContent, type: string): RecordedDatasource => {
    const found = built.datasources.filter((ds) => ds.type === type);
    assert.strictEqual(found.length, 1, `expected one ${type} datasource, found ${found.length}`);
    return found[0];
};

/** Every link from one datasource to another, by where Grafana reads it, with the type it must reach. */
function links(built: BuiltContent): Array<{ link: string; uid: string | undefined; mustBe: string }> {
    const prometheus = ofType(built, "prometheus").jsonData;
    const loki = ofType(built, "loki").jsonData;
    const tempo = ofType(built, "tempo").jsonData;
    return [
        ...(prometheus.exemplarTraceIdDestinations ?? []).map((d: any) => ({ link: `exemplar ${d.name}`, uid: d.datasourceUid, mustBe: "tempo" })),
        ...(loki.derivedFields ?? []).map((f: any) => ({ link: `derived field ${f.name}`, uid: f.datasourceUid, mustBe: "tempo" })),
        { link: "tracesToLogsV2", uid: tempo.tracesToLogsV2?.datasourceUid, mustBe: "loki" },
        { link: "tracesToMetrics", uid: tempo.tracesToMetrics?.datasourceUid, mustBe: "prometheus" },
        { link: "serviceMap", uid: tempo.serviceMap?.datasourceUid, mustBe: "prometheus" },
        { link: "tracesToProfiles", uid: tempo.tracesToProfiles?.datasourceUid, mustBe: "grafana-pyroscope-datasource" },
    ];
}

describe("datasources", () => {
    const built: Record<string, BuiltContent> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await buildContent(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("creates Prometheus, Loki, Tempo and Pyroscope at the components' URLs, through Grafana's proxy", () => {
                const b = built[stack];
                const alertmanager = b.config.prometheus.alertmanager.enabled ? ["alertmanager"] : [];
                assert.deepStrictEqual(b.datasources.map((ds) => ds.type).sort(), [
                    ...alertmanager,
                    "grafana-pyroscope-datasource",
                    "loki",
                    "prometheus",
                    "tempo",
                ]);
                assert.strictEqual(ofType(b, "prometheus").url, TEST_URLS.prometheus);
                assert.strictEqual(ofType(b, "loki").url, TEST_URLS.loki);
                assert.strictEqual(ofType(b, "tempo").url, TEST_URLS.tempo);
                assert.strictEqual(ofType(b, "grafana-pyroscope-datasource").url, TEST_URLS.pyroscope);
                assert.strictEqual(new Set(b.datasources.map((ds) => ds.uid)).size, b.datasources.length);
                for (const ds of b.datasources) assert.strictEqual(ds.accessMode, "proxy", ds.name);
            });

            it("exports the UID of each datasource it creates", () => {
                const b = built[stack];
                // Keyed by the datasource's name in lower case: "Pyroscope" is the grafana-pyroscope-datasource plugin.
                assert.deepStrictEqual(b.content.datasourceUids, Object.fromEntries(b.datasources.map((ds) => [ds.name.toLowerCase(), ds.uid])));
            });

            it("makes Prometheus the only default, queried with POST at the stack's scrape interval", () => {
                const b = built[stack];
                assert.deepStrictEqual(
                    b.datasources.filter((ds) => ds.isDefault).map((ds) => ds.type),
                    ["prometheus"],
                );
                const prometheus = ofType(b, "prometheus").jsonData;
                assert.strictEqual(prometheus.httpMethod, "POST");
                assert.strictEqual(prometheus.timeInterval, b.config.prometheus.scrapeInterval);
            });

            it("links every datasource to a datasource of the right type that this stack creates", () => {
                const b = built[stack];
                const found = links(b);
                assert.deepStrictEqual(found.map((l) => l.link).sort(), [
                    "derived field TraceID",
                    "derived field trace_id",
                    "exemplar traceID",
                    "exemplar trace_id",
                    "serviceMap",
                    "tracesToLogsV2",
                    "tracesToMetrics",
                    "tracesToProfiles",
                ]);
                for (const { link, uid, mustBe } of found) {
                    const target = b.datasources.find((ds) => ds.uid === uid);
                    assert.ok(target, `${link} points at ${uid}, which this stack does not create`);
                    assert.strictEqual(target.type, mustBe, `${link} must point at ${mustBe}, points at ${target.type}`);
                }
            });

            it("has an alertmanager datasource exactly when the stack runs Alertmanager", () => {
                const b = built[stack];
                const count = b.datasources.filter((ds) => ds.type === "alertmanager").length;
                assert.strictEqual(count, b.config.prometheus.alertmanager.enabled ? 1 : 0);
            });
        });
    }

    it("follows a changed scrape interval", async () => {
        const faster = await buildContent("dev", { prometheus: '{"scrapeInterval":"15s"}' });
        assert.strictEqual(ofType(faster, "prometheus").jsonData.timeInterval, "15s");
    });

    it("sets no setting Grafana 13 no longer reads (it would be ignored without a word)", () => {
        const tempo = ofType(built.dev, "tempo").jsonData;
        for (const obsolete of ["lokiSearch", "tracesToLogs"]) assert.strictEqual(tempo[obsolete], undefined, obsolete);
        assert.strictEqual(typeof ofType(built.dev, "loki").jsonData.maxLines, "string", "Loki reads maxLines as a string");
    });

    it("follows Tempo's node graph and the service map, and keeps trace search visible", () => {
        const tempo = ofType(built.dev, "tempo").jsonData;
        assert.strictEqual(tempo.nodeGraph.enabled, true);
        assert.strictEqual(tempo.search.hide, false);
    });

    it("goes from a span to its logs by trace id, with the span's service and namespace as log labels", () => {
        const { tracesToLogsV2 } = ofType(built.dev, "tempo").jsonData;
        assert.strictEqual(tracesToLogsV2.filterByTraceID, true);
        assert.deepStrictEqual(Object.fromEntries(tracesToLogsV2.tags.map((t: any) => [t.key, t.value])), {
            "service.name": LOG_LABELS.service,
            "k8s.namespace.name": LOG_LABELS.namespace,
        });
        assert.match(tracesToLogsV2.spanStartTimeShift, /^-\d+[smh]$/);
        assert.match(tracesToLogsV2.spanEndTimeShift, /^\d+[smh]$/);
    });

    it("goes from a span to Tempo's span metrics with queries Prometheus accepts, tags expanded or not", () => {
        const { tracesToMetrics } = ofType(built.dev, "tempo").jsonData;
        // The labels Tempo's generator writes for these resource attributes (tests/engines/trace-metrics-links.test.ts proves them).
        assert.deepStrictEqual(tracesToMetrics.tags, [
            { key: "service.name", value: "service" },
            { key: "k8s.namespace.name", value: "k8s_namespace_name" },
        ]);
        const queries: string[] = tracesToMetrics.queries.map((q: any) => q.query);
        assert.ok(queries.length >= 2);
        // Tempo's metrics-generator names (docs: metrics-from-traces/span-metrics).
        assert.ok(queries.some((q) => q.includes("traces_spanmetrics_calls_total{")));
        assert.ok(queries.some((q) => q.includes("traces_spanmetrics_latency_bucket{")));
        const expansions = [`service="checkout"`, ""];
        const expanded = queries.flatMap((query) =>
            expansions.map((tags) => ({
                where: "tracesToMetrics",
                language: "promql" as const,
                text: query.replaceAll("$__tags", tags),
            })),
        );
        assert.deepStrictEqual(queryProblems(expanded), []);
    });

    it("turns trace ids in log lines into Tempo links, in logfmt and JSON, and nothing else", () => {
        const field = ofType(built.dev, "loki").jsonData.derivedFields.find((f: any) => f.matcherType === "regex");
        assert.strictEqual(field.url, "${__value.raw}");
        const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const matcher = new RegExp(field.matcherRegex);
        for (const line of [
            `level=info msg="paid" trace_id=${traceId} span_id=00f067aa0ba902b7`,
            `{"level":"info","traceID":"${traceId}","msg":"paid"}`,
            `{"trace_id": "${traceId}"}`,
            // opentelemetry-python-contrib's logging instrumentation, its default format (DEFAULT_LOGGING_FORMAT):
            // "... [trace_id=%(otelTraceID)s span_id=%(otelSpanID)s resource.service.name=%(otelServiceName)s ...] - %(message)s"
            `2026-12-01 10:00:00,000 INFO [app] [main.py:12] [trace_id=${traceId} span_id=00f067aa0ba902b7 resource.service.name=checkout trace_sampled=True] - paid`,
            // Spring Boot / Micrometer Tracing's MDC key in a JSON encoder.
            `{"@timestamp":"2026-12-01T10:00:00Z","level":"INFO","traceId":"${traceId}","spanId":"00f067aa0ba902b7","message":"paid"}`,
            // .NET's JSON console formatter with ActivityTrackingOptions.TraceId: the scope's TraceId.
            `{"EventId":0,"LogLevel":"Information","Message":"paid","Scopes":[{"SpanId":"00f067aa0ba902b7","TraceId":"${traceId}","ParentId":"0000000000000000"}]}`,
            // Elastic Common Schema's field.
            `{"@timestamp":"2026-12-01T10:00:00Z","log.level":"info","trace.id":"${traceId}","message":"paid"}`,
        ])
            assert.strictEqual(matcher.exec(line)?.[1], traceId, line);
        assert.strictEqual(matcher.exec(`span_id=00f067aa0ba902b7 user=42`), null);
        const metadata = ofType(built.dev, "loki").jsonData.derivedFields.find((f: any) => f.matcherType === "label");
        assert.ok(new RegExp(metadata.matcherRegex).test("trace_id") && !new RegExp(metadata.matcherRegex).test("parent_trace_id"));
    });

    it("adds Alertmanager (Prometheus flavour, not Grafana's alerts) when the stack enables it", async () => {
        const withAlertmanager = await buildContent("staging", { prometheus: '{"alertmanager":{"enabled":true}}' });
        const alertmanager = ofType(withAlertmanager, "alertmanager");
        assert.strictEqual(alertmanager.url, TEST_URLS.alertmanager);
        assert.deepStrictEqual(alertmanager.jsonData, { implementation: "prometheus", handleGrafanaManagedAlerts: false });
        assert.strictEqual(alertmanager.isDefault, false);
        assert.strictEqual(withAlertmanager.content.datasourceUids.alertmanager, alertmanager.uid);
    });

    it("links exemplars under the label each producer writes: OpenTelemetry SDKs' and the Prometheus Java client's trace_id, Tempo's generator's traceID", async () => {
        // The producers' own output shapes: opentelemetry-go exporters/prometheus writes the exemplar
        //   {trace_id="01000000000000000000000000000000", span_id="0100000000000000"} (exporter.go traceIDExemplarKey,
        //   exporter_test.go); Tempo's metrics generator labels span-metrics exemplars with TraceIDLabelName,
        //   default "traceID" (modules/overrides/config.go RegisterFlagsAndApplyDefaults), which our values leave unset;
        //   the Prometheus Java client (1.x) names its exemplar labels Exemplar.TRACE_ID = "trace_id" and SPAN_ID = "span_id"
        //   (prometheus/client_java prometheus-metrics-model, io.prometheus.metrics.model.snapshots.Exemplar), filled from the
        //   OpenTelemetry agent's span context (docs/content/otel/tracing.md).
        const producers: Array<{ producer: string; exemplar: Record<string, string> }> = [
            { producer: "OpenTelemetry SDK (Prometheus exporter)", exemplar: { trace_id: "01000000000000000000000000000000", span_id: "0100000000000000" } },
            { producer: "Prometheus Java client", exemplar: { trace_id: "0af7651916cd43dd8448eb211c80319c", span_id: "b7ad6b7169203331" } },
            { producer: "Tempo metrics generator", exemplar: { traceID: "4bf92f3577b34da6a3ce929d0e0e4736" } },
        ];
        const { datasources } = built.production;
        const prometheus = datasources.find((d) => d.type === "prometheus")!.jsonData as any;
        for (const { producer, exemplar } of producers) {
            const destination = prometheus.exemplarTraceIdDestinations.find((d: { name: string }) => d.name in exemplar);
            assert.ok(destination, `${producer}: no exemplar destination reads ${Object.keys(exemplar).join(", ")}`);
            assert.match(exemplar[destination.name], /^[0-9a-f]{32}$/);
            assert.strictEqual(datasources.find((d) => d.uid === destination.datasourceUid)?.type, "tempo");
        }
        // tempo.yaml as the chart writes it: no trace_id_label_name, so the generator writes its default.
        for (const stack of STACK_NAMES) {
            const tempo = committedStackManifests(stack).releases.find((r) => r.name === "tempo")!;
            const config = tempo.objects
                .filter((o) => o.kind === "ConfigMap")
                .map((o) => JSON.stringify(o.data ?? {}))
                .join("");
            assert.ok(config.includes("metrics_generator") && !config.includes("trace_id_label_name"), stack);
        }
    });
});
