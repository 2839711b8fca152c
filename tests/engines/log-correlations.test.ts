// One label schema for a service's logs, whichever way they reach Loki (pod stdout tailed by Alloy, or OTLP logs
// the application sends to Alloy, forwarded to Loki's native OTLP endpoint), and the links that select by it:
// Tempo → Loki (tracesToLogsV2), the dashboards' log panels, and Loki → Tempo (derived fields).
//
// Each side is fed its producer's real output shape:
//   - pod logs: the Alloy configuration the stack renders, read by Alloy's own parser (tools/alloysyntax), its
//     relabel rules run by Prometheus' model/relabel (tools/relabel) over the __meta_kubernetes_* labels of
//     Prometheus' discovery/kubernetes/pod.go (the code behind Alloy's discovery.kubernetes role "pod");
//   - OTLP logs: an OTLP/JSON ExportLogsServiceRequest as an OpenTelemetry SDK sends it (opentelemetry-proto
//     opentelemetry/proto/logs/v1/logs.proto, JSON mapping of examples/logs.json), with the resource attributes
//     otelcol.processor.k8sattributes adds, through Loki 3.7's attribute mapping (ported in helpers/lokiOtlp.ts:
//     Loki is AGPL and no Loki runs here) under the limits the rendered config.yaml sets.
import "../helpers/pulumi";
import * as assert from "assert";
import { K8S_ATTRIBUTES, lokiOtlpEndpoint } from "../../components/collector/alloy/otlp";
import { SLO_DASHBOARD_UID } from "../../components/grafana/uids";
import { OTLP_TRACE_ID_METADATA } from "../../components/loki/datasources";
import { LOKI_PUSH_PATH } from "../../components/loki/Loki";
import { LOG_LABELS, POD_LOG_LABELS } from "../../components/vocabulary";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { allPanels } from "../helpers/dashboardQueries";
import { type BuiltContent, buildContent } from "../helpers/grafanaContent";
import { syntaxErrors } from "../helpers/grammars";
import { type Matcher, selects } from "../helpers/labelMatchers";
import { type ExportLogsServiceRequest, type LokiOtlpSettings, normalizeLabel, otlpToLokiStreams, type PushStream } from "../helpers/lokiOtlp";
import { configFile } from "../helpers/rendered";
import { STACK_NAMES } from "../helpers/stacks";
import {
    type AlloyBlock,
    type AlloyFile,
    AlloySyntaxError,
    blockReferences,
    childBlock,
    componentId,
    literal,
    parseAlloyConfigs,
    resolveReference,
} from "../support/alloySyntax";
import { type Labels, type RelabelRule, relabelTargets } from "../support/relabel";

// ---- The pod both paths describe ----
const POD = {
    namespace: "shop",
    name: "checkout-7d9f8b6c5-x2x4q",
    uid: "0b8e4c52-6f1e-4f0e-9a52-3f1d2a4b5c6d",
    container: "server",
    node: "worker-1",
    deployment: "checkout",
    replicaset: "checkout-7d9f8b6c5",
    service: "checkout",
};
const TRACE_ID = "5b8aa5a2d2c872e8321cf37308d69df2";
const SPAN_ID = "051581bf3cb55c13";

/**
 * What discovery.kubernetes (role "pod") reports for one container of the pod: Prometheus discovery/kubernetes/pod.go
 * (podLabels: namespace, name, ip, labels and annotations with their *present twins, names through
 * strutil.SanitizeLabelName; node_name, host_ip, uid, phase, ready, controller kind/name; buildPod per container:
 * container name, image, id, init, and each port).
 */
