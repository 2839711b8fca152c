import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { type Footprint, releaseFootprint, stackFootprint } from "../../scripts/lib/footprint";
import { HELM_RELEASE_TYPE, type RenderedRelease } from "../../scripts/lib/helmTemplate";
import { releaseToRender, renderReleases } from "../../scripts/lib/stackManifests";
import { cpuCores, quantityBytes } from "../../stacks/units";
import { captureResources, unwrapSecrets } from "../helpers/pulumi";
import { renderRelease } from "../helpers/rendered";
import { loadStack, STACK_NAMES } from "../helpers/stacks";

const GiB = 2 ** 30;

let builds = 0;
/** The Helm releases a stack registers, rendered by their charts as the cluster receives them. */
async function renderedReleasesOf(stack: string, overrides: Record<string, string> = {}): Promise<RenderedRelease[]> {
    const { config, secrets } = loadStack(stack, overrides);
    const resources = await captureResources(() => new ObservabilityStack(`footprint-${builds++}`, { config, secrets }));
    return renderReleases(resources.filter((r) => r.type === HELM_RELEASE_TYPE).map((r) => releaseToRender(unwrapSecrets(r.inputs) as Record<string, any>)))
        .releases;
}

const workload = (releases: RenderedRelease[], release: string, kind: string, name: string) =>
    releaseFootprint(releases.find((r) => r.name === release)!).workloads.find((w) => w.kind === kind && w.name === name)!;

/** The heaviest workloads first, for a failure message that says what to shrink. */
function dominating(releases: RenderedRelease[]): string {
    return stackFootprint(releases)
        .releases.flatMap((r) => r.workloads.map((w) => ({ ...w, release: r.release })))
        .sort((a, b) => b.memoryRequest - a.memoryRequest)
        .slice(0, 4)
        .map((w) => `${w.release}/${w.kind}/${w.name} ×${w.replicas}: ${w.cpuRequest.toFixed(2)} CPU, ${(w.memoryRequest / GiB).toFixed(2)} GiB`)
        .join("; ");
}

function assertWithinBudget(releases: RenderedRelease[], cpu: number, memoryGiB: number) {
    const { total } = stackFootprint(releases);
    const detail = `requested ${total.cpuRequest.toFixed(2)} CPU, ${(total.memoryRequest / GiB).toFixed(2)} GiB; largest: ${dominating(releases)}`;
    assert.ok(total.cpuRequest <= cpu, detail);
    assert.ok(total.memoryRequest <= memoryGiB * GiB, detail);
}

const difference = (after: Footprint, before: Footprint) => ({
    cpuRequest: after.cpuRequest - before.cpuRequest,
    memoryRequest: after.memoryRequest - before.memoryRequest,
    storage: after.storage - before.storage,
});

