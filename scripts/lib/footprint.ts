// What a stack costs a cluster, computed from the Helm values it renders (Release inputs.values): the CPU and
// memory its pods request and are limited to, and the persistent volumes they claim. One table per chart says
// which workloads render under which switches and where each container's resources live; the chart's own
// values.yaml (../shared/charts) fills in what our values leave out, merged as Helm merges them.
// - Pods: replicas × (containers, sidecars included); an init container counts as Kubernetes counts it: the pod
//   needs max(sum of its containers, largest init container). A missing request defaults to the limit.
// - DaemonSets: one pod per node, on `options.nodes` nodes (1 unless told: a laptop cluster).
// - Autoscaled workloads: at their minimum replicas (what is always running).
// - Hook jobs (CRD upgrade, webhook certificate patch, helm test pods) run during an install or upgrade and are
//   deleted afterwards: they are listed as transient and excluded.
import { parse } from "yaml";
import { CHARTS } from "../../components/charts";
import { cpuCores, quantityBytes } from "../../stacks/units";
import { type ChartReference, chartReference } from "./chartKeys";

export interface Footprint {
    /** Cores. */ cpuRequest: number;
    /** Bytes. */ memoryRequest: number;
    /** Cores; Infinity when a container has no CPU limit. */ cpuLimit: number;
    /** Bytes; Infinity when a container has no memory limit. */ memoryLimit: number;
    /** Bytes of PersistentVolumeClaims. */ storage: number;
}
export type Kind = "Deployment" | "StatefulSet" | "DaemonSet";
export interface WorkloadFootprint extends Footprint { name: string; kind: Kind; replicas: number; containers: string[] }
/** What became of one `resources` block the table knows about. */
export interface Accounted { path: string; status: "counted" | "not rendered" | "unused fallback" | "transient"; why: string }
export interface ReleaseFootprint {
    workloads: WorkloadFootprint[];
    total: Footprint;
    accounted: Accounted[];
    /** Rendered containers without a CPU or memory request or limit. */
    unsized: string[];
}

type Values = Record<string, any>;
/** A switch the workload renders under: what it says, and whether it holds. */
type Condition = [description: string, holds: (v: Values) => boolean];
interface ContainerRow {
    name: string;
    /** Where the chart reads the container's resources, in its fallback order: the first one set wins. */
    resources: string[];
    init?: boolean;
    when?: Condition[];
    /** What the chart renders itself when every path above is empty. */
    computed?: (v: Values) => Values;
}
interface WorkloadRow {
    name: string;
    kind: Kind | ((v: Values) => Kind);
    when: Condition[];
    replicas: (v: Values) => number;
    containers: ContainerRow[];
    /** Lists of containers the values add verbatim (extraContainers, initContainers). */
    extra?: Array<{ path: string; init?: boolean }>;
    /** Claimed bytes per pod, and per release for a claim the pods share (a Deployment's single PVC). */
    storage?: (v: Values) => { perPod?: number; shared?: number };
}
interface ChartTable {
    workloads: WorkloadRow[];
    /** Hook jobs and test pods: not part of the steady-state footprint. */
    transient: Array<{ resources: string; what: string }>;
    /** Switches that would render workloads the table does not model (with their resources): refusing beats under-counting. */
    unmodelled: Array<{ switch: string; resources?: string[] }>;
}

const get = (values: unknown, path: string): any =>
    path.split(".").reduce<any>((node, key) => (node === null || node === undefined ? undefined : node[key]), values);
const on = (path: string): Condition => [path, (v) => Boolean(get(v, path))];
const isSet = (value: unknown) => value !== null && value !== undefined && value !== "" && !(typeof value === "object" && Object.keys(value as object).length === 0);
const hasSizing = (r: unknown) => ["requests", "limits"].some((k) => ["cpu", "memory"].some((d) => isSet(get(r, `${k}.${d}`))));
const bytes = (q: unknown) => (typeof q === "number" ? q : isSet(q) ? quantityBytes(String(q)) : 0);
const cores = (q: unknown) => (typeof q === "number" ? q : cpuCores(String(q)));
/** Replicas, or the autoscaler's minimum when it owns them. */
const scaled = (prefix: string) => (v: Values) => {
    const at = (key: string) => get(v, prefix ? `${prefix}.${key}` : key);
    return at("autoscaling.enabled") ? at("autoscaling.minReplicas") ?? 1 : at("replicas") ?? 1;
};
const extras = (prefix: string) => [{ path: `${prefix}.extraContainers` }, { path: `${prefix}.initContainers`, init: true }];