function podTarget(labels: Record<string, string>, annotations: Record<string, string> = {}): Labels {
    const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");
    const meta = (kind: "label" | "annotation", entries: Record<string, string>) =>
        Object.fromEntries(
            Object.entries(entries).flatMap(([key, value]) => [
                [`__meta_kubernetes_pod_${kind}_${sanitize(key)}`, value],
                [`__meta_kubernetes_pod_${kind}present_${sanitize(key)}`, "true"],
            ]),
        );
    return {
        __address__: "10.244.1.17:8080",
        __meta_kubernetes_namespace: POD.namespace,
        __meta_kubernetes_pod_name: POD.name,
        __meta_kubernetes_pod_ip: "10.244.1.17",
        ...meta("label", labels),
        ...meta("annotation", annotations),
        __meta_kubernetes_pod_node_name: POD.node,
        __meta_kubernetes_pod_host_ip: "172.18.0.3",
        __meta_kubernetes_pod_uid: POD.uid,
        __meta_kubernetes_pod_phase: "Running",
        __meta_kubernetes_pod_ready: "true",
        __meta_kubernetes_pod_controller_kind: "ReplicaSet",
        __meta_kubernetes_pod_controller_name: POD.replicaset,
        __meta_kubernetes_pod_container_name: POD.container,
        __meta_kubernetes_pod_container_image: "registry.example/shop/checkout:1.4.2",
        __meta_kubernetes_pod_container_id: "containerd://4f1c9b1e0c7a",
        __meta_kubernetes_pod_container_init: "false",
        __meta_kubernetes_pod_container_port_name: "http",
        __meta_kubernetes_pod_container_port_number: "8080",
        __meta_kubernetes_pod_container_port_protocol: "TCP",
    };
}
/** The ways a pod names its service: the OpenTelemetry annotation, app.kubernetes.io/name, the older app label. */
const POD_TARGETS: Array<{ how: string; target: Labels }> = [
    { how: "app.kubernetes.io/name", target: podTarget({ "app.kubernetes.io/name": POD.service, "pod-template-hash": "7d9f8b6c5" }) },
    { how: "app", target: podTarget({ app: POD.service }) },
    {
        how: "resource.opentelemetry.io/service.name",
        target: podTarget({ "app.kubernetes.io/name": "shop-frontend" }, { "resource.opentelemetry.io/service.name": POD.service }),
    },
    // No label at all: the container's name, which here is the service's.
    { how: "the container name", target: { ...podTarget({}), __meta_kubernetes_pod_container_name: POD.service } },
];

/**
 * An OTLP/JSON logs request as an OpenTelemetry SDK exports it (opentelemetry-proto logs.proto: ResourceLogs →
 * ScopeLogs → LogRecord; examples/logs.json for the JSON mapping, trace and span ids as hex), from the pod above, after
 * otelcol.processor.k8sattributes added the attributes of K8S_ATTRIBUTES (the SDK sends the service.* and telemetry.sdk.*
 * ones: opentelemetry-specification resource/sdk.md, SDK-provided resource attributes).
 */
function sdkLogsRequest(k8sAttributes: Record<string, string>): ExportLogsServiceRequest {
    const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
    return {
        resourceLogs: [
            {
                resource: {
                    attributes: [
                        attribute("service.name", POD.service),
                        attribute("service.version", "1.4.2"),
                        attribute("telemetry.sdk.language", "python"),
                        attribute("telemetry.sdk.name", "opentelemetry"),
                        attribute("telemetry.sdk.version", "1.38.0"),
                        ...Object.entries(k8sAttributes).map(([key, value]) => attribute(key, value)),
                    ],
                },
                scopeLogs: [
                    {
                        scope: { name: "checkout.payments", version: "" },
                        logRecords: [
                            {
                                timeUnixNano: "1764583200000000000",
                                observedTimeUnixNano: "1764583200000120000",
                                severityNumber: 17,
                                severityText: "ERROR",
                                body: { stringValue: "payment declined" },
                                attributes: [attribute("code.function.name", "charge"), { key: "http.response.status_code", value: { intValue: "402" } }],
                                flags: 1,
                                traceId: TRACE_ID.toUpperCase(),
                                spanId: SPAN_ID,
                            },
                        ],
                    },
                ],
            },
        ],
    };
}
/** The values otelcol.processor.k8sattributes takes from the pod object for each attribute it extracts. */
const K8S_VALUES: Record<string, string> = {
    "k8s.namespace.name": POD.namespace,
    "k8s.pod.name": POD.name,
    "k8s.pod.uid": POD.uid,
    "k8s.pod.start_time": "2026-12-01T09:58:00Z",
    "k8s.deployment.name": POD.deployment,
    "k8s.node.name": POD.node,
    "k8s.container.name": POD.container,
};

