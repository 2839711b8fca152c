import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { refuseProblems } from "../../stacks/fields";
import type { Resources, StackConfig, Workload } from "../../stacks/schema";
import { goDuration } from "../../stacks/units";
import { chartRelease } from "../helm";
import { s3Endpoint, storageCredentials } from "../objectStorage/credentials";
import { objectStorageProblems } from "../objectStorage/settings";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../vocabulary";
import { TEMPO_HTTP_PORT, TEMPO_RELEASE } from "./names";
import { TEMPO_SETTINGS, type TempoComponent, tempoProblems } from "./settings";

export interface TempoArgs {
    /** Namespace to install into (created by the ObservabilityStack). */
    namespace: pulumi.Input<string>;
    /** The stack's validated `tempo` settings: mode, retention, volume, per-component workloads, Kafka, limits. */
    settings: StackConfig["tempo"];
    /** Bucket, provider and credentials of the traces (read in distributed mode, which requires it). */
    objectStorage?: StackConfig["objectStorage"];
    /** StorageClass of the monolithic volume; unset uses the cluster default. */
    storageClass?: string;
    /** Remote-write URL of each Prometheus replica (metrics generator writes service graphs and span metrics to every one, so HA replicas hold the same series). */
    prometheusRemoteWriteUrls: pulumi.Input<string[]>;
}

/** The values `tempoValues` computes from: the component's arguments with every input resolved. */
export type TempoValuesArgs = Omit<TempoArgs, "namespace" | "prometheusRemoteWriteUrls"> & { namespace: string; prometheusRemoteWriteUrls: string[] };

/** Where the volume (monolithic PVC, distributed emptyDir) is mounted; everything Tempo writes goes below it. */
const DATA_PATH = "/var/tempo";

/** Memcached holds bloom filters, parquet footers and search results for the queriers; its budget covers the item memory plus overhead. */
const MEMCACHED_MEMORY_MB = 512;
const MEMCACHED_RESOURCES: Resources = { requests: { cpu: "100m", memory: "576Mi" }, limits: { cpu: "500m", memory: "640Mi" } };
const MEMCACHED_EXPORTER_RESOURCES: Resources = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
/** Where a GCS key file from the credentials Secret is mounted (objectStorage/credentials.ts). */
const GCS_KEY_MOUNT = "/var/secrets/gcs";

/** Non-root, no privilege escalation, no capabilities, the runtime's seccomp profile, read-only image. */
const CONTAINER_SECURITY = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: "RuntimeDefault" },
} satisfies k8s.types.input.core.v1.SecurityContext;

/**
 * Tempo: the single binary from the `tempo` chart on a persistent volume (dev, staging), or Tempo 3 from
 * `tempo-distributed` on object storage (production), where distributors write spans to Kafka and one
 * block-builder and one live-store per partition consume them. Either way the metrics generator turns
 * spans into service-graph and span metrics (with exemplars) in every Prometheus replica.
 */
export class Tempo extends pulumi.ComponentResource {
    /** Query URL for Grafana's datasource: the single binary, or the query-frontend. */
    public readonly internalUrl: pulumi.Output<string>;
    /** Same as internalUrl: Tempo is not exposed outside the cluster. */
    public readonly url: pulumi.Output<string>;
    /** OTLP gRPC receiver as "host:port" (the distributor in distributed mode). */
    public readonly otlpGrpcEndpoint: pulumi.Output<string>;
    /** OTLP HTTP receiver URL (the distributor in distributed mode). */
    public readonly otlpHttpEndpoint: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: TempoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Tempo", name, {}, opts);
        const { settings, namespace } = args;

        this.release = chartRelease(
            `${name}-release`,
            {
                chart: settings.mode === "monolithic" ? "tempo" : "tempoDistributed",
                releaseName: TEMPO_RELEASE,
                namespace,
                values: pulumi
                    .all([namespace, args.prometheusRemoteWriteUrls])
                    .apply(([ns, urls]) => tempoValues({ ...args, namespace: ns, prometheusRemoteWriteUrls: urls })),
            },
            { parent: this },
        );

        const services = tempoServices(settings.mode);
        const host = (service: string) => pulumi.interpolate`${service}.${namespace}.svc.cluster.local`;
        this.internalUrl = pulumi.interpolate`http://${host(services.query)}:${TEMPO_HTTP_PORT}`;
        this.url = this.internalUrl;
        this.otlpGrpcEndpoint = pulumi.interpolate`${host(services.ingest)}:${OTLP_GRPC_PORT}`;
        this.otlpHttpEndpoint = pulumi.interpolate`http://${host(services.ingest)}:${OTLP_HTTP_PORT}`;

        this.registerOutputs({
            internalUrl: this.internalUrl,
            url: this.url,
            otlpGrpcEndpoint: this.otlpGrpcEndpoint,
            otlpHttpEndpoint: this.otlpHttpEndpoint,
        });
    }
}