// ---- kube-prometheus-stack: the operator runs Prometheus and Alertmanager with its config-reloader sidecar and init container.
const RELOADER: ContainerRow[] = [
    { name: "config-reloader", resources: ["prometheusOperator.prometheusConfigReloader.resources"] },
    { name: "init-config-reloader", resources: ["prometheusOperator.prometheusConfigReloader.resources"], init: true },
];
const operatorClaim = (path: string) => (v: Values) => ({ perPod: bytes(get(v, `${path}.volumeClaimTemplate.spec.resources.requests.storage`)) });
const kubePrometheusStack: ChartTable = {
    workloads: [
        { name: "prometheus-operator", kind: "Deployment", when: [on("prometheusOperator.enabled")], replicas: () => 1,
            containers: [{ name: "prometheus-operator", resources: ["prometheusOperator.resources"] }] },
        { name: "admission-webhook", kind: "Deployment", when: [on("prometheusOperator.admissionWebhooks.enabled"), on("prometheusOperator.admissionWebhooks.deployment.enabled")],
            replicas: (v) => get(v, "prometheusOperator.admissionWebhooks.deployment.replicas"),
            containers: [{ name: "webhook", resources: ["prometheusOperator.admissionWebhooks.deployment.resources"] }] },
        { name: "prometheus", kind: "StatefulSet", when: [on("prometheus.enabled")],
            replicas: (v) => get(v, "prometheus.prometheusSpec.replicas") * (get(v, "prometheus.prometheusSpec.shards") ?? 1),
            containers: [
                { name: "prometheus", resources: ["prometheus.prometheusSpec.resources"] }, ...RELOADER,
                { name: "thanos-sidecar", resources: ["prometheus.prometheusSpec.thanos.resources"], when: [["prometheus.prometheusSpec.thanos", (v) => isSet(get(v, "prometheus.prometheusSpec.thanos"))]] },
            ],
            extra: [{ path: "prometheus.prometheusSpec.containers" }, { path: "prometheus.prometheusSpec.initContainers", init: true }],
            storage: operatorClaim("prometheus.prometheusSpec.storageSpec") },
        { name: "alertmanager", kind: "StatefulSet", when: [on("alertmanager.enabled")], replicas: (v) => get(v, "alertmanager.alertmanagerSpec.replicas"),
            containers: [{ name: "alertmanager", resources: ["alertmanager.alertmanagerSpec.resources"] }, ...RELOADER],
            extra: [{ path: "alertmanager.alertmanagerSpec.containers" }, { path: "alertmanager.alertmanagerSpec.initContainers", init: true }],
            storage: operatorClaim("alertmanager.alertmanagerSpec.storage") },
        { name: "thanos-ruler", kind: "StatefulSet", when: [on("thanosRuler.enabled")], replicas: (v) => get(v, "thanosRuler.thanosRulerSpec.replicas"),
            containers: [{ name: "thanos-ruler", resources: ["thanosRuler.thanosRulerSpec.resources"] }, ...RELOADER],
            storage: operatorClaim("thanosRuler.thanosRulerSpec.storage") },
        { name: "kube-state-metrics", kind: "Deployment", when: [on("kubeStateMetrics.enabled")], replicas: (v) => get(v, "kube-state-metrics.replicas"),
            containers: [
                { name: "kube-state-metrics", resources: ["kube-state-metrics.resources"] },
                { name: "kube-rbac-proxy-http", resources: ["kube-state-metrics.kubeRBACProxy.resources"], when: [on("kube-state-metrics.kubeRBACProxy.enabled")] },
                { name: "kube-rbac-proxy-telemetry", resources: ["kube-state-metrics.kubeRBACProxy.resources"],
                    when: [on("kube-state-metrics.kubeRBACProxy.enabled"), on("kube-state-metrics.selfMonitor.enabled")] },
            ],
            extra: [{ path: "kube-state-metrics.containers" }, { path: "kube-state-metrics.initContainers", init: true }] },
        { name: "node-exporter", kind: "DaemonSet", when: [on("nodeExporter.enabled")], replicas: () => 1,
            containers: [
                { name: "node-exporter", resources: ["prometheus-node-exporter.resources"] },
                { name: "kube-rbac-proxy", resources: ["prometheus-node-exporter.kubeRBACProxy.resources"], when: [on("prometheus-node-exporter.kubeRBACProxy.enabled")] },
            ],
            extra: [{ path: "prometheus-node-exporter.sidecars" }, { path: "prometheus-node-exporter.extraInitContainers", init: true }] },
    ],
    transient: [
        { resources: "crds.upgradeJob.resources", what: "CRD upgrade Job (pre-install/pre-upgrade hook)" },
        { resources: "prometheusOperator.admissionWebhooks.patch.resources", what: "webhook certificate create/patch Jobs (install/upgrade hooks)" },
    ],
    unmodelled: [{ switch: "grafana.enabled" }, { switch: "windowsMonitoring.enabled", resources: ["prometheus-windows-exporter.resources"] },
        { switch: "prometheus.agentMode" }],
};

