// A real Kubernetes API server for the install test: scripts/cluster/start.sh (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok's fake nodes, on 127.0.0.1), and a small client of its REST
// API: server-side apply with strict field validation, as the Pulumi Kubernetes provider writes objects.
import { type ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { parse } from "yaml";
import { helmBinary, type KubernetesObject, parseManifests, type RenderedRelease } from "../../scripts/lib/helmTemplate";
import { REPO_ROOT } from "../../scripts/lib/stackFile";

export const START_SCRIPT = path.join(REPO_ROOT, "scripts", "cluster", "start.sh");
/** The field manager of what the test applies (the provider's own is `pulumi-kubernetes-<id>`). */
const FIELD_MANAGER = "pulumi-kubernetes";

export interface ApiResponse {
    status: number;
    body: any;
    text: string;
}

export class TestCluster {
    private readonly discovered = new Map<string, Array<{ name: string; kind: string; namespaced: boolean }>>();

    constructor(
        readonly kubeconfig: string,
        readonly server: string,
        private readonly credentials: { ca: Buffer; cert: Buffer; key: Buffer },
        private readonly process: ChildProcess,
        /** Seconds start.sh took, build check included. */
        readonly startSeconds: number,
    ) {}

    request(method: string, apiPath: string, body?: string, contentType = "application/json"): Promise<ApiResponse> {
        const url = new URL(apiPath, this.server);
        return new Promise((resolve, reject) => {
            const request = https.request(
                url,
                {
                    method,
                    ...this.credentials,
                    headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": contentType } : {}) },
                },
                (response) => {
                    const chunks: Buffer[] = [];
                    response.on("data", (chunk: Buffer) => chunks.push(chunk));
                    response.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: any;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            parsed = undefined;
                        }
                        resolve({ status: response.statusCode ?? 0, body: parsed, text });
                    });
                },
            );
            request.on("error", reject);
            request.end(body);
        });
    }

    async get(apiPath: string): Promise<any> {
        const response = await this.request("GET", apiPath);
        if (response.status !== 200) throw new Error(`GET ${apiPath}: ${response.status} ${response.text}`);
        return response.body;
    }

    /** The REST path of an object, from the server's discovery (so CRDs installed by a chart are found too). */
    async pathOf(object: KubernetesObject): Promise<string> {
        const groupVersion = object.apiVersion;
        const base = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
        let resources = this.discovered.get(groupVersion);
        const resource = () => resources?.find((r) => r.kind === object.kind && !r.name.includes("/"));
        if (!resource()) {
            const response = await this.request("GET", base);
            if (response.status !== 200)
                throw new Error(`the server does not serve ${groupVersion} (${object.kind} ${object.metadata.name}): ${response.status} ${response.text}`);
            resources = response.body.resources;
            this.discovered.set(groupVersion, resources!);
        }
        const found = resource();
        if (!found) throw new Error(`the server's ${groupVersion} has no kind ${object.kind}`);
        const namespace = found.namespaced ? `/namespaces/${object.metadata.namespace ?? "default"}` : "";
        return `${base}${namespace}/${found.name}/${encodeURIComponent(object.metadata.name)}`;
    }

    /** Server-side apply; fieldValidation=Strict makes unknown or duplicate fields an error, as the provider's. */
    async apply(object: KubernetesObject): Promise<any> {
        const objectPath = await this.pathOf(object);
        const query = `fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true`;
        const response = await this.request("PATCH", `${objectPath}?${query}`, JSON.stringify(object), "application/apply-patch+yaml");
        if (response.status !== 200 && response.status !== 201) {
            throw new Error(
                `server-side apply of ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name} refused: ${response.status} ${response.body?.message ?? response.text}`,
            );
        }
        return response.body;
    }

    /**
     * A StorageClass the stack names (staging's `gp3`, as on EKS) with pre-created volumes for the controller
     * manager's binder to bind; start.sh's default class `oac-local` serves claims that name none.
     */
    async provideStorageClass(name: string, volumes = 12): Promise<void> {
        await this.apply({
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name },
            provisioner: "kubernetes.io/no-provisioner",
            volumeBindingMode: "Immediate",
            reclaimPolicy: "Retain",
        });
        for (let i = 1; i <= volumes; i++) {
            await this.apply({
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name: `${name}-volume-${i}` },
                spec: {
                    storageClassName: name,
                    capacity: { storage: "1Ti" },
                    accessModes: ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
                    persistentVolumeReclaimPolicy: "Retain",
                    hostPath: { path: `/nonexistent/${name}-volume-${i}` },
                },
            });
        }
    }

    /** Stops every process of the cluster (start.sh's own trap removes its state dir). */
    async stop(): Promise<void> {
        if (this.process.exitCode !== null || this.process.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
        process.kill(this.process.pid!, "SIGTERM");
        // start.sh gives each of its five components 10 s to stop; past that, everything in its group is killed.
        const timer = setTimeout(() => {
            try {
                process.kill(-this.process.pid!, "SIGKILL");
            } catch {
                /* already gone */
            }
        }, 60_000);
        await exited;
        clearTimeout(timer);
    }
}

/**
 * Builds (first time only) and starts the cluster; resolves once the API server is ready and kwok's nodes are.
 * Rejects with start.sh's own diagnosis (and the components' log tails) if it cannot start.
 */
