import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CHARTS } from "../../components/charts";
import { PROFILES } from "../../components/vocabulary";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, committedStackManifests, renderStack, type StackManifests } from "../../scripts/lib/stackManifests";
import { type BuiltCollector, buildCollector } from "../helpers/collector";
import { type DiscoveredPod, podDiscoveryTargets } from "../helpers/podDiscovery";
import { outputValue, type RecordedResource } from "../helpers/pulumi";
import { loadStack, REPO_ROOT, STACK_NAMES } from "../helpers/stacks";
import {
    type AlloyBlock,
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
import { SCHEMA_RELEASES, validateSchemas } from "../support/kubeSchemas";
import { type Flow, judge, missingFlows, neededFlows, podsOf } from "../support/networkFlows";
import { admitted, podSecurity } from "../support/podSecurity";
import { type Labels, type RelabelRule, relabelTargets } from "../support/relabel";

// Profiles through the collector: the rendered Alloy configuration read by Alloy's own parser (tools/alloysyntax), its
// relabel rules run by Prometheus' relabeling (tools/relabel) over what discovery.kubernetes reports for a pod
// (tests/helpers/podDiscovery.ts), and the scrape each kept target gets, as Alloy's pyroscope.scrape builds it.

/**
 * The annotation convention of the Pyroscope chart's own Alloy configuration (pyroscope 2.2.1
 * templates/configmap-alloy.yaml, also k8s-monitoring's feature-profiling _pprof.tpl): per type,
 * `profiles.grafana.com/<type>.scrape: "true"`, and the pyroscope.scrape block that collects it ("cpu" is `process_cpu`).
 */
const CONVENTION: Record<string, string> = { memory: "memory", cpu: "process_cpu", goroutine: "goroutine", block: "block", mutex: "mutex", fgprof: "fgprof" };

/**
 * Alloy v1.18.1 internal/component/pyroscope/scrape/scrape.go DefaultProfilingConfig: each block's path and whether it
 * is a delta profile, and which blocks are on when a configuration says nothing.
 */
const ALLOY_BLOCKS: Record<string, { path: string; delta: boolean; onByDefault: boolean }> = {
    memory: { path: "/debug/pprof/allocs", delta: false, onByDefault: true },
    block: { path: "/debug/pprof/block", delta: false, onByDefault: true },
    goroutine: { path: "/debug/pprof/goroutine", delta: false, onByDefault: true },
    mutex: { path: "/debug/pprof/mutex", delta: false, onByDefault: true },
    process_cpu: { path: "/debug/pprof/profile", delta: true, onByDefault: true },
    fgprof: { path: "/debug/fgprof", delta: true, onByDefault: false },
};

interface Built extends BuiltCollector {
    /** The collector's rendered Alloy configuration. */
    content: string;
}

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** The stack file's edit that turns eBPF profiling on. */
const EBPF_ON = { collector: { profiling: { ebpf: true } } };

async function build(stack: string, overrides: Record<string, unknown> = {}): Promise<Built> {
    const built = await buildCollector(stack, { overrides });
    return { ...built, content: built.values.alloy.configMap.content };
}

function componentsOf(parsed: ReturnType<typeof parseAlloyConfigs>[number]): Map<string, AlloyBlock> {
    if (parsed instanceof AlloySyntaxError) throw parsed;
    return new Map(parsed.blocks.map((block) => [componentId(block), block]));
}

const rulesOf = (relabel: AlloyBlock): RelabelRule[] =>
    relabel.blocks
        .filter((b) => b.name === "rule")
        .map((rule) =>
            Object.fromEntries(
                Object.entries(rule.attributes).map(([name, value]) => {
                    assert.strictEqual(value.kind, "constant", `rule attribute ${name} = ${value.source} is computed`);
                    return [name, value.value];
                }),
            ),
        );

/**
 * The rules a target passes on each way from discovery.kubernetes to a component's `targets`: a chain of
 * discovery.relabel components applies their rules in turn, and a list joined with array.concat is the union of its parts.
 */
function ruleChains(components: Map<string, AlloyBlock>, block: AlloyBlock): { discovery: AlloyBlock; rules: RelabelRule[] }[] {
    return blockReferences(block)
        .filter(({ at }) => at === "targets")
        .flatMap(({ path: reference }) => {
            const source = resolveReference(components, reference);
            assert.ok(source, `${componentId(block)}.targets references ${reference.join(".")}, which is not declared`);
            if (source.block.name === "discovery.kubernetes") return [{ discovery: source.block, rules: [] }];
            assert.strictEqual(source.block.name, "discovery.relabel");
            return ruleChains(components, source.block).map((chain) => ({ ...chain, rules: [...chain.rules, ...rulesOf(source.block)] }));
        });
}

/** The enabled profile blocks of a pyroscope.scrape: those it enables, and Alloy's defaults it leaves alone. */
function enabledBlocks(scrape: AlloyBlock): string[] {
    const config = childBlock(scrape, "profiling_config");
    return Object.entries(ALLOY_BLOCKS)
        .filter(([name, { onByDefault }]) => {
            const enabled = literal(childBlock(config, `profile.${name}`), "enabled");
            return enabled === undefined ? onByDefault : enabled === true;
        })
        .map(([name]) => name);
}

/**
 * The URL pyroscope.scrape requests for a kept target (Alloy v1.18.1 scrape/target.go): labelsByProfiles sets
 * `__profile_path__` to the block's path unless relabeling set it; populateLabels takes `__scheme__` (else the
 * component's scheme, "http") and adds port 80 or 443 to an address without one; urlFromTarget joins scheme, address and
 * path; targetsFromGroup adds `seconds` (scrape interval 15 s minus 1) to a delta profile's query.
 */
function scrapeUrl(labels: Labels, block: string): string {
    const scheme = labels.__scheme__ || "http";
    const address = /:\d+$/.test(labels.__address__) ? labels.__address__ : `${labels.__address__}:${scheme === "https" ? 443 : 80}`;
    const query = ALLOY_BLOCKS[block].delta ? "?seconds=14" : "";
    return `${scheme}://${address}${labels.__profile_path__ || ALLOY_BLOCKS[block].path}${query}`;
}

interface Scrape {
    url: string;
    labels: Labels;
}

/** What each profile type's pyroscope.scrape collects from these pods: Prometheus' relabeling of the configuration's own rules. */
function scrapedBy(components: Map<string, AlloyBlock>, pods: DiscoveredPod[]): Record<string, Scrape[]> {
    const targets = pods.flatMap(podDiscoveryTargets);
    const scrapes = [...components.values()].filter((b) => b.name === "pyroscope.scrape");
    const requests = scrapes.flatMap((scrape) => ruleChains(components, scrape).map(({ rules }) => ({ scrape, rules })));
    const results = relabelTargets(requests.map(({ rules }) => ({ rules, targets })));
    const byType: Record<string, Scrape[]> = {};
    requests.forEach(({ scrape }, index) => {
        const [block] = enabledBlocks(scrape);
        byType[scrape.label!] ??= [];
        for (const target of results[index].filter((t) => !t.dropped))
            byType[scrape.label!].push({ url: scrapeUrl(target.labels!, block), labels: target.publicLabels! });
    });
    return byType;
}

const IP = "10.244.3.7";
const checkout = (annotations: Record<string, string>, overrides: Partial<DiscoveredPod> = {}): DiscoveredPod => ({
    namespace: "shop",
    name: "checkout-7d9f",
    ip: IP,
    labels: { "app.kubernetes.io/name": "checkout" },
    annotations,
    containers: [
        {
            name: "server",
            ports: [
                { name: "http", containerPort: 8080 },
                { name: "pprof", containerPort: 6060 },
            ],
        },
        { name: "proxy", ports: [{ name: "admin", containerPort: 9901 }] },
        { name: "worker" },
    ],
    ...overrides,
});
/** The labels of the checkout pod's server container, as its logs carry them (docs/correlations.md). */
const SERVER = { service_name: "checkout", k8s_namespace_name: "shop", k8s_pod_name: "checkout-7d9f", k8s_container_name: "server" };

/** The "Profile a service" section of README.md: its YAML example and the push address it gives. */
function readmeHowTo(): { template: any; pushAddress: string } {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const start = readme.indexOf("## Profile a service");
    assert.ok(start >= 0, "README.md has no section Profile a service");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(yaml, "the how-to has no YAML example");
    const address = /`(http:\/\/[^`]+:\d+)`/.exec(section);
    assert.ok(address, "the how-to gives no push address");
    return { template: parse(yaml[1]), pushAddress: address[1] };
}

describe("Collector: profiles", function () {
    this.timeout(600_000);
    const built: Record<string, Built> = {};
    const components: Record<string, Map<string, AlloyBlock>> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
        const parsed = parseAlloyConfigs(STACK_NAMES.map((stack) => built[stack].content));
        STACK_NAMES.forEach((stack, index) => {
            components[stack] = componentsOf(parsed[index]);
        });
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("writes every scraped and every pushed profile to the given Pyroscope, and nowhere else", () => {
                const all = components[stack];
                const sources = [...all.values()].filter((b) => b.name === "pyroscope.scrape" || b.name === "pyroscope.receive_http");
                assert.strictEqual(sources.filter((b) => b.name === "pyroscope.receive_http").length, 1);
                for (const source of sources) {
                    for (const chain of chains(all, componentId(source))) {
                        const sink = all.get(chain[chain.length - 1])!;
                        assert.strictEqual(sink.name, "pyroscope.write", `${componentId(source)} ends in ${sink.name}`);
                        assert.strictEqual(literal(childBlock(sink, "endpoint"), "url"), built[stack].pyroscopeWriteUrl);
                    }
                }
            });

            it("scrapes each profile type of the convention with its own pyroscope.scrape, only that type's block on, clustered", () => {
                const scrapes = [...components[stack].values()].filter((b) => b.name === "pyroscope.scrape");
                assert.deepStrictEqual(scrapes.map((s) => s.label).sort(), Object.keys(CONVENTION).sort());
                for (const scrape of scrapes) {
                    assert.deepStrictEqual(enabledBlocks(scrape), [CONVENTION[scrape.label!]], scrape.label);
                    assert.strictEqual(literal(childBlock(scrape, "clustering"), "enabled"), true, "the collector runs clustered");
                    // array.concat, not the deprecated concat (Alloy syntax/internal/stdlib/stdlib.go DeprecatedIdentifiers).
                    assert.match(scrape.attributes.targets.source, /^array\.concat\(/);
                    for (const { discovery } of ruleChains(components[stack], scrape)) {
                        assert.strictEqual(literal(discovery, "role"), "pod");
                        assert.deepStrictEqual(discovery.blocks, [], "the collector discovers every pod of the cluster");
                    }
                }
            });

            it("listens for pushed profiles on the port its Service exposes as 4040", () => {
                const receiver = [...components[stack].values()].find((b) => b.name === "pyroscope.receive_http")!;
                const http = childBlock(receiver, "http");
                assert.strictEqual(literal(http, "listen_address"), "0.0.0.0");
                const port = built[stack].values.alloy.extraPorts.find((p: any) => p.port === 4040);
                assert.ok(port, "no Service port 4040");
                assert.strictEqual(port.targetPort, literal(http, "listen_port"));
            });
        });
    }

    it("scrapes the annotated container's port by number or by name, at Alloy's path or the annotated one, labelled like its logs", () => {
        const scraped = scrapedBy(components.dev, [
            checkout({
                "profiles.grafana.com/cpu.scrape": "true",
                "profiles.grafana.com/cpu.port": "6060",
                "profiles.grafana.com/memory.scrape": "true",
                "profiles.grafana.com/memory.port_name": "pprof",
                "profiles.grafana.com/goroutine.scrape": "true",
                "profiles.grafana.com/goroutine.port": "9901",
                "profiles.grafana.com/goroutine.path": "/debug/pprof/goroutine-custom",
                "profiles.grafana.com/goroutine.scheme": "https",
                // Asked for, then switched off.
                "profiles.grafana.com/mutex.scrape": "false",
                "profiles.grafana.com/mutex.port": "6060",
            }),
        ]);
        assert.deepStrictEqual(scraped, {
            cpu: [{ url: `http://${IP}:6060/debug/pprof/profile?seconds=14`, labels: SERVER }],
            memory: [{ url: `http://${IP}:6060/debug/pprof/allocs`, labels: SERVER }],
            goroutine: [{ url: `https://${IP}:9901/debug/pprof/goroutine-custom`, labels: { ...SERVER, k8s_container_name: "proxy" } }],
            block: [],
            mutex: [],
            fgprof: [],
        });
        // The labels the traces → profiles link and the other signals select by (components/vocabulary.ts).
        assert.deepStrictEqual([PROFILES.labels.service, PROFILES.labels.namespace], ["service_name", "k8s_namespace_name"]);
    });

    it("scrapes nothing of pods that do not ask, are not running, or name a port their containers do not declare", () => {
        const scraped = scrapedBy(components.dev, [
            checkout({}, { name: "plain" }),
            checkout({ "profiles.grafana.com/cpu.scrape": "true", "profiles.grafana.com/cpu.port": "6060" }, { name: "done", phase: "Succeeded" }),
            checkout({ "profiles.grafana.com/cpu.scrape": "true", "profiles.grafana.com/cpu.port": "7777" }, { name: "undeclared-port" }),
            checkout({ "profiles.grafana.com/memory.scrape": "true", "profiles.grafana.com/memory.port_name": "debug" }, { name: "undeclared-name" }),
            checkout({ "profiles.grafana.com/cpu.port": "6060" }, { name: "port-only" }),
        ]);
        assert.deepStrictEqual(
            Object.entries(scraped).filter(([, scrapes]) => scrapes.length > 0),
            [],
        );
    });

    it("names the service as the pod's logs do: the OpenTelemetry annotation, app.kubernetes.io/name, app, the container", () => {
        const ask = { "profiles.grafana.com/cpu.scrape": "true", "profiles.grafana.com/cpu.port": "6060" };
        const pods = [
            checkout({ ...ask, "resource.opentelemetry.io/service.name": "payments" }, { name: "a" }),
            checkout(ask, { name: "b" }),
            checkout(ask, { name: "c", labels: { app: "legacy" } }),
            checkout(ask, { name: "d", labels: {} }),
        ];
        // The pod-log rules of the same configuration, through the same engine, for the same containers.
        const logs = [...components.dev.values()].find((b) => b.name === "loki.source.kubernetes")!;
        const [logChain] = ruleChains(components.dev, logs);
        const [logLabels] = relabelTargets([{ rules: logChain.rules, targets: pods.flatMap(podDiscoveryTargets) }]);
        const logService = new Map(
            logLabels.filter((t) => t.publicLabels?.k8s_container_name === "server").map((t) => [t.publicLabels!.k8s_pod_name, t.publicLabels!.service_name]),
        );
        const profiled = scrapedBy(components.dev, pods).cpu.map((s) => [s.labels.k8s_pod_name, s.labels.service_name]);
        assert.deepStrictEqual(profiled, [
            ["a", "payments"],
            ["b", "checkout"],
            ["c", "legacy"],
            ["d", "server"],
        ]);
        for (const [pod, service] of profiled) assert.strictEqual(logService.get(pod), service, `pod ${pod}: logs and profiles name different services`);
    });

    it("README's how-to: the annotated pod is scraped for each type it asks for, and the push address is the collector's", async () => {
        const { template, pushAddress } = readmeHowTo();
        const annotations: Record<string, string> = template.metadata.annotations;
        const pod: DiscoveredPod = { namespace: "shop", name: "howto-0", ip: IP, annotations, containers: template.spec.containers };
        const asked = Object.keys(annotations)
            .map((key) => /^profiles\.grafana\.com\/(\w+)\.scrape$/.exec(key))
            .filter((match) => match && annotations[match[0]] === "true")
            .map((match) => match![1]);
        assert.ok(asked.length >= 2, `the how-to asks for ${asked.join(", ")}`);
        const scraped = scrapedBy(components.dev, [pod]);
        for (const type of Object.keys(CONVENTION)) {
            if (!asked.includes(type)) {
                assert.deepStrictEqual(scraped[type], [], type);
                continue;
            }
            const port = annotations[`profiles.grafana.com/${type}.port`];
            const block = ALLOY_BLOCKS[CONVENTION[type]];
            const path = annotations[`profiles.grafana.com/${type}.path`] ?? block.path;
            assert.deepStrictEqual(
                scraped[type].map((s) => s.url),
                [`http://${IP}:${port}${path}${block.delta ? "?seconds=14" : ""}`],
                type,
            );
            assert.strictEqual(scraped[type][0].labels.k8s_namespace_name, "shop");
        }
        const { config, collector } = built.dev;
        assert.strictEqual(pushAddress.replace("<namespace>", config.namespace), await outputValue(collector.profilesPushUrl));
    });

    it("the push address is a Service the chart renders, forwarding to the receiver's port", async () => {
        for (const stack of STACK_NAMES) {
            const { hostname, port } = new URL(await outputValue(built[stack].collector.profilesPushUrl));
            const rendered = committedStackManifests(stack).releases.find((release) => release.name === "alloy")!;
            const service = rendered.objects.find((o) => o.kind === "Service" && `${o.metadata.name}.${rendered.namespace}.svc.cluster.local` === hostname);
            assert.ok(service, `${hostname} is no Service of the alloy release`);
            const servicePort = service.spec.ports.find((p: any) => p.port === Number(port));
            assert.ok(servicePort, `Service ${service.metadata.name} has no port ${port}`);
            const receiver = [...components[stack].values()].find((b) => b.name === "pyroscope.receive_http")!;
            const pods = rendered.objects.filter((o) => o.kind === "Deployment").map((o) => o.spec.template);
            const containerPort = pods[0].spec.containers
                .flatMap((c: any) => c.ports ?? [])
                .find((p: any) => p.name === servicePort.targetPort || p.containerPort === servicePort.targetPort)?.containerPort;
            assert.strictEqual(containerPort, literal(childBlock(receiver, "http"), "listen_port"));
        }
    });

    describe("eBPF profiling (collector.profiling.ebpf)", () => {
        let withEbpf: Built;
        let profiler: RecordedResource;
        let profilerComponents: Map<string, AlloyBlock>;
        let rendered: StackManifests;
        const renderedProfiler = () => rendered.releases.find((r) => r.name === "alloy-profiler")!;
        before(async () => {
            withEbpf = await build("dev", EBPF_ON);
            profiler = withEbpf.resources.find((r) => r.type === RELEASE_TYPE && r.inputs.name === "alloy-profiler")!;
            assert.ok(profiler, "no release alloy-profiler");
            [profilerComponents] = [componentsOf(parseAlloyConfigs([profiler.inputs.values.alloy.configMap.content])[0])];
            // The whole dev program with the profiler on, every release through `helm template` (scripts/lib/stackManifests.ts).
            rendered = renderStack("dev", EBPF_ON);
        });

        it("is off in every preset: the committed stacks install no profiler", async () => {
            for (const stack of STACK_NAMES) {
                assert.strictEqual(built[stack].config.collector.profiling.ebpf, false, stack);
                assert.deepStrictEqual(
                    built[stack].resources.filter((r) => r.type === RELEASE_TYPE).map((r) => r.inputs.name),
                    ["alloy"],
                );
                assert.ok(!committedStackManifests(stack).releases.some((r) => r.name === "alloy-profiler"), stack);
            }
        });

        it("installs the pinned alloy chart a second time, as a DaemonSet in the host's PID namespace, privileged and root, with only real chart keys", () => {
            const { values } = profiler.inputs;
            assert.deepStrictEqual([profiler.inputs.chart, profiler.inputs.version, profiler.inputs.atomic], ["alloy", CHARTS.alloy.version, true]);
            assert.deepStrictEqual(unknownValuePaths(chartReference("alloy", CHARTS.alloy.version), values, ["configReloader.resources"]), []);
            const [daemonSet, ...others] = renderedProfiler().objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
            assert.deepStrictEqual([daemonSet.kind, others.length], ["DaemonSet", 0]);
            const pod = daemonSet.spec.template.spec;
            assert.strictEqual(pod.hostPID, true);
            const alloy = pod.containers.find((c: any) => c.name === "alloy");
            assert.deepStrictEqual([alloy.securityContext.privileged, alloy.securityContext.runAsUser], [true, 0]);
            assert.deepStrictEqual(alloy.resources, withEbpf.config.collector.profiling.resources);
            // Every node, tainted control-plane nodes included.
            assert.ok(pod.tolerations.some((t: any) => t.operator === "Exists" && t.effect === "NoSchedule" && !t.key));
        });

        it("lives alone in <namespace>-profiler, labelled for Pod Security exactly as node-exporter's namespace", () => {
            const namespaces = rendered.programObjects.filter((o) => o.kind === "Namespace");
            const profilerNamespace = namespaces.find((o) => o.metadata.name === "monitoring-profiler");
            const nodeExporter = namespaces.find((o) => o.metadata.name === "monitoring-node-exporter");
            assert.ok(profilerNamespace && nodeExporter, namespaces.map((o) => o.metadata.name).join(", "));
            assert.deepStrictEqual(profilerNamespace.metadata.labels, nodeExporter.metadata.labels);
            assert.strictEqual(profilerNamespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
            assert.strictEqual(renderedProfiler().namespace, "monitoring-profiler");
            const inIt = rendered.releases.flatMap((r) => r.objects.filter((o) => (o.metadata.namespace ?? r.namespace) === "monitoring-profiler"));
            assert.deepStrictEqual([...new Set(inIt.map((o) => o.metadata.labels?.["app.kubernetes.io/instance"]))], ["alloy-profiler"]);
        });

        it("is admitted by Pod Security in its namespace and refused in the stack's, while the collector stays restricted", () => {
            const results = podSecurity(rendered);
            const refused = results.filter((r) => !admitted(r).ok).map((r) => `${r.namespace}/${r.kind}/${r.name}: ${admitted(r).refusals.join("; ")}`);
            assert.deepStrictEqual(refused, []);
            const own = results.find((r) => r.release === "alloy-profiler" && r.kind === "DaemonSet")!;
            assert.deepStrictEqual([own.namespace, own.enforce?.level], ["monitoring-profiler", "privileged"]);
            const collector = results.find((r) => r.release === "alloy" && r.kind === "Deployment")!;
            assert.ok(
                collector.evaluations.filter((e) => e.level === "restricted").every((e) => e.allowed),
                JSON.stringify(collector.evaluations),
            );
            const release = renderedProfiler();
            const daemonSet = release.objects.find((o) => o.kind === "DaemonSet")!;
            const moved = { ...structuredClone(daemonSet), metadata: { ...daemonSet.metadata, namespace: "monitoring" } };
            const [inStackNamespace] = podSecurity({ ...rendered, releases: [{ ...release, manifest: stringify(moved) }] });
            assert.strictEqual(admitted(inStackNamespace).ok, false);
            assert.match(admitted(inStackNamespace).refusals.join(" "), /host namespaces \(hostPID=true\)/);
            assert.match(admitted(inStackNamespace).refusals.join(" "), /privileged \(container "alloy" must not set securityContext\.privileged=true\)/);
        });

        it("renders objects valid for the oldest and newest Kubernetes", () => {
            const objects = allObjects(rendered);
            const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
            const inProfilerNamespace = (o: KubernetesObject) => o.metadata.name === "monitoring-profiler" || o.metadata.namespace === "monitoring-profiler";
            const ours = [...renderedProfiler().objects, ...rendered.programObjects.filter(inProfilerNamespace)];
            assert.deepStrictEqual(
                rendered.programObjects
                    .filter(inProfilerNamespace)
                    .map((o) => o.kind)
                    .sort(),
                ["Namespace", "NetworkPolicy", "NetworkPolicy"],
            );
            for (const release of SCHEMA_RELEASES) {
                const problems = validateSchemas(ours, release, crds)
                    .filter((r) => r.status !== "statusValid")
                    .map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg}`);
                assert.deepStrictEqual(problems, [], release);
            }
        });

        it("profiles the containers of its own node's pods, labelled like their logs, to the given Pyroscope", () => {
            const discovery = [...profilerComponents.values()].find((b) => b.name === "discovery.kubernetes")!;
            const selectors = childBlock(discovery, "selectors")!;
            assert.strictEqual(literal(selectors, "role"), "pod");
            assert.strictEqual(selectors.attributes.field.source, '"spec.nodeName=" + sys.env("HOSTNAME")');
            // The chart gives the alloy container HOSTNAME from the downward API: the name of the node it runs on.
            const alloy = renderedProfiler()
                .objects.find((o) => o.kind === "DaemonSet")!
                .spec.template.spec.containers.find((c: any) => c.name === "alloy");
            assert.deepStrictEqual(
                alloy.env.find((e: any) => e.name === "HOSTNAME"),
                { name: "HOSTNAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            );

            const [ebpf] = [...profilerComponents.values()].filter((b) => b.name === "pyroscope.ebpf");
            for (const chain of chains(profilerComponents, componentId(ebpf))) {
                const sink = profilerComponents.get(chain[chain.length - 1])!;
                assert.strictEqual(sink.name, "pyroscope.write");
                assert.strictEqual(literal(childBlock(sink, "endpoint"), "url"), withEbpf.pyroscopeWriteUrl);
            }
            const [{ rules }] = ruleChains(profilerComponents, ebpf);
            const pods = [checkout({}), checkout({}, { name: "finished", phase: "Succeeded" })];
            const [targets] = relabelTargets([{ rules, targets: pods.flatMap(podDiscoveryTargets) }]);
            const kept = targets.filter((t) => !t.dropped);
            assert.deepStrictEqual(
                [...new Set(kept.map((t) => `${t.publicLabels!.k8s_pod_name}/${t.publicLabels!.k8s_container_name}/${t.publicLabels!.service_name}`))],
                ["checkout-7d9f/server/checkout", "checkout-7d9f/proxy/checkout", "checkout-7d9f/worker/checkout"],
            );
            // pyroscope.ebpf ties a process to a target by its container's ID (Alloy pyroscope/ebpf/discovery/target.go
            // containerIDFromTarget, from __meta_kubernetes_pod_container_id without the runtime prefix).
            for (const target of kept) assert.match(target.labels!.__meta_kubernetes_pod_container_id, /^containerd:\/\/checkout-7d9f-/);
            assert.deepStrictEqual(Object.keys(kept[0].publicLabels!).sort(), ["k8s_container_name", "k8s_namespace_name", "k8s_pod_name", "service_name"]);
        });

        it("leaves every flow of the stack allowed; only Prometheus reaches the profiler (cyclonus' matcher, tools/netflows)", () => {
            const { config } = loadStack("dev");
            const needed = neededFlows(rendered, {
                namespace: config.namespace,
                ingressControllerNamespace: config.ingress.controllerNamespace,
                otlpNamespaces: [...new Set([...config.services.map((s) => s.namespace), ...config.collector.applicationNamespaces])],
            });
            const verdicts = judge(rendered, needed);
            assert.deepStrictEqual(
                missingFlows(verdicts).map((v) => `${v.id}: ${v.why}`),
                [],
            );
            const scrapes = verdicts.filter((v) => v.to.workload === "DaemonSet/alloy-profiler" && /^scrape/.test(v.why));
            assert.deepStrictEqual(
                scrapes.map((v) => [v.port, v.allowed]),
                [[12345, true]],
            );
            const { pods } = podsOf(rendered);
            const profilerPod = pods.find((p) => p.workload === "DaemonSet/alloy-profiler")!;
            const grafana = pods.find((p) => p.workload === "Deployment/grafana")!;
            const others: Flow[] = [
                { namespace: "unrelated-team", labels: { app: "curious" } },
                { namespace: "default", labels: { app: "an-application" } },
                { pod: grafana },
            ].flatMap((from, index) =>
                profilerPod.ports.map((port) => ({
                    id: `peer ${index} -> ${port.containerPort}`,
                    from,
                    to: profilerPod,
                    port: port.containerPort,
                    protocol: "TCP",
                    why: "not needed",
                })),
            );
            assert.ok(others.length >= 3);
            assert.deepStrictEqual(
                judge(rendered, others)
                    .filter((v) => v.allowed)
                    .map((v) => v.id),
                [],
            );
            // Without the profiler namespace's policies, nothing would stop them: the check above can fail.
            const unguarded = {
                ...rendered,
                programObjects: rendered.programObjects.filter((o) => !(o.kind === "NetworkPolicy" && o.metadata.namespace === "monitoring-profiler")),
            };
            assert.ok(judge(unguarded, others).every((v) => v.allowed));
        });
    });
});