// ---- loki: deploymentMode picks the workloads (templates/_helpers.tpl); scalable modes need object storage.
const lokiObjectStorage = (v: Values) => ["s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos"].includes(get(v, "loki.storage.type"));
const lokiMode = (name: string, modes: string[], needsObjectStorage: boolean): Condition =>
    [`deploymentMode is ${name}`, (v) => modes.includes(v.deploymentMode) && (!needsObjectStorage || lokiObjectStorage(v))];
const MONOLITHIC = lokiMode("Monolithic", ["SingleBinary", "Monolithic", "SingleBinary<->SimpleScalable", "Monolithic<->SimpleScalable"], false);
const SCALABLE = lokiMode("SimpleScalable", ["SingleBinary<->SimpleScalable", "Monolithic<->SimpleScalable", "SimpleScalable", "SimpleScalable<->Distributed"], true);
const DISTRIBUTED = lokiMode("Distributed", ["Distributed", "SimpleScalable<->Distributed"], true);
/** templates/_workload.tpl: every listed claim, plus a "data" claim of `persistence.size` unless one is listed. */
const lokiClaims = (key: string) => (v: Values) => {
    const persistence = get(v, `${key}.persistence`) ?? {};
    if (!(persistence.enabled || persistence.volumeClaimsEnabled) || (persistence.type ?? "pvc") !== "pvc" || persistence.inMemory) return {};
    const claims: Values[] = persistence.claims ?? [];
    return { perPod: claims.reduce((sum, claim) => sum + bytes(claim.size), 0) + (claims.some((c) => c.name === "data") ? 0 : bytes(persistence.size)) };
};
function lokiComponent(key: string, name: string, mode: Condition): WorkloadRow {
    const zoneAware = key === "ingester";
    return {
        name, kind: (v) => get(v, `${key}.kind`) ?? "StatefulSet", when: [mode, on(`${key}.enabled`)],
        // Zone-aware ingesters: three StatefulSets of ceil(replicas / 3).
        replicas: (v) => (zoneAware && get(v, "ingester.zoneAwareReplication.enabled") ? 3 * Math.ceil(scaled(key)(v) / 3) : scaled(key)(v)),
        containers: [
            // The single binary's container is called "loki"; every other one after its target.
            { name: key === "singleBinary" ? "loki" : name, resources: [`${key}.resources`, "defaults.resources", "loki.resources"] },
            { name: "loki-sc-rules", resources: ["sidecar.resources"], when: [on(`${key}.sidecar`), on("sidecar.rules.enabled")] },
        ],
        extra: extras(key), storage: lokiClaims(key),
    };
}
/** templates/memcached: the chart sizes memcached from allocatedMemory (× 1.2) when its resources are empty. */
function lokiCache(key: string, name: string): WorkloadRow {
    const computed = (v: Values) => {
        const memory = `${Math.floor((get(v, `${key}.allocatedMemory`) * 12 + 5) / 10)}Mi`;
        return { requests: { cpu: get(v, `${key}.allocatedCPU`) ?? "500m", memory }, limits: { memory } };
    };
    return {
        name, kind: "StatefulSet", when: [on(`${key}.enabled`), on("memcached.enabled")], replicas: (v) => get(v, `${key}.replicas`),
        containers: [
            { name: "memcached", resources: [`${key}.resources`], computed },
            { name: "exporter", resources: ["memcachedExporter.resources"], when: [on("memcachedExporter.enabled")] },
        ],
        extra: extras(key), storage: (v) => ({ perPod: get(v, `${key}.persistence.enabled`) ? bytes(get(v, `${key}.persistence.storageSize`)) : 0 }),
    };
}
const loki: ChartTable = {
    workloads: [
        lokiComponent("singleBinary", "single-binary", MONOLITHIC),
        ...[["write", "write"], ["read", "read"], ["backend", "backend"]].map(([key, name]) => lokiComponent(key, name, SCALABLE)),
        ...[
            ["distributor", "distributor"], ["ingester", "ingester"], ["querier", "querier"], ["queryFrontend", "query-frontend"],
            ["queryScheduler", "query-scheduler"], ["indexGateway", "index-gateway"], ["compactor", "compactor"], ["ruler", "ruler"],
            ["bloomGateway", "bloom-gateway"], ["bloomPlanner", "bloom-planner"], ["bloomBuilder", "bloom-builder"],
            ["patternIngester", "pattern-ingester"], ["overridesExporter", "overrides-exporter"],
        ].map(([key, name]) => lokiComponent(key, name, DISTRIBUTED)),
        { name: "gateway", kind: "Deployment", when: [on("gateway.enabled")], replicas: scaled("gateway"),
            containers: [
                { name: "nginx", resources: ["gateway.resources"] },
                { name: "access-log-exporter", resources: ["gateway.metrics.resources"], when: [on("gateway.metrics.enabled")] },
            ],
            extra: [{ path: "gateway.extraContainers" }] },
        lokiCache("chunksCache", "chunks-cache"), lokiCache("chunksCache.l2", "chunks-cache-l2"), lokiCache("resultsCache", "results-cache"),
        { name: "loki-canary", kind: "DaemonSet", when: [on("lokiCanary.enabled")], replicas: () => 1, containers: [{ name: "loki-canary", resources: ["lokiCanary.resources"] }] },
        { name: "table-manager", kind: "Deployment", when: [on("tableManager.enabled")], replicas: () => 1,
            containers: [{ name: "table-manager", resources: ["tableManager.resources"] }], extra: [{ path: "tableManager.extraContainers" }] },
    ],
    // The StatefulSet recreate Job (a pre-upgrade hook when a volume grows) and the helm test pod set no resources key.
    transient: [],
    unmodelled: [{ switch: "minio.enabled", resources: ["minio.resources"] }, { switch: "rollout_operator.enabled" }],
};

