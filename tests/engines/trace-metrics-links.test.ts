// Traces → metrics and the service map, end to end on the real engines: the series Tempo's metrics generator
// writes for two services (frontend calls checkout), with the names and label sets the pinned Tempo source
// builds and the generator configuration the real charts render (helm template), go into promtool; every
// query Grafana 13 runs from a span (tracesToMetrics) and from the service map is expanded the way Grafana's
// source does and must return the expected value. A wrong metric name, label name or label value, or a
// generator configuration that stops writing a label, makes a query come back empty and the test fail.
//
// Producer sources (grafana/tempo; AGPL, read only, never a dependency). The stored copies could not be tied
// to the v2.10.x and v3.0.x tags; every fact used below is the same in every stored version from the one that
// added `validation.SanitizeLabelNameWithCollisions` and the size subprocessor (2.10 docs: three span metrics)
// to the newest (live-store/limiter era, 3.0), and both versions' docs (grafana.com/docs/tempo/v2.10.x and
// v3.0.x, metrics-from-traces/) name the same series:
//   - modules/generator/processor/spanmetrics/spanmetrics.go: metricCallsTotal "traces_spanmetrics_calls_total",
//     metricDurationSeconds "traces_spanmetrics_latency" (classic histogram: _bucket/_sum/_count), labels in
//     aggregateMetricsForSpan: service, span_name, span_kind (Span_SpanKind.String(): "SPAN_KIND_SERVER"),
//     status_code (Status_StatusCode.String(): "STATUS_CODE_ERROR"), then each `dimensions` entry under
//     validation.SanitizeLabelNameWithCollisions(name) with FindAttributeValue(name, resource, span) as value
//     ("" when absent), then dimension_mappings, then job/instance only with enable_target_info.
//   - modules/generator/processor/spanmetrics/config.go RegisterFlagsAndApplyDefaults: intrinsic service,
//     span_name, span_kind, status_code on, status_message off; buckets ExponentialBuckets(0.002, 2, 14).
//   - modules/generator/processor/dimension_names.go: DimService "service", DimSpanName "span_name", ...
//   - modules/generator/validation/sanitize.go: SanitizeLabelName = prometheus util/strutil.SanitizeLabelName
//     (every character outside [a-zA-Z0-9_] becomes "_"); a result equal to an intrinsic gets a "__" prefix.
//   - modules/generator/processor/servicegraphs/servicegraphs.go: traces_service_graph_request_total,
//     _request_failed_total, _request_server_seconds, _request_client_seconds (histograms); labels client,
//     server, connection_type (store/edge.go: Unknown "" for a plain client→server call) plus `dimensions`
//     (client_/server_-prefixed with enable_client_server_prefix); an edge pairs a CLIENT span with the SERVER
//     span whose parent it is; failed when either has STATUS_CODE_ERROR. config.go: buckets
//     ExponentialBuckets(0.1, 2, 8).
//   - modules/generator/registry/registry.go New: every series also carries the external label
//     `__metrics_gen_instance` = the generator's hostname (and registry.external_labels).
//   - modules/generator/registry/histogram.go newHistogram: `le` = formatFloat(bucket), "+Inf" last.
//   - modules/generator/config.go copyWithOverrides: a tenant override (overrides.defaults) that is set replaces
//     the generator's own processor settings (dimensions, buckets, intrinsic_dimensions).
// Consumer sources (grafana/grafana, AGPL, read only):
//   - public/app/features/explore/TraceView/createSpanLink.tsx buildMetricsQuery: `$__tags` becomes
//     `${tag.value || tag.key}="<value>"` for each mapped tag found among the span's process (resource) and span
//     tags, joined by ", "; pkg/tsdb/tempo/trace_transform.go resourceToProcess keeps service.name among them.
//   - public/app/plugins/datasource/tempo/datasource.ts makePromServiceMapRequest (instant, table):
//     `sum by (client, server) (rate(<metric>[$__range]))` and `group by (client, connection_type, server)
//     (<metric>)` per graphTransform.ts serviceMapMetrics; getFieldConfig's node links; buildExpr with
//     graphTransform.ts rateMetric / errorRateMetric / durationMetric / defaultTableFilter for the
//     service-graph table.
//   - packages/grafana-prometheus/src/datasource.ts getRangeScopedVars: `$__range` is "<seconds>s".
import "../helpers/pulumi";
import * as assert from "assert";
import { stringify } from "yaml";
import { datasourceDefinitions } from "../../components/grafana/datasources";
import { TEMPO_RELEASE } from "../../components/tempo/names";
import { SPAN_METRICS_DIMENSIONS } from "../../components/tempo/Tempo";
import { SPAN_METRICS } from "../../components/vocabulary";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { runPromtool } from "../helpers/promtool";
import { configFile, findObject, workloadsOf } from "../helpers/rendered";
import { loadStack, STACK_NAMES } from "../helpers/stacks";