/** The Services that answer queries and receive spans: "<fullname>[-<component>]" with fullname "tempo". */
export function tempoServices(mode: StackConfig["tempo"]["mode"]): { query: string; ingest: string } {
    return mode === "monolithic"
        ? { query: TEMPO_RELEASE, ingest: TEMPO_RELEASE }
        : { query: `${TEMPO_RELEASE}-query-frontend`, ingest: `${TEMPO_RELEASE}-distributor` };
}

/** The chart values (of `tempo` or `tempo-distributed`, by mode); credentials only by reference. */
export function tempoValues(args: TempoValuesArgs): Record<string, unknown> {
    if (args.prometheusRemoteWriteUrls.length === 0) {
        // The monolithic chart would fall back to its placeholder URL "http://prometheus.monitoring:9090".
        throw new Error("Tempo: prometheusRemoteWriteUrls is empty; the metrics generator needs at least one Prometheus");
    }
    return args.settings.mode === "monolithic" ? monolithicValues(args) : distributedValues(args);
}

/**
 * Span attributes (resource first, then span: modules/generator/processor/util/util.go FindAttributeValue) the
 * span metrics carry as labels besides the intrinsic service, span_name, span_kind and status_code. Tempo
 * writes each under its name sanitized by Prometheus' strutil.SanitizeLabelName (modules/generator/validation/
 * sanitize.go): `k8s.namespace.name`, which the collector's k8sattributes processor sets on every span, becomes
 * `k8s_namespace_name`, so a trace's metrics links and span-metrics panels can select one namespace's service
 * (the same service name in two namespaces is otherwise one series).
 */
export const SPAN_METRICS_DIMENSIONS = ["k8s.namespace.name"] as const;

/** Tenant defaults (Tempo's "new" overrides format): ingestion limits and the metrics generator's processors. */
function overrideDefaults(limits: StackConfig["tempo"]["limits"]) {
    return {
        ingestion: { rate_limit_bytes: limits.ingestionRateLimitBytes, burst_size_bytes: limits.ingestionBurstSizeBytes },
        global: { max_bytes_per_trace: limits.maxBytesPerTrace },
        metrics_generator: {
            processors: ["service-graphs", "span-metrics"],
            // Set here, in both charts' overrides, rather than in metrics_generator.processor: a tenant override that
            // is set replaces the generator's own list (modules/generator/config.go copyWithOverrides), and
            // tempo-distributed renders that list as [] by default.
            processor: { span_metrics: { dimensions: [...SPAN_METRICS_DIMENSIONS] } },
        },
    };
}

/** One remote-write per Prometheus replica; exemplars link a span-metrics bucket to the trace behind it. */
const remoteWrites = (urls: string[]) => urls.map((url) => ({ url, send_exemplars: true }));

function monolithicValues(args: TempoValuesArgs): Record<string, unknown> {
    const { settings, storageClass } = args;
    return {
        replicas: 1,
        tempo: {
            resources: settings.resources,
            securityContext: { ...CONTAINER_SECURITY, runAsNonRoot: true },
            reportingEnabled: false,
            retention: goDuration(settings.retention),
            server: { http_listen_port: TEMPO_HTTP_PORT },
            receivers: {
                otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
            },
            storage: {
                trace: { backend: "local", local: { path: `${DATA_PATH}/traces` }, wal: { path: `${DATA_PATH}/wal` } },
            },
            metricsGenerator: {
                enabled: true,
                // The chart's /tmp defaults would sit on the read-only root filesystem and lose the WAL on restart.
                storage: { path: `${DATA_PATH}/generator/wal`, remote_write: remoteWrites(args.prometheusRemoteWriteUrls) },
                traces_storage: { path: `${DATA_PATH}/generator/traces` },
            },
            overrides: { defaults: overrideDefaults(settings.limits) },
        },
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
        persistence: {
            enabled: true,
            size: settings.storageSize,
            accessModes: ["ReadWriteOnce"],
            ...(storageClass ? { storageClassName: storageClass } : {}),
        },
        // Tempo never calls the Kubernetes API.
        serviceAccount: { automountServiceAccountToken: false },
        serviceMonitor: { enabled: true },
        // The Jaeger UI sidecar: Grafana is the UI.
        tempoQuery: { enabled: false },
    };
}