// ---- tempo (monolithic chart): one StatefulSet.
const tempo: ChartTable = {
    workloads: [{
        name: "tempo", kind: "StatefulSet", when: [], replicas: (v) => v.replicas,
        containers: [{ name: "tempo", resources: ["tempo.resources"] }, { name: "tempo-query", resources: ["tempoQuery.resources"], when: [on("tempoQuery.enabled")] }],
        extra: [{ path: "extraContainers" }, { path: "initContainers", init: true }],
        storage: (v) => ({ perPod: get(v, "persistence.enabled") ? bytes(get(v, "persistence.size")) : 0 }),
    }],
    transient: [],
    unmodelled: [],
};

// ---- tempo-distributed (Tempo 3): templates/_pod.tpl reads component.resources, then tempo.resources, then defaults.resources.
function tempoComponent(key: string, name: string, kind: Kind | ((v: Values) => Kind), when: Condition[], sidecars: ContainerRow[] = []): WorkloadRow {
    return {
        name, kind, when, replicas: key === "backendScheduler" ? () => 1 : scaled(key),
        containers: [{ name, resources: [`${key}.resources`, "tempo.resources", "defaults.resources"] }, ...sidecars],
        extra: extras(key),
        storage: (v) => {
            const statefulSet = (typeof kind === "function" ? kind(v) : kind) === "StatefulSet";
            const persistence = get(v, `${key}.persistence`) ?? {};
            return { perPod: statefulSet && persistence.enabled && !persistence.inMemory ? bytes(persistence.size) : 0 };
        },
    };
}
const tempoCache = (key: string, name: string): WorkloadRow => ({
    name, kind: "StatefulSet", when: [on(`${key}.enabled`)], replicas: (v) => get(v, `${key}.replicas`),
    containers: [
        { name: "memcached", resources: [`${key}.resources`] },
        { name: "exporter", resources: ["memcachedExporter.resources"], when: [on("memcachedExporter.enabled")] },
    ],
    extra: extras(key),
});
const tempoDistributed: ChartTable = {
    workloads: [
        tempoComponent("distributor", "distributor", "Deployment", []),
        tempoComponent("liveStore", "live-store", "StatefulSet", [on("liveStore.enabled")]),
        tempoComponent("blockBuilder", "block-builder", "StatefulSet", [on("blockBuilder.enabled")]),
        tempoComponent("querier", "querier", "Deployment", []),
        tempoComponent("queryFrontend", "query-frontend", "Deployment", [],
            [{ name: "tempo-query", resources: ["queryFrontend.query.resources"], when: [on("queryFrontend.query.enabled")] }]),
        tempoComponent("metricsGenerator", "metrics-generator", (v) => get(v, "metricsGenerator.kind"), [on("metricsGenerator.enabled")]),
        tempoComponent("backendScheduler", "backend-scheduler", "StatefulSet", [on("backendScheduler.enabled")]),
        tempoComponent("backendWorker", "backend-worker", "StatefulSet", []),
        tempoComponent("enterpriseFederationFrontend", "federation-frontend", "Deployment", [on("enterpriseFederationFrontend.enabled")]),
        { name: "gateway", kind: "Deployment", when: [on("gateway.enabled")], replicas: scaled("gateway"),
            containers: [{ name: "nginx", resources: ["gateway.resources"] }], extra: [{ path: "gateway.extraContainers" }] },
        tempoCache("memcached", "memcached"), tempoCache("memcachedBloom", "memcached-bloom"),
        tempoCache("memcachedParquetFooter", "memcached-parquet-footer"), tempoCache("memcachedFrontendSearch", "memcached-frontend-search"),
    ],
    transient: [],
    unmodelled: [{ switch: "enterprise.enabled", resources: ["adminApi.resources", "enterpriseGateway.resources"] },
        { switch: "rollout_operator.enabled" }, { switch: "metaMonitoring.grafanaAgent.installOperator" }],
};