// ---- The generator as the charts configure it ----

interface GeneratorConfig {
    processors: string[];
    /** Tempo's `metrics_generator.generate_native_histograms`: the links read classic `_bucket` series. */
    histograms: string;
    spanMetrics: {
        intrinsic: Record<"service" | "span_name" | "span_kind" | "status_code" | "status_message", boolean>;
        dimensions: string[];
        dimensionMappings: Array<{ name: string; source_labels: string[]; join?: string }>;
        enableTargetInfo: boolean;
        buckets: number[];
    };
    serviceGraphs: { dimensions: string[]; enableClientServerPrefix: boolean; buckets: number[] };
    /** `__metrics_gen_instance` of each generator pod (hostname = pod name) plus registry.external_labels. */
    instances: string[];
    externalLabels: Record<string, string>;
}

const exponentialBuckets = (start: number, factor: number, count: number) => Array.from({ length: count }, (_, i) => start * factor ** i);
const SPAN_METRICS_DEFAULT_BUCKETS = exponentialBuckets(0.002, 2, 14);
const SERVICE_GRAPHS_DEFAULT_BUCKETS = exponentialBuckets(0.1, 2, 8);

/** prometheus/prometheus util/strutil/strconv.go SanitizeLabelName, which Tempo's validation.SanitizeLabelName calls. */
const sanitizeLabelName = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");
const INTRINSIC_DIMENSIONS = ["service", "span_name", "span_kind", "status_code", "status_message"];
/** validation.SanitizeLabelNameWithCollisions. */
const dimensionLabel = (name: string) => {
    const sanitized = sanitizeLabelName(name);
    return INTRINSIC_DIMENSIONS.includes(sanitized) ? `__${sanitized}` : sanitized;
};

/** tempo.yaml's generator settings with the tenant defaults applied as Tempo does (config.go copyWithOverrides). */
function generatorConfig(tempoConfig: any, objects: KubernetesObject[]): GeneratorConfig {
    const generator = tempoConfig.metrics_generator ?? {};
    const own = generator.processor ?? {};
    const tenant = tempoConfig.overrides?.defaults?.metrics_generator ?? {};
    const override = tenant.processor ?? {};
    const pick = <T>(overridden: T | undefined, configured: T | undefined, fallback: T): T => overridden ?? configured ?? fallback;
    const intrinsic = {
        service: true,
        span_name: true,
        span_kind: true,
        status_code: true,
        status_message: false,
        ...own.span_metrics?.intrinsic_dimensions,
        ...override.span_metrics?.intrinsic_dimensions,
    };
    // One generator pod per replica; Tempo writes its hostname, i.e. the pod name.
    const generators = workloadsOf(objects).filter((o) => ["tempo", "tempo-metrics-generator"].includes(o.metadata.name));
    const replicas = generators.reduce((n, o) => n + (o.spec?.replicas ?? 1), 0);
    const podName = generators[0].metadata.name;
    return {
        processors: tenant.processors ?? [],
        histograms: tenant.generate_native_histograms ?? "classic",
        spanMetrics: {
            intrinsic,
            dimensions: pick(override.span_metrics?.dimensions, own.span_metrics?.dimensions, []),
            dimensionMappings: pick(override.span_metrics?.dimension_mappings, own.span_metrics?.dimension_mappings, []),
            enableTargetInfo: pick(override.span_metrics?.enable_target_info, own.span_metrics?.enable_target_info, false),
            buckets: pick(override.span_metrics?.histogram_buckets, own.span_metrics?.histogram_buckets, SPAN_METRICS_DEFAULT_BUCKETS),
        },
        serviceGraphs: {
            dimensions: pick(override.service_graphs?.dimensions, own.service_graphs?.dimensions, []),
            enableClientServerPrefix: pick(override.service_graphs?.enable_client_server_prefix, own.service_graphs?.enable_client_server_prefix, false),
            buckets: pick(override.service_graphs?.histogram_buckets, own.service_graphs?.histogram_buckets, SERVICE_GRAPHS_DEFAULT_BUCKETS),
        },
        instances: Array.from({ length: Math.min(replicas, 2) }, (_, i) => `${podName}-${i}`),
        externalLabels: generator.registry?.external_labels ?? {},
    };
}

