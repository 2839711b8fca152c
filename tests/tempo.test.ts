import { type RecordedResource, captureResources, valueOf } from "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { replicaRemoteWriteUrls } from "../components/Prometheus";
import { DISTRIBUTED_WORKLOADS, GCS_KEY_FILE, Tempo, type TempoArgs, type TempoValuesArgs, tempoValues } from "../components/Tempo";
import { ConfigError } from "../stacks/config";
import type { StackConfig } from "../stacks/schema";
import { durationSeconds } from "../stacks/units";
import { type ChartReference, chartReference, unknownValuePaths } from "../scripts/lib/chartKeys";
import { chartFullname, effectiveValue } from "./helpers/helmNames";
import { STACK_NAMES, loadStack } from "./helpers/stacks";

interface Built { config: StackConfig; tempo: Tempo; resources: RecordedResource[]; release: Record<string, any>; values: Record<string, any> }

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: TempoArgs = {
        namespace: config.namespace, settings: config.tempo, objectStorage: config.objectStorage, storageClass: config.cluster.storageClass,
        prometheusRemoteWriteUrls: replicaRemoteWriteUrls(config.namespace, config.prometheus.replicas),
    };
    let tempo: Tempo | undefined;
    const resources = await captureResources(() => { tempo = new Tempo(`tempo-${stack}-${builds++}`, args); });
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(releases.length, 1);
    return { config, tempo: tempo!, resources, release: releases[0].inputs, values: releases[0].inputs.values };
}

/**
 * Both charts `tpl` their `config` value into tempo.yaml, so the paths that string reads (storage.trace.s3, ...)
 * are read as surely as those of templates/, which template-values.txt lists.
 */
function withConfigTemplate(reference: ChartReference): ChartReference {
    const config = (reference.defaults as { config?: unknown }).config;
    const read = typeof config === "string" ? [...config.matchAll(/\.Values\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)/g)].map((m) => m[1]) : [];
    return { ...reference, templatePaths: new Set([...reference.templatePaths, ...read]) };
}

const monolithic = withConfigTemplate(chartReference("tempo", CHARTS.tempo.version));
const distributed = withConfigTemplate(chartReference("tempo-distributed", CHARTS.tempoDistributed.version));
const chartOf = (config: StackConfig) => (config.tempo.mode === "monolithic" ? monolithic : distributed);
/** tempo-distributed renders `tempo.securityContext` verbatim into every container (a Kubernetes SecurityContext). */
const FREE_FORM: Record<string, string[]> = { monolithic: [], distributed: ["tempo.securityContext"] };
const effective = (built: Built, path: string) => effectiveValue(built.values, chartOf(built.config).defaults, path);

/** Every `resources` the chart's defaults hold or its templates read: one per kind of container it can render. */
function resourcePaths(reference: ChartReference): string[] {
    const found = new Set([...reference.templatePaths].filter((p) => p === "resources" || p.endsWith(".resources")));
    const walk = (node: unknown, trail: string[]) => {
        if (!node || typeof node !== "object" || Array.isArray(node)) return;
        for (const [key, child] of Object.entries(node)) {
            if (key === "resources") found.add([...trail, key].join("."));
            walk(child, [...trail, key]);
        }
    };
    walk(reference.defaults, []);
    return [...found];
}

/** Containers a chart can render, with the switches that must all be on for it to render. */
const SWITCHES: Record<string, string[]> = {
    "tempoQuery.resources": ["tempoQuery.enabled"],
    "metricsGenerator.resources": ["metricsGenerator.enabled"],
    "liveStore.resources": ["liveStore.enabled"],
    "blockBuilder.resources": ["blockBuilder.enabled"],
    "backendScheduler.resources": ["backendScheduler.enabled"],
    "backendWorker.resources": ["backendScheduler.enabled"],
    "queryFrontend.query.resources": ["queryFrontend.query.enabled"],
    "memcached.resources": ["memcached.enabled"],
    "memcachedExporter.resources": ["memcached.enabled", "memcachedExporter.enabled"],
    "memcachedBloom.resources": ["memcachedBloom.enabled"],
    "memcachedParquetFooter.resources": ["memcachedParquetFooter.enabled"],
    "memcachedFrontendSearch.resources": ["memcachedFrontendSearch.enabled"],
    "gateway.resources": ["gateway.enabled"],
    "enterpriseFederationFrontend.resources": ["enterprise.enabled", "enterpriseFederationFrontend.enabled"],
    "adminApi.resources": ["enterprise.enabled"],
    "enterpriseGateway.resources": ["enterprise.enabled"],
};
/** tempo-distributed's pod template takes `coalesce <component>.resources tempo.resources defaults.resources`: fallbacks, not containers. */
const FALLBACKS = ["defaults.resources", "tempo.resources"];