// ---- LogQL stream selectors against label sets ----
/** The matchers of a LogQL query's stream selector (the `{...}` it starts with); values are Go-quoted strings. */
function streamSelector(query: string): Matcher[] {
    const selector = /^\s*\{([^}]*)\}/.exec(query);
    assert.ok(selector, `no stream selector in ${query}`);
    const matchers: Matcher[] = [];
    const matcher = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*(,|$)/gy;
    for (let match = matcher.exec(selector[1]); match && match[0] !== ""; match = matcher.exec(selector[1])) {
        matchers.push({ name: match[1], op: match[2] as Matcher["op"], value: JSON.parse(match[3]) });
        if (match[4] === "") break;
    }
    assert.strictEqual(matchers.length, selector[1].split(",").filter((part) => part.trim()).length, `could not read every matcher of ${selector[0]}`);
    return matchers;
}

/**
 * The Loki query Grafana builds for a span's "Logs for this span" (tracesToLogsV2, no custom query): grafana/grafana
 * public/app/features/explore/TraceView/createSpanLink.tsx and its helpers (crossSignalConfig.ts getFilteredTags /
 * getFormattedTags: for each of the span's process (resource) and span tags with a configured mapping,
 * `<mapped or normalised name>="<value>"`, joined by ", "; getLegacyQueryForLoki, the default while the
 * GrafanaDynamicTraceToLogs flag is off: `{${__tags}}` then, with filterByTraceID, a label_format that matches the id in
 * the line or the trace_id label/metadata). Ported: Grafana is AGPL frontend code with no package to import.
 */
function grafanaTraceToLogsQuery(
    tempo: any,
    span: { resource: Record<string, string>; attributes: Record<string, string>; traceId: string; spanId: string },
): string | undefined {
    const options = tempo.tracesToLogsV2;
    const toLokiLabelName = (name: string) => name.replace(/\./g, "_");
    const allTags = [...Object.entries(span.resource), ...Object.entries(span.attributes)].map(([key, value]) => ({ key, value }));
    const tags = allTags.flatMap((tag) => {
        const mapping = (options.tags as Array<{ key: string; value?: string }>).find((t) => t.key === tag.key);
        return mapping ? [`${toLokiLabelName(mapping.value ? mapping.value : mapping.key)}="${tag.value}"`] : [];
    });
    if (options.customQuery || tags.length === 0) return undefined;
    let expr = "{${__tags}}";
    if (options.filterByTraceID) {
        expr +=
            ' | label_format log_line_contains_trace_id=`{{ contains "${__span.traceId}" __line__  }}` | log_line_contains_trace_id="true" or trace_id="${__span.traceId}"';
    }
    if (options.filterBySpanID) {
        expr +=
            ' | label_format log_line_contains_span_id=`{{ contains "${__span.spanId}" __line__  }}` | log_line_contains_span_id="true" or span_id="${__span.spanId}"';
    }
    // Grafana's template service fills the scoped variables when the link is followed.
    return expr.replace("${__tags}", tags.join(", ")).replaceAll("${__span.traceId}", span.traceId).replaceAll("${__span.spanId}", span.spanId);
}

/**
 * Grafana's Loki derived fields for one log row (public/app/plugins/datasource/loki/getDerivedFields.ts): a `label`
 * matcher takes the value of the first key of the row's labels (stream labels and structured metadata, which the
 * Loki datasource returns in the same labels field) that its regex tests true; a `regex` matcher the first group of
 * the line's match. Ported for the same reason as above.
 */
function derivedFieldValue(field: { matcherType?: string; matcherRegex: string }, row: { line: string; labels: Record<string, string> }): string | null {
    if (field.matcherType === "label") {
        const key = Object.keys(row.labels).find((name) => new RegExp(field.matcherRegex).test(name));
        return key ? row.labels[key] : null;
    }
    const match = row.line.match(field.matcherRegex);
    return match && match[1] ? match[1] : null;
}

