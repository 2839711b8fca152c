import { type RecordedResource, captureResources, valueOf } from "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { Collector, type CollectorArgs, alloyConfig } from "../components/Collector";
import type { StackConfig } from "../stacks/schema";
import { type AlloyBlock, AlloySyntaxError, blockReferences, childBlock, componentId, literal, parseAlloy } from "./helpers/alloySyntax";
import { chartReference, unknownValuePaths } from "../scripts/lib/chartKeys";
import { chartFullname } from "./helpers/helmNames";
import { type RelabelRule, publicLabels, relabel } from "./helpers/relabel";
import { STACK_NAMES, loadStack } from "./helpers/stacks";

interface Built {
    config: StackConfig; collector: Collector; resources: RecordedResource[]; values: Record<string, any>;
    lokiPushUrl: string; tempoEndpoint: string;
}

let builds = 0;
async function build(stack: string, extra: Partial<CollectorArgs> = {}): Promise<Built> {
    const { config } = loadStack(stack);
    // Distinct per stack, so a test can tell the given endpoints from anything hard-coded.
    const lokiPushUrl = `http://loki-${stack}.monitoring.svc.cluster.local:3100/loki/api/v1/push`;
    const tempoEndpoint = `tempo-${stack}-distributor.monitoring.svc.cluster.local:4317`;
    let collector: Collector | undefined;
    const resources = await captureResources(() => {
        collector = new Collector(`collector-${stack}-${builds++}`, {
            namespace: config.namespace, settings: config.collector, lokiPushUrl, tempoOtlpGrpcEndpoint: tempoEndpoint, ...extra,
        });
    });
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(releases.length, 1);
    return { config, collector: collector!, resources, values: releases[0].inputs.values, lokiPushUrl, tempoEndpoint };
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
];

interface Pipeline { components: Map<string, AlloyBlock>; config: string }

function pipeline(values: Record<string, any>): Pipeline {
    const config: string = values.alloy.configMap.content;
    const components = new Map<string, AlloyBlock>();
    for (const block of parseAlloy(config)) {
        assert.ok(!components.has(componentId(block)), `${componentId(block)} declared twice`);
        components.set(componentId(block), block);
    }
    return { components, config };
}

/** Resolves a reference such as otelcol.processor.batch.apps.input to its component and export. */
function resolve(components: Map<string, AlloyBlock>, path: string[]): { id: string; block: AlloyBlock; exported: string } | undefined {
    for (let split = path.length - 1; split > 0; split -= 1) {
        const id = path.slice(0, split).join(".");
        const block = components.get(id);
        if (block) return { id, block, exported: path.slice(split).join(".") };
    }
    return undefined;
}

/** The components a component hands its data to (through forward_to, targets or output blocks). */
function downstream(components: Map<string, AlloyBlock>, id: string, signal?: string): string[] {
    const block = components.get(id)!;
    return blockReferences(block)
        .filter(({ at }) => at === "forward_to" || (signal ? at === `output.${signal}` : at.startsWith("output.")))
        .map(({ path }) => resolve(components, path)!.id);
}

/** Every chain of components from `start` to a component that hands data to nobody. */
function chains(components: Map<string, AlloyBlock>, start: string, signal?: string): string[][] {
    const next = downstream(components, start, signal);
    if (next.length === 0) return [[start]];
    return next.flatMap((id) => chains(components, id, signal).map((chain) => [start, ...chain]));
}

const ofKind = (p: Pipeline, name: string) => [...p.components.values()].filter((b) => b.name === name);

