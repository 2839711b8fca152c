import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { Loki, type LokiArgs, lokiValues } from "../../components/loki/Loki";
import { OBJECT_STORAGE_SECRET_KEYS } from "../../components/objectStorage/credentials";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import type { StackConfig } from "../../stacks/schema";
import { durationSeconds, quantityBytes } from "../../stacks/units";
import { outputValue } from "../helpers/pulumi";
import {
    componentName,
    componentRelease,
    configFile,
    findObject,
    hasRequestsAndLimits,
    mainContainer,
    namesOf,
    podSpecOf,
    renderedContainers,
    renderRelease,
    servicePorts,
    workloadNamed,
} from "../helpers/rendered";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { chartReference, unknownValuePaths } from "../support/chartKeys";

/** Maps the chart renders verbatim into Loki's config file: their keys are Loki's schema, not the chart's. */
const LOKI_CONFIG_SECTIONS = ["loki.limits_config", "loki.commonConfig", "loki.compactor", "loki.analytics", "loki.schemaConfig"];
const chart = chartReference("loki", CHARTS.loki.version);

interface Built {
    config: StackConfig;
    loki: Loki;
    release: Record<string, any>;
    values: Record<string, any>;
    /** What `helm template` renders from the release: the objects Kubernetes receives. */
    objects: KubernetesObject[];
    /** Loki's own config file as the chart writes it (ConfigMap loki, config.yaml). */
    lokiConfig: any;
}

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: LokiArgs = {
        namespace: config.namespace,
        settings: config.loki,
        objectStorage: config.objectStorage,
        storageClass: config.cluster.storageClass,
    };
    const { component: loki, resources, release, rendered } = await componentRelease(() => new Loki(`loki-${stack}-${builds++}`, args));
    assert.ok(resources.some((r) => r.type === "observability:stack:Loki"));
    const { objects } = rendered;
    return { config, loki, release, values: release.values, objects, lokiConfig: configFile(objects, "loki", "config.yaml") };
}

/** Every credential-shaped field set anywhere in the values, with its value. */
function credentialFields(node: unknown, trail = ""): Array<[string, unknown]> {
    if (!node || typeof node !== "object") return [];
    return Object.entries(node).flatMap(([key, child]) => {
        const path = trail ? `${trail}.${key}` : key;
        const own: Array<[string, unknown]> =
            /secret(?!Name|Ref)|password|accountKey|accessKey|connectionString|service_account|token/i.test(key) && typeof child === "string"
                ? [[path, child]]
                : [];
        return [...own, ...credentialFields(child, path)];
    });
}
const ENV_REFERENCE = /^\$\{[A-Z_][A-Z0-9_]*\}$/;

const workload = workloadNamed;
const claimSizes = (object: KubernetesObject) =>
    (object.spec.volumeClaimTemplates ?? []).map((claim: any) => [claim.metadata.name, claim.spec.resources.requests.storage, claim.spec.storageClassName]);

