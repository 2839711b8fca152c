import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { refuseProblems } from "../../stacks/fields";
import type { Resources, StackConfig, Workload } from "../../stacks/schema";
import { goDuration } from "../../stacks/units";
import { chartRelease } from "../helm";
import { OBJECT_STORAGE_SECRET_KEYS, s3Endpoint, storageCredentials } from "../objectStorage/credentials";
import { objectStorageProblems } from "../objectStorage/settings";
import { LOKI_FULLNAME, LOKI_HTTP_PORT, LOKI_RELEASE } from "./names";
import { type LOKI_COMPONENTS, LOKI_SETTINGS, lokiProblems } from "./settings";

export interface LokiArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `loki` settings (mode, retention, sizes, caches, limits). */
    settings: StackConfig["loki"];
    /** Bucket, provider and credentials of the object storage; required by the Distributed mode. */
    objectStorage?: StackConfig["objectStorage"];
    /** StorageClass of the persistent volumes; unset uses the cluster default. */
    storageClass?: string;
}

/**
 * With `loki.multiTenant`, the tenant (X-Scope-OrgID) the stack's own collector writes to and Grafana
 * reads from; other teams may push under tenants of their own.
 */
export const LOKI_STACK_TENANT = "observability";
export const LOKI_GATEWAY_PORT = 80;
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
/**
 * Loki's native OTLP endpoint (OTLP/HTTP logs at /otlp/v1/logs), served by the same Service as the push API:
 * the single binary, or the gateway, whose nginx routes `location = /otlp/v1/logs` to the distributors.
 */
export const LOKI_OTLP_PATH = "/otlp";
/**
 * The first and only period of the index schema. It must never change once data is written: Loki reads
 * each day's index with the schema whose period covers it, so a later date would orphan older logs.
 */
export const LOKI_SCHEMA_FROM = "2024-01-01";
/** Where a GCS key file from the credentials Secret is mounted (objectStorage/credentials.ts). */
const GCS_KEY_DIRECTORY = "/etc/loki/gcs";

/** Small fixed budgets for the containers the settings do not size: metrics exporters. */
const EXPORTER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
/** The compactor keeps retention marks on disk until their chunks are deleted; losing them leaks chunks. */
const COMPACTOR_VOLUME_SIZE = "10Gi";

/** Components that scale out in Distributed mode; the chart's keys match the settings' names. */
const SCALED_COMPONENTS = ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway"] as const;

/**
 * Loki from the `loki` chart. Monolithic (dev, staging): one single-binary pod on a persistent volume.
 * Distributed (production): every read and write component replicated behind the nginx gateway, chunks and
 * index in object storage. Either way: a pinned TSDB v13 schema, retention by the compactor, and a
 * ServiceMonitor for Prometheus.
 */
export class Loki extends pulumi.ComponentResource {
    /** In-cluster query URL (gateway or single binary), the one Grafana's datasource uses. */
    public readonly internalUrl: pulumi.Output<string>;
    /** Same as internalUrl: Loki is not exposed outside the cluster. */
    public readonly url: pulumi.Output<string>;
    /** Push API the collector writes to. */
    public readonly pushUrl: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Loki", name, {}, opts);
        const { namespace, settings } = args;

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "loki",
                releaseName: LOKI_RELEASE,
                namespace,
                values: pulumi.output(namespace).apply((ns) => lokiValues({ ...args, namespace: ns })),
            },
            { parent: this },
        );

        const { service, port } = queryService(settings.mode);
        this.internalUrl = pulumi.interpolate`http://${service}.${namespace}.svc.cluster.local:${port}`;
        this.url = this.internalUrl;
        this.pushUrl = pulumi.interpolate`${this.internalUrl}${LOKI_PUSH_PATH}`;

        this.registerOutputs({ internalUrl: this.internalUrl, url: this.url, pushUrl: this.pushUrl });
    }
}

