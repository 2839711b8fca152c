// What a stack costs a cluster, read from the manifests Helm renders (scripts/lib/helmTemplate.ts): the CPU and
// memory its pods request and are limited to, and the persistent volumes they claim. Nothing is predicted from
// values: every pod template in the render is counted as Kubernetes counts it.
// - A pod's effective request (Kubernetes' resource model, "Resources" of init containers and sidecars): the
//   larger of its containers plus restartable init containers (sidecars), and each ordinary init container plus
//   the sidecars started before it. A missing request defaults to the limit (API server defaulting).
// - Replicas: `spec.replicas` (1 when unset), or the minimum of a HorizontalPodAutoscaler that owns the workload.
// - DaemonSets: one pod per node, on `options.nodes` nodes (1 unless told: a laptop cluster).
// - Prometheus and Alertmanager resources: the operator creates their StatefulSets. It adds a config-reloader
//   sidecar and an init-config-reloader, both sized by its --config-reloader-* flags
//   (prometheus-operator cmd/operator/main.go and pkg/operator/config_reloader.go); no render can show those pods.
// - Helm hook Jobs (CRD upgrade, webhook certificates) run during an install or upgrade and are deleted after:
//   they are listed as transient and not counted.
import { CHARTS } from "../../components/charts";
import { cpuCores, quantityBytes } from "../../stacks/units";
import type { KubernetesObject, RenderedRelease } from "./helmTemplate";