describe("Loki (loki chart)", function () {
    this.timeout(300_000);
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("Helm refuses values of a type values.schema.json does not allow, naming the value", () => {
        assert.throws(
            () => renderRelease({ ...built.dev.release, values: { ...built.dev.values, singleBinary: { ...built.dev.values.singleBinary, replicas: "1" } } }),
            /at '\/singleBinary\/replicas': got string, want null or integer/,
        );
    });

    it("Helm refuses replicas for two deployment modes at once (the chart's validate.yaml; SimpleScalable targets default to 3)", () => {
        assert.throws(
            () => renderRelease({ ...built.dev.release, values: { ...built.dev.values, write: { replicas: 3 } } }),
            /validate\.yaml.*replicas configured for both the monolithic and simple scalable targets/s,
        );
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it('installs the pinned chart as release "loki" in the stack\'s namespace with rollback on failure', () => {
                const { release, config } = built[stack];
                assert.strictEqual(release.name, "loki");
                assert.strictEqual(release.namespace, config.namespace);
                assert.strictEqual(release.chart, "loki");
                assert.strictEqual(release.version, CHARTS.loki.version);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
            });

            it("sets only real chart keys (Helm itself checks the types and the chart's validation when it renders)", () => {
                assert.deepStrictEqual(unknownValuePaths(chart, built[stack].values, LOKI_CONFIG_SECTIONS), []);
            });

            it("runs in the configured mode", () => {
                const { objects, values, config } = built[stack];
                assert.strictEqual(values.deploymentMode, config.loki.mode);
                const singleBinary = workload(objects, "loki");
                assert.strictEqual(singleBinary !== undefined, config.loki.mode === "Monolithic");
                assert.strictEqual(workload(objects, "loki-distributor") !== undefined, config.loki.mode === "Distributed");
                for (const scalable of ["loki-read", "loki-write", "loki-backend"]) assert.strictEqual(workload(objects, scalable), undefined, scalable);
            });

            it("gives every container it renders, init containers included, requests and limits, and runs no unsized Job", () => {
                const { objects } = built[stack];
                const containers = renderedContainers(objects);
                assert.ok(containers.length > 0);
                for (const { name, container } of containers) {
                    assert.ok(hasRequestsAndLimits(container.resources), `${name} has no requests and limits: ${JSON.stringify(container.resources)}`);
                }
                // statefulSetRecreateJob runs kubectl in an unsized Job; the chart renders it only when asked.
                assert.deepStrictEqual(namesOf(objects, "Job"), []);
            });

            it("runs every container non-root, without privilege escalation or capabilities, RuntimeDefault seccomp, read-only root", () => {
                const { objects } = built[stack];
                for (const { name, container, pod } of renderedContainers(objects)) {
                    const c = container.securityContext ?? {};
                    assert.strictEqual(c.runAsNonRoot ?? pod.runAsNonRoot, true, `${name} runAsNonRoot`);
                    assert.strictEqual(c.allowPrivilegeEscalation, false, `${name} allowPrivilegeEscalation`);
                    assert.ok(c.capabilities?.drop?.includes("ALL"), `${name} drops ALL capabilities`);
                    assert.strictEqual((c.seccompProfile ?? pod.seccompProfile)?.type, "RuntimeDefault", `${name} seccomp`);
                    assert.strictEqual(c.readOnlyRootFilesystem, true, `${name} readOnlyRootFilesystem`);
                }
            });

            it("indexes with TSDB v13 from a fixed past date, in the store the chunks live in", () => {
                const { lokiConfig, config } = built[stack];
                const configs = lokiConfig.schema_config.configs;
                assert.strictEqual(configs.length, 1);
                assert.strictEqual(configs[0].store, "tsdb");
                assert.strictEqual(configs[0].schema, "v13");
                assert.strictEqual(configs[0].index.period, "24h");
                assert.match(configs[0].from, /^\d{4}-\d{2}-\d{2}$/);
                assert.ok(Date.parse(configs[0].from) < Date.now(), "a future date leaves today's logs without a schema");
                const store = config.objectStorage && config.loki.mode === "Distributed" ? config.objectStorage.provider : "filesystem";
                assert.strictEqual(configs[0].object_store, store);
                assert.deepStrictEqual(Object.keys(lokiConfig.common.storage), [store], "chunks are kept in that store");
            });

            it("deletes logs older than the configured retention through the compactor", () => {
                const { lokiConfig, config } = built[stack];
                const period = lokiConfig.limits_config.retention_period;
                assert.match(period, /^\d+(h|s)$/, "Go durations have no day unit");
                assert.strictEqual(durationSeconds(period), durationSeconds(config.loki.retention));
                assert.strictEqual(lokiConfig.compactor.retention_enabled, true);
                assert.strictEqual(lokiConfig.compactor.delete_request_store, lokiConfig.schema_config.configs[0].object_store);
            });

            it("applies the configured tenancy and ingestion limits", () => {
                const { lokiConfig, config } = built[stack];
                assert.strictEqual(lokiConfig.auth_enabled, config.loki.multiTenant);
                const limits = lokiConfig.limits_config;
                assert.deepStrictEqual(
                    [limits.ingestion_rate_mb, limits.ingestion_burst_size_mb, limits.max_global_streams_per_user],
                    [config.loki.limits.ingestionRateMb, config.loki.limits.ingestionBurstSizeMb, config.loki.limits.maxGlobalStreamsPerUser],
                );
            });

            it("runs caches only with memory configured, sized from the settings", () => {
                const { objects, config } = built[stack];
                for (const [name, mb] of [
                    ["loki-chunks-cache", config.loki.caches.chunksMemoryMb],
                    ["loki-results-cache", config.loki.caches.resultsMemoryMb],
                ] as const) {
                    const cache = workload(objects, name);
                    assert.strictEqual(cache !== undefined, mb > 0, name);
                    if (!cache) continue;
                    const memcached = podSpecOf(cache).containers.find((c: any) => c.name === "memcached");
                    assert.ok(memcached.args.includes(`-m ${mb}`), `${name} args ${memcached.args.join(" ")}`);
                    assert.ok(quantityBytes(memcached.resources.limits.memory) >= mb * 2 ** 20, `${name} memory limit below -m`);
                }
            });

            it("is scraped by Prometheus and deploys no canary, test pod, MinIO, dashboards, rules or ruler", () => {
                const { objects } = built[stack];
                assert.ok(namesOf(objects, "ServiceMonitor").length > 0);
                for (const kind of ["DaemonSet", "Pod", "PrometheusRule", "GrafanaDashboard"]) assert.deepStrictEqual(namesOf(objects, kind), [], kind);
                const names = objects.map((o) => o.metadata.name);
                for (const absent of [/canary/, /minio/, /dashboards/, /ruler/])
                    assert.deepStrictEqual(
                        names.filter((n) => absent.test(n)),
                        [],
                        String(absent),
                    );
            });

            it("exports the URLs of a Service the chart renders in front of Loki, on a port it serves", async () => {
                const { loki, objects, config } = built[stack];
                const internal = await outputValue(loki.internalUrl);
                const url = new URL(internal);
                const { hostname } = url;
                const port = url.port || (url.protocol === "https:" ? "443" : "80");
                const [service, namespace, svc] = hostname.split(".");
                assert.deepStrictEqual([namespace, svc], [config.namespace, "svc"]);
                assert.ok(servicePorts(objects, service).includes(Number(port)), `${service} serves ${servicePorts(objects, service).join(", ")}, not ${port}`);
                // With a gateway (Distributed), reads and writes must go through it: the chart routes them by path.
                assert.strictEqual(service, config.loki.mode === "Distributed" ? "loki-gateway" : "loki");
                assert.strictEqual(await outputValue(loki.url), internal);
                assert.strictEqual(await outputValue(loki.pushUrl), `${internal}/loki/api/v1/push`);
            });
        });
    }

    it("keeps the same schema start date in every stack and every run", async () => {
        const again = await build("production");
        const dates = [...STACK_NAMES.map((s) => built[s].values), again.values].map((v) => v.loki.schemaConfig.configs[0].from);
        assert.strictEqual(new Set(dates).size, 1);
    });

    it("dev and staging: one single binary on a persistent volume of the configured size, one copy of each stream", () => {
        for (const stack of ["dev", "staging"]) {
            const { objects, lokiConfig, config } = built[stack];
            const singleBinary = workload(objects, "loki")!;
            assert.strictEqual(singleBinary.kind, "StatefulSet", stack);
            assert.strictEqual(singleBinary.spec.replicas, 1);
            assert.deepStrictEqual(mainContainer(singleBinary).resources, config.loki.resources);
            assert.deepStrictEqual(claimSizes(singleBinary), [["storage", config.loki.storageSize, config.cluster.storageClass]]);
            assert.ok(lokiConfig.common.storage.filesystem, "chunks on the volume");
            assert.strictEqual(lokiConfig.common.replication_factor, 1);
        }
    });

    it("dev runs no caches (the chart's default chunks cache alone asks ~9.8 GiB)", () => {
        assert.deepStrictEqual(namesOf(built.dev.objects, "StatefulSet"), ["loki"]);
        // The chart's own values.yaml: memcached's request is 1.2 × allocatedMemory (MB).
        assert.ok((chart.defaults as any).chunksCache.allocatedMemory * 1.2 > 9000);
    });

    it("production: every read and write component runs ≥2 replicas with its configured resources, spread and budgeted", () => {
        const { objects, config } = built.production;
        const components = config.loki.components;
        for (const key of ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "gateway"] as const) {
            const name = componentName("loki", key);
            const rendered = workload(objects, name)!;
            assert.ok(rendered, `${name} is rendered`);
            assert.ok(rendered.spec.replicas >= 2, `${key} replicas`);
            assert.strictEqual(rendered.spec.replicas, components[key]!.replicas);
            assert.deepStrictEqual(mainContainer(rendered).resources, components[key]!.resources, key);
            const budget = findObject(objects, "PodDisruptionBudget", name);
            assert.strictEqual(budget?.spec.maxUnavailable, 1, `${name} PodDisruptionBudget`);
            assert.deepStrictEqual(budget?.spec.selector.matchLabels, rendered.spec.selector.matchLabels, `${name} budget selects its pods`);
            const antiAffinity = podSpecOf(rendered).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
            assert.strictEqual(antiAffinity.topologyKey, "kubernetes.io/hostname", key);
        }
        assert.deepStrictEqual(mainContainer(workload(objects, "loki-compactor")!).resources, components.compactor!.resources);
    });

    it("production: three ingesters, three copies of each stream, WAL on a volume, no zone-aware StatefulSets", () => {
        const { objects, lokiConfig, config } = built.production;
        const ingester = workload(objects, "loki-ingester")!;
        assert.strictEqual(ingester.spec.replicas, 3);
        assert.strictEqual(lokiConfig.common.replication_factor, 3);
        assert.deepStrictEqual(
            namesOf(objects, "StatefulSet").filter((name) => name.includes("zone")),
            [],
        );
        assert.deepStrictEqual(claimSizes(ingester), [["data", config.loki.storageSize, config.cluster.storageClass]]);
        assert.strictEqual(claimSizes(workload(objects, "loki-compactor")!).length, 1);
        assert.strictEqual(workload(objects, "loki"), undefined, "no single binary");
    });

    it("production: chunks in the configured S3 bucket, no ruler storage, credentials by workload identity, no secret values", () => {
        const { objects, lokiConfig, values, config } = built.production;
        const storage = config.objectStorage!;
        assert.strictEqual(lokiConfig.common.storage.s3.bucketnames, storage.buckets.lokiChunks);
        assert.strictEqual(lokiConfig.common.storage.s3.region, storage.region);
        // The ruler is off (alert rules run in Grafana): a ruler bucket would be written nowhere.
        assert.strictEqual(lokiConfig.ruler, undefined);
        assert.deepStrictEqual(findObject(objects, "ServiceAccount", "loki")?.metadata.annotations, storage.credentials.serviceAccountAnnotations);
        assert.deepStrictEqual(credentialFields(values), []);
        assert.deepStrictEqual(namesOf(objects, "Secret"), [], "no credential reaches a Secret the chart writes");
    });

    it("the configured StorageClass reaches the single binary's and the ingesters' volumes", async () => {
        const cluster = JSON.stringify({ storageClass: "fast-ssd" });
        const storageClasses = (b: Built, name: string) => claimSizes(workload(b.objects, name)!).map((claim: any[]) => claim[2]);
        assert.deepStrictEqual(storageClasses(await build("dev", { cluster }), "loki"), ["fast-ssd"]);
        const production = await build("production", { cluster });
        assert.deepStrictEqual(storageClasses(production, "loki-ingester"), ["fast-ssd"]);
        assert.deepStrictEqual(storageClasses(production, "loki-compactor"), ["fast-ssd"]);
        assert.deepStrictEqual(storageClasses(built.dev, "loki"), [undefined], "without a setting, the cluster's default class");
    });

    describe("object storage variants (production)", () => {
        const secretOnly = (extra: object) => JSON.stringify({ ...extra, credentials: { existingSecret: "loki-storage", serviceAccountAnnotations: null } });
        const variants: Record<string, { objectStorage: string; check: (values: any) => void }> = {
            "S3-compatible endpoint with a Secret": {
                objectStorage: secretOnly({ endpoint: "http://minio.storage.svc:9000", region: null }),
                check: (values) => {
                    assert.deepStrictEqual(values.loki.storage.s3, { endpoint: "minio.storage.svc:9000", insecure: true, s3ForcePathStyle: true });
                    assert.deepStrictEqual(values.defaults.extraEnvFrom, [{ secretRef: { name: "loki-storage" } }]);
                },
            },
            "GCS with workload identity": {
                objectStorage: JSON.stringify({
                    provider: "gcs",
                    region: null,
                    credentials: {
                        serviceAccountAnnotations: {
                            "eks.amazonaws.com/role-arn": null,
                            "iam.gke.io/gcp-service-account": "loki@project.iam.gserviceaccount.com",
                        },
                    },
                }),
                check: (values) => {
                    assert.deepStrictEqual(values.serviceAccount.annotations, { "iam.gke.io/gcp-service-account": "loki@project.iam.gserviceaccount.com" });
                    assert.deepStrictEqual(values.defaults, {});
                },
            },
            "GCS with a key file Secret": {
                objectStorage: secretOnly({ provider: "gcs", region: null }),
                check: (values) => {
                    const [volume] = values.defaults.extraVolumes;
                    assert.strictEqual(volume.secret.secretName, "loki-storage");
                    const [mount] = values.defaults.extraVolumeMounts;
                    assert.strictEqual(mount.name, volume.name);
                    const [env] = values.defaults.extraEnv;
                    assert.strictEqual(env.name, "GOOGLE_APPLICATION_CREDENTIALS");
                    assert.strictEqual(env.value, `${mount.mountPath}/${OBJECT_STORAGE_SECRET_KEYS.gcs[0]}`);
                },
            },
            "Azure with an account key Secret": {
                objectStorage: secretOnly({ provider: "azure", region: null, azureAccountName: "observability" }),
                check: (values) => {
                    assert.strictEqual(values.loki.storage.azure.accountName, "observability");
                    assert.strictEqual(values.loki.storage.azure.accountKey, `\${${OBJECT_STORAGE_SECRET_KEYS.azure[0]}}`);
                    assert.ok(values.defaults.extraArgs.includes("-config.expand-env=true"), "the key reference is only expanded with this flag");
                    assert.deepStrictEqual(values.defaults.extraEnvFrom, [{ secretRef: { name: "loki-storage" } }]);
                },
            },
            "Azure with workload identity": {
                objectStorage: JSON.stringify({
                    provider: "azure",
                    region: null,
                    azureAccountName: "observability",
                    credentials: {
                        serviceAccountAnnotations: {
                            "eks.amazonaws.com/role-arn": null,
                            "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000",
                        },
                    },
                }),
                check: (values) => {
                    assert.strictEqual(values.loki.storage.azure.useFederatedToken, true);
                    assert.strictEqual(values.loki.podLabels["azure.workload.identity/use"], "true");
                    assert.strictEqual(values.serviceAccount.labels["azure.workload.identity/use"], "true");
                    assert.strictEqual(values.serviceAccount.annotations["azure.workload.identity/client-id"], "00000000-0000-0000-0000-000000000000");
                },
            },
        };
        for (const [name, { objectStorage, check }] of Object.entries(variants)) {
            it(name, async () => {
                const { values, config, lokiConfig, objects } = await build("production", { objectStorage });
                const provider = config.objectStorage!.provider;
                // What Loki reads: the store of the chunks, the index and the deletes, as the chart wrote them.
                assert.deepStrictEqual(Object.keys(lokiConfig.common.storage), [provider]);
                assert.strictEqual(lokiConfig.schema_config.configs[0].object_store, provider);
                assert.strictEqual(lokiConfig.compactor.delete_request_store, provider);
                const secret = JSON.parse(objectStorage).credentials?.existingSecret;
                const ingester = mainContainer(workload(objects, "loki-ingester")!);
                const mentionsSecret = JSON.stringify([ingester.envFrom ?? [], podSpecOf(workload(objects, "loki-ingester")!).volumes ?? []]).includes(
                    `"${secret}"`,
                );
                assert.strictEqual(mentionsSecret, secret !== undefined, "the ingester reads the credentials Secret exactly when one is configured");
                for (const [path, value] of credentialFields(values)) assert.match(String(value), ENV_REFERENCE, `${path} holds a value, not a reference`);
                assert.deepStrictEqual(unknownValuePaths(chart, values, LOKI_CONFIG_SECTIONS), []);
                check(values);
            });
        }
    });

    it("multi-tenant: requires the X-Scope-OrgID header", async () => {
        const { lokiConfig } = await build("staging", { loki: JSON.stringify({ multiTenant: true }) });
        assert.strictEqual(lokiConfig.auth_enabled, true);
        assert.strictEqual(built.staging.lokiConfig.auth_enabled, false);
    });

    it("turns one cache off without the other", async () => {
        const { objects } = await build("production", { loki: JSON.stringify({ caches: { chunksMemoryMb: 0 } }) });
        assert.strictEqual(workload(objects, "loki-chunks-cache"), undefined);
        const results = workload(objects, "loki-results-cache")!;
        assert.deepStrictEqual(
            podSpecOf(results).containers.map((c: any) => c.name),
            ["memcached", "exporter"],
        );
        for (const container of podSpecOf(results).containers) assert.ok(container.resources?.limits?.memory, `${container.name} sized`);
    });

    it("refuses Distributed mode with a component left unsized", () => {
        const { config } = loadStack("production");
        const components = { ...config.loki.components, querier: undefined };
        assert.throws(
            () => lokiValues({ namespace: "monitoring", settings: { ...config.loki, components }, objectStorage: config.objectStorage }),
            /loki\.components\.querier/,
        );
    });
});