/** The rule blocks of the discovery.relabel that feeds loki.source.kubernetes, in Prometheus' relabel_config shape. */
function podLogRules(parsed: AlloyFile): RelabelRule[] {
    const components = new Map(parsed.blocks.map((block) => [componentId(block), block] as [string, AlloyBlock]));
    const source = parsed.blocks.find((block) => block.name === "loki.source.kubernetes")!;
    const relabeling = resolveReference(components, blockReferences(source).find(({ at }) => at === "targets")!.path)!.block;
    return relabeling.blocks
        .filter((b) => b.name === "rule")
        .map((rule) =>
            Object.fromEntries(
                Object.entries(rule.attributes).map(([name, value]) => {
                    assert.strictEqual(value.kind, "constant", `rule attribute ${name} is computed`);
                    return [name, value.value];
                }),
            ),
        );
}

/** Loki's limits and distributor settings as the stack's rendered config.yaml sets them (absent: Loki's defaults). */
function lokiSettings(lokiConfig: any): LokiOtlpSettings {
    const limits = lokiConfig.limits_config ?? {};
    return {
        otlpConfig: limits.otlp_config,
        defaultIndexLabels: lokiConfig.distributor?.otlp_config?.default_resource_attributes_as_index_labels,
        discoverServiceName: limits.discover_service_name,
        discoverLogLevels: limits.discover_log_levels,
        allowStructuredMetadata: limits.allow_structured_metadata,
    };
}

interface StackCase {
    alloy: AlloyFile;
    lokiConfig: any;
    lokiObjects: any[];
    podLabels: Array<{ how: string; labels: Labels }>;
    otlpStreams: PushStream[];
}