/** The Service that answers queries and pushes: the single binary itself, or the gateway in front of the components. */
function queryService(mode: StackConfig["loki"]["mode"]): { service: string; port: number } {
    return mode === "Monolithic" ? { service: LOKI_FULLNAME, port: LOKI_HTTP_PORT } : { service: `${LOKI_FULLNAME}-gateway`, port: LOKI_GATEWAY_PORT };
}

/** memcached holds `-m` MB of items plus connection buffers: the chart's own default budgets 1.2 times that. */
function cacheResources(memoryMb: number): Resources {
    const memory = `${Math.ceil(memoryMb * 1.2)}Mi`;
    return { requests: { cpu: "100m", memory }, limits: { cpu: "1", memory } };
}

function volumeClaim(size: string, storageClass: string | undefined) {
    return { name: "data", accessModes: ["ReadWriteOnce"], size, ...(storageClass ? { storageClass } : {}) };
}

/** Where chunks, index and delete requests live, and how pods authenticate to it (never a secret value). */
function storageValues(objectStorage: StackConfig["objectStorage"] | undefined) {
    if (!objectStorage) {
        return { type: "filesystem", storage: { type: "filesystem" }, pods: {}, serviceAccount: {} };
    }
    const { provider, buckets } = objectStorage;
    const credentials = storageCredentials(objectStorage, GCS_KEY_DIRECTORY);
    const workloadIdentity = credentials.serviceAccount !== undefined;
    // Only the chunks bucket: the ruler is off, and the chart writes ruler storage only for an enabled ruler.
    const storage: Record<string, unknown> = { type: provider, bucketNames: { chunks: buckets.lokiChunks } };
    const pods: Record<string, unknown> = { ...credentials.pods };

    if (provider === "s3") {
        const endpoint = s3Endpoint(objectStorage);
        storage.s3 = {
            ...(objectStorage.region ? { region: objectStorage.region } : {}),
            // MinIO and most S3-compatible stores address buckets by path, not by virtual host.
            ...(endpoint ? { endpoint: endpoint.host, insecure: endpoint.protocol === "http:", s3ForcePathStyle: true } : {}),
        };
    } else if (provider === "azure") {
        storage.azure = workloadIdentity
            ? { accountName: objectStorage.azureAccountName, useFederatedToken: true }
            : { accountName: objectStorage.azureAccountName, accountKey: `\${${OBJECT_STORAGE_SECRET_KEYS.azure[0]}}` };
        // The account key reaches the config through env substitution.
        if (!workloadIdentity) pods.extraArgs = ["-config.expand-env=true"];
    }
    return { type: provider, storage, pods, serviceAccount: credentials.serviceAccount ?? {}, podLabels: credentials.podLabels };
}

/** One Distributed component: replicas, resources and, with more than one replica, a PodDisruptionBudget. */
function componentValues(workload: Workload) {
    return {
        replicas: workload.replicas,
        resources: workload.resources,
        podDisruptionBudget: { enabled: workload.replicas > 1, maxUnavailable: 1 },
    };
}

function requiredWorkloads(settings: StackConfig["loki"]): Record<(typeof LOKI_COMPONENTS)[number], Workload> {
    refuseProblems("Loki", lokiProblems(settings));
    return settings.components as Record<(typeof LOKI_COMPONENTS)[number], Workload>;
}