// ---- grafana: a Deployment (one shared PVC) unless it runs as a StatefulSet (a PVC per pod).
const grafanaStatefulSet = (v: Values) => Boolean(v.useStatefulSet) || ["statefulset", "sts"].includes(get(v, "persistence.type"));
const grafana: ChartTable = {
    workloads: [
        { name: "grafana", kind: (v) => (grafanaStatefulSet(v) ? "StatefulSet" : "Deployment"), when: [], replicas: scaled(""),
            containers: [
                { name: "grafana", resources: ["resources"] },
                ...["alerts", "dashboards", "datasources", "notifiers", "plugins"].map((kind): ContainerRow =>
                    ({ name: `grafana-sc-${kind}`, resources: ["sidecar.resources"], when: [on(`sidecar.${kind}.enabled`)] })),
                { name: "init-sc-datasources", resources: ["sidecar.resources"], init: true, when: [on("sidecar.datasources.enabled"), on("sidecar.datasources.initDatasources")] },
                { name: "init-chown-data", resources: ["initChownData.resources"], init: true, when: [on("persistence.enabled"), on("initChownData.enabled")] },
                { name: "download-dashboards", resources: ["downloadDashboards.resources"], init: true, when: [["dashboards", (v) => isSet(v.dashboards)]] },
            ],
            extra: [{ path: "extraContainers" }, { path: "extraInitContainers", init: true }],
            storage: (v) => {
                if (!get(v, "persistence.enabled") || get(v, "persistence.existingClaim")) return {};
                const size = bytes(get(v, "persistence.size"));
                return grafanaStatefulSet(v) ? { perPod: size } : { shared: size };
            } },
        { name: "image-renderer", kind: "Deployment", when: [on("imageRenderer.enabled")], replicas: scaled("imageRenderer"),
            containers: [{ name: "image-renderer", resources: ["imageRenderer.resources"] }] },
    ],
    transient: [{ resources: "testFramework.resources", what: "helm test pod" }],
    unmodelled: [],
};