describe("Collector (Grafana Alloy)", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("installs the pinned chart from its https repository as release \"alloy\" with rollback on failure", () => {
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
                const receiver = ofKind(pipeline(values), "otelcol.receiver.otlp")[0];
                const listening = (protocol: string) => Number(String(literal(childBlock(receiver, protocol), "endpoint")).split(":").pop());
                assert.strictEqual(ports.get(4317), listening("grpc"));
                assert.strictEqual(ports.get(4318), listening("http"));
                assert.strictEqual(values.service.enabled, true);
            });

            it("generates a configuration that parses and whose every reference names a component and its export", () => {
                const { components, config } = pipeline(built[stack].values);
                assert.ok(!config.includes("{{"), "the chart passes the content through tpl");
                assert.ok(components.size >= 8);
                for (const [id, block] of components) {
                    for (const { at, path } of blockReferences(block)) {
                        const target = resolve(components, path);
                        assert.ok(target, `${id}.${at} references ${path.join(".")}, which is not declared`);
                        const exports = EXPORTS.find(([kind]) => kind.test(target!.block.name))?.[1] ?? [];
                        assert.ok(exports.includes(target!.exported), `${id}.${at}: ${target!.block.name} exports no "${target!.exported}"`);
                    }
                }
            });

            it("sends OTLP traces through memory limiter, Kubernetes attributes and batching to the given Tempo, unencrypted", () => {
                const p = pipeline(built[stack].values);
                const receivers = ofKind(p, "otelcol.receiver.otlp");
                assert.strictEqual(receivers.length, 1);
                const paths = chains(p.components, componentId(receivers[0]), "traces");
                assert.strictEqual(paths.length, 1);
                const kinds = paths[0].map((id) => p.components.get(id)!.name);
                assert.deepStrictEqual(kinds, ["otelcol.receiver.otlp", "otelcol.processor.memory_limiter", "otelcol.processor.k8sattributes",
                    "otelcol.processor.batch", "otelcol.exporter.otlp"]);
                const exporter = p.components.get(paths[0][paths[0].length - 1])!;
                assert.strictEqual(literal(childBlock(exporter, "client"), "endpoint"), built[stack].tempoEndpoint);
                assert.strictEqual(literal(childBlock(exporter, "client", "tls"), "insecure"), true);
            });

            it("sends OTLP logs through the same processors to the given Loki push URL", () => {
                const p = pipeline(built[stack].values);
                const receiver = ofKind(p, "otelcol.receiver.otlp")[0];
                const paths = chains(p.components, componentId(receiver), "logs");
                assert.strictEqual(paths.length, 1);
                assert.deepStrictEqual(paths[0].map((id) => p.components.get(id)!.name), ["otelcol.receiver.otlp",
                    "otelcol.processor.memory_limiter", "otelcol.processor.k8sattributes", "otelcol.processor.batch",
                    "otelcol.exporter.loki", "loki.write"]);
                const sink = p.components.get(paths[0][paths[0].length - 1])!;
                assert.strictEqual(literal(childBlock(sink, "endpoint"), "url"), built[stack].lokiPushUrl);
            });

            it("sends pod logs and Kubernetes events to the given Loki push URL", () => {
                const p = pipeline(built[stack].values);
                for (const source of ["loki.source.kubernetes", "loki.source.kubernetes_events"]) {
                    const sources = ofKind(p, source);
                    assert.strictEqual(sources.length, 1, source);
                    for (const chain of chains(p.components, componentId(sources[0]))) {
                        const sink = p.components.get(chain[chain.length - 1])!;
                        assert.strictEqual(sink.name, "loki.write", `${source} ends in ${sink.name}`);
                        assert.strictEqual(literal(childBlock(sink, "endpoint"), "url"), built[stack].lokiPushUrl);
                    }
                }
                const podLogs = ofKind(p, "loki.source.kubernetes")[0];
                assert.strictEqual(literal(childBlock(podLogs, "clustering"), "enabled"), true);
            });

            it("labels pod logs with namespace, pod, container and app", () => {
                const p = pipeline(built[stack].values);
                const source = ofKind(p, "loki.source.kubernetes")[0];
                const targetsRef = blockReferences(source).find(({ at }) => at === "targets")!;
                const relabeling = resolve(p.components, targetsRef.path)!.block;
                assert.strictEqual(relabeling.name, "discovery.relabel");
                const rules = relabeling.blocks.filter((b) => b.name === "rule").map((rule) => Object.fromEntries(
                    Object.keys(rule.attributes).map((name) => [name, literal(rule, name)]))) as RelabelRule[];
                // What discovery.kubernetes (role "pod") reports for one container.
                const pod = (labels: Record<string, string>) => publicLabels(relabel({
                    __meta_kubernetes_namespace: "shop", __meta_kubernetes_pod_name: "checkout-7d9f", __meta_kubernetes_pod_container_name: "server",
                    ...labels,
                }, rules)!);
                assert.deepStrictEqual(pod({ __meta_kubernetes_pod_label_app_kubernetes_io_name: "checkout", __meta_kubernetes_pod_label_app: "legacy" }),
                    { namespace: "shop", pod: "checkout-7d9f", container: "server", app: "checkout" });
                assert.deepStrictEqual(pod({ __meta_kubernetes_pod_label_app: "legacy" }),
                    { namespace: "shop", pod: "checkout-7d9f", container: "server", app: "legacy" });
                assert.deepStrictEqual(pod({}), { namespace: "shop", pod: "checkout-7d9f", container: "server" });
            });

            it("leaves who may reach it to the stack's NetworkPolicies (the chart's own policy would widen them)", () => {
                assert.strictEqual(built[stack].values.networkPolicy.enabled, false);
            });

            it("exports the OTLP endpoints of the Service the chart creates", async () => {
                const { collector, values } = built[stack];
                const service = chartFullname("alloy", "alloy", values, 63);
                assert.strictEqual(await valueOf(collector.otlpGrpcEndpoint), `${service}.monitoring.svc.cluster.local:4317`);
                assert.strictEqual(await valueOf(collector.otlpHttpEndpoint), `http://${service}.monitoring.svc.cluster.local:4318`);
            });
        });
    }

    it("sends a tenant to a multi-tenant Loki only when given one", async () => {
        const withTenant = pipeline((await build("dev", { lokiTenantId: "platform" })).values);
        assert.strictEqual(literal(childBlock(ofKind(withTenant, "loki.write")[0], "endpoint"), "tenant_id"), "platform");
        assert.strictEqual(literal(childBlock(ofKind(pipeline(built.dev.values), "loki.write")[0], "endpoint"), "tenant_id"), undefined);
    });

    it("quotes endpoints so that any URL stays one string", () => {
        const config = alloyConfig('http://loki.example/push?a="b"\\c', "tempo:4317");
        const write = parseAlloy(config).find((b) => b.name === "loki.write")!;
        assert.strictEqual(literal(childBlock(write, "endpoint"), "url"), 'http://loki.example/push?a="b"\\c');
    });

    it("the syntax reader rejects what Alloy rejects (the checks above can fail)", () => {
        assert.throws(() => parseAlloy('loki.write "x" {\n  endpoint {\n    url = "http://a"\n  }\n'), AlloySyntaxError);
        assert.throws(() => parseAlloy('top = 1\n'), AlloySyntaxError);
        assert.throws(() => parseAlloy('loki.write "x" { url = "unterminated }'), AlloySyntaxError);
        const blocks = parseAlloy('otelcol.processor.batch "b" {\n  output {\n    traces = [otelcol.exporter.otlp.missing.input]\n  }\n}\n');
        assert.deepStrictEqual(blockReferences(blocks[0]), [{ at: "output.traces", path: ["otelcol", "exporter", "otlp", "missing", "input"] }]);
        assert.strictEqual(resolve(new Map(blocks.map((b) => [componentId(b), b])), ["otelcol", "exporter", "otlp", "missing", "input"]), undefined);
    });
});