export function startCluster(timeoutMs = 20 * 60_000): Promise<TestCluster> {
    const started = Date.now();
    // Its own process group, so that stop() (or a SIGKILL fallback) reaches every component.
    const child = spawn("bash", [START_SCRIPT], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            try {
                process.kill(-child.pid!, "SIGTERM");
            } catch {
                /* gone */
            }
            reject(new Error(`the test cluster was not ready within ${timeoutMs / 1000} s:\n${stderr}`));
        }, timeoutMs);
        child.stderr!.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            const kubeconfig = /^KUBECONFIG=(.+)$/m.exec(stdout)?.[1];
            if (!kubeconfig || !/^cluster ready/m.test(stdout)) return;
            clearTimeout(timer);
            const config = parse(fs.readFileSync(kubeconfig, "utf8"));
            const cluster = config.clusters[0].cluster;
            const user = config.users[0].user;
            const decode = (value: string) => Buffer.from(value, "base64");
            resolve(
                new TestCluster(
                    kubeconfig,
                    cluster.server,
                    { ca: decode(cluster["certificate-authority-data"]), cert: decode(user["client-certificate-data"]), key: decode(user["client-key-data"]) },
                    child,
                    Math.round((Date.now() - started) / 1000),
                ),
            );
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`scripts/cluster/start.sh exited (${code ?? signal}) before the cluster was ready:\n${stderr}`));
        });
    });
}

/** Runs Helm against the cluster; a failure throws with Helm's output. */
export function helmOn(cluster: TestCluster, args: string[], timeoutSeconds = 120): { stdout: string; stderr: string } {
    const run = spawnSync(helmBinary(), [...args, "--kubeconfig", cluster.kubeconfig], {
        encoding: "utf8",
        timeout: (timeoutSeconds + 60) * 1000,
        maxBuffer: 256 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`helm ${args.join(" ")} exited ${run.status ?? run.signal}:\n${run.stderr}${run.stdout}`);
    return { stdout: run.stdout, stderr: run.stderr };
}

/**
 * Claims that outlive `helm uninstall`, from a rendered release: PVCs annotated `helm.sh/resource-policy: keep`,
 * and every StatefulSet claim whose retention policy is not Delete (Helm never deletes them; the controller
 * manager's StatefulSet controller deletes them only for whenDeleted: Delete).
 */
export function keptClaims(release: RenderedRelease): string[] {
    const kept = release.objects
        .filter((o) => o.kind === "PersistentVolumeClaim" && o.metadata.annotations?.["helm.sh/resource-policy"] === "keep")
        .map((o) => o.metadata.name);
    for (const set of release.objects.filter((o) => o.kind === "StatefulSet")) {
        if (set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") continue;
        for (const template of set.spec.volumeClaimTemplates ?? []) {
            for (let ordinal = 0; ordinal < (set.spec.replicas ?? 1); ordinal++) kept.push(`${template.metadata.name}-${set.metadata.name}-${ordinal}`);
        }
    }
    return kept;
}

/**
 * Objects whose stored manifest differs between two revisions. One difference is by design and a no-op: a
 * chart that looks up its claim's bound volume (Grafana's persistence.lookupVolumeName) writes the
 * `spec.volumeName` the server already holds, so that the immutable field is never asked to change.
 */
export async function manifestChanges(cluster: TestCluster, release: RenderedRelease, before: string, after: string): Promise<string[]> {
    const key = (o: KubernetesObject) => `${o.kind}/${o.metadata.name}`;
    const previous = new Map(parseManifests(before).map((o) => [key(o), o]));
    const changes: string[] = [];
    for (const object of parseManifests(after)) {
        const old = previous.get(key(object));
        previous.delete(key(object));
        if (!old) {
            changes.push(`${release.name}: ${key(object)} is new`);
            continue;
        }
        if (object.kind === "PersistentVolumeClaim" && object.spec?.volumeName && !old.spec?.volumeName) {
            const live = await cluster.get(`/api/v1/namespaces/${release.namespace}/persistentvolumeclaims/${object.metadata.name}`);
            if (live.spec.volumeName === object.spec.volumeName) old.spec.volumeName = object.spec.volumeName;
        }
        if (JSON.stringify(old) !== JSON.stringify(object)) changes.push(`${release.name}: ${key(object)} differs`);
    }
    return [...changes, ...[...previous.keys()].map((name) => `${release.name}: ${name} is gone`)];
}

/** StorageClasses the rendered claims name: PersistentVolumeClaims and every volumeClaimTemplate (StatefulSets, Prometheus). */
export function storageClassesNamed(releases: RenderedRelease[]): string[] {
    const names = new Set<string>();
    const visit = (value: any): void => {
        if (Array.isArray(value)) {
            value.forEach(visit);
            return;
        }
        if (!value || typeof value !== "object") return;
        if (typeof value.storageClassName === "string" && value.storageClassName && value.resources?.requests?.storage) names.add(value.storageClassName);
        Object.values(value).forEach(visit);
    };
    for (const release of releases) visit(release.objects);
    return [...names].sort();
}

/** Warning events of a namespace (a Pod Security refusal is a ReplicaSet's or Job's FailedCreate), oldest first. */
export async function warningEvents(cluster: TestCluster, namespace: string, reasons?: readonly string[]): Promise<string[]> {
    const events = await cluster.get(`/api/v1/namespaces/${namespace}/events`);
    return events.items
        .filter((e: any) => e.type === "Warning" && (!reasons || reasons.includes(e.reason)))
        .map((e: any) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`);
}
