import { type RecordedResource, captureResources, valueOf } from "./helpers/pulumi";
import * as assert from "assert";
import { CHARTS } from "../components/charts";
import { Loki, type LokiArgs, OBJECT_STORAGE_SECRET_KEYS, lokiValues } from "../components/Loki";
import type { StackConfig } from "../stacks/schema";
import { durationSeconds, quantityBytes } from "../stacks/units";
import { unknownValuePaths } from "../scripts/lib/chartKeys";
import { chartFullname } from "./helpers/helmNames";
import {
    LOKI_CONFIG_SECTIONS, SECURITY_CONTEXTS, WORKLOADS, chart, chartValidationFailures, effective, hasRequestsAndLimits,
    isDistributed, isMonolithic, on, resourcePathsInDefaults, schema,
} from "./helpers/lokiChart";
import { STACK_NAMES, loadStack } from "./helpers/stacks";
import { schemaTypeErrors } from "./helpers/valuesSchema";

interface Built { config: StackConfig; loki: Loki; release: Record<string, any>; values: Record<string, any> }

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: LokiArgs = {
        namespace: config.namespace, settings: config.loki, objectStorage: config.objectStorage, storageClass: config.cluster.storageClass,
    };
    let loki: Loki | undefined;
    const resources: RecordedResource[] = await captureResources(() => { loki = new Loki(`loki-${stack}-${builds++}`, args); });
    assert.ok(resources.some((r) => r.type === "observability:stack:Loki"));
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(releases.length, 1);
    return { config, loki: loki!, release: releases[0].inputs, values: releases[0].inputs.values };
}

/** Every credential-shaped field set anywhere in the values, with its value. */
function credentialFields(node: unknown, trail = ""): Array<[string, unknown]> {
    if (!node || typeof node !== "object") return [];
    return Object.entries(node).flatMap(([key, child]) => {
        const path = trail ? `${trail}.${key}` : key;
        const own: Array<[string, unknown]> = /secret(?!Name|Ref)|password|accountKey|accessKey|connectionString|service_account|token/i.test(key) && typeof child === "string" ? [[path, child]] : [];
        return [...own, ...credentialFields(child, path)];
    });
}
const ENV_REFERENCE = /^\$\{[A-Z_][A-Z0-9_]*\}$/;