describe("log correlations: one label schema for pod logs and OTLP logs", function () {
    this.timeout(300_000);
    const stacks: Record<string, StackCase> = {};
    let content: BuiltContent;
    before(async () => {
        const rendered = STACK_NAMES.map((stack) => committedStackManifests(stack));
        const alloyConfigs = rendered.map((m) => (m.releases.find((r) => r.chart === "alloy")!.values as any).alloy.configMap.content as string);
        const parsed = parseAlloyConfigs(alloyConfigs);
        const relabeled = relabelTargets(
            parsed.map((file) => {
                if (file instanceof AlloySyntaxError) throw file;
                return { rules: podLogRules(file), targets: POD_TARGETS.map((t) => t.target) };
            }),
        );
        STACK_NAMES.forEach((stack, index) => {
            const loki = rendered[index].releases.find((r) => r.chart === "loki")!;
            const lokiConfig = configFile(loki.objects, "loki", "config.yaml");
            const k8sAttributes = Object.fromEntries(K8S_ATTRIBUTES.map((key) => [key, K8S_VALUES[key]]));
            stacks[stack] = {
                alloy: parsed[index] as AlloyFile,
                lokiConfig,
                lokiObjects: loki.objects,
                podLabels: relabeled[index].map((target, i) => ({ how: POD_TARGETS[i].how, labels: target.publicLabels! })),
                otlpStreams: otlpToLokiStreams(sdkLogsRequest(k8sAttributes), lokiSettings(lokiConfig)),
            };
        });
        content = await buildContent("production");
    });

    it("the port of Loki's mapping turns dots into underscores and indexes only its default resource attributes", () => {
        assert.strictEqual(normalizeLabel("k8s.namespace.name"), "k8s_namespace_name");
        assert.strictEqual(normalizeLabel("0day"), "key_0day");
        assert.strictEqual(normalizeLabel("_private"), "key_private");
        const [stream] = otlpToLokiStreams(sdkLogsRequest({}));
        assert.deepStrictEqual(stream.labels, { service_name: POD.service });
        assert.strictEqual(stream.entries[0].structuredMetadata.service_version, "1.4.2", "not indexed: structured metadata");
        const [unnamed] = otlpToLokiStreams({
            resourceLogs: [{ resource: { attributes: [{ key: "k8s.container.name", value: { stringValue: "server" } }] }, scopeLogs: [] }],
        });
        assert.deepStrictEqual(unnamed.labels, { k8s_container_name: "server", service_name: "server" }, "discover_service_name");
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("Loki keeps structured metadata and finds levels (config.yaml leaves Loki 3's defaults on), and indexes the attributes the schema needs", () => {
                const limits = stacks[stack].lokiConfig.limits_config;
                assert.notStrictEqual(limits.allow_structured_metadata, false);
                assert.notStrictEqual(limits.discover_log_levels, false);
                assert.strictEqual(
                    stacks[stack].lokiConfig.schema_config.configs.every((c: any) => c.schema === "v13"),
                    true,
                    "structured metadata needs schema v13",
                );
                const [stream] = stacks[stack].otlpStreams;
                for (const attribute of ["service.name", "k8s.namespace.name", "k8s.pod.name", "k8s.container.name"]) {
                    assert.ok(normalizeLabel(attribute) in stream.labels, `${attribute} is not an index label`);
                }
            });

            it("OTLP logs go to the Service and path Loki serves OTLP on, next to the push API", () => {
                const exporter = stacks[stack].alloy.blocks.find((b) => b.name === "otelcol.exporter.otlphttp")!;
                const endpoint = String(literal(childBlock(exporter, "client"), "endpoint"));
                const writer = stacks[stack].alloy.blocks.find((b) => b.name === "loki.write")!;
                const pushUrl = String(literal(childBlock(writer, "endpoint"), "url"));
                assert.strictEqual(endpoint, lokiOtlpEndpoint(pushUrl));
                assert.strictEqual(new URL(endpoint).host, new URL(pushUrl).host);
                assert.strictEqual(`${new URL(endpoint).pathname}/v1/logs`, "/otlp/v1/logs");
                assert.ok(pushUrl.endsWith(LOKI_PUSH_PATH));
                const gateway = stacks[stack].lokiObjects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "loki-gateway");
                if (new URL(endpoint).hostname.startsWith("loki-gateway.")) {
                    // The gateway's nginx.conf, as the chart writes it, sends the OTLP path to the distributors.
                    assert.match(gateway?.data?.["nginx.conf"] ?? "", /location = \/otlp\/v1\/logs \{[^}]*distributor/s);
                }
            });

            it("pod logs and OTLP logs of the same pod carry the same service, namespace, pod and container labels", () => {
                const [stream] = stacks[stack].otlpStreams;
                const expected = {
                    [POD_LOG_LABELS.service]: POD.service,
                    [POD_LOG_LABELS.namespace]: POD.namespace,
                    [POD_LOG_LABELS.pod]: POD.name,
                    [POD_LOG_LABELS.container]: POD.container,
                };
                for (const [name, value] of Object.entries(expected)) assert.strictEqual(stream.labels[name], value, `OTLP ${name}`);
                for (const { how, labels } of stacks[stack].podLabels) {
                    const container = how === "the container name" ? POD.service : POD.container;
                    assert.deepStrictEqual(labels, { ...expected, [POD_LOG_LABELS.container]: container }, `service named by ${how}`);
                }
            });

            it("a span's logs link (Grafana's tracesToLogsV2 query) and the log panel parse and select both paths' streams", () => {
                const tempo = content.datasources.find((d) => d.type === "tempo")!.jsonData;
                // A span as Tempo returns it for that pod: the SDK's and k8sattributes' resource attributes.
                const query = grafanaTraceToLogsQuery(tempo, {
                    resource: { "service.name": POD.service, ...Object.fromEntries(K8S_ATTRIBUTES.map((key) => [key, K8S_VALUES[key]])) },
                    attributes: { "http.route": "/pay" },
                    traceId: TRACE_ID,
                    spanId: SPAN_ID,
                });
                assert.ok(query, "Grafana builds no logs link for this span");
                const dashboards = content.dashboards.map((d: any) => d.model ?? d);
                const panelQueries = dashboards.flatMap((model: any) =>
                    allPanels(model)
                        .filter((p) => p.datasource?.type === "loki")
                        .flatMap((p) => (p.targets ?? []).map((t: any) => ({ where: `${model.uid} / ${p.title}`, expr: t.expr as string }))),
                );
                assert.ok(panelQueries.length >= 1, "no dashboard log panel");
                // The shared SLO dashboard's log panel is about the service its variables pick.
                const sloLogs = panelQueries.filter(({ where }) => where.startsWith(`${SLO_DASHBOARD_UID} / `));
                assert.strictEqual(sloLogs.length, 1, "the shared SLO dashboard has no log panel");
                assert.match(sloLogs[0].expr, new RegExp(`${LOG_LABELS.service}="\\$service"`));
                const streams = [
                    ...stacks[stack].otlpStreams.map((s) => ({ how: "OTLP", labels: s.labels })),
                    ...stacks[stack].podLabels.map((p) => ({ how: `pod logs (${p.how})`, labels: p.labels })),
                ];
                for (const { where, expr } of [{ where: "tracesToLogsV2", expr: query }, ...panelQueries]) {
                    assert.deepStrictEqual(syntaxErrors("logql", expr), [], `${where}: ${expr}`);
                    // The panels' variables as Grafana fills them for this service.
                    const filled = expr.replaceAll("$namespace", POD.namespace).replaceAll("$service", POD.service);
                    const matchers = streamSelector(filled);
                    assert.ok(
                        matchers.some((m) => m.name === LOG_LABELS.service) && matchers.some((m) => m.name === LOG_LABELS.namespace),
                        `${where} selects by neither service nor namespace`,
                    );
                    // A panel about one service (an SLO dashboard's) must select that service's streams: the same pod, renamed.
                    const subject = matchers.find((m) => m.name === LOG_LABELS.service && m.op === "=")?.value ?? POD.service;
                    const ofSubject = streams.map(({ how, labels }) => ({ how, labels: { ...labels, [LOG_LABELS.service]: subject } }));
                    for (const { how, labels } of ofSubject)
                        assert.ok(selects(matchers, labels), `${where}: ${filled} misses the ${how} stream ${JSON.stringify(labels)}`);
                    const elsewhere = { ...ofSubject[0].labels, [LOG_LABELS.namespace]: "billing" };
                    assert.ok(!selects(matchers, elsewhere), `${where} also selects another namespace's logs`);
                }
            });
        });
    }

    it("Loki → Tempo: the label matcher finds the trace id in OTLP logs' structured metadata, the regex in pod log lines", () => {
        const fields = content.datasources.find((d) => d.type === "loki")!.jsonData.derivedFields;
        const [stream] = stacks.dev.otlpStreams;
        const [entry] = stream.entries;
        assert.strictEqual(entry.structuredMetadata[OTLP_TRACE_ID_METADATA], TRACE_ID, "Loki writes the record's TraceId lower-case under trace_id");
        assert.strictEqual(entry.structuredMetadata.span_id, SPAN_ID);
        const otlpRow = { line: entry.line, labels: { ...stream.labels, ...entry.structuredMetadata } };
        const podRow = { line: `level=error msg="payment declined" trace_id=${TRACE_ID} span_id=${SPAN_ID}`, labels: stacks.dev.podLabels[0].labels };
        const found = (row: typeof otlpRow) => fields.map((f: any) => derivedFieldValue(f, row)).filter((v: string | null) => v !== null);
        assert.deepStrictEqual(found(otlpRow), [TRACE_ID], "OTLP log: one link, from structured metadata (the body holds no id)");
        assert.deepStrictEqual(found(podRow), [TRACE_ID], "pod log: one link, from the line");
        for (const field of fields as any[]) assert.ok(content.datasources.find((d) => d.uid === field.datasourceUid)?.type === "tempo");
    });

    it("level is Loki's detected_level for both: from severity_text for OTLP logs", () => {
        const [entry] = stacks.dev.otlpStreams[0].entries;
        assert.strictEqual(entry.structuredMetadata.severity_text, "ERROR");
        assert.strictEqual(entry.structuredMetadata.detected_level, "error");
        const [numberOnly] = otlpToLokiStreams({
            resourceLogs: [
                {
                    resource: { attributes: [{ key: "service.name", value: { stringValue: "x" } }] },
                    scopeLogs: [{ logRecords: [{ severityNumber: 13, body: { stringValue: "slow" } }] }],
                },
            ],
        });
        assert.strictEqual(numberOnly.entries[0].structuredMetadata.detected_level, "warn", "severity_number 13..16 is WARN");
    });
});