/** The chart values; every key is a real key of the `loki` chart (tests check it). */
export function lokiValues(args: LokiArgs & { namespace: string }): Record<string, unknown> {
    const { settings, storageClass } = args;
    const distributed = settings.mode === "Distributed";
    refuseProblems("Loki", objectStorageProblems(args.objectStorage, [LOKI_SETTINGS.objectStorage, settings]));
    // Monolithic keeps chunks on its own volume (objectStorage, if set, is for Distributed and Tempo).
    const store = storageValues(distributed ? args.objectStorage : undefined);
    const { chunksMemoryMb, resultsMemoryMb } = settings.caches;

    const modeValues: Record<string, unknown> = distributed
        ? distributedValues(settings, storageClass)
        : {
              singleBinary: {
                  replicas: 1,
                  resources: settings.resources,
                  persistence: { enabled: true, size: settings.storageSize, ...(storageClass ? { storageClass } : {}) },
                  sidecar: false,
              },
              // Grafana and the collector talk to the single binary directly; a proxy in front adds nothing.
              gateway: { enabled: false },
          };

    return {
        fullnameOverride: LOKI_FULLNAME,
        deploymentMode: settings.mode,
        loki: {
            auth_enabled: settings.multiTenant,
            // Writes need a quorum of replication_factor/2+1 ingesters: one copy in a single binary, three across ingesters.
            commonConfig: { replication_factor: distributed ? 3 : 1 },
            storage: store.storage,
            schemaConfig: {
                configs: [
                    {
                        from: LOKI_SCHEMA_FROM,
                        store: "tsdb",
                        object_store: store.type,
                        schema: "v13",
                        index: { prefix: "loki_index_", period: "24h" },
                    },
                ],
            },
            compactor: { retention_enabled: true, delete_request_store: store.type },
            limits_config: {
                retention_period: goDuration(settings.retention),
                ingestion_rate_mb: settings.limits.ingestionRateMb,
                ingestion_burst_size_mb: settings.limits.ingestionBurstSizeMb,
                max_global_streams_per_user: settings.limits.maxGlobalStreamsPerUser,
            },
            analytics: { reporting_enabled: false },
            ...(store.podLabels ? { podLabels: store.podLabels } : {}),
        },
        defaults: store.pods,
        serviceAccount: store.serviceAccount,
        ...modeValues,
        // The chart validates replica counts across modes; the SimpleScalable targets it defaults to 3 stay at 0.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        // Grafana-managed alerting: no Loki ruler and no sidecar loading rule ConfigMaps into it.
        ruler: { enabled: false },
        sidecar: { rules: { enabled: false } },
        chunksCache: chunksMemoryMb > 0 ? { enabled: true, allocatedMemory: chunksMemoryMb, resources: cacheResources(chunksMemoryMb) } : { enabled: false },
        resultsCache:
            resultsMemoryMb > 0 ? { enabled: true, allocatedMemory: resultsMemoryMb, resources: cacheResources(resultsMemoryMb) } : { enabled: false },
        memcachedExporter: { resources: EXPORTER_RESOURCES },
        // The canary (a DaemonSet on every node) and the Helm test that needs it only prove the chart works.
        lokiCanary: { enabled: false },
        test: { enabled: false },
        minio: { enabled: false },
        monitoring: {
            serviceMonitor: { enabled: true },
            // Dashboards live in our Grafana content; alerting is Grafana-managed.
            dashboards: { enabled: false },
            rules: { enabled: false },
            alerts: { enabled: false },
        },
    };
}

function distributedValues(settings: StackConfig["loki"], storageClass: string | undefined): Record<string, unknown> {
    const workloads = requiredWorkloads(settings);
    const components = Object.fromEntries(SCALED_COMPONENTS.map((key) => [key, componentValues(workloads[key])]));
    return {
        singleBinary: { replicas: 0 },
        ...components,
        ingester: {
            ...components.ingester,
            // Three StatefulSets (one per zone) and a rollout operator buy faster rollouts, not safety.
            zoneAwareReplication: { enabled: false },
            // The WAL replays unflushed chunks after a crash; on an emptyDir a restart would lose them.
            persistence: { enabled: true, claims: [volumeClaim(settings.storageSize, storageClass)] },
        },
        // One compactor by design (it owns retention); no PodDisruptionBudget key for it in the chart.
        compactor: {
            replicas: workloads.compactor.replicas,
            resources: workloads.compactor.resources,
            persistence: {
                enabled: true,
                size: COMPACTOR_VOLUME_SIZE,
                ...(storageClass ? { storageClass } : {}),
                claims: [volumeClaim(COMPACTOR_VOLUME_SIZE, storageClass)],
            },
        },
        gateway: {
            enabled: true,
            ...componentValues(workloads.gateway),
            metrics: { enabled: true, resources: EXPORTER_RESOURCES },
        },
    };
}