export interface Footprint {
    /** Cores. */ cpuRequest: number;
    /** Bytes. */ memoryRequest: number;
    /** Cores; Infinity when a container has no CPU limit. */ cpuLimit: number;
    /** Bytes; Infinity when a container has no memory limit. */ memoryLimit: number;
    /** Bytes of PersistentVolumeClaims. */ storage: number;
}
export interface WorkloadFootprint extends Footprint {
    name: string;
    kind: string;
    replicas: number;
    containers: string[];
    /** How it was counted: from the rendered pod template, or the operator's pods for a custom resource. */
    source: "rendered" | "operator";
}
export interface ReleaseFootprint {
    chart: string;
    release: string;
    workloads: WorkloadFootprint[];
    total: Footprint;
    /** Helm hook Jobs: run during install or upgrade, then deleted. */
    transient: string[];
    /** Containers without a CPU or memory request or limit. */
    unsized: string[];
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined;
interface Sized {
    name: string;
    role: "container" | "init" | "sidecar";
    requests: { cpu: number; memory: number };
    limits: { cpu: number; memory: number };
}

const present = (value: unknown) => value !== undefined && value !== null && value !== "";
const cores = (q: unknown) => (typeof q === "number" ? q : cpuCores(String(q)));
const bytes = (q: unknown) => (typeof q === "number" ? q : quantityBytes(String(q)));

function sized(name: string, role: Sized["role"], resources: Resources, unsized: string[]): Sized {
    const dimension = (d: "cpu" | "memory", parse: (q: unknown) => number) => {
        const limit = present(resources?.limits?.[d]) ? parse(resources!.limits![d]) : Infinity;
        const request = present(resources?.requests?.[d]) ? parse(resources!.requests![d]) : limit;
        if (!Number.isFinite(limit) || !Number.isFinite(request)) unsized.push(`${name}: no ${d} ${Number.isFinite(request) ? "limit" : "request or limit"}`);
        return { request: Number.isFinite(request) ? request : 0, limit };
    };
    const cpu = dimension("cpu", cores);
    const memory = dimension("memory", bytes);
    return { name, role, requests: { cpu: cpu.request, memory: memory.request }, limits: { cpu: cpu.limit, memory: memory.limit } };
}

/** The pod's effective value of one dimension, in the order Kubernetes starts its init containers. */
function podSize(containers: Sized[], side: "requests" | "limits", d: "cpu" | "memory"): number {
    let sidecars = 0;
    let initPeak = 0;
    for (const c of containers.filter((c) => c.role !== "container")) {
        if (c.role === "sidecar") sidecars += c[side][d];
        else initPeak = Math.max(initPeak, sidecars + c[side][d]);
    }
    const running = containers.filter((c) => c.role === "container").reduce((sum, c) => sum + c[side][d], 0) + sidecars;
    return Math.max(running, initPeak);
}

function workloadFootprint(
    name: string,
    kind: string,
    replicas: number,
    containers: Sized[],
    storagePerPod: number,
    source: WorkloadFootprint["source"],
): WorkloadFootprint {
    return {
        name,
        kind,
        replicas,
        source,
        containers: containers.map((c) => c.name.split("/").pop()!),
        cpuRequest: replicas * podSize(containers, "requests", "cpu"),
        memoryRequest: replicas * podSize(containers, "requests", "memory"),
        cpuLimit: replicas * podSize(containers, "limits", "cpu"),
        memoryLimit: replicas * podSize(containers, "limits", "memory"),
        storage: replicas * storagePerPod,
    };
}

const claimBytes = (claims: any[] | undefined) =>
    (claims ?? []).reduce((sum, claim) => sum + (present(claim?.spec?.resources?.requests?.storage) ? bytes(claim.spec.resources.requests.storage) : 0), 0);

/** Resources of the operator's config-reloader containers, from its --config-reloader-* flags ("0" or absent: none). */
function configReloaderResources(objects: KubernetesObject[]): Resources {
    const operator = objects.find(
        (o) =>
            o.kind === "Deployment" &&
            (o.spec?.template?.spec?.containers ?? []).some((c: any) => (c.args ?? []).some((arg: string) => arg.startsWith("--prometheus-config-reloader="))),
    );
    const args: string[] = operator?.spec.template.spec.containers.flatMap((c: any) => c.args ?? []) ?? [];
    const flag = (name: string) => {
        const value = args.find((arg) => arg.startsWith(`--config-reloader-${name}=`))?.split("=")[1];
        return value && value !== "0" ? value : undefined;
    };
    return { requests: { cpu: flag("cpu-request"), memory: flag("memory-request") }, limits: { cpu: flag("cpu-limit"), memory: flag("memory-limit") } };
}

const POD_TEMPLATE_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"];

/** Subcharts a vendored chart may lack, the switch that renders them, and how their one workload is sized. */
/** The footprint of one rendered release. */
export function releaseFootprint(release: RenderedRelease, options: { nodes?: number } = {}): ReleaseFootprint {
    const nodes = options.nodes ?? 1;
    const unsized: string[] = [];
    const transient: string[] = [];
    const workloads: WorkloadFootprint[] = [];
    const autoscaled = new Map(
        release.objects
            .filter((o) => o.kind === "HorizontalPodAutoscaler")
            .map((hpa) => [`${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`, hpa.spec.minReplicas ?? 1]),
    );

    for (const object of release.objects) {
        const id = `${release.name}/${object.kind}/${object.metadata.name}`;
        if (POD_TEMPLATE_KINDS.includes(object.kind)) {
            if (object.metadata.annotations?.["helm.sh/hook"]) {
                transient.push(`${object.kind}/${object.metadata.name}`);
                continue;
            }
            if (object.kind !== "Deployment" && object.kind !== "StatefulSet" && object.kind !== "DaemonSet") {
                throw new Error(`footprint: ${id} is a ${object.kind} outside a Helm hook; count it before rendering it`);
            }
            const spec = object.spec.template.spec;
            const containers = [
                ...(spec.initContainers ?? []).map((c: any) =>
                    sized(`${id}/${c.name}`, c.restartPolicy === "Always" ? "sidecar" : "init", c.resources, unsized),
                ),
                ...spec.containers.map((c: any) => sized(`${id}/${c.name}`, "container", c.resources, unsized)),
            ];
            const replicas = object.kind === "DaemonSet" ? nodes : (autoscaled.get(`${object.kind}/${object.metadata.name}`) ?? object.spec.replicas ?? 1);
            workloads.push(
                workloadFootprint(object.metadata.name, object.kind, replicas, containers, claimBytes(object.spec.volumeClaimTemplates), "rendered"),
            );
        } else if (object.kind === "Prometheus" || object.kind === "Alertmanager") {
            const reloader = configReloaderResources(release.objects);
            const main = object.kind === "Prometheus" ? "prometheus" : "alertmanager";
            const containers = [
                sized(`${id}/${main}`, "container", object.spec.resources, unsized),
                sized(`${id}/config-reloader`, "container", reloader, unsized),
                sized(`${id}/init-config-reloader`, "init", reloader, unsized),
            ];
            const replicas = (object.spec.replicas ?? 1) * (object.kind === "Prometheus" ? (object.spec.shards ?? 1) : 1);
            workloads.push(
                workloadFootprint(object.metadata.name, object.kind, replicas, containers, claimBytes([object.spec.storage?.volumeClaimTemplate]), "operator"),
            );
        } else if (object.kind === "PersistentVolumeClaim") {
            workloads.push({ ...workloadFootprint(object.metadata.name, object.kind, 0, [], 0, "rendered"), storage: claimBytes([object]) });
        }
    }
    return { chart: CHARTS[release.chart].chart, release: release.name, workloads, total: addFootprints(workloads), transient, unsized };
}

const ZERO: Footprint = { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, storage: 0 };
export function addFootprints(parts: Footprint[]): Footprint {
    return parts.reduce(
        (sum, p) => ({
            cpuRequest: sum.cpuRequest + p.cpuRequest,
            memoryRequest: sum.memoryRequest + p.memoryRequest,
            cpuLimit: sum.cpuLimit + p.cpuLimit,
            memoryLimit: sum.memoryLimit + p.memoryLimit,
            storage: sum.storage + p.storage,
        }),
        ZERO,
    );
}

/** Every rendered release of a stack, and their sum. */
export function stackFootprint(releases: RenderedRelease[], options: { nodes?: number } = {}) {
    const perRelease = releases.map((release) => releaseFootprint(release, options));
    return { releases: perRelease, total: addFootprints(perRelease.map((r) => r.total)) };
}
