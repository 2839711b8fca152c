import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { alloyConfig } from "../../components/collector/alloy/config";
import type { CollectorArgs } from "../../components/collector/Collector";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { type BuiltCollector, buildCollector } from "../helpers/collector";
import { outputValue } from "../helpers/pulumi";
import { STACK_NAMES } from "../helpers/stacks";
import {
    type AlloyBlock,
    type AlloyFile,
    AlloySyntaxError,
    blockReferences,
    chains,
    childBlock,
    componentId,
    literal,
    parseAlloyConfigs,
    resolveReference,
} from "../support/alloySyntax";
import { chartReference, unknownValuePaths } from "../support/chartKeys";
import { type Labels, type RelabeledTarget, type RelabelRule, RelabelRuleError, relabelTargets } from "../support/relabel";

type Built = BuiltCollector;

async function build(stack: string, args: Partial<CollectorArgs> = {}): Promise<Built> {
    const built = await buildCollector(stack, { args });
    assert.strictEqual(built.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").length, 1);
    return built;
}

const chart = chartReference("alloy", CHARTS.alloy.version);
/** templates/containers/_watch.yaml renders configReloader.resources verbatim as the container's resources. */
const RENDERED_VERBATIM = ["configReloader.resources"];

/** What each kind of component exports for others to reference (Alloy component reference docs). */
const EXPORTS: Array<[RegExp, string[]]> = [
    [/^discovery\.kubernetes$/, ["targets"]],
    [/^discovery\.relabel$/, ["output", "rules"]],
    [/^loki\.write$/, ["receiver"]],
    [/^loki\.process$/, ["receiver"]],
    [/^otelcol\.(processor|exporter)\./, ["input"]],
    [/^pyroscope\.write$/, ["receiver"]],
];

interface Pipeline {
    components: Map<string, AlloyBlock>;
    config: string;
}

const contentOf = (values: Record<string, any>): string => values.alloy.configMap.content;

/** The components of a configuration as Alloy's own parser read it (tools/alloysyntax). */
function pipeline(config: string, parsed: AlloyFile | AlloySyntaxError): Pipeline {
    if (parsed instanceof AlloySyntaxError) throw parsed;
    // The parser accepts attributes outside any block; Alloy's runtime refuses them when it loads the file
    // ("unrecognized attribute", CategorizeStatements in its main module, which is not a dependency here).
    assert.deepStrictEqual(Object.keys(parsed.attributes), [], "attributes at the top level of the configuration");
    const components = new Map<string, AlloyBlock>();
    for (const block of parsed.blocks) {
        assert.ok(!components.has(componentId(block)), `${componentId(block)} declared twice`);
        components.set(componentId(block), block);
    }
    return { components, config };
}

const ofKind = (p: Pipeline, name: string) => [...p.components.values()].filter((b) => b.name === name);

/** The rule blocks of the discovery.relabel that feeds pod logs, in Prometheus' relabel_config shape (same fields). */
function podLogRules(p: Pipeline): RelabelRule[] {
    const source = ofKind(p, "loki.source.kubernetes")[0];
    const relabeling = resolveReference(p.components, blockReferences(source).find(({ at }) => at === "targets")!.path)!.block;
    assert.strictEqual(relabeling.name, "discovery.relabel");
    return relabeling.blocks
        .filter((b) => b.name === "rule")
        .map((rule) =>
            Object.fromEntries(
                Object.entries(rule.attributes).map(([name, value]) => {
                    assert.strictEqual(value.kind, "constant", `rule attribute ${name} = ${value.source} is computed`);
                    return [name, value.value];
                }),
            ),
        );
}

/** What discovery.kubernetes (role "pod") reports for one container, with the pod's app labels given. */
const podTarget = (appLabels: Labels): Labels => ({
    __meta_kubernetes_namespace: "shop",
    __meta_kubernetes_pod_name: "checkout-7d9f",
    __meta_kubernetes_pod_container_name: "server",
    ...appLabels,
});
const POD_TARGETS = [
    podTarget({ __meta_kubernetes_pod_label_app_kubernetes_io_name: "checkout", __meta_kubernetes_pod_label_app: "legacy" }),
    podTarget({ __meta_kubernetes_pod_label_app: "legacy" }),
    podTarget({}),
    // OpenTelemetry's annotation (semantic conventions, k8s service.name) wins over the labels.
    podTarget({
        __meta_kubernetes_pod_annotation_resource_opentelemetry_io_service_name: "payments",
        __meta_kubernetes_pod_label_app_kubernetes_io_name: "checkout",
    }),
];
/** Which label-name validation Alloy applies is its own choice: the rules must mean the same under either. */
const NAME_SCHEMES = ["utf8", "legacy"] as const;

/** Configurations Alloy refuses, one with an attribute outside any block, and one whose reference dangles. */
const REFUSED = [
    'loki.write "x" {\n  endpoint {\n    url = "http://a"\n  }\n',
    'loki.write "x" { url = "unterminated }',
    'loki.write "x" {\n  endpoint {\n    url = "http://a"\n    url = "http://b"\n  }\n}\n',
];
const TOP_LEVEL_ATTRIBUTE = "top = 1\n";
const DANGLING = 'otelcol.processor.batch "b" {\n  output {\n    traces = [otelcol.exporter.otlp.missing.input]\n  }\n}\n';
const ODD_URL = 'http://loki.example/a"b\\c/loki/api/v1/push';

/** A Service port's target as a number: a named targetPort is the container port of that name. */
function targetPortOf(port: { port: number; targetPort?: number | string }, containers: any[]): number | undefined {
    const target = port.targetPort ?? port.port;
    if (typeof target === "number") return target;
    return containers.flatMap((c) => c.ports ?? []).find((p: any) => p.name === target)?.containerPort;
}

describe("Collector (Grafana Alloy)", () => {
    const built: Record<string, Built> = {};
    const pipelines: Record<string, Pipeline> = {};
    const podLogs: Record<string, Record<string, RelabeledTarget[]>> = {};
    let parsed: Array<AlloyFile | AlloySyntaxError>;
    let withTenant: Pipeline;
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
        const tenantConfig = contentOf((await build("dev", { lokiTenantId: "platform" })).values);
        // One run of Alloy's parser for every configuration the tests read.
        const configs = [
            ...STACK_NAMES.map((stack) => contentOf(built[stack].values)),
            tenantConfig,
            alloyConfig({ lokiPushUrl: ODD_URL, tempoOtlpGrpcEndpoint: "tempo:4317", pyroscopeWriteUrl: "http://pyroscope:4040" }),
            TOP_LEVEL_ATTRIBUTE,
            DANGLING,
            ...REFUSED,
        ];
        parsed = parseAlloyConfigs(configs);
        STACK_NAMES.forEach((stack, index) => {
            pipelines[stack] = pipeline(configs[index], parsed[index]);
        });
        withTenant = pipeline(tenantConfig, parsed[STACK_NAMES.length]);
        // One run of Prometheus' relabeling for every stack's pod-log rules, under each name validation scheme.
        const results = relabelTargets(
            STACK_NAMES.flatMap((stack) =>
                NAME_SCHEMES.map((scheme) => ({
                    rules: podLogRules(pipelines[stack]),
                    targets: POD_TARGETS,
                    nameValidationScheme: scheme,
                })),
            ),
        );
        STACK_NAMES.forEach((stack, index) => {
            podLogs[stack] = Object.fromEntries(NAME_SCHEMES.map((scheme, offset) => [scheme, results[index * NAME_SCHEMES.length + offset]]));
        });
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it('installs the pinned chart from its https repository as release "alloy" with rollback on failure', () => {
                const release = built[stack].resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs;
                assert.strictEqual(release.chart, "alloy");
                assert.strictEqual(release.version, CHARTS.alloy.version);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                assert.strictEqual(release.name, "alloy");
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
                assert.ok(release.timeout > 0 && release.maxHistory > 0);
                assert.ok(built[stack].resources.some((r) => r.type === "observability:stack:Collector"));
            });

            it("sets only real keys of the chart", () => {
                assert.deepStrictEqual(unknownValuePaths(chart, built[stack].values, RENDERED_VERBATIM), []);
            });

            it("gives Alloy and its config reloader requests and limits; mounts nothing from the node", () => {
                const { values, config } = built[stack];
                assert.deepStrictEqual(values.alloy.resources, config.collector.resources);
                for (const resources of [values.alloy.resources, values.configReloader.resources]) {
                    assert.ok(resources.requests.cpu && resources.requests.memory && resources.limits.cpu && resources.limits.memory);
                }
                assert.strictEqual(values.controller.type, "deployment");
                assert.deepStrictEqual([values.alloy.mounts.varlog, values.alloy.mounts.dockercontainers], [false, false]);
                assert.deepStrictEqual(values.crds, { create: false });
            });

            it("exposes OTLP gRPC 4317 and HTTP 4318 on the Service, on the ports the receiver listens on", () => {
                const { values } = built[stack];
                const ports = new Map<number, number>(values.alloy.extraPorts.map((p: any) => [p.port, p.targetPort]));
                const receiver = ofKind(pipelines[stack], "otelcol.receiver.otlp")[0];
                const listening = (protocol: string) =>
                    Number(
                        String(literal(childBlock(receiver, protocol), "endpoint"))
                            .split(":")
                            .pop(),
                    );
                assert.strictEqual(ports.get(4317), listening("grpc"));
                assert.strictEqual(ports.get(4318), listening("http"));
                assert.strictEqual(values.service.enabled, true);
            });

            it("generates a configuration that parses and whose every reference names a component and its export", () => {
                const { components, config } = pipelines[stack];
                assert.ok(!config.includes("{{"), "the chart passes the content through tpl");
                assert.ok(components.size >= 8);
                for (const [id, block] of components) {
                    for (const { at, path } of blockReferences(block)) {
                        const target = resolveReference(components, path);
                        assert.ok(target, `${id}.${at} references ${path.join(".")}, which is not declared`);
                        const exports = EXPORTS.find(([kind]) => kind.test(target!.block.name))?.[1] ?? [];
                        assert.ok(exports.includes(target!.exported), `${id}.${at}: ${target!.block.name} exports no "${target!.exported}"`);
                    }
                }
            });

            it("sends OTLP traces through memory limiter, Kubernetes attributes and batching to the given Tempo, unencrypted", () => {
                const p = pipelines[stack];
                const receivers = ofKind(p, "otelcol.receiver.otlp");
                assert.strictEqual(receivers.length, 1);
                const paths = chains(p.components, componentId(receivers[0]), "traces");
                assert.strictEqual(paths.length, 1);
                const kinds = paths[0].map((id) => p.components.get(id)!.name);
                assert.deepStrictEqual(kinds, [
                    "otelcol.receiver.otlp",
                    "otelcol.processor.memory_limiter",
                    "otelcol.processor.k8sattributes",
                    "otelcol.processor.batch",
                    "otelcol.exporter.otlp",
                ]);
                const exporter = p.components.get(paths[0][paths[0].length - 1])!;
                assert.strictEqual(literal(childBlock(exporter, "client"), "endpoint"), built[stack].tempoEndpoint);
                assert.strictEqual(literal(childBlock(exporter, "client", "tls"), "insecure"), true);
            });

            it("sends OTLP logs through the same processors to Loki's native OTLP endpoint next to the given push URL", () => {
                const p = pipelines[stack];
                const receiver = ofKind(p, "otelcol.receiver.otlp")[0];
                const paths = chains(p.components, componentId(receiver), "logs");
                assert.strictEqual(paths.length, 1);
                assert.deepStrictEqual(
                    paths[0].map((id) => p.components.get(id)!.name),
                    [
                        "otelcol.receiver.otlp",
                        "otelcol.processor.memory_limiter",
                        "otelcol.processor.k8sattributes",
                        "otelcol.processor.batch",
                        "otelcol.exporter.otlphttp",
                    ],
                );
                const exporter = p.components.get(paths[0][paths[0].length - 1])!;
                // otelcol.exporter.otlphttp appends /v1/logs: Loki's /otlp/v1/logs, on the push API's host.
                const endpoint = String(literal(childBlock(exporter, "client"), "endpoint"));
                assert.strictEqual(endpoint, built[stack].lokiPushUrl.replace(/\/loki\/api\/v1\/push$/, "/otlp"));
                assert.strictEqual(literal(childBlock(exporter, "client"), "headers"), undefined, "no tenant header for a single-tenant Loki");
                assert.strictEqual(ofKind(p, "otelcol.exporter.loki").length, 0, "the deprecated Loki exporter is gone");
            });

            it("adds the sending pod's Kubernetes attributes, container included, to OTLP logs and traces", () => {
                const k8s = ofKind(pipelines[stack], "otelcol.processor.k8sattributes")[0];
                const metadata = literal(childBlock(k8s, "extract"), "metadata") as string[];
                for (const attribute of ["k8s.namespace.name", "k8s.pod.name", "k8s.container.name", "k8s.deployment.name"])
                    assert.ok(metadata.includes(attribute), attribute);
            });

            it("sends pod logs and Kubernetes events to the given Loki push URL", () => {
                const p = pipelines[stack];
                for (const source of ["loki.source.kubernetes", "loki.source.kubernetes_events"]) {
                    const sources = ofKind(p, source);
                    assert.strictEqual(sources.length, 1, source);
                    for (const chain of chains(p.components, componentId(sources[0]))) {
                        const sink = p.components.get(chain[chain.length - 1])!;
                        assert.strictEqual(sink.name, "loki.write", `${source} ends in ${sink.name}`);
                        assert.strictEqual(literal(childBlock(sink, "endpoint"), "url"), built[stack].lokiPushUrl);
                    }
                }
                const podLogsSource = ofKind(p, "loki.source.kubernetes")[0];
                assert.strictEqual(literal(childBlock(podLogsSource, "clustering"), "enabled"), true);
            });

            it("labels pod logs with service_name, k8s_namespace_name, k8s_pod_name, k8s_container_name (Prometheus' relabeling of its rules)", () => {
                const base = { k8s_namespace_name: "shop", k8s_pod_name: "checkout-7d9f", k8s_container_name: "server" };
                for (const scheme of NAME_SCHEMES) {
                    // Consumers keep no label whose name starts with "__" (Prometheus reserves those).
                    assert.deepStrictEqual(
                        podLogs[stack][scheme].map((target) => target.publicLabels),
                        [
                            { ...base, service_name: "checkout" },
                            { ...base, service_name: "legacy" },
                            { ...base, service_name: "server" },
                            { ...base, service_name: "payments" },
                        ],
                        `name validation ${scheme}`,
                    );
                }
            });

            it("leaves who may reach it to the stack's NetworkPolicies (the chart's own policy would widen them)", () => {
                assert.strictEqual(built[stack].values.networkPolicy.enabled, false);
            });

            it("exports OTLP endpoints that are a Service the chart renders, on ports that reach the receiver", async () => {
                const { collector, values, resources } = built[stack];
                const ours = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs;
                // The stack's release, rendered by `helm template`, is this one: the same name, namespace and values
                // apart from the pipeline text (which names the program's own Loki and Tempo).
                const rendered = committedStackManifests(stack).releases.find((release) => release.chart === "alloy");
                assert.ok(rendered, "the stack renders no alloy release");
                assert.deepStrictEqual([rendered.name, rendered.namespace], [ours.name, ours.namespace]);
                const withoutPipeline = (v: Record<string, any>) => ({ ...v, alloy: { ...v.alloy, configMap: { ...v.alloy.configMap, content: "" } } });
                assert.deepStrictEqual(withoutPipeline(rendered.values), withoutPipeline(values));

                const services = rendered.objects.filter((o) => o.kind === "Service");
                const podTemplates = rendered.objects.filter((o) => o.kind === "Deployment").map((o) => o.spec.template);
                const receiver = ofKind(pipelines[stack], "otelcol.receiver.otlp")[0];
                const grpc = `grpc://${await outputValue(collector.otlpGrpcEndpoint)}`;
                const http = await outputValue(collector.otlpHttpEndpoint);
                assert.match(http, /^http:\/\//);
                for (const [protocol, endpoint] of [
                    ["grpc", grpc],
                    ["http", http],
                ]) {
                    const { hostname, port } = new URL(endpoint);
                    const service: KubernetesObject | undefined = services.find(
                        (s) => `${s.metadata.name}.${s.metadata.namespace ?? rendered.namespace}.svc.cluster.local` === hostname,
                    );
                    assert.ok(service, `${hostname} is none of the Services the chart renders (${services.map((s) => s.metadata.name).join(", ")})`);
                    assert.notStrictEqual(
                        service.spec.clusterIP,
                        "None",
                        `${service.metadata.name} is headless: clients would not be balanced across replicas`,
                    );
                    const servicePort = service.spec.ports.find((p: any) => p.port === Number(port));
                    assert.ok(servicePort, `Service ${service.metadata.name} has no port ${port}`);
                    // The Service selects Alloy's pods and forwards to the port the receiver listens on.
                    const selected: any[] = podTemplates.filter((pod) =>
                        Object.entries(service.spec.selector ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v),
                    );
                    assert.strictEqual(selected.length, 1, `Service ${service.metadata.name} selects ${selected.length} of the release's pod templates`);
                    const listening = Number(
                        String(literal(childBlock(receiver, protocol), "endpoint"))
                            .split(":")
                            .pop(),
                    );
                    assert.strictEqual(
                        targetPortOf(servicePort, selected[0].spec.containers),
                        listening,
                        `${protocol}: Service port ${port} misses the receiver`,
                    );
                }
            });
        });
    }

    it("sends a tenant to a multi-tenant Loki only when given one, on both log paths", () => {
        assert.strictEqual(literal(childBlock(ofKind(withTenant, "loki.write")[0], "endpoint"), "tenant_id"), "platform");
        assert.deepStrictEqual(literal(childBlock(ofKind(withTenant, "otelcol.exporter.otlphttp")[0], "client"), "headers"), { "X-Scope-OrgID": "platform" });
        const endpoint = childBlock(ofKind(pipelines.dev, "loki.write")[0], "endpoint");
        assert.ok(endpoint, "loki.write has no endpoint block");
        assert.deepStrictEqual(Object.keys(endpoint.attributes), ["url"]);
    });

    it("quotes endpoints so that any URL stays one string", () => {
        const write = pipeline("", parsed[STACK_NAMES.length + 1]).components.get("loki.write.loki");
        assert.strictEqual(literal(childBlock(write, "endpoint"), "url"), ODD_URL);
    });

    it("Alloy's parser refuses what Alloy refuses, and the checks above catch the rest (they can fail)", () => {
        const [topLevel, dangling, ...refused] = parsed.slice(STACK_NAMES.length + 2);
        const messages = refused.map((result, index) => {
            assert.ok(result instanceof AlloySyntaxError, `${JSON.stringify(REFUSED[index])} parsed`);
            return result.message;
        });
        assert.match(messages[0], /:5:1: expected }, got EOF/);
        assert.match(messages[1], /string literal not terminated/);
        assert.match(messages[2], /:4:5: attribute "url" may only be provided once/);
        assert.throws(() => pipeline(TOP_LEVEL_ATTRIBUTE, topLevel), /attributes at the top level/);
        const { components } = pipeline(DANGLING, dangling);
        assert.deepStrictEqual(blockReferences(components.get("otelcol.processor.batch.b")!), [
            { at: "output.traces", path: ["otelcol", "exporter", "otlp", "missing", "input"] },
        ]);
        assert.strictEqual(resolveReference(components, ["otelcol", "exporter", "otlp", "missing", "input"]), undefined);
    });

    it("Prometheus' relabeling refuses an invalid rule with its own message (the label check can fail)", () => {
        assert.throws(
            () => relabelTargets([{ rules: [{ source_labels: ["__meta_kubernetes_namespace"] }], targets: POD_TARGETS }]),
            (error: unknown) => error instanceof RelabelRuleError && /requires 'target_label' value/.test(error.message),
        );
    });
});
