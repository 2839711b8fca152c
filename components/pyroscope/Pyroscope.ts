import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { refuseProblems } from "../../stacks/fields";
import type { StackConfig } from "../../stacks/schema";
import { goDuration } from "../../stacks/units";
import { chartRelease } from "../helm";
import { OBJECT_STORAGE_SECRET_KEYS, s3Endpoint, storageCredentials } from "../objectStorage/credentials";
import { objectStorageProblems } from "../objectStorage/settings";
import { PYROSCOPE_RELEASE, pyroscopeUrls } from "./names";
import { PYROSCOPE_COMPONENTS, PYROSCOPE_SETTINGS, type PyroscopeComponent, pyroscopeProblems } from "./settings";

export interface PyroscopeArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `pyroscope` settings: mode, retention, volume, per-component workloads. */
    settings: StackConfig["pyroscope"];
    /** Bucket, provider and credentials of the profiles (read in microservices mode, which requires them). */
    objectStorage?: StackConfig["objectStorage"];
    /** StorageClass of the volumes (single binary, metastores); unset uses the cluster default. */
    storageClass?: string;
}

/** The values `pyroscopeValues` computes from: the component's arguments with the namespace resolved. */
export type PyroscopeValuesArgs = Omit<PyroscopeArgs, "namespace"> & { namespace: string };

/** Where a GCS key file from the credentials Secret is mounted (objectStorage/credentials.ts). */
const GCS_KEY_MOUNT = "/var/secrets/gcs";
/** The `pyroscope` user and group of grafana/pyroscope's image, which the chart's pod defaults already use. */
const PYROSCOPE_UID = 10001;

/**
 * Pyroscope 2 (v2 storage) from the `pyroscope` chart: one process on a persistent volume (dev, staging), or
 * microservices on object storage (production): distributors hand profiles to segment writers, which flush
 * segments to the bucket and register them with a Raft quorum of metastores; compaction workers merge them
 * and query backends read them behind the query-frontend. Profiles arrive from the stack's collector only:
 * the chart's own Alloy, agent and MinIO are off.
 */
export class Pyroscope extends pulumi.ComponentResource {
    /** Query URL for Grafana's datasource: the single binary, or the query-frontend. */
    public readonly internalUrl: pulumi.Output<string>;
    /** Same as internalUrl: Pyroscope is not exposed outside the cluster. */
    public readonly url: pulumi.Output<string>;
    /** Push URL (pyroscope.write, SDKs): the single binary, or the distributors. */
    public readonly writeUrl: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: PyroscopeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Pyroscope", name, {}, opts);
        const { namespace, settings } = args;

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "pyroscope",
                releaseName: PYROSCOPE_RELEASE,
                namespace,
                values: pulumi.output(namespace).apply((ns) => pyroscopeValues({ ...args, namespace: ns })),
            },
            { parent: this },
        );

        const urls = pulumi.output(namespace).apply((ns) => pyroscopeUrls(ns, settings.mode));
        this.internalUrl = urls.query;
        this.url = this.internalUrl;
        this.writeUrl = urls.write;

        this.registerOutputs({ internalUrl: this.internalUrl, url: this.url, writeUrl: this.writeUrl });
    }
}

