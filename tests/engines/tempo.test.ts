import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { GCS_KEY_FILE } from "../../components/objectStorage/credentials";
import { replicaRemoteWriteUrls } from "../../components/prometheus/Prometheus";
import { TEMPO_COMPONENTS } from "../../components/tempo/settings";
import { Tempo, type TempoArgs, type TempoValuesArgs, tempoValues } from "../../components/tempo/Tempo";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { ConfigError } from "../../stacks/config";
import type { StackConfig } from "../../stacks/schema";
import { durationSeconds } from "../../stacks/units";
import { outputValue, type RecordedResource } from "../helpers/pulumi";
import {
    allKeys,
    componentName,
    componentRelease,
    configFile,
    findObject,
    hasRequestsAndLimits,
    mainContainer,
    namesOf,
    podSpecOf,
    renderedContainers,
    servicePorts,
    workloadNamed,
    workloadsOf,
} from "../helpers/rendered";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { type ChartReference, chartReference, unknownValuePaths } from "../support/chartKeys";

interface Built {
    config: StackConfig;
    tempo: Tempo;
    resources: RecordedResource[];
    release: Record<string, any>;
    values: Record<string, any>;
    /** What `helm template` renders from the release. */
    objects: KubernetesObject[];
    /** tempo.yaml as the chart writes it: what Tempo reads. */
    tempoConfig: any;
}

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: TempoArgs = {
        namespace: config.namespace,
        settings: config.tempo,
        objectStorage: config.objectStorage,
        storageClass: config.cluster.storageClass,
        prometheusRemoteWriteUrls: replicaRemoteWriteUrls(config.namespace, config.prometheus.replicas),
    };
    const { component: tempo, resources, release, rendered } = await componentRelease(() => new Tempo(`tempo-${stack}-${builds++}`, args));
    const { objects } = rendered;
    const tempoConfig = configFile(objects, config.tempo.mode === "monolithic" ? "tempo" : "tempo-config", "tempo.yaml");
    return { config, tempo, resources, release, values: release.values, objects, tempoConfig };
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
const workload = workloadNamed;

const CREDENTIAL_KEYS = /access_key|secret_key|storage_account_key|sas_token|password|session_token|service_account_json/i;