// ---- alloy: one controller of the configured type.
const ALLOY_KINDS: Record<string, Kind> = { daemonset: "DaemonSet", deployment: "Deployment", statefulset: "StatefulSet" };
const alloy: ChartTable = {
    workloads: [{
        name: "alloy", kind: (v) => ALLOY_KINDS[get(v, "controller.type")], when: [],
        replicas: (v) => (get(v, "controller.autoscaling.horizontal.enabled") ? get(v, "controller.autoscaling.horizontal.minReplicas")
            : get(v, "controller.autoscaling.enabled") ? get(v, "controller.autoscaling.minReplicas") : get(v, "controller.replicas")),
        containers: [
            { name: "alloy", resources: ["alloy.resources"] },
            { name: "config-reloader", resources: ["configReloader.resources"], when: [on("configReloader.enabled")] },
        ],
        extra: [{ path: "controller.extraContainers" }, { path: "controller.initContainers", init: true }],
        storage: (v) => ({
            perPod: get(v, "controller.type") !== "statefulset" ? 0
                : (get(v, "controller.volumeClaimTemplates") ?? []).reduce((sum: number, t: Values) => sum + bytes(get(t, "spec.resources.requests.storage")), 0),
        }),
    }],
    transient: [],
    unmodelled: [],
};

const TABLES: Record<string, ChartTable> = {
    "kube-prometheus-stack": kubePrometheusStack, loki, tempo, "tempo-distributed": tempoDistributed, grafana, alloy,
};

/** Every `resources` path the table of `chart` reads, lists as transient, or refuses behind an unmodelled switch. */
export function knownResourcePaths(chart: string): Set<string> {
    const table = TABLES[chart];
    if (!table) throw new Error(`footprint: no workload table for chart ${chart}`);
    return new Set([
        ...table.workloads.flatMap((row) => row.containers.flatMap((c) => c.resources)),
        ...table.transient.map((t) => t.resources),
        ...table.unmodelled.flatMap((u) => u.resources ?? []),
    ]);
}

/** Helm's coalescing: maps merge key by key, anything else replaces, null deletes the default. */
function helmMerge(defaults: unknown, values: unknown): unknown {
    const isMap = (x: unknown): x is Values => typeof x === "object" && x !== null && !Array.isArray(x);
    if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
    const merged: Values = { ...defaults };
    for (const [key, value] of Object.entries(values)) {
        if (value === null) delete merged[key];
        else merged[key] = helmMerge(defaults[key], value);
    }
    return merged;
}

/** The chart's defaults (subcharts' under their names) with `values` over them. */
export function withChartDefaults(chart: string, values: Values): Values {
    const pin = Object.values(CHARTS).find((c) => c.chart === chart);
    if (!pin) throw new Error(`footprint: ${chart} is not a chart of components/charts.ts`);
    const reference: ChartReference = chartReference(pin.chart, pin.version);
    const merged = helmMerge(reference.defaults, values) as Values;
    for (const [name, sub] of reference.subcharts) merged[name] = helmMerge(sub.defaults, merged[name] ?? {});
    return merged;
}

interface Sized { name: string; init: boolean; requests: { cpu: number; memory: number }; limits: { cpu: number; memory: number } }
/** Kubernetes defaults a missing request to the limit; a missing limit is no limit. */
function sized(name: string, init: boolean, resources: Values, unsized: string[]): Sized {
    const dimension = (d: "cpu" | "memory", parseQuantity: (q: unknown) => number) => {
        const limit = isSet(get(resources, `limits.${d}`)) ? parseQuantity(get(resources, `limits.${d}`)) : Infinity;
        const request = isSet(get(resources, `requests.${d}`)) ? parseQuantity(get(resources, `requests.${d}`)) : limit;
        if (!Number.isFinite(limit) || !Number.isFinite(request)) unsized.push(`${name}: no ${d} ${Number.isFinite(request) ? "limit" : "request or limit"}`);
        return { request: Number.isFinite(request) ? request : 0, limit };
    };
    const cpu = dimension("cpu", cores);
    const memory = dimension("memory", bytes);
    return { name, init, requests: { cpu: cpu.request, memory: memory.request }, limits: { cpu: cpu.limit, memory: memory.limit } };
}

/** The pod's effective request/limit: max(sum of containers, largest init container), per dimension. */
function podSize(containers: Sized[], side: "requests" | "limits", d: "cpu" | "memory"): number {
    const sum = containers.filter((c) => !c.init).reduce((total, c) => total + c[side][d], 0);
    return Math.max(sum, ...containers.filter((c) => c.init).map((c) => c[side][d]));
}