// ---- Two services' spans and the series Tempo writes for them ----

interface SpanGroup {
    /** Resource attributes, as the collector forwards them (k8sattributes adds the k8s.* ones). */
    resource: Record<string, string>;
    attributes: Record<string, string>;
    name: string;
    kind: "SPAN_KIND_SERVER" | "SPAN_KIND_CLIENT";
    status: "STATUS_CODE_UNSET" | "STATUS_CODE_ERROR";
    seconds: number;
    /** Spans of this shape per minute. */
    perMinute: number;
}

const resource = (service: string, namespace: string) => ({
    "service.name": service,
    "k8s.namespace.name": namespace,
    "k8s.pod.name": `${service}-7d9f8-abcde`,
    "telemetry.sdk.language": "go",
});
/**
 * Per minute, frontend (namespace shop) sends 66 POST /checkout requests to checkout (namespace shop), 6 of them
 * failing; each takes 50 ms on the server and 60 ms at the client. The same service name also runs in namespace
 * shop-canary (12 requests a minute, 30 ms), so a link that does not select the namespace mixes the two.
 */
function scenario(): { spans: SpanGroup[]; edges: Array<{ client: SpanGroup; server: SpanGroup }> } {
    const http = { "http.request.method": "POST", "url.path": "/checkout" };
    const group = (
        service: string,
        namespace: string,
        kind: SpanGroup["kind"],
        status: SpanGroup["status"],
        seconds: number,
        perMinute: number,
    ): SpanGroup => ({
        resource: resource(service, namespace),
        attributes: http,
        kind,
        status,
        seconds,
        perMinute,
        name: kind === "SPAN_KIND_SERVER" ? "POST /checkout" : "POST",
    });
    const serverOk = group("checkout", "shop", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", 0.05, 60);
    const serverError = group("checkout", "shop", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR", 0.05, 6);
    const clientOk = group("frontend", "shop", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET", 0.06, 60);
    const clientError = group("frontend", "shop", "SPAN_KIND_CLIENT", "STATUS_CODE_ERROR", 0.06, 6);
    const canaryServer = group("checkout", "shop-canary", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET", 0.03, 12);
    const canaryClient = group("frontend", "shop-canary", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET", 0.04, 12);
    return {
        spans: [serverOk, serverError, clientOk, clientError, canaryServer, canaryClient],
        edges: [
            { client: clientOk, server: serverOk },
            { client: clientError, server: serverError },
            { client: canaryClient, server: canaryServer },
        ],
    };
}

type Labels = Record<string, string>;
interface Series {
    labels: Labels;
    perMinute: number;
}

const findAttribute = (name: string, span: SpanGroup) => span.resource[name] ?? span.attributes[name] ?? "";

/** spanmetrics.go aggregateMetricsForSpan, label by label. */
function spanMetricsLabels(config: GeneratorConfig, span: SpanGroup): Labels {
    const { intrinsic, dimensions, dimensionMappings, enableTargetInfo } = config.spanMetrics;
    const labels: Labels = {};
    if (intrinsic.service) labels.service = span.resource["service.name"];
    if (intrinsic.span_name) labels.span_name = span.name;
    if (intrinsic.span_kind) labels.span_kind = span.kind;
    if (intrinsic.status_code) labels.status_code = span.status;
    if (intrinsic.status_message) labels.status_message = "";
    for (const d of dimensions) labels[dimensionLabel(d)] = findAttribute(d, span);
    for (const m of dimensionMappings)
        labels[dimensionLabel(m.name)] = m.source_labels
            .map((s) => findAttribute(s, span))
            .filter(Boolean)
            .join(m.join ?? "");
    if (enableTargetInfo) labels.job = span.resource["service.name"];
    return labels;
}

/** A classic histogram as registry/histogram.go writes it: cumulative buckets, +Inf, _sum and _count. */
function histogramSeries(name: string, labels: Labels, buckets: number[], seconds: number, perMinute: number): Series[] {
    return [
        ...[...buckets, Infinity].map((le) => ({
            labels: { __name__: `${name}_bucket`, ...labels, le: le === Infinity ? "+Inf" : String(le) },
            perMinute: seconds <= le ? perMinute : 0,
        })),
        { labels: { __name__: `${name}_sum`, ...labels }, perMinute: seconds * perMinute },
        { labels: { __name__: `${name}_count`, ...labels }, perMinute },
    ];
}

/** Every series the generator remote-writes for the scenario, split across its instances (spans are sharded by trace). */
function generatedSeries(config: GeneratorConfig): Series[] {
    const { spans, edges } = scenario();
    const perInstance = (series: Series[]) =>
        config.instances.flatMap((instance) =>
            series.map((s) => ({
                labels: { ...s.labels, ...config.externalLabels, __metrics_gen_instance: instance },
                perMinute: s.perMinute / config.instances.length,
            })),
        );
    const out: Series[] = [];
    if (config.processors.includes("span-metrics")) {
        for (const span of spans) {
            const labels = spanMetricsLabels(config, span);
            out.push({ labels: { __name__: SPAN_METRICS.calls, ...labels }, perMinute: span.perMinute });
            out.push(...histogramSeries("traces_spanmetrics_latency", labels, config.spanMetrics.buckets, span.seconds, span.perMinute));
        }
    }
    if (config.processors.includes("service-graphs")) {
        const { dimensions, enableClientServerPrefix, buckets } = config.serviceGraphs;
        for (const { client, server } of edges) {
            // servicegraphs.go onComplete: client, server, connection_type, then the dimensions.
            const labels: Labels = { client: client.resource["service.name"], server: server.resource["service.name"], connection_type: "" };
            for (const d of dimensions) {
                if (enableClientServerPrefix) {
                    labels[sanitizeLabelName(`client_${d}`)] = findAttribute(d, client);
                    labels[sanitizeLabelName(`server_${d}`)] = findAttribute(d, server);
                } else labels[sanitizeLabelName(d)] = findAttribute(d, server) || findAttribute(d, client);
            }
            const failed = client.status === "STATUS_CODE_ERROR" || server.status === "STATUS_CODE_ERROR";
            out.push({ labels: { __name__: "traces_service_graph_request_total", ...labels }, perMinute: server.perMinute });
            if (failed) out.push({ labels: { __name__: "traces_service_graph_request_failed_total", ...labels }, perMinute: server.perMinute });
            out.push(...histogramSeries("traces_service_graph_request_server_seconds", labels, buckets, server.seconds, server.perMinute));
            out.push(...histogramSeries("traces_service_graph_request_client_seconds", labels, buckets, client.seconds, client.perMinute));
        }
    }
    // Two error/ok span groups share no label set, but two edges (ok and failed) do: their counters add up.
    const merged = new Map<string, Series>();
    for (const s of perInstance(out)) {
        const key = JSON.stringify(Object.entries(s.labels).sort());
        const seen = merged.get(key);
        if (seen) seen.perMinute += s.perMinute;
        else merged.set(key, { ...s });
    }
    return [...merged.values()];
}

const seriesText = ({ __name__, ...labels }: Labels) =>
    `${__name__}{${Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ")}}`;

// ---- What Grafana sends ----

interface TagMapping {
    key: string;
    value?: string;
}
interface Span {
    processTags: Labels;
    tags: Labels;
}

/** createSpanLink.tsx buildMetricsQuery. */
function expandTags(query: string, tags: TagMapping[], span: Span): string {
    if (!tags.length || !query.includes("$__tags")) return query;
    const spanTags = { ...span.tags, ...span.processTags };
    const labels = tags.flatMap((tag) => (spanTags[tag.key] ? [`${tag.value ? tag.value : tag.key}="${spanTags[tag.key]}"`] : []));
    return query.replace(/\$__tags/g, labels.join(", "));
}

/** The checkout server span a user opens, as Grafana's trace view holds it (process tags = resource attributes). */
const CHECKOUT_SPAN: Span = { processTags: resource("checkout", "shop"), tags: { "http.request.method": "POST", "url.path": "/checkout" } };

/** Explore over the last 5 minutes. */
const RANGE = "300s";
const RATE_INTERVAL = "5m";
const serviceMapMetrics = [
    "traces_service_graph_request_server_seconds_sum",
    "traces_service_graph_request_total",
    "traces_service_graph_request_failed_total",
    "traces_service_graph_request_server_seconds_bucket",
];

interface ExprTest {
    expr: string;
    eval_time: string;
    exp_samples: Array<{ labels: string; value: number }>;
}

function runQueries(series: Series[], tests: ExprTest[]) {
    const file = {
        rule_files: [],
        evaluation_interval: "1m",
        tests: [
            {
                interval: "1m",
                input_series: series.map((s) => ({ series: seriesText(s.labels), values: `0+${s.perMinute}x10` })),
                promql_expr_test: tests,
            },
        ],
    };
    return runPromtool(["test", "rules", "links.test.yml"], { "links.test.yml": stringify(file) });
}

/**
 * Grafana's expression, evaluated after 10 minutes of series. promtool (2.42, Debian bookworm) compares sample
 * values exactly, so the result is rounded to 1e-9 (arithmetic with a scalar keeps the labels): 0.061 and
 * 0.06099999999999999 are the same answer; a wrong label or name still returns nothing, a wrong selection
 * another value.
 */
const at = (expr: string, samples: Array<[Labels, number]>): ExprTest => ({
    expr: `round((${expr}) * 1e9) / 1e9`,
    eval_time: "10m",
    exp_samples: samples.map(([labels, value]) => ({
        labels: `{${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(", ")}}`,
        value: Math.round(value * 1e9) / 1e9,
    })),
});

// ---- The stacks ----

interface Built {
    stack: string;
    generator: GeneratorConfig;
    tenantOverrides: any;
}

/** Tempo's release as the stack's program installs it, from the render every suite shares (once per process). */
function build(stack: string): Built {
    const { config } = loadStack(stack, {});
    const { objects } = committedStackManifests(stack).releases.find((release) => release.name === TEMPO_RELEASE)!;
    const tempoConfig = configFile(objects, config.tempo.mode === "monolithic" ? "tempo" : "tempo-config", "tempo.yaml");
    // The per-tenant file the charts mount (per_tenant_override_config): a tenant listed there would replace the defaults.
    const runtime = findObject(objects, "ConfigMap", config.tempo.mode === "monolithic" ? "tempo" : "tempo-runtime");
    const tenantOverrides = configFile([runtime!], runtime!.metadata.name, "overrides.yaml");
    return { stack, generator: generatorConfig(tempoConfig, objects), tenantOverrides };
}

const grafanaTempo = () => {
    const definitions = datasourceDefinitions({
        prometheusUrl: "http://prometheus:9090",
        lokiUrl: "http://loki:3100",
        tempoUrl: "http://tempo:3200",
        pyroscopeUrl: "http://pyroscope:4040",
        alertmanagerEnabled: false,
        scrapeInterval: "30s",
    });
    return definitions.find((d) => d.type === "tempo")!.jsonData as any;
};

describe("Traces → metrics and the service map read what Tempo's generator writes", function () {
    this.timeout(300_000);
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = build(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("runs the span-metrics and service-graphs processors for every tenant, with classic histograms", () => {
                const { generator, tenantOverrides } = built[stack];
                assert.deepStrictEqual([...generator.processors].sort(), ["service-graphs", "span-metrics"]);
                // The links query `_bucket` series: "native" alone would write none (registry/histogram selection).
                assert.notStrictEqual(generator.histograms, "native");
                const tenants = Object.entries(tenantOverrides?.overrides ?? {}).filter(([, o]: [string, any]) => o?.metrics_generator);
                assert.deepStrictEqual(tenants, [], "no tenant replaces the generator defaults");
            });

            it("writes the labels the links select by: service, span_kind, status_code and the namespace", () => {
                const { spanMetrics } = built[stack].generator;
                for (const label of ["service", "span_name", "span_kind", "status_code"] as const) assert.ok(spanMetrics.intrinsic[label], label);
                assert.deepStrictEqual(spanMetrics.dimensions, [...SPAN_METRICS_DIMENSIONS]);
                assert.deepStrictEqual(spanMetrics.dimensions.map(dimensionLabel), ["k8s_namespace_name"]);
                // Every tag mapping Grafana applies names a label the generator writes for a span carrying that attribute.
                const written = Object.keys(spanMetricsLabels(built[stack].generator, scenario().spans[0]));
                for (const tag of grafanaTempo().tracesToMetrics.tags as TagMapping[]) {
                    assert.ok(
                        written.includes(tag.value || tag.key),
                        `tracesToMetrics maps ${tag.key} to "${tag.value || tag.key}", which span metrics do not carry (they carry ${written.join(", ")})`,
                    );
                }
            });

            it("answers each tracesToMetrics query of a checkout span in promtool", () => {
                const { tags, queries } = grafanaTempo().tracesToMetrics as { tags: TagMapping[]; queries: Array<{ name: string; query: string }> };
                const expr = (name: string) => expandTags(queries.find((q) => q.name === name)!.query, tags, CHECKOUT_SPAN);
                const namespaced = tags.some((t) => t.key === "k8s.namespace.name");
                // Without the namespace the canary's 12 requests a minute (0.2/s, 30 ms) count too.
                const tests = [
                    at(expr("Request rate"), [[{}, namespaced ? 1.1 : 1.3]]),
                    at(expr("Error rate"), [[{}, 0.1]]),
                    // All of shop's checkout spans fall in (0.032, 0.064]: 0.032 + 0.032 × 0.95.
                    ...(namespaced ? [at(expr("P95 latency"), [[{}, 0.0624]])] : []),
                ];
                const result = runQueries(generatedSeries(built[stack].generator), tests);
                assert.ok(result.ok, `${tests.map((t) => t.expr).join("\n")}\n${result.output}`);
            });

            it("selects one namespace's service once the link maps k8s.namespace.name to the label Tempo writes", () => {
                const { tags, queries } = grafanaTempo().tracesToMetrics as { tags: TagMapping[]; queries: Array<{ name: string; query: string }> };
                const withNamespace = [
                    ...tags.filter((t) => t.key !== "k8s.namespace.name"),
                    { key: "k8s.namespace.name", value: dimensionLabel("k8s.namespace.name") },
                ];
                const expr = (name: string) => expandTags(queries.find((q) => q.name === name)!.query, withNamespace, CHECKOUT_SPAN);
                assert.match(expr("Request rate"), /service="checkout", k8s_namespace_name="shop"/);
                const tests = [
                    at(expr("Request rate"), [[{}, 1.1]]),
                    at(expr("Error rate"), [[{}, 0.1]]),
                    at(expr("P95 latency"), [[{}, 0.0624]]),
                    // `namespace`, the label Kubernetes' own metrics (kube-state-metrics, cAdvisor) use, selects nothing here.
                    at(`sum(rate(${SPAN_METRICS.calls}{service="checkout", namespace="shop"}[5m]))`, []),
                ];
                const result = runQueries(generatedSeries(built[stack].generator), tests);
                assert.ok(result.ok, result.output);
            });

            it("answers the service map's queries: one frontend → checkout edge with its rates, failures and latency", () => {
                const series = generatedSeries(built[stack].generator);
                const edge = { client: "frontend", server: "checkout" };
                // datasource.ts makePromServiceMapRequest, without serviceMapQuery or serviceMapIncludeNamespace.
                const sum = (metric: string) => `sum by (client, server) (rate(${metric}[${RANGE}]))`;
                const group = (metric: string) => `group by (client, connection_type, server) (${metric})`;
                // shop: 66/min of which 6 failed, 50 ms each; canary: 12/min, 30 ms: the same edge, 78/min.
                const tests = [
                    at(sum("traces_service_graph_request_total"), [[edge, 1.3]]),
                    at(sum("traces_service_graph_request_failed_total"), [[edge, 0.1]]),
                    at(sum("traces_service_graph_request_server_seconds_sum"), [[edge, 0.061]]),
                    // A plain client → server call has connection_type "", which Prometheus does not store.
                    ...serviceMapMetrics.map((metric) => at(group(metric), [[edge, 1]])),
                    // getFieldConfig's links of the checkout node.
                    at(`sum by (client, server)(rate(traces_service_graph_request_total{server="checkout"}[${RATE_INTERVAL}]))`, [[edge, 1.3]]),
                    at(`sum by (client, server)(rate(traces_service_graph_request_failed_total{server="checkout"}[${RATE_INTERVAL}]))`, [[edge, 0.1]]),
                    // Every call lies in the first bucket (0, 0.1]: 0.1 × 0.9.
                    at(
                        `histogram_quantile(0.9, sum(rate(traces_service_graph_request_server_seconds_bucket{server="checkout"}[${RATE_INTERVAL}])) by (le, client, server))`,
                        [[edge, 0.09]],
                    ),
                ];
                const result = runQueries(series, tests);
                assert.ok(result.ok, result.output);
            });

            it("answers the service-graph table's span-metrics queries (server spans by span name)", () => {
                // graphTransform.ts rateMetric / errorRateMetric / durationMetric through datasource.ts buildExpr, no serviceMapQuery.
                const span = 'span_name=~"POST /checkout"';
                const tests = [
                    at(`sum(rate(${SPAN_METRICS.calls}{span_kind="SPAN_KIND_SERVER"}[${RANGE}])) by (span_name)`, [[{ span_name: "POST /checkout" }, 1.3]]),
                    at(`sum(rate(${SPAN_METRICS.calls}{status_code="STATUS_CODE_ERROR",${span}}[${RANGE}])) by (span_name)`, [
                        [{ span_name: "POST /checkout" }, 0.1],
                    ]),
                    // 66/min in (0.032, 0.064] and 12/min in (0.016, 0.032]: the 0.9 quantile's rank 1.17/s lies in the former.
                    at(`histogram_quantile(.9, sum(rate(${SPAN_METRICS.latencyBucket}{${span}}[${RANGE}])) by (le))`, [
                        [{}, 0.032 + 0.032 * ((0.9 * 1.3 - 0.2) / 1.1)],
                    ]),
                ];
                const result = runQueries(generatedSeries(built[stack].generator), tests);
                assert.ok(result.ok, result.output);
            });
        });
    }

    it("fails when a query names a label or metric Tempo does not write (the check is not vacuous)", () => {
        const series = generatedSeries(built.dev.generator);
        for (const expr of [
            `sum(rate(${SPAN_METRICS.calls}{service_name="checkout"}[5m]))`,
            `sum(rate(traces_spanmetrics_calls{service="checkout"}[5m]))`,
            `sum(rate(${SPAN_METRICS.calls}{service="checkout", status_code="ERROR"}[5m]))`,
        ]) {
            const result = runQueries(series, [at(expr, [[{}, 0.1]])]);
            assert.ok(!result.ok && /FAILED/.test(result.output), `${expr} should not match: ${result.output}`);
        }
    });
});