describe("Loki (loki chart)", () => {
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    it("knows every container the chart can size, so the resource check is complete", () => {
        assert.deepStrictEqual(resourcePathsInDefaults().sort(), Object.keys(WORKLOADS).sort());
    });

    it("mirrors the chart's replica validation (the SimpleScalable targets default to 3 replicas)", () => {
        assert.ok(chartValidationFailures({ singleBinary: { replicas: 1 }, loki: { schemaConfig: { configs: [{}] } }, test: { enabled: false } })
            .includes("both monolithic and scalable replicas"));
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("installs the pinned chart as release \"loki\" in the stack's namespace with rollback on failure", () => {
                const { release, config } = built[stack];
                assert.strictEqual(release.name, "loki");
                assert.strictEqual(release.namespace, config.namespace);
                assert.strictEqual(release.chart, "loki");
                assert.strictEqual(release.version, CHARTS.loki.version);
                assert.match(release.repositoryOpts.repo, /^https:\/\//);
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
            });

            it("sets only real chart keys, of the types values.schema.json requires, and passes the chart's validation", () => {
                const { values } = built[stack];
                assert.deepStrictEqual(unknownValuePaths(chart, values, LOKI_CONFIG_SECTIONS), []);
                assert.deepStrictEqual(schemaTypeErrors(schema, values), []);
                assert.deepStrictEqual(chartValidationFailures(values), []);
            });

            it("runs in the configured mode", () => {
                const { values, config } = built[stack];
                assert.strictEqual(values.deploymentMode, config.loki.mode);
                assert.strictEqual(isMonolithic(values), config.loki.mode === "Monolithic");
                assert.strictEqual(isDistributed(values), config.loki.mode === "Distributed");
            });

            it("gives every container the chart renders requests and limits", () => {
                const { values } = built[stack];
                const rendered = Object.entries(WORKLOADS).filter(([, renders]) => renders(values)).map(([path]) => path);
                assert.ok(rendered.length > 0);
                for (const path of rendered) assert.ok(hasRequestsAndLimits(effective(values, path)), `${path} has no requests and limits`);
                for (const key of ["singleBinary", "ingester", "indexGateway", "compactor", "ruler", "backend", "write"]) {
                    assert.notStrictEqual(effective(values, `${key}.statefulSetRecreateJob.enabled`), true, `${key} recreate Job (kubectl, unsized)`);
                }
            });

            it("runs every container non-root, without privilege escalation or capabilities, RuntimeDefault seccomp, read-only root", () => {
                const { values } = built[stack];
                const checked = SECURITY_CONTEXTS.filter((c) => c.rendered(values));
                assert.ok(checked.some((c) => c.name === "loki"));
                for (const { name, pod, container } of checked) {
                    const [p, c] = [pod(values), container(values)];
                    assert.strictEqual(c.runAsNonRoot ?? p.runAsNonRoot, true, `${name} runAsNonRoot`);
                    assert.strictEqual(c.allowPrivilegeEscalation, false, `${name} allowPrivilegeEscalation`);
                    assert.ok(c.capabilities?.drop?.includes("ALL"), `${name} drops ALL capabilities`);
                    assert.strictEqual((c.seccompProfile ?? p.seccompProfile)?.type, "RuntimeDefault", `${name} seccomp`);
                    assert.strictEqual(c.readOnlyRootFilesystem, true, `${name} readOnlyRootFilesystem`);
                }
            });

            it("indexes with TSDB v13 from a fixed past date, in the store the chunks live in", () => {
                const { values } = built[stack];
                const configs = values.loki.schemaConfig.configs;
                assert.strictEqual(configs.length, 1);
                assert.strictEqual(configs[0].store, "tsdb");
                assert.strictEqual(configs[0].schema, "v13");
                assert.strictEqual(configs[0].index.period, "24h");
                assert.match(configs[0].from, /^\d{4}-\d{2}-\d{2}$/);
                assert.ok(Date.parse(configs[0].from) < Date.now(), "a future date leaves today's logs without a schema");
                assert.strictEqual(configs[0].object_store, effective(values, "loki.storage.type"));
            });

            it("deletes logs older than the configured retention through the compactor", () => {
                const { values, config } = built[stack];
                const period = values.loki.limits_config.retention_period;
                assert.match(period, /^\d+(h|s)$/, "Go durations have no day unit");
                assert.strictEqual(durationSeconds(period), durationSeconds(config.loki.retention));
                assert.strictEqual(values.loki.compactor.retention_enabled, true);
                assert.strictEqual(values.loki.compactor.delete_request_store, effective(values, "loki.storage.type"));
            });

            it("applies the configured tenancy and ingestion limits", () => {
                const { values, config } = built[stack];
                assert.strictEqual(values.loki.auth_enabled, config.loki.multiTenant);
                const limits = values.loki.limits_config;
                assert.deepStrictEqual([limits.ingestion_rate_mb, limits.ingestion_burst_size_mb, limits.max_global_streams_per_user],
                    [config.loki.limits.ingestionRateMb, config.loki.limits.ingestionBurstSizeMb, config.loki.limits.maxGlobalStreamsPerUser]);
            });

            it("runs caches only with memory configured, sized from the settings", () => {
                const { values, config } = built[stack];
                for (const [key, mb] of [["chunksCache", config.loki.caches.chunksMemoryMb], ["resultsCache", config.loki.caches.resultsMemoryMb]] as const) {
                    assert.strictEqual(effective(values, `${key}.enabled`), mb > 0, key);
                    if (mb === 0) continue;
                    assert.strictEqual(values[key].allocatedMemory, mb);
                    assert.ok(quantityBytes(values[key].resources.limits.memory) >= mb * 2 ** 20, `${key} memory limit below -m`);
                }
            });

            it("is scraped by Prometheus and deploys no canary, test pod, MinIO, dashboards or rules", () => {
                const { values } = built[stack];
                assert.strictEqual(effective(values, "monitoring.serviceMonitor.enabled"), true);
                for (const off of ["lokiCanary.enabled", "test.enabled", "minio.enabled", "monitoring.dashboards.enabled",
                    "monitoring.rules.enabled", "monitoring.alerts.enabled", "ruler.enabled", "sidecar.rules.enabled"]) {
                    assert.strictEqual(effective(values, off), false, off);
                }
            });

            it("exports the URLs of the Service the chart puts in front of Loki", async () => {
                const { loki, values, config } = built[stack];
                const fullname = chartFullname("loki", "loki", values, 63);
                // templates/_helpers.tpl "loki.host": the gateway when enabled, else the single binary's Service.
                const [service, port] = on("gateway.enabled")(values)
                    ? [`${fullname}-gateway`, effective(values, "gateway.service.port")]
                    : [fullname, effective(values, "loki.server.http_listen_port")];
                assert.strictEqual(on("gateway.enabled")(values), config.loki.mode === "Distributed");
                const internal = `http://${service}.${config.namespace}.svc.cluster.local:${port}`;
                assert.strictEqual(await valueOf(loki.internalUrl), internal);
                assert.strictEqual(await valueOf(loki.url), internal);
                assert.strictEqual(await valueOf(loki.pushUrl), `${internal}/loki/api/v1/push`);
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
            const { values, config } = built[stack];
            assert.strictEqual(effective(values, "loki.storage.type"), "filesystem");
            assert.strictEqual(values.singleBinary.replicas, 1);
            assert.deepStrictEqual(values.singleBinary.resources, config.loki.resources);
            assert.strictEqual(effective(values, "singleBinary.persistence.enabled"), true);
            assert.strictEqual(values.singleBinary.persistence.size, config.loki.storageSize);
            assert.strictEqual(values.loki.commonConfig.replication_factor, 1);
        }
    });

    it("dev runs no caches (the chart's default chunks cache alone asks ~9.8 GiB)", () => {
        assert.strictEqual(effective(built.dev.values, "chunksCache.enabled"), false);
        assert.strictEqual(effective(built.dev.values, "resultsCache.enabled"), false);
        assert.ok(effective({}, "chunksCache.allocatedMemory") * 1.2 > 9000);
    });

    it("production: every read and write component runs ≥2 replicas with its configured resources, spread and budgeted", () => {
        const { values, config } = built.production;
        const components = config.loki.components;
        for (const key of ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "gateway"] as const) {
            assert.ok(values[key].replicas >= 2, `${key} replicas`);
            assert.strictEqual(values[key].replicas, components[key]!.replicas);
            assert.deepStrictEqual(values[key].resources, components[key]!.resources);
            assert.deepStrictEqual(values[key].podDisruptionBudget, { enabled: true, maxUnavailable: 1 }, key);
            const antiAffinity = effective(values, `${key}.affinity`).podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
            assert.strictEqual(antiAffinity.topologyKey, "kubernetes.io/hostname", key);
        }
        assert.deepStrictEqual(values.compactor.resources, components.compactor!.resources);
    });

    it("production: three ingesters, three copies of each stream, WAL on a volume, no zone-aware StatefulSets", () => {
        const { values, config } = built.production;
        assert.strictEqual(values.ingester.replicas, 3);
        assert.strictEqual(values.loki.commonConfig.replication_factor, 3);
        assert.strictEqual(effective(values, "ingester.zoneAwareReplication.enabled"), false);
        assert.strictEqual(values.ingester.persistence.enabled, true);
        assert.deepStrictEqual(values.ingester.persistence.claims.map((c: any) => [c.name, c.size]), [["data", config.loki.storageSize]]);
        assert.strictEqual(values.compactor.persistence.enabled, true);
        assert.strictEqual(values.singleBinary.replicas, 0);
    });

    it("production: chunks and ruler in the configured S3 buckets, credentials by workload identity, no secret values", () => {
        const { values, config } = built.production;
        const storage = config.objectStorage!;
        assert.strictEqual(values.loki.storage.type, "s3");
        assert.deepStrictEqual(values.loki.storage.bucketNames, { chunks: storage.buckets.lokiChunks, ruler: storage.buckets.lokiRuler });
        assert.strictEqual(values.loki.storage.s3.region, storage.region);
        assert.deepStrictEqual(values.serviceAccount.annotations, storage.credentials.serviceAccountAnnotations);
        assert.deepStrictEqual(credentialFields(values), []);
    });

    it("the configured StorageClass reaches the single binary's and the ingesters' volumes", async () => {
        const cluster = JSON.stringify({ storageClass: "fast-ssd" });
        const dev = await build("dev", { cluster });
        assert.strictEqual(dev.values.singleBinary.persistence.storageClass, "fast-ssd");
        const production = await build("production", { cluster });
        assert.strictEqual(production.values.ingester.persistence.claims[0].storageClass, "fast-ssd");
        assert.strictEqual(production.values.compactor.persistence.claims[0].storageClass, "fast-ssd");
        assert.strictEqual(built.dev.values.singleBinary.persistence.storageClass, undefined);
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
                objectStorage: JSON.stringify({ provider: "gcs", region: null, credentials: { serviceAccountAnnotations: {
                    "eks.amazonaws.com/role-arn": null, "iam.gke.io/gcp-service-account": "loki@project.iam.gserviceaccount.com" } } }),
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
                objectStorage: JSON.stringify({ provider: "azure", region: null, azureAccountName: "observability", credentials: { serviceAccountAnnotations: {
                    "eks.amazonaws.com/role-arn": null, "azure.workload.identity/client-id": "00000000-0000-0000-0000-000000000000" } } }),
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
                const { values, config } = await build("production", { objectStorage });
                const provider = config.objectStorage!.provider;
                assert.strictEqual(values.loki.storage.type, provider);
                assert.deepStrictEqual(values.loki.storage.bucketNames,
                    { chunks: config.objectStorage!.buckets.lokiChunks, ruler: config.objectStorage!.buckets.lokiRuler });
                assert.strictEqual(values.loki.schemaConfig.configs[0].object_store, provider);
                assert.strictEqual(values.loki.compactor.delete_request_store, provider);
                for (const [path, value] of credentialFields(values)) assert.match(String(value), ENV_REFERENCE, `${path} holds a value, not a reference`);
                assert.deepStrictEqual(unknownValuePaths(chart, values, LOKI_CONFIG_SECTIONS), []);
                assert.deepStrictEqual(schemaTypeErrors(schema, values), []);
                assert.deepStrictEqual(chartValidationFailures(values), []);
                check(values);
            });
        }
    });

    it("multi-tenant: requires the X-Scope-OrgID header", async () => {
        const { values } = await build("staging", { loki: JSON.stringify({ multiTenant: true }) });
        assert.strictEqual(values.loki.auth_enabled, true);
        assert.strictEqual(built.staging.values.loki.auth_enabled, false);
    });

    it("turns one cache off without the other", async () => {
        const { values } = await build("production", { loki: JSON.stringify({ caches: { chunksMemoryMb: 0 } }) });
        assert.strictEqual(values.chunksCache.enabled, false);
        assert.strictEqual(values.resultsCache.enabled, true);
        assert.ok(hasRequestsAndLimits(values.memcachedExporter.resources));
    });

    it("refuses Distributed mode with a component left unsized", () => {
        const { config } = loadStack("production");
        const components = { ...config.loki.components, querier: undefined };
        assert.throws(() => lokiValues({ namespace: "monitoring", settings: { ...config.loki, components }, objectStorage: config.objectStorage }),
            /loki\.components\.querier/);
    });
});