/** The chart values (one process or microservices, by mode); credentials only by reference. */
export function pyroscopeValues(args: PyroscopeValuesArgs): Record<string, unknown> {
    const { settings, storageClass } = args;
    const microservices = settings.mode === "microservices";
    if (microservices) {
        refuseProblems("Pyroscope", [
            ...objectStorageProblems(args.objectStorage, [PYROSCOPE_SETTINGS.objectStorage, settings]),
            ...pyroscopeProblems(settings),
        ]);
    }
    const storage = microservices ? objectStorageValues(args) : undefined;
    return {
        pyroscope: {
            // The chart's default is debug.
            extraArgs: { "log.level": "info", ...(storage?.expandEnv ? { "config.expand-env": "true" } : {}) },
            // Pod Security `restricted`, the level the namespace warns and audits at (tests/engines/pod-security.test.ts).
            podSecurityContext: {
                runAsNonRoot: true,
                runAsUser: PYROSCOPE_UID,
                runAsGroup: PYROSCOPE_UID,
                fsGroup: PYROSCOPE_UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            // The root filesystem stays writable: compaction workers stage blocks in the OS temp directory
            // (pkg/compactionworker/worker.go, compaction-worker.temp-dir defaults to os.TempDir()).
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
            // Every component reads the same configuration; without object storage it is the volume's filesystem.
            structuredConfig: {
                limits: { retention_period: goDuration(settings.retention) },
                ...(storage ? { storage: storage.config } : {}),
            },
            ...(storage?.pods ?? {}),
            ...(storage?.serviceAccount ? { serviceAccount: storage.serviceAccount } : {}),
            ...(storage?.podLabels ? { extraLabels: storage.podLabels } : {}),
            // One process keeps profiles and its metastore on the volume; microservices keep profiles in the bucket
            // and only the metastores get a volume (below): on the Deployments a claim template would never be made.
            persistence: {
                enabled: !microservices,
                size: settings.storageSize,
                accessModes: ["ReadWriteOnce"],
                ...(storageClass ? { storageClassName: storageClass } : {}),
            },
            ...(microservices ? {} : { resources: settings.resources }),
        },
        architecture: { microservices: microservices ? { enabled: true, v2: componentValues(settings) } : { enabled: false } },
        // The stack's collector scrapes and receives profiles (components/collector/).
        alloy: { enabled: false },
        agent: { enabled: false },
        minio: { enabled: false },
        serviceMonitor: {
            enabled: true,
            // Each component has a ClusterIP and a headless Service with the same labels; the chart's exclusion of the
            // headless one is an annotation its ServiceMonitor cannot select on, so every pod would be scraped twice.
            relabelings: [{ sourceLabels: ["__meta_kubernetes_service_name"], regex: ".*-headless", action: "drop" }],
        },
    };
}

/** Each v2 component's replicas and resources; the metastores with a volume and a Raft quorum of their count. */
function componentValues(settings: StackConfig["pyroscope"]): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [key, chartKey] of Object.entries(PYROSCOPE_COMPONENTS) as Array<[PyroscopeComponent, string]>) {
        const workload = settings.components[key];
        if (!workload) throw new Error("unreachable: refused by pyroscopeProblems");
        values[chartKey] = {
            replicaCount: workload.replicas,
            resources: workload.resources,
            ...(key === "metastore"
                ? {
                      // pkg/metastore/raftnode/node.go: the Raft directories "must be a persistent directory, not a tmpfs or similar".
                      persistence: { enabled: true },
                      extraArgs: { "metastore.raft.bootstrap-expect-peers": workload.replicas },
                  }
                : {}),
        };
    }
    return values;
}

interface StorageValues {
    /** `storage` of Pyroscope's configuration (pkg/objstore/client/config.go): bucket and location, never a key. */
    config: Record<string, unknown>;
    /** Env, volumes and mounts every component gets from the credentials Secret. */
    pods: Record<string, unknown>;
    serviceAccount?: { annotations: Record<string, string>; labels?: Record<string, string> };
    podLabels?: Record<string, string>;
    /** Whether the configuration reads a credential from the environment (`${VAR}`, -config.expand-env). */
    expandEnv: boolean;
}

function objectStorageValues(args: PyroscopeValuesArgs): StorageValues {
    const storage = args.objectStorage;
    const bucket = storage?.buckets.pyroscope;
    if (!storage || !bucket) throw new Error("unreachable: refused by objectStorageProblems");
    const credentials = storageCredentials(storage, GCS_KEY_MOUNT);
    const { extraEnvFrom, extraVolumes, extraVolumeMounts, extraEnv } = credentials.pods;
    const pods: Record<string, unknown> = {
        ...(extraEnvFrom ? { extraEnvFrom } : {}),
        ...(extraVolumes ? { extraVolumes } : {}),
        ...(extraVolumeMounts ? { extraVolumeMounts } : {}),
        // The chart takes extra env as a name → value map.
        ...(extraEnv ? { extraEnvVars: Object.fromEntries((extraEnv as Array<{ name: string; value: string }>).map((env) => [env.name, env.value])) } : {}),
    };
    const common = { pods, serviceAccount: credentials.serviceAccount, podLabels: credentials.podLabels };
    switch (storage.provider) {
        case "s3": {
            // thanos-io/objstore's S3 client refuses an empty endpoint (there is no AWS default as in Tempo); keys come
            // from AWS_* env (the Secret) or the AWS SDK chain (workload identity). MinIO and most S3-compatible
            // stores only serve path-style URLs.
            const endpoint = s3Endpoint(storage);
            const s3 = {
                bucket_name: bucket,
                endpoint: endpoint ? endpoint.host : `s3.${storage.region}.amazonaws.com`,
                ...(storage.region ? { region: storage.region } : {}),
                insecure: endpoint?.protocol === "http:",
                ...(endpoint ? { bucket_lookup_type: "path" } : {}),
            };
            return { ...common, config: { backend: "s3", s3 }, expandEnv: false };
        }
        case "gcs":
            // Without service_account the client uses Google's default credentials: the mounted key or workload identity.
            return { ...common, config: { backend: "gcs", gcs: { bucket_name: bucket } }, expandEnv: false };
        case "azure": {
            const key = storage.credentials.existingSecret ? { account_key: `\${${OBJECT_STORAGE_SECRET_KEYS.azure[0]}}` } : {};
            return {
                ...common,
                config: { backend: "azure", azure: { container_name: bucket, account_name: storage.azureAccountName, ...key } },
                expandEnv: Boolean(storage.credentials.existingSecret),
            };
        }
    }
}