describe("footprint of the rendered manifests (scripts/lib/footprint.ts)", function () {
    this.timeout(300_000);
    const stacks: Record<string, RenderedRelease[]> = {};
    before(async () => {
        for (const stack of STACK_NAMES) stacks[stack] = await renderedReleasesOf(stack);
    });

    it("dev fits a laptop kind cluster: at most 1 CPU and 2 GiB requested", () => {
        assertWithinBudget(stacks.dev, 1, 2);
    });

    it("staging requests at most 2 CPU and 4 GiB", () => {
        assertWithinBudget(stacks.staging, 2, 4);
    });

    it("counts every pod template of every release, and finds a CPU and memory request and limit on every container", () => {
        for (const stack of STACK_NAMES) {
            for (const release of stacks[stack]) {
                const footprint = releaseFootprint(release);
                assert.deepStrictEqual(footprint.unsized, [], `${stack}: ${release.name}`);
                const rendered = release.objects
                    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
                    .map((o) => `${o.kind}/${o.metadata.name}`);
                const counted = footprint.workloads.filter((w) => w.source === "rendered").map((w) => `${w.kind}/${w.name}`);
                assert.deepStrictEqual(
                    rendered.filter((name) => !counted.includes(name)),
                    [],
                    `${stack}: ${release.name}`,
                );
            }
        }
    });

    it("counts the operator's pods: one more Prometheus replica adds the server and its config reloader", async () => {
        const before = workload(stacks.production, "prometheus", "Prometheus", "prometheus");
        const grown = workload(
            await renderedReleasesOf("production", { prometheus: JSON.stringify({ replicas: 3 }) }),
            "prometheus",
            "Prometheus",
            "prometheus",
        );
        assert.strictEqual(grown.source, "operator");
        const { config } = loadStack("production");
        const values = stacks.production.find((r) => r.name === "prometheus")!.values as any;
        const server = config.prometheus.resources.requests;
        const reloader = values.prometheusOperator.prometheusConfigReloader.resources.requests;
        assert.deepStrictEqual(grown.containers, ["prometheus", "config-reloader", "init-config-reloader"]);
        assert.deepStrictEqual([before.replicas, grown.replicas], [2, 3]);
        const added = difference(grown, before);
        assert.ok(Math.abs(added.cpuRequest - (cpuCores(server.cpu) + cpuCores(reloader.cpu))) < 1e-9, JSON.stringify(added));
        assert.strictEqual(added.memoryRequest, quantityBytes(server.memory) + quantityBytes(reloader.memory));
        assert.strictEqual(added.storage, quantityBytes(config.prometheus.storageSize));
    });

    it("grows by exactly the added pods: production Loki ingesters 3 → 6 add 3 × an ingester's request and volume", async () => {
        const { config } = loadStack("production");
        const ingester = config.loki.components.ingester!;
        assert.strictEqual(ingester.replicas, 3);
        const before = stackFootprint(stacks.production).total;
        const after = stackFootprint(await renderedReleasesOf("production", { loki: JSON.stringify({ components: { ingester: { replicas: 6 } } }) })).total;
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

    it("a pod needs the larger of its containers and its init containers: Grafana's chown init container, Grafana's PVC", () => {
        const release = stacks.dev.find((r) => r.name === "grafana")!;
        const grafana = releaseFootprint(release);
        const deployment = grafana.workloads.find((w) => w.kind === "Deployment" && w.name === "grafana")!;
        assert.deepStrictEqual(deployment.containers, ["init-chown-data", "grafana"]);
        const spec = release.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "grafana")!.spec.template.spec;
        const [init, main] = [spec.initContainers[0].resources.requests, spec.containers[0].resources.requests];
        // The init container runs alone before Grafana starts: the pod needs whichever is larger, not their sum.
        assert.strictEqual(deployment.memoryRequest, Math.max(quantityBytes(init.memory), quantityBytes(main.memory)));
        assert.ok(Math.abs(deployment.cpuRequest - Math.max(cpuCores(init.cpu), cpuCores(main.cpu))) < 1e-9);
        const claim = grafana.workloads.find((w) => w.kind === "PersistentVolumeClaim")!;
        assert.strictEqual(claim.storage, quantityBytes(loadStack("dev").config.grafana.persistence.size));
    });

    it("renders the chart's defaults: a chunks cache switched on without resources costs the ~9.8 GiB the dev preset warns about", () => {
        const loki = stacks.dev.find((r) => r.name === "loki")!;
        assert.strictEqual(
            releaseFootprint(loki).workloads.some((w) => w.name === "loki-chunks-cache"),
            false,
        );
        const withCache = renderRelease({
            name: loki.name,
            namespace: loki.namespace,
            chart: "loki",
            version: CHARTS.loki.version,
            values: { ...loki.values, chunksCache: { enabled: true } },
        });
        const cache = releaseFootprint(withCache).workloads.find((w) => w.name === "loki-chunks-cache")!;
        assert.deepStrictEqual(cache.containers, ["memcached", "exporter"]);
        assert.ok(cache.memoryRequest > 9.5 * GiB && cache.memoryRequest < 10 * GiB, `${cache.memoryRequest / GiB} GiB`);
    });

    it("excludes hook jobs: the CRD upgrade job's budget does not change the steady-state footprint", () => {
        const prometheus = stacks.production.find((r) => r.name === "prometheus")!;
        const values = prometheus.values as any;
        const huge = { requests: { cpu: "8", memory: "8Gi" }, limits: { cpu: "8", memory: "8Gi" } };
        const bigger = renderRelease({
            name: "prometheus",
            namespace: prometheus.namespace,
            chart: "kube-prometheus-stack",
            version: CHARTS.kubePrometheusStack.version,
            values: { ...values, crds: { ...values.crds, upgradeJob: { ...values.crds.upgradeJob, resources: huge } } },
        });
        assert.ok(bigger.manifest.includes("memory: 8Gi"), "the bigger budget is rendered");
        assert.deepStrictEqual(releaseFootprint(bigger).total, releaseFootprint(prometheus).total);
        assert.ok(releaseFootprint(prometheus).transient.includes("Job/prometheus-crds-upgrade"));
    });
});