describe("Tempo", function () {
    this.timeout(300_000);
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("reads the charts' config templates (the key check below sees storage.trace.s3) and still catches typos", () => {
        assert.ok(distributed.templatePaths.has("storage.trace.s3") && distributed.templatePaths.has("ingest.kafka.topic"));
        assert.ok(monolithic.templatePaths.has("tempo.metricsGenerator.storage.remote_write"));
        assert.deepStrictEqual(unknownValuePaths(distributed, { storage: { trace: { backnd: "s3" } }, ingest: { kafak: {} } }), [
            "storage.trace.backnd",
            "ingest.kafak",
        ]);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it('installs the chart of its mode as release "tempo" in the namespace, pinned, with rollback on failure', () => {
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

            it("gives every container it renders, init containers included, requests and limits", () => {
                const { objects } = built[stack];
                const containers = renderedContainers(objects);
                assert.ok(containers.length > 0);
                for (const { name, container } of containers) {
                    assert.ok(hasRequestsAndLimits(container.resources), `${name} has no requests and limits: ${JSON.stringify(container.resources)}`);
                }
            });

            it("receives OTLP over gRPC and HTTP on all interfaces", () => {
                const otlp = built[stack].tempoConfig.distributor.receivers.otlp.protocols;
                assert.deepStrictEqual([otlp.grpc.endpoint, otlp.http.endpoint], ["0.0.0.0:4317", "0.0.0.0:4318"]);
            });

            it("generates service-graph and span metrics into every Prometheus replica, with exemplars", () => {
                const { tempoConfig, config } = built[stack];
                const writes = tempoConfig.metrics_generator.storage.remote_write as any[];
                const replicas = replicaRemoteWriteUrls(config.namespace, config.prometheus.replicas);
                assert.strictEqual(replicas.length, config.prometheus.replicas);
                assert.deepStrictEqual(
                    writes.map((w) => w.url),
                    replicas,
                );
                assert.ok(writes.every((w) => w.send_exemplars === true));
                assert.deepStrictEqual([...tempoConfig.overrides.defaults.metrics_generator.processors].sort(), ["service-graphs", "span-metrics"]);
                const generators = workloadsOf(built[stack].objects).filter(
                    (o) => config.tempo.mode === "monolithic" || o.metadata.name === "tempo-metrics-generator",
                );
                assert.strictEqual(generators.length, 1, "a workload runs the generator");
            });

            it("applies the configured ingestion limits to every tenant", () => {
                const { tempoConfig, config } = built[stack];
                const defaults = tempoConfig.overrides.defaults;
                const { limits } = config.tempo;
                assert.strictEqual(defaults.ingestion.rate_limit_bytes, limits.ingestionRateLimitBytes);
                assert.strictEqual(defaults.ingestion.burst_size_bytes, limits.ingestionBurstSizeBytes);
                assert.strictEqual(defaults.global.max_bytes_per_trace, limits.maxBytesPerTrace);
            });

            it("keeps traces for the configured retention, as a Go duration", () => {
                const { tempoConfig, config } = built[stack];
                const retention = String(
                    config.tempo.mode === "monolithic"
                        ? tempoConfig.compactor.compaction.block_retention
                        : tempoConfig.backend_scheduler.provider.compaction.compaction.block_retention,
                );
                assert.match(retention, /^(\d+h)?(\d+m)?(\d+s)?$/, "Go's time.Duration has no d or w unit");
                assert.strictEqual(durationSeconds(retention), durationSeconds(config.tempo.retention));
            });

            it("is scraped by Prometheus, sends no usage reports and runs no UI, gateway, test or extra pods", () => {
                const { objects, tempoConfig, values } = built[stack];
                assert.ok(namesOf(objects, "ServiceMonitor").length > 0);
                assert.strictEqual(tempoConfig.usage_report.reporting_enabled, false);
                const containers = renderedContainers(objects).map(({ container }) => container.name);
                assert.ok(!containers.includes("tempo-query"), "no Jaeger UI");
                for (const kind of ["Pod", "DaemonSet"]) assert.deepStrictEqual(namesOf(objects, kind), [], kind);
                const names = objects.map((o) => o.metadata.name);
                for (const absent of [/gateway/, /rollout-operator/, /agent/, /enterprise|admin-api|federation/, /minio/]) {
                    assert.deepStrictEqual(
                        names.filter((n) => absent.test(n)),
                        [],
                        String(absent),
                    );
                }
                // tempo-distributed's templates/validate.yaml refuses any minio block: the subchart is gone.
                assert.ok(!("minio" in values));
            });

            it("runs every container non-root, without privilege escalation or capabilities, under RuntimeDefault, read-only", () => {
                const { objects } = built[stack];
                for (const { name, container, pod } of renderedContainers(objects)) {
                    const c = container.securityContext ?? {};
                    assert.strictEqual(c.runAsNonRoot ?? pod.runAsNonRoot, true, `${name} runAsNonRoot`);
                    assert.strictEqual(c.allowPrivilegeEscalation, false, `${name} allowPrivilegeEscalation`);
                    assert.deepStrictEqual(c.capabilities?.drop, ["ALL"], `${name} drops ALL capabilities`);
                    assert.strictEqual((c.seccompProfile ?? pod.seccompProfile)?.type, "RuntimeDefault", `${name} seccomp`);
                    assert.strictEqual(c.readOnlyRootFilesystem, true, `${name} readOnlyRootFilesystem`);
                }
            });

            it("exports Services the chart renders, on ports they serve: query URL and OTLP endpoints", async () => {
                const b = built[stack];
                const served = async (address: string, expected: string) => {
                    const url = new URL(address.includes("://") ? address : `grpc://${address}`);
                    const [service, namespace] = url.hostname.split(".");
                    assert.strictEqual(namespace, b.config.namespace);
                    assert.strictEqual(service, expected, address);
                    assert.ok(
                        servicePorts(b.objects, service).includes(Number(url.port)),
                        `${service} serves ${servicePorts(b.objects, service).join(", ")}, not ${url.port}`,
                    );
                };
                const mono = b.config.tempo.mode === "monolithic";
                await served(await outputValue(b.tempo.internalUrl), mono ? "tempo" : "tempo-query-frontend");
                await served(await outputValue(b.tempo.otlpGrpcEndpoint), mono ? "tempo" : "tempo-distributor");
                await served(await outputValue(b.tempo.otlpHttpEndpoint), mono ? "tempo" : "tempo-distributor");
                assert.strictEqual(await outputValue(b.tempo.url), await outputValue(b.tempo.internalUrl));
            });
        });
    }

    describe("monolithic (dev, staging)", () => {
        it("keeps traces, WAL and generator state on a persistent volume of the configured size", () => {
            for (const stack of ["dev", "staging"]) {
                const b = built[stack];
                assert.strictEqual(b.config.tempo.mode, "monolithic");
                const tempo = workload(b.objects, "tempo")!;
                assert.strictEqual(tempo.kind, "StatefulSet");
                assert.strictEqual(tempo.spec.replicas, 1);
                const [claim] = tempo.spec.volumeClaimTemplates;
                assert.strictEqual(claim.spec.resources.requests.storage, b.config.tempo.storageSize);
                const container = podSpecOf(tempo).containers.find((c: any) => c.name === "tempo");
                assert.deepStrictEqual(container.resources, b.config.tempo.resources);
                assert.strictEqual(b.tempoConfig.storage.trace.backend, "local");
                // The root filesystem is read-only: every path Tempo writes must sit on the claim's mount.
                const mount = container.volumeMounts.find((m: any) => m.name === claim.metadata.name).mountPath;
                for (const path of [
                    b.tempoConfig.storage.trace.local.path,
                    b.tempoConfig.storage.trace.wal.path,
                    b.tempoConfig.metrics_generator.storage.path,
                    b.tempoConfig.metrics_generator.traces_storage.path,
                ]) {
                    assert.ok(String(path).startsWith(`${mount}/`), `${path} is not under ${mount}`);
                }
            }
        });

        it("uses the cluster's StorageClass when one is configured, else the default", async () => {
            const storageClass = (b: Built) => workload(b.objects, "tempo")!.spec.volumeClaimTemplates[0].spec.storageClassName;
            // Unset (or null, which the API server drops): the claim gets the cluster's default class.
            assert.ok(storageClass(built.staging) == null, String(storageClass(built.staging)));
            const b = await build("staging", { cluster: JSON.stringify({ storageClass: "fast-ssd" }) });
            assert.strictEqual(storageClass(b), "fast-ssd");
            assert.deepStrictEqual(unknownValuePaths(monolithic, b.values), []);
        });
    });

    describe("distributed (production, Tempo 3)", () => {
        it("stores traces in the configured S3 bucket with workload identity and no credentials in the values", () => {
            const b = built.production;
            const storage = b.config.objectStorage!;
            const trace = b.tempoConfig.storage.trace;
            assert.strictEqual(trace.backend, "s3");
            assert.strictEqual(trace.s3.bucket, storage.buckets.tempo);
            assert.strictEqual(trace.s3.region, storage.region);
            assert.strictEqual(trace.s3.endpoint, `s3.${storage.region}.amazonaws.com`);
            const serviceAccount = findObject(b.objects, "ServiceAccount", "tempo");
            assert.deepStrictEqual(serviceAccount?.metadata.annotations, storage.credentials.serviceAccountAnnotations);
            for (const object of workloadsOf(b.objects).filter((o) => o.metadata.name !== "tempo-memcached")) {
                assert.strictEqual(podSpecOf(object).serviceAccountName, "tempo", `${object.metadata.name} runs as the annotated ServiceAccount`);
            }
            assert.deepStrictEqual(
                allKeys(b.values).filter((k) => CREDENTIAL_KEYS.test(k)),
                [],
            );
        });

        it("reads S3 keys from an existing Secret as env of the Tempo pods, and talks path-style to a custom endpoint", async () => {
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    endpoint: "http://minio.storage.svc.cluster.local:9000",
                    credentials: { serviceAccountAnnotations: null, existingSecret: "tempo-s3" },
                }),
            });
            assert.deepStrictEqual(b.values.defaults.extraEnvFrom, [{ secretRef: { name: "tempo-s3" } }]);
            assert.deepStrictEqual(
                [b.values.storage.trace.s3.endpoint, b.values.storage.trace.s3.insecure, b.values.storage.trace.s3.forcepathstyle],
                ["minio.storage.svc.cluster.local:9000", true, true],
            );
            assert.strictEqual(b.values.serviceAccount, undefined, "no workload-identity annotations besides the Secret");
            assert.deepStrictEqual(
                allKeys(b.values).filter((k) => CREDENTIAL_KEYS.test(k)),
                [],
            );
            assert.deepStrictEqual(unknownValuePaths(distributed, b.values, FREE_FORM.distributed), []);
        });

        it("mounts a GCS key from an existing Secret as the application credentials", async () => {
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    provider: "gcs",
                    region: null,
                    credentials: { serviceAccountAnnotations: null, existingSecret: "tempo-gcs" },
                }),
            });
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
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    provider: "azure",
                    region: null,
                    azureAccountName: "exampletraces",
                    // The stack file's IRSA annotation is removed (null), as a user switching clouds would.
                    credentials: { serviceAccountAnnotations: { ...annotations, "eks.amazonaws.com/role-arn": null } },
                }),
            });
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
            for (const b of [
                built.production,
                await build("production", {
                    tempo: JSON.stringify({
                        kafka: { partitions: 6 },
                        components: { liveStore: { replicas: 6 }, blockBuilder: { replicas: 6 } },
                    }),
                }),
            ]) {
                const kafka = b.config.tempo.kafka!;
                const ingest = b.tempoConfig.ingest.kafka;
                assert.deepStrictEqual(
                    [ingest.address, ingest.topic, ingest.auto_create_topic_default_partitions],
                    [kafka.address, kafka.topic, kafka.partitions],
                );
                for (const consumer of ["tempo-live-store", "tempo-block-builder"]) {
                    assert.strictEqual(workload(b.objects, consumer)?.spec.replicas, kafka.partitions, consumer);
                }
                // Block-builder i consumes partitions [i·n, (i+1)·n): n = 1 covers every partition exactly once.
                assert.strictEqual(b.tempoConfig.block_builder.partitions_per_instance, 1);
            }
            assert.strictEqual(built.production.values.liveStore.replicas, 3);
        });

        it("sizes every component from tempo.components", () => {
            const b = built.production;
            for (const workload of TEMPO_COMPONENTS) {
                const settings = b.config.tempo.components[workload]!;
                const rendered = workloadNamed(b.objects, componentName("tempo", workload));
                assert.ok(rendered, `${componentName("tempo", workload)} is rendered`);
                assert.deepStrictEqual(mainContainer(rendered).resources, settings.resources, workload);
                // The chart pins one backend-scheduler; live-stores and block-builders follow the partitions (above).
                if (!["backendScheduler", "liveStore", "blockBuilder"].includes(workload)) {
                    assert.strictEqual(rendered.spec.replicas, settings.replicas, workload);
                }
            }
        });

        it("refuses a distributed Tempo that lacks a component or asks for more than one backend-scheduler", () => {
            const { config } = built.production;
            const args = (components: StackConfig["tempo"]["components"]): TempoValuesArgs => ({
                namespace: config.namespace,
                settings: { ...config.tempo, components },
                objectStorage: config.objectStorage,
                prometheusRemoteWriteUrls: replicaRemoteWriteUrls(config.namespace, 2),
            });
            const { querier: _querier, ...withoutQuerier } = config.tempo.components;
            assert.throws(() => tempoValues(args(withoutQuerier)), /tempo\.components\.querier/);
            const twoSchedulers = { ...config.tempo.components, backendScheduler: { ...config.tempo.components.backendScheduler!, replicas: 2 } };
            assert.throws(() => tempoValues(args(twoSchedulers)), /backendScheduler\.replicas must be 1/);
        });

        it("cannot be configured without Kafka or with a gateway (the loader refuses both)", () => {
            const refusal = (overrides: Record<string, string>) => {
                try {
                    loadStack("production", overrides);
                } catch (error) {
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