const ZERO: Footprint = { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, storage: 0 };
export function addFootprints(parts: Footprint[]): Footprint {
    return parts.reduce((sum, p) => ({
        cpuRequest: sum.cpuRequest + p.cpuRequest, memoryRequest: sum.memoryRequest + p.memoryRequest,
        cpuLimit: sum.cpuLimit + p.cpuLimit, memoryLimit: sum.memoryLimit + p.memoryLimit, storage: sum.storage + p.storage,
    }), ZERO);
}

/** The footprint of one release of `chart` (its name in components/charts.ts) rendered with `values`. */
export function releaseFootprint(chart: string, values: Values, options: { nodes?: number } = {}): ReleaseFootprint {
    const table = TABLES[chart];
    if (!table) throw new Error(`footprint: no workload table for chart ${chart}`);
    const v = withChartDefaults(chart, values);
    const refused = table.unmodelled.filter((u) => get(v, u.switch)).map((u) => u.switch);
    if (refused.length > 0) throw new Error(`footprint: ${chart} with ${refused.join(", ")} renders workloads the table does not model`);
    const accounted: Accounted[] = table.transient.map((t) => ({ path: t.resources, status: "transient", why: t.what }));
    const unsized: string[] = [];
    const workloads: WorkloadFootprint[] = [];

    for (const row of table.workloads) {
        const off = row.when.find(([, holds]) => !holds(v));
        const containers: Sized[] = [];
        for (const container of row.containers) {
            const containerOff = off ?? container.when?.find(([, holds]) => !holds(v));
            if (containerOff) {
                for (const path of container.resources) accounted.push({ path, status: "not rendered", why: `${row.name}/${container.name}: ${containerOff[0]} is off` });
                continue;
            }
            const chosen = container.resources.find((path) => hasSizing(get(v, path)));
            for (const path of container.resources) {
                accounted.push(path === chosen
                    ? { path, status: "counted", why: `${row.name}/${container.name}` }
                    : { path, status: "unused fallback", why: `${row.name}/${container.name} reads ${chosen ?? "the chart's computed default"}` });
            }
            const resources = chosen ? get(v, chosen) : container.computed?.(v) ?? {};
            containers.push(sized(`${chart}/${row.name}/${container.name}`, Boolean(container.init), resources, unsized));
        }
        if (off) continue;
        for (const list of row.extra ?? []) {
            const raw = get(v, list.path);
            const items: Values[] = typeof raw === "string" ? parse(raw) ?? [] : raw ?? [];
            items.forEach((item, index) => {
                accounted.push({ path: `${list.path}.${index}.resources`, status: "counted", why: `${row.name}/${item.name}` });
                containers.push(sized(`${chart}/${row.name}/${item.name}`, Boolean(list.init), item.resources ?? {}, unsized));
            });
        }
        const kind = typeof row.kind === "function" ? row.kind(v) : row.kind;
        const replicas = kind === "DaemonSet" ? options.nodes ?? 1 : Number(row.replicas(v) ?? 0);
        const claims = row.storage?.(v) ?? {};
        workloads.push({
            name: row.name, kind, replicas, containers: containers.map((c) => c.name.split("/").pop()!),
            cpuRequest: replicas * podSize(containers, "requests", "cpu"), memoryRequest: replicas * podSize(containers, "requests", "memory"),
            cpuLimit: replicas * podSize(containers, "limits", "cpu"), memoryLimit: replicas * podSize(containers, "limits", "memory"),
            storage: replicas * (claims.perPod ?? 0) + (replicas > 0 ? claims.shared ?? 0 : 0),
        });
    }
    return { workloads, total: addFootprints(workloads), accounted, unsized };
}

/** Every release of a stack, and their sum. */
export function stackFootprint(releases: Array<{ chart: string; values: Values }>, options: { nodes?: number } = {}) {
    const perRelease = releases.map((r) => ({ chart: r.chart, ...releaseFootprint(r.chart, r.values, options) }));
    return { releases: perRelease, total: addFootprints(perRelease.map((r) => r.total)) };
}

/** Paths of every container `resources` block (a CPU or memory request or limit) in rendered values. */
export function containerResourcePaths(values: unknown, trail: string[] = []): string[] {
    if (Array.isArray(values)) return values.flatMap((item, index) => containerResourcePaths(item, [...trail, String(index)]));
    if (typeof values !== "object" || values === null) return [];
    return Object.entries(values).flatMap(([key, child]) =>
        key === "resources" && hasSizing(child) ? [[...trail, key].join(".")] : containerResourcePaths(child, [...trail, key]));
}