const valueAt = (values: unknown, path: string): any => path.split(".").reduce<any>((node, part) => node?.[part], values);
const hasRequestsAndLimits = (resources: any) =>
    Boolean(resources?.requests?.cpu && resources?.requests?.memory && resources?.limits?.cpu && resources?.limits?.memory);

/** Every key anywhere in the values, for checks that nothing secret-shaped is set inline. */
function allKeys(node: unknown, found: string[] = []): string[] {
    if (Array.isArray(node)) node.forEach((item) => allKeys(item, found));
    else if (node && typeof node === "object") for (const [key, child] of Object.entries(node)) { found.push(key); allKeys(child, found); }
    return found;
}
const CREDENTIAL_KEYS = /access_key|secret_key|storage_account_key|sas_token|password|session_token|service_account_json/i;

/** The port of a receiver endpoint "host:port"; the monolithic chart's Service takes its OTLP ports from these (templates/_ports.tpl). */
const portOf = (endpoint: unknown) => Number(String(endpoint).split(":").pop());
/** templates/distributor/service-distributor.yaml: fixed OTLP ports, opened when traces.otlp.{grpc,http}.enabled. */
const DISTRIBUTOR_OTLP_PORTS = { grpc: 4317, http: 4318 };

describe("Tempo", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("reads the charts' config templates (the key check below sees storage.trace.s3) and still catches typos", () => {
        assert.ok(distributed.templatePaths.has("storage.trace.s3") && distributed.templatePaths.has("ingest.kafka.topic"));
        assert.ok(monolithic.templatePaths.has("tempo.metricsGenerator.storage.remote_write"));
        assert.deepStrictEqual(unknownValuePaths(distributed, { storage: { trace: { backnd: "s3" } }, ingest: { kafak: {} } }),
            ["storage.trace.backnd", "ingest.kafak"]);
    });

    it("finds every container the charts can render (the resource check below is not vacuous)", () => {
        assert.deepStrictEqual(resourcePaths(monolithic).sort(), ["tempo.resources", "tempoQuery.resources"]);
        const paths = resourcePaths(distributed);
        for (const workload of DISTRIBUTED_WORKLOADS) assert.ok(paths.includes(`${workload}.resources`), workload);
        // A container a chart upgrade adds must be sized or switched off here before the upgrade passes.
        const known = new Set([...FALLBACKS, ...Object.keys(SWITCHES), ...DISTRIBUTED_WORKLOADS.map((w) => `${w}.resources`)]);
        assert.deepStrictEqual(paths.filter((path) => !known.has(path)), []);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("installs the chart of its mode as release \"tempo\" in the namespace, pinned, with rollback on failure", () => {
                const { release, config, resources } = built[stack];
                const pin = config.tempo.mode === "monolithic" ? CHARTS.tempo : CHARTS.tempoDistributed;
                assert.strictEqual(release.chart, config.tempo.mode === "monolithic" ? "tempo" : "tempo-distributed");
                assert.strictEqual(release.version, pin.version);
                assert.strictEqual(release.repositoryOpts.repo, pin.repo);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                assert.strictEqual(release.name, "tempo");
                assert.strictEqual(release.namespace, config.namespace);
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
                assert.ok(release.timeout > 0 && release.maxHistory > 0);
                assert.ok(resources.some((r) => r.type === "observability:stack:Tempo"));
            });

            it("sets only real keys of the chart", () => {
                const { values, config } = built[stack];
                assert.deepStrictEqual(unknownValuePaths(chartOf(config), values, FREE_FORM[config.tempo.mode]), []);
            });

            it("gives every container the chart renders requests and limits, or turns it off", () => {
                const b = built[stack];
                const fallbacks = b.config.tempo.mode === "distributed" ? FALLBACKS : [];
                for (const path of resourcePaths(chartOf(b.config))) {
                    if (fallbacks.includes(path)) continue;
                    if ((SWITCHES[path] ?? []).some((s) => effective(b, s) === false)) continue;
                    assert.ok(hasRequestsAndLimits(valueAt(b.values, path)), `${path} has no requests and limits`);
                }
            });

            it("receives OTLP over gRPC and HTTP on all interfaces", () => {
                const b = built[stack];
                if (b.config.tempo.mode === "monolithic") {
                    assert.strictEqual(effective(b, "tempo.receivers.otlp.protocols.grpc.endpoint"), "0.0.0.0:4317");
                    assert.strictEqual(effective(b, "tempo.receivers.otlp.protocols.http.endpoint"), "0.0.0.0:4318");
                } else {
                    assert.strictEqual(effective(b, "traces.otlp.grpc.enabled"), true);
                    assert.strictEqual(effective(b, "traces.otlp.http.enabled"), true);
                    assert.strictEqual(effective(b, "traces.otlp.grpc.receiverConfig.endpoint"), `0.0.0.0:${DISTRIBUTOR_OTLP_PORTS.grpc}`);
                    assert.strictEqual(effective(b, "traces.otlp.http.receiverConfig.endpoint"), `0.0.0.0:${DISTRIBUTOR_OTLP_PORTS.http}`);
                }
            });

            it("generates service-graph and span metrics into every Prometheus replica, with exemplars", () => {
                const b = built[stack];
                const mono = b.config.tempo.mode === "monolithic";
                assert.strictEqual(effective(b, mono ? "tempo.metricsGenerator.enabled" : "metricsGenerator.enabled"), true);
                const writes = effective(b, mono ? "tempo.metricsGenerator.storage.remote_write" : "metricsGenerator.config.storage.remote_write") as any[];
                const replicas = replicaRemoteWriteUrls(b.config.namespace, b.config.prometheus.replicas);
                assert.strictEqual(replicas.length, b.config.prometheus.replicas);
                assert.deepStrictEqual(writes.map((w) => w.url), replicas);
                assert.ok(writes.every((w) => w.send_exemplars === true));
                const defaults = effective(b, mono ? "tempo.overrides.defaults" : "overrides.defaults") as any;
                assert.deepStrictEqual([...defaults.metrics_generator.processors].sort(), ["service-graphs", "span-metrics"]);
            });

            it("applies the configured ingestion limits to every tenant", () => {
                const b = built[stack];
                const defaults = effective(b, b.config.tempo.mode === "monolithic" ? "tempo.overrides.defaults" : "overrides.defaults") as any;
                const { limits } = b.config.tempo;
                assert.strictEqual(defaults.ingestion.rate_limit_bytes, limits.ingestionRateLimitBytes);
                assert.strictEqual(defaults.ingestion.burst_size_bytes, limits.ingestionBurstSizeBytes);
                assert.strictEqual(defaults.global.max_bytes_per_trace, limits.maxBytesPerTrace);
            });

            it("keeps traces for the configured retention, as a Go duration", () => {
                const b = built[stack];
                const retention = String(effective(b, b.config.tempo.mode === "monolithic"
                    ? "tempo.retention" : "backendScheduler.config.provider.compaction.compaction.block_retention"));
                assert.match(retention, /^(\d+h)?(\d+m)?(\d+s)?$/, "Go's time.Duration has no d or w unit");
                assert.strictEqual(durationSeconds(retention), durationSeconds(b.config.tempo.retention));
            });

            it("is scraped by Prometheus, sends no usage reports and runs no UI, test or extra pods", () => {
                const b = built[stack];
                if (b.config.tempo.mode === "monolithic") {
                    assert.strictEqual(effective(b, "serviceMonitor.enabled"), true);
                    assert.strictEqual(effective(b, "tempo.reportingEnabled"), false);
                    assert.strictEqual(effective(b, "tempoQuery.enabled"), false);
                } else {
                    assert.strictEqual(effective(b, "metaMonitoring.serviceMonitor.enabled"), true);
                    assert.strictEqual(effective(b, "reportingEnabled"), false);
                    for (const off of ["queryFrontend.query.enabled", "gateway.enabled", "tests.integration.enabled", "enterprise.enabled",
                        "rollout_operator.enabled", "metaMonitoring.grafanaAgent.installOperator", "metaMonitoring.grafanaAgent.enabled"]) {
                        assert.strictEqual(effective(b, off), false, off);
                    }
                    // templates/validate.yaml refuses any minio block: the subchart is gone.
                    assert.ok(!("minio" in b.values));
                }
            });

            it("runs every container non-root, without privilege escalation or capabilities, under RuntimeDefault, read-only", () => {
                const b = built[stack];
                const container = effective(b, "tempo.securityContext") as any;
                assert.strictEqual(container.allowPrivilegeEscalation, false);
                assert.deepStrictEqual(container.capabilities.drop, ["ALL"]);
                assert.strictEqual(container.readOnlyRootFilesystem, true);
                assert.strictEqual(container.seccompProfile.type, "RuntimeDefault");
                assert.strictEqual(container.runAsNonRoot, true);
                if (b.config.tempo.mode === "monolithic") {
                    assert.strictEqual(effective(b, "securityContext.runAsNonRoot"), true);
                } else {
                    // The pod template coalesces a component's own context first; none may replace the shared one.
                    for (const workload of DISTRIBUTED_WORKLOADS) {
                        assert.strictEqual(b.values[workload].containerSecurityContext, undefined, workload);
                        assert.strictEqual(b.values[workload].podSecurityContext, undefined, workload);
                    }
                }
            });

            it("exports the Services the chart creates: query URL and OTLP endpoints", async () => {
                const b = built[stack];
                // Both charts: fullnameOverride, else the release name when it contains "tempo" (tempo-distributed's
                // helper uses "tempo", not its chart name), else "<release>-tempo"; 63 characters.
                const fullname = chartFullname("tempo", b.release.name, b.values, 63);
                const host = (service: string) => `${service}.${b.config.namespace}.svc.cluster.local`;
                let query: string; let grpc: string; let http: string;
                if (b.config.tempo.mode === "monolithic") {
                    query = `http://${host(fullname)}:${effective(b, "tempo.server.http_listen_port")}`;
                    grpc = `${host(fullname)}:${portOf(effective(b, "tempo.receivers.otlp.protocols.grpc.endpoint"))}`;
                    http = `http://${host(fullname)}:${portOf(effective(b, "tempo.receivers.otlp.protocols.http.endpoint"))}`;
                } else {
                    query = `http://${host(`${fullname}-query-frontend`)}:${effective(b, "queryFrontend.service.httpMetricsPort")}`;
                    grpc = `${host(`${fullname}-distributor`)}:${DISTRIBUTOR_OTLP_PORTS.grpc}`;
                    http = `http://${host(`${fullname}-distributor`)}:${DISTRIBUTOR_OTLP_PORTS.http}`;
                }
                assert.strictEqual(await valueOf(b.tempo.internalUrl), query);
                assert.strictEqual(await valueOf(b.tempo.url), query);
                assert.strictEqual(await valueOf(b.tempo.otlpGrpcEndpoint), grpc);
                assert.strictEqual(await valueOf(b.tempo.otlpHttpEndpoint), http);
            });
        });
    }

    describe("monolithic (dev, staging)", () => {
        it("keeps traces, WAL and generator state on a persistent volume of the configured size", () => {
            for (const stack of ["dev", "staging"]) {
                const b = built[stack];
                assert.strictEqual(b.config.tempo.mode, "monolithic");
                assert.strictEqual(effective(b, "replicas"), 1);
                assert.strictEqual(effective(b, "persistence.enabled"), true);
                assert.strictEqual(effective(b, "persistence.size"), b.config.tempo.storageSize);
                assert.deepStrictEqual(b.values.tempo.resources, b.config.tempo.resources);
                assert.strictEqual(effective(b, "tempo.storage.trace.backend"), "local");
                // templates/statefulset.yaml mounts the volume at /var/tempo; the root filesystem is read-only.
                for (const path of ["tempo.storage.trace.local.path", "tempo.storage.trace.wal.path",
                    "tempo.metricsGenerator.storage.path", "tempo.metricsGenerator.traces_storage.path"]) {
                    assert.match(String(effective(b, path)), /^\/var\/tempo\//, path);
                }
            }
        });

        it("uses the cluster's StorageClass when one is configured, else the default", async () => {
            assert.strictEqual(built.staging.values.persistence.storageClassName, undefined);
            const b = await build("staging", { cluster: JSON.stringify({ storageClass: "fast-ssd" }) });
            assert.strictEqual(b.values.persistence.storageClassName, "fast-ssd");
            assert.deepStrictEqual(unknownValuePaths(monolithic, b.values), []);
        });
    });

    describe("distributed (production, Tempo 3)", () => {
        it("stores traces in the configured S3 bucket with workload identity and no credentials in the values", () => {
            const b = built.production;
            const storage = b.config.objectStorage!;
            assert.strictEqual(effective(b, "storage.trace.backend"), "s3");
            assert.strictEqual(b.values.storage.trace.s3.bucket, storage.buckets.tempo);
            assert.strictEqual(b.values.storage.trace.s3.region, storage.region);
            assert.strictEqual(b.values.storage.trace.s3.endpoint, `s3.${storage.region}.amazonaws.com`);
            assert.deepStrictEqual(b.values.serviceAccount.annotations, storage.credentials.serviceAccountAnnotations);
            assert.notStrictEqual(effective(b, "serviceAccount.create"), false);
            assert.deepStrictEqual(allKeys(b.values).filter((k) => CREDENTIAL_KEYS.test(k)), []);
        });

        it("reads S3 keys from an existing Secret as env of the Tempo pods, and talks path-style to a custom endpoint", async () => {
            const b = await build("production", { objectStorage: JSON.stringify({
                endpoint: "http://minio.storage.svc.cluster.local:9000", credentials: { serviceAccountAnnotations: null, existingSecret: "tempo-s3" },
            }) });
            assert.deepStrictEqual(b.values.defaults.extraEnvFrom, [{ secretRef: { name: "tempo-s3" } }]);
            assert.deepStrictEqual([b.values.storage.trace.s3.endpoint, b.values.storage.trace.s3.insecure, b.values.storage.trace.s3.forcepathstyle],
                ["minio.storage.svc.cluster.local:9000", true, true]);
            assert.strictEqual(b.values.serviceAccount, undefined, "no workload-identity annotations besides the Secret");
            assert.deepStrictEqual(allKeys(b.values).filter((k) => CREDENTIAL_KEYS.test(k)), []);
            assert.deepStrictEqual(unknownValuePaths(distributed, b.values, FREE_FORM.distributed), []);
        });

        it("mounts a GCS key from an existing Secret as the application credentials", async () => {
            const b = await build("production", { objectStorage: JSON.stringify({
                provider: "gcs", region: null, credentials: { serviceAccountAnnotations: null, existingSecret: "tempo-gcs" },
            }) });
            assert.deepStrictEqual(b.values.storage.trace, { backend: "gcs", gcs: { bucket_name: b.config.objectStorage!.buckets.tempo } });
            const [volume] = b.values.defaults.extraVolumes;
            const [mount] = b.values.defaults.extraVolumeMounts;
            assert.strictEqual(volume.secret.secretName, "tempo-gcs");
            assert.strictEqual(mount.name, volume.name);
            assert.deepStrictEqual(b.values.defaults.extraEnv, [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: `${mount.mountPath}/${GCS_KEY_FILE}` }]);
            assert.deepStrictEqual(unknownValuePaths(distributed, b.values, FREE_FORM.distributed), []);
        });

        it("uses Azure workload identity: federated token, labelled ServiceAccount and pods", async () => {
            const annotations = { "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000" };
            const b = await build("production", { objectStorage: JSON.stringify({
                provider: "azure", region: null, azureAccountName: "exampletraces",
                // The stack file's IRSA annotation is removed (null), as a user switching clouds would.
                credentials: { serviceAccountAnnotations: { ...annotations, "eks.amazonaws.com/role-arn": null } },
            }) });
            assert.deepStrictEqual(b.values.storage.trace, {
                backend: "azure",
                azure: { container_name: b.config.objectStorage!.buckets.tempo, storage_account_name: "exampletraces", use_federated_token: true },
            });
            assert.strictEqual(b.values.serviceAccount.labels["azure.workload.identity/use"], "true");
            assert.strictEqual(b.values.tempo.podLabels["azure.workload.identity/use"], "true");
            assert.deepStrictEqual(b.values.serviceAccount.annotations, annotations);
            assert.deepStrictEqual(unknownValuePaths(distributed, b.values, FREE_FORM.distributed), []);
        });

        it("writes spans through the configured Kafka topic, with one live-store and one block-builder per partition", async () => {
            for (const b of [built.production, await build("production", { tempo: JSON.stringify({
                kafka: { partitions: 6 }, components: { liveStore: { replicas: 6 }, blockBuilder: { replicas: 6 } },
            }) })]) {
                const kafka = b.config.tempo.kafka!;
                assert.strictEqual(effective(b, "ingest.kafka.address"), kafka.address);
                assert.strictEqual(effective(b, "ingest.kafka.topic"), kafka.topic);
                assert.strictEqual(effective(b, "ingest.kafka.auto_create_topic_default_partitions"), kafka.partitions);
                for (const consumer of ["liveStore", "blockBuilder"]) {
                    assert.strictEqual(effective(b, `${consumer}.enabled`), true, consumer);
                    assert.strictEqual(effective(b, `${consumer}.replicas`), kafka.partitions, consumer);
                }
                // Block-builder i consumes partitions [i·n, (i+1)·n): n = 1 covers every partition exactly once.
                assert.strictEqual(effective(b, "blockBuilder.config.partitions_per_instance"), 1);
            }
            assert.strictEqual(built.production.values.liveStore.replicas, 3);
        });

        it("sizes every component from tempo.components", () => {
            const b = built.production;
            for (const workload of DISTRIBUTED_WORKLOADS) {
                const settings = b.config.tempo.components[workload]!;
                assert.deepStrictEqual(b.values[workload].resources, settings.resources, workload);
                // The chart pins one backend-scheduler; live-stores and block-builders follow the partitions (above).
                if (!["backendScheduler", "liveStore", "blockBuilder"].includes(workload)) {
                    assert.strictEqual(effective(b, `${workload}.replicas`), settings.replicas, workload);
                }
            }
        });

        it("refuses a distributed Tempo that lacks a component or asks for more than one backend-scheduler", () => {
            const { config } = built.production;
            const args = (components: StackConfig["tempo"]["components"]): TempoValuesArgs => ({
                namespace: config.namespace, settings: { ...config.tempo, components }, objectStorage: config.objectStorage,
                prometheusRemoteWriteUrls: replicaRemoteWriteUrls(config.namespace, 2),
            });
            const { querier: _querier, ...withoutQuerier } = config.tempo.components;
            assert.throws(() => tempoValues(args(withoutQuerier)), /tempo\.components\.querier/);
            const twoSchedulers = { ...config.tempo.components, backendScheduler: { ...config.tempo.components.backendScheduler!, replicas: 2 } };
            assert.throws(() => tempoValues(args(twoSchedulers)), /backendScheduler\.replicas must be 1/);
        });

        it("cannot be configured without Kafka or with a gateway (the loader refuses both)", () => {
            const refusal = (overrides: Record<string, string>) => {
                try { loadStack("production", overrides); } catch (error) {
                    assert.ok(error instanceof ConfigError, String(error));
                    return error.message;
                }
                return assert.fail("the loader accepted it");
            };
            assert.match(refusal({ tempo: JSON.stringify({ kafka: null }) }), /observability:tempo\.kafka: .*Kafka/);
            const gateway = { replicas: 1, resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } } };
            assert.match(refusal({ tempo: JSON.stringify({ components: { gateway } }) }), /observability:tempo\.components/);
        });
    });
});
