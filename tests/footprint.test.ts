import { captureResources, unwrapSecrets } from "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { ObservabilityStack } from "../components/ObservabilityStack";
import { type Footprint, containerResourcePaths, knownResourcePaths, releaseFootprint, stackFootprint } from "../scripts/lib/footprint";
import { cpuCores, quantityBytes } from "../stacks/units";
import { chartReference } from "../scripts/lib/chartKeys";
import { STACK_NAMES, loadStack } from "./helpers/stacks";

const GiB = 2 ** 30;
type Release = { chart: string; values: Record<string, any> };

let builds = 0;
/** The Helm releases a stack registers, with the values as the engine receives them. */
async function releasesOf(stack: string, overrides: Record<string, string> = {}): Promise<Release[]> {
    const { config, secrets } = loadStack(stack, overrides);
    const resources = await captureResources(() => new ObservabilityStack(`footprint-${builds++}`, { config, secrets }));
    return resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => unwrapSecrets(r.inputs) as Release);
}

const workload = (releases: Release[], chart: string, name: string) =>
    releaseFootprint(chart, releases.find((r) => r.chart === chart)!.values).workloads.find((w) => w.name === name)!;

/** The heaviest workloads first, for a failure message that says what to shrink. */
function dominating(releases: Release[]): string {
    return stackFootprint(releases).releases
        .flatMap((r) => r.workloads.map((w) => ({ ...w, chart: r.chart })))
        .sort((a, b) => b.memoryRequest - a.memoryRequest).slice(0, 4)
        .map((w) => `${w.chart}/${w.name} ×${w.replicas}: ${w.cpuRequest.toFixed(2)} CPU, ${(w.memoryRequest / GiB).toFixed(2)} GiB`).join("; ");
}

function assertWithinBudget(releases: Release[], cpu: number, memoryGiB: number) {
    const { total } = stackFootprint(releases);
    const detail = `requested ${total.cpuRequest.toFixed(2)} CPU, ${(total.memoryRequest / GiB).toFixed(2)} GiB; largest: ${dominating(releases)}`;
    assert.ok(total.cpuRequest <= cpu, detail);
    assert.ok(total.memoryRequest <= memoryGiB * GiB, detail);
}

const difference = (after: Footprint, before: Footprint) => ({
    cpuRequest: after.cpuRequest - before.cpuRequest, memoryRequest: after.memoryRequest - before.memoryRequest, storage: after.storage - before.storage,
});