function distributedValues(args: TempoValuesArgs): Record<string, unknown> {
    const { settings, objectStorage } = args;
    const { kafka } = settings;
    // The loader's rules (settings.ts); templates/backend-scheduler/statefulset-backend-scheduler.yaml pins one scheduler.
    refuseProblems("Tempo", [...objectStorageProblems(objectStorage, [TEMPO_SETTINGS.objectStorage, settings]), ...tempoProblems(settings)]);
    if (!objectStorage || !kafka) throw new Error("unreachable: refused above");
    const workload = settings.components as Record<TempoComponent, Workload>;
    const sized = (component: TempoComponent) => ({ replicas: workload[component].replicas, resources: workload[component].resources });
    // Each block-builder consumes one partition (partitions_per_instance) and each live-store derives its partition
    // from its ordinal, so one of each per partition covers the topic exactly once.
    const perPartition = (component: "liveStore" | "blockBuilder") => ({ enabled: true, replicas: kafka.partitions, resources: workload[component].resources });
    const retention = goDuration(settings.retention);
    // Every Tempo pod authenticates to the bucket; `defaults.*` reach the Tempo pods only, not memcached.
    const credentials = storageCredentials(objectStorage, GCS_KEY_MOUNT);

    return {
        reportingEnabled: false,
        multitenancyEnabled: false,
        server: { httpListenPort: TEMPO_HTTP_PORT },
        tempo: {
            securityContext: { ...CONTAINER_SECURITY, runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 },
            ...(credentials.podLabels ? { podLabels: credentials.podLabels } : {}),
        },
        ...(credentials.serviceAccount ? { serviceAccount: credentials.serviceAccount } : {}),
        ...(Object.keys(credentials.pods).length > 0 ? { defaults: credentials.pods } : {}),
        storage: { trace: traceStorage(objectStorage, Boolean(objectStorage.credentials.serviceAccountAnnotations)) },
        ingest: {
            kafka: {
                address: kafka.address,
                topic: kafka.topic,
                // Only applies when the topic does not exist yet: it is then created with the partitions we size for.
                auto_create_topic_enabled: true,
                auto_create_topic_default_partitions: kafka.partitions,
            },
        },
        traces: {
            otlp: {
                grpc: { enabled: true, receiverConfig: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` } },
                http: { enabled: true, receiverConfig: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } },
            },
        },
        overrides: { defaults: overrideDefaults(settings.limits) },
        distributor: sized("distributor"),
        liveStore: perPartition("liveStore"),
        blockBuilder: { ...perPartition("blockBuilder"), config: { partitions_per_instance: 1 } },
        querier: sized("querier"),
        queryFrontend: {
            ...sized("queryFrontend"),
            service: { httpMetricsPort: TEMPO_HTTP_PORT },
            query: { enabled: false },
        },
        metricsGenerator: {
            enabled: true,
            ...sized("metricsGenerator"),
            config: {
                storage: {
                    remote_write: remoteWrites(args.prometheusRemoteWriteUrls),
                    // Prometheus is single-tenant and ignores the header.
                    remote_write_add_org_id_header: false,
                },
            },
        },
        backendScheduler: {
            enabled: true,
            resources: workload.backendScheduler.resources,
            config: { provider: { compaction: { compaction: { block_retention: retention } } } },
        },
        // tempo-distributed 3.3.0 reads backendWorker.podDisruptionBudget.enabled once replicas > 1 but ships no
        // default for it: without this key `helm template` fails with a nil pointer (found by tests/helm-render).
        backendWorker: { ...sized("backendWorker"), podDisruptionBudget: { enabled: true }, maxUnavailable: 1 },
        memcached: { enabled: true, extraArgs: [`--memory-limit=${MEMCACHED_MEMORY_MB}`], resources: MEMCACHED_RESOURCES },
        memcachedExporter: { enabled: false, resources: MEMCACHED_EXPORTER_RESOURCES },
        // Grafana and the collector reach the query-frontend and distributor directly; nothing needs the nginx gateway.
        gateway: { enabled: false },
        metaMonitoring: { serviceMonitor: { enabled: true } },
        tests: { integration: { enabled: false } },
    };
}

/** `storage.trace` for the provider: bucket and location only, never a key. */
export function traceStorage(storage: NonNullable<StackConfig["objectStorage"]>, workloadIdentity: boolean): Record<string, unknown> {
    const bucket = storage.buckets.tempo;
    switch (storage.provider) {
        case "s3": {
            // Tempo's S3 client wants a bare host; MinIO and most S3-compatible stores only serve path-style URLs.
            const endpoint = s3Endpoint(storage);
            return {
                backend: "s3",
                s3: {
                    bucket,
                    endpoint: endpoint ? endpoint.host : `s3.${storage.region}.amazonaws.com`,
                    ...(storage.region ? { region: storage.region } : {}),
                    insecure: endpoint?.protocol === "http:",
                    forcepathstyle: Boolean(endpoint),
                },
            };
        }
        case "gcs":
            return { backend: "gcs", gcs: { bucket_name: bucket } };
        case "azure":
            return {
                backend: "azure",
                azure: { container_name: bucket, storage_account_name: storage.azureAccountName, use_federated_token: workloadIdentity },
            };
    }
}