describe("footprint (scripts/lib/footprint.ts)", () => {
    const stacks: Record<string, Release[]> = {};
    before(async () => {
        for (const stack of STACK_NAMES) stacks[stack] = await releasesOf(stack);
    });

    it("dev fits a laptop kind cluster: at most 1 CPU and 2 GiB requested", () => {
        assertWithinBudget(stacks.dev, 1, 2);
    });

    it("staging requests at most 2 CPU and 4 GiB", () => {
        assertWithinBudget(stacks.staging, 2, 4);
    });

    it("counts every container resources block the charts receive, or says why it is not running", () => {
        for (const stack of STACK_NAMES) {
            for (const release of stacks[stack]) {
                const { accounted } = releaseFootprint(release.chart, release.values);
                const known = new Set(accounted.map((a) => a.path));
                const missed = containerResourcePaths(release.values).filter((path) => !known.has(path));
                assert.deepStrictEqual(missed, [], `${stack}: ${release.chart} sets resources the footprint table does not know`);
            }
        }
    });

    it("knows every resources block in the pinned charts' defaults, so a chart upgrade that adds a workload fails here", () => {
        /** `resources` maps in a chart's values.yaml, subcharts' under their names. */
        const defaultPaths = (node: unknown, trail: string[] = []): string[] => (!node || typeof node !== "object" || Array.isArray(node) ? []
            : Object.entries(node).flatMap(([key, child]) => (key === "resources" ? [[...trail, key].join(".")] : defaultPaths(child, [...trail, key]))));
        for (const pin of Object.values(CHARTS)) {
            const reference = chartReference(pin.chart, pin.version);
            const paths = [...defaultPaths(reference.defaults), ...[...reference.subcharts].flatMap(([name, sub]) => defaultPaths(sub.defaults, [name]))];
            const known = knownResourcePaths(pin.chart);
            assert.deepStrictEqual(paths.filter((path) => !known.has(path)), [], `${pin.chart} ${pin.version}`);
        }
    });

    it("finds a CPU and memory request and limit on every container that runs (chart defaults merged in)", () => {
        for (const stack of STACK_NAMES) {
            for (const release of stacks[stack]) assert.deepStrictEqual(releaseFootprint(release.chart, release.values).unsized, [], `${stack}: ${release.chart}`);
        }
    });

    it("counts a sidecar in every replica: one more Prometheus adds the server and its config reloader", async () => {
        const before = workload(stacks.production, "kube-prometheus-stack", "prometheus");
        const grown = workload(await releasesOf("production", { prometheus: JSON.stringify({ replicas: 3 }) }), "kube-prometheus-stack", "prometheus");
        const values = stacks.production.find((r) => r.chart === "kube-prometheus-stack")!.values;
        const server = values.prometheus.prometheusSpec.resources.requests;
        const reloader = values.prometheusOperator.prometheusConfigReloader.resources.requests;
        assert.deepStrictEqual(grown.containers, ["prometheus", "config-reloader", "init-config-reloader"]);
        const added = difference(grown, before);
        assert.ok(Math.abs(added.cpuRequest - (cpuCores(server.cpu) + cpuCores(reloader.cpu))) < 1e-9, JSON.stringify(added));
        assert.strictEqual(added.memoryRequest, quantityBytes(server.memory) + quantityBytes(reloader.memory));
    });

    it("grows by exactly the added pods: production Loki ingesters 3 → 6 add 3 × an ingester's request and volume", async () => {
        const { config } = loadStack("production");
        const ingester = config.loki.components.ingester!;
        assert.strictEqual(ingester.replicas, 3);
        const before = stackFootprint(stacks.production).total;
        const after = stackFootprint(await releasesOf("production", { loki: JSON.stringify({ components: { ingester: { replicas: 6 } } }) })).total;
        const added = difference(after, before);
        assert.ok(Math.abs(added.cpuRequest - 3 * cpuCores(ingester.resources.requests.cpu)) < 1e-9, JSON.stringify(added));
        assert.strictEqual(added.memoryRequest, 3 * quantityBytes(ingester.resources.requests.memory));
        assert.strictEqual(added.storage, 3 * quantityBytes(config.loki.storageSize));
    });

    it("runs a DaemonSet's pod on every node: node-exporter on 3 nodes adds 2 pods to dev", () => {
        const one = stackFootprint(stacks.dev).total;
        const three = stackFootprint(stacks.dev, { nodes: 3 }).total;
        const nodeExporter = loadStack("dev").config.prometheus.nodeExporterResources.requests;
        assert.strictEqual(three.memoryRequest - one.memoryRequest, 2 * quantityBytes(nodeExporter.memory));
        assert.ok(Math.abs(three.cpuRequest - one.cpuRequest - 2 * cpuCores(nodeExporter.cpu)) < 1e-9);
    });

    it("fills in the chart's defaults: a chunks cache switched on without resources costs the ~9.8 GiB the dev preset warns about", () => {
        const loki = stacks.dev.find((r) => r.chart === "loki")!.values;
        assert.strictEqual(releaseFootprint("loki", loki).workloads.some((w) => w.name === "chunks-cache"), false);
        const cache = releaseFootprint("loki", { ...loki, chunksCache: { enabled: true } }).workloads.find((w) => w.name === "chunks-cache")!;
        assert.deepStrictEqual(cache.containers, ["memcached", "exporter"]);
        assert.ok(cache.memoryRequest > 9.5 * GiB && cache.memoryRequest < 10 * GiB, `${cache.memoryRequest / GiB} GiB`);
    });

    it("excludes hook jobs: the CRD upgrade job's budget does not change the steady-state footprint", () => {
        const values = stacks.production.find((r) => r.chart === "kube-prometheus-stack")!.values;
        const bigger = { ...values, crds: { ...values.crds, upgradeJob: { ...values.crds.upgradeJob, resources: { requests: { cpu: "8", memory: "8Gi" }, limits: { cpu: "8", memory: "8Gi" } } } } };
        assert.deepStrictEqual(releaseFootprint("kube-prometheus-stack", bigger).total, releaseFootprint("kube-prometheus-stack", values).total);
        assert.ok(releaseFootprint("kube-prometheus-stack", values).accounted.some((a) => a.path === "crds.upgradeJob.resources" && a.status === "transient"));
    });

    it("refuses values that render workloads its tables do not model, instead of under-counting", () => {
        const values = stacks.dev.find((r) => r.chart === "kube-prometheus-stack")!.values;
        assert.throws(() => releaseFootprint("kube-prometheus-stack", { ...values, grafana: { enabled: true } }), /grafana\.enabled/);
        assert.throws(() => releaseFootprint("loki", { minio: { enabled: true } }), /minio\.enabled/);
    });
});
