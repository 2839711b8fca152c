import * as assert from "assert";
import { CHARTS } from "../../components/charts";
import { GCS_KEY_FILE } from "../../components/objectStorage/credentials";
import { Pyroscope, type PyroscopeArgs, type PyroscopeValuesArgs, pyroscopeValues } from "../../components/pyroscope/Pyroscope";
import { PYROSCOPE_COMPONENTS, type PyroscopeComponent } from "../../components/pyroscope/settings";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { ConfigError } from "../../stacks/config";
import type { StackConfig } from "../../stacks/schema";
import { durationSeconds } from "../../stacks/units";
import { outputValue, type RecordedResource } from "../helpers/pulumi";
import {
    allKeys,
    componentRelease,
    configFile,
    findObject,
    hasRequestsAndLimits,
    podSpecOf,
    renderedContainers,
    servicePorts,
    workloadsOf,
} from "../helpers/rendered";
import { loadStack, STACK_NAMES } from "../helpers/stacks";
import { chartReference, unknownValuePaths } from "../support/chartKeys";

interface Built {
    config: StackConfig;
    pyroscope: Pyroscope;
    resources: RecordedResource[];
    release: Record<string, any>;
    values: Record<string, any>;
    /** What `helm template` renders from the release. */
    objects: KubernetesObject[];
    /** config.yaml as the chart writes it (templates/configmap.yaml): what every Pyroscope process reads. */
    pyroscopeConfig: any;
}

let builds = 0;
async function build(stack: string, overrides: Record<string, string> = {}): Promise<Built> {
    const { config } = loadStack(stack, overrides);
    const args: PyroscopeArgs = {
        namespace: config.namespace,
        settings: config.pyroscope,
        objectStorage: config.objectStorage,
        storageClass: config.cluster.storageClass,
    };
    const { component: pyroscope, resources, release, rendered } = await componentRelease(() => new Pyroscope(`pyroscope-${stack}-${builds++}`, args));
    const { objects } = rendered;
    const pyroscopeConfig = configFile(objects, "pyroscope-config", "config.yaml");
    return { config, pyroscope, resources, release, values: release.values, objects, pyroscopeConfig };
}

const chart = chartReference("pyroscope", CHARTS.pyroscope.version);
/**
 * Values the chart hands to Pyroscope or to Kubernetes as they are, below keys whose defaults are empty or
 * commented out: Pyroscope's own configuration (`structuredConfig`, pkg/pyroscope/pyroscope.go Config) and the
 * claim's StorageClass (templates/deployments-statefulsets.yaml reads `$persistence.storageClassName`).
 */
const FREE_FORM = [
    "pyroscope.structuredConfig",
    "pyroscope.persistence.storageClassName",
    // Kubernetes objects the templates write with toYaml: a PodSecurityContext and each component's ResourceRequirements.
    "pyroscope.podSecurityContext",
    ...Object.values(PYROSCOPE_COMPONENTS).map((component) => `architecture.microservices.v2.${component}.resources`),
];

const CREDENTIAL_KEYS = /access_key|secret_key|account_key|sas_token|password|session_token|service_account$/i;

describe("Pyroscope", function () {
    this.timeout(300_000);
    const built: Record<string, Built> = {};
    before(async () => {
        for (const stack of STACK_NAMES) built[stack] = await build(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it('installs the pinned chart as release "pyroscope" in the namespace, with rollback on failure', () => {
                const { release, config, resources } = built[stack];
                assert.deepStrictEqual([release.chart, release.version, release.repositoryOpts.repo], [CHARTS.pyroscope.chart, "2.2.1", CHARTS.pyroscope.repo]);
                assert.deepStrictEqual([release.name, release.namespace], ["pyroscope", config.namespace]);
                assert.deepStrictEqual([release.atomic, release.cleanupOnFail], [true, true]);
                assert.ok(resources.some((r) => r.type === "observability:stack:Pyroscope"));
            });

            it("sets only real keys of the chart", () => {
                assert.deepStrictEqual(unknownValuePaths(chart, built[stack].values, FREE_FORM), []);
            });

            it("renders no Alloy, agent or MinIO of its own: the stack's collector collects", () => {
                const { objects } = built[stack];
                const foreign = objects.filter((o) => !/^pyroscope(-|$)/.test(o.metadata.name));
                assert.deepStrictEqual(
                    foreign.map((o) => `${o.kind}/${o.metadata.name}`),
                    [],
                );
                assert.strictEqual(findObject(objects, "ConfigMap", "alloy-config-pyroscope"), undefined);
            });

            it("gives every container requests and limits, and runs it as Pod Security restricted asks", () => {
                const containers = renderedContainers(built[stack].objects);
                assert.ok(containers.length > 0);
                for (const { name, container, pod } of containers) {
                    assert.ok(hasRequestsAndLimits(container.resources), `${name}: ${JSON.stringify(container.resources)}`);
                    const c = container.securityContext ?? {};
                    assert.strictEqual(c.runAsNonRoot ?? pod.runAsNonRoot, true, `${name} runAsNonRoot`);
                    assert.strictEqual(c.allowPrivilegeEscalation, false, `${name} allowPrivilegeEscalation`);
                    assert.deepStrictEqual(c.capabilities?.drop, ["ALL"], `${name} drops ALL capabilities`);
                    assert.strictEqual((c.seccompProfile ?? pod.seccompProfile)?.type, "RuntimeDefault", `${name} seccomp`);
                }
            });

            it("keeps profiles for the configured retention and logs at info", () => {
                const b = built[stack];
                // pkg/metastore/index/cleaner/retention/retention.go: limits.retention_period, a Prometheus model.Duration.
                const period = String(b.pyroscopeConfig.limits.retention_period);
                assert.match(period, /^\d+h$/);
                assert.strictEqual(Number(period.slice(0, -1)) * 3600, durationSeconds(b.config.pyroscope.retention));
                for (const object of workloadsOf(b.objects)) {
                    const args: string[] = podSpecOf(object).containers[0].args;
                    assert.ok(args.includes("-log.level=info"), `${object.metadata.name}: ${args.join(" ")}`);
                    assert.ok(args.includes("-architecture.storage=v2"), `${object.metadata.name} runs the v2 storage`);
                }
            });

            it("is scraped once per pod: each ServiceMonitor drops the headless twin of the Service it selects", () => {
                const { objects } = built[stack];
                const monitors = objects.filter((o) => o.kind === "ServiceMonitor");
                assert.ok(monitors.length > 0, "ServiceMonitors");
                const services = objects.filter((o) => o.kind === "Service");
                const selects = (monitor: KubernetesObject, service: KubernetesObject) =>
                    Object.entries(monitor.spec.selector.matchLabels).every(([key, value]) => service.metadata.labels?.[key] === value);
                for (const monitor of monitors) {
                    const drops = monitor.spec.endpoints.flatMap((e: any) => e.relabelings ?? []).filter((r: any) => r.action === "drop");
                    const dropped = (name: string) =>
                        drops.some((r: any) => r.sourceLabels.includes("__meta_kubernetes_service_name") && new RegExp(`^(?:${r.regex})$`).test(name));
                    const selected = services.filter((service) => selects(monitor, service) && service.metadata.name !== "pyroscope-memberlist");
                    const scraped = selected.filter((service) => !dropped(service.metadata.name)).map((service) => service.metadata.name);
                    // The memberlist Service selects every pod but has no http2 port the endpoint names.
                    assert.strictEqual(scraped.length, 1, `${monitor.metadata.name} scrapes ${scraped.join(", ")}`);
                    assert.ok(!scraped[0].endsWith("-headless"), scraped[0]);
                }
            });

            it("exports query and push URLs of Services the chart renders, on the port they serve", async () => {
                const b = built[stack];
                const micro = b.config.pyroscope.mode === "microservices";
                for (const [output, expected] of [
                    [b.pyroscope.internalUrl, micro ? "pyroscope-query-frontend" : "pyroscope"],
                    [b.pyroscope.writeUrl, micro ? "pyroscope-distributor" : "pyroscope"],
                ] as const) {
                    const url = new URL(await outputValue(output));
                    const [service, namespace] = url.hostname.split(".");
                    assert.deepStrictEqual([service, namespace], [expected, b.config.namespace]);
                    assert.ok(
                        servicePorts(b.objects, service).includes(Number(url.port)),
                        `${service} serves ${servicePorts(b.objects, service)}, not ${url.port}`,
                    );
                }
            });
        });
    }

    describe("monolithic (dev, staging)", () => {
        it("runs one process that keeps profiles and its metastore on a volume of the configured size", () => {
            for (const stack of ["dev", "staging"]) {
                const b = built[stack];
                const workloads = workloadsOf(b.objects);
                assert.deepStrictEqual(
                    workloads.map((w) => `${w.kind}/${w.metadata.name}`),
                    ["StatefulSet/pyroscope"],
                );
                const [claim] = workloads[0].spec.volumeClaimTemplates;
                assert.strictEqual(claim.spec.resources.requests.storage, b.config.pyroscope.storageSize);
                // No storage block: Pyroscope's filesystem backend under ./data, the claim (pkg/objstore/client/config.go).
                assert.strictEqual(b.pyroscopeConfig.storage, undefined);
                const mounts = podSpecOf(workloads[0]).containers[0].volumeMounts.filter((m: any) => m.name === claim.metadata.name);
                assert.deepStrictEqual(mounts.map((m: any) => m.mountPath).sort(), ["/data", "/data-metastore"]);
            }
        });
    });

    describe("microservices (production)", () => {
        it("runs every v2 component at the configured replicas and resources", () => {
            const b = built.production;
            for (const [key, chartKey] of Object.entries(PYROSCOPE_COMPONENTS) as Array<[PyroscopeComponent, string]>) {
                const object = workloadsOf(b.objects).find((o) => o.metadata.labels?.["app.kubernetes.io/component"] === chartKey);
                assert.ok(object, `${chartKey} is rendered`);
                const configured = b.config.pyroscope.components[key]!;
                assert.strictEqual(object.spec.replicas, configured.replicas, chartKey);
                assert.deepStrictEqual(podSpecOf(object).containers[0].resources, configured.resources, chartKey);
            }
            assert.strictEqual(workloadsOf(b.objects).length, Object.keys(PYROSCOPE_COMPONENTS).length);
        });

        it("gives the metastores a volume and a Raft quorum of their own count, and nothing else a claim", () => {
            const b = built.production;
            const metastore = b.objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "pyroscope-metastore")!;
            const args: string[] = podSpecOf(metastore).containers[0].args;
            assert.ok(args.includes(`-metastore.raft.bootstrap-expect-peers=${b.config.pyroscope.components.metastore!.replicas}`), args.join(" "));
            assert.strictEqual(metastore.spec.volumeClaimTemplates[0].spec.resources.requests.storage, b.config.pyroscope.storageSize);
            assert.strictEqual(metastore.spec.volumeClaimTemplates[0].spec.storageClassName, b.config.cluster.storageClass);
            for (const object of workloadsOf(b.objects).filter((o) => o !== metastore)) {
                assert.strictEqual(object.spec.volumeClaimTemplates, undefined, `${object.metadata.name} claims a volume`);
                const claims = (podSpecOf(object).volumes ?? []).filter((v: any) => v.persistentVolumeClaim);
                assert.deepStrictEqual(claims, [], `${object.metadata.name} mounts a claim nothing creates`);
            }
        });

        it("stores profiles in the configured S3 bucket with workload identity and no credentials in the values", () => {
            const b = built.production;
            const storage = b.config.objectStorage!;
            assert.deepStrictEqual(b.pyroscopeConfig.storage, {
                backend: "s3",
                s3: { bucket_name: storage.buckets.pyroscope, endpoint: `s3.${storage.region}.amazonaws.com`, region: storage.region, insecure: false },
            });
            assert.deepStrictEqual(findObject(b.objects, "ServiceAccount", "pyroscope")?.metadata.annotations, storage.credentials.serviceAccountAnnotations);
            for (const object of workloadsOf(b.objects)) assert.strictEqual(podSpecOf(object).serviceAccountName, "pyroscope", object.metadata.name);
            assert.deepStrictEqual(
                allKeys(b.values).filter((k) => CREDENTIAL_KEYS.test(k)),
                [],
            );
        });

        it("reads S3 keys from an existing Secret as env of every component, and talks path-style to a custom endpoint", async () => {
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    endpoint: "http://minio.storage.svc.cluster.local:9000",
                    credentials: { serviceAccountAnnotations: null, existingSecret: "profiles-s3" },
                }),
            });
            const s3 = b.pyroscopeConfig.storage.s3;
            assert.deepStrictEqual([s3.endpoint, s3.insecure, s3.bucket_lookup_type], ["minio.storage.svc.cluster.local:9000", true, "path"]);
            for (const object of workloadsOf(b.objects)) {
                assert.deepStrictEqual(podSpecOf(object).containers[0].envFrom, [{ secretRef: { name: "profiles-s3" } }], object.metadata.name);
            }
            assert.deepStrictEqual(unknownValuePaths(chart, b.values, FREE_FORM), []);
        });

        it("mounts a GCS key from an existing Secret as the application credentials", async () => {
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    provider: "gcs",
                    region: null,
                    credentials: { serviceAccountAnnotations: null, existingSecret: "profiles-gcs" },
                }),
            });
            assert.deepStrictEqual(b.pyroscopeConfig.storage, { backend: "gcs", gcs: { bucket_name: b.config.objectStorage!.buckets.pyroscope } });
            for (const object of workloadsOf(b.objects)) {
                const pod = podSpecOf(object);
                const volume = pod.volumes.find((v: any) => v.secret?.secretName === "profiles-gcs");
                assert.ok(volume, object.metadata.name);
                const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
                const env = pod.containers[0].env.find((e: any) => e.name === "GOOGLE_APPLICATION_CREDENTIALS");
                assert.strictEqual(env?.value, `${mount.mountPath}/${GCS_KEY_FILE}`, object.metadata.name);
            }
            assert.deepStrictEqual(unknownValuePaths(chart, b.values, FREE_FORM), []);
        });

        it("reads an Azure key from the Secret's env through Pyroscope's env expansion, never from the values", async () => {
            const b = await build("production", {
                objectStorage: JSON.stringify({
                    provider: "azure",
                    region: null,
                    azureAccountName: "exampleprofiles",
                    credentials: { serviceAccountAnnotations: null, existingSecret: "profiles-azure" },
                }),
            });
            assert.deepStrictEqual(b.pyroscopeConfig.storage.azure, {
                container_name: b.config.objectStorage!.buckets.pyroscope,
                account_name: "exampleprofiles",
                account_key: "${AZURE_STORAGE_KEY}",
            });
            for (const object of workloadsOf(b.objects)) {
                const container = podSpecOf(object).containers[0];
                // pkg/pyroscope/pyroscope.go: -config.expand-env substitutes ${VAR} in the file from the environment.
                assert.ok(container.args.includes("-config.expand-env=true"), object.metadata.name);
                assert.deepStrictEqual(container.envFrom, [{ secretRef: { name: "profiles-azure" } }], object.metadata.name);
            }
        });

        it("refuses microservices without a component, an even metastore count or a single distributor", () => {
            const { config } = built.production;
            const args = (components: StackConfig["pyroscope"]["components"]): PyroscopeValuesArgs => ({
                namespace: config.namespace,
                settings: { ...config.pyroscope, components },
                objectStorage: config.objectStorage,
            });
            const { queryBackend: _queryBackend, ...withoutQueryBackend } = config.pyroscope.components;
            assert.throws(() => pyroscopeValues(args(withoutQueryBackend)), /pyroscope\.components\.queryBackend/);
            const metastore = config.pyroscope.components.metastore!;
            assert.throws(
                () => pyroscopeValues(args({ ...config.pyroscope.components, metastore: { ...metastore, replicas: 4 } })),
                /metastore\.replicas must be an odd number/,
            );
            const distributor = config.pyroscope.components.distributor!;
            assert.throws(
                () => pyroscopeValues(args({ ...config.pyroscope.components, distributor: { ...distributor, replicas: 1 } })),
                /distributor\.replicas must be at least 2/,
            );
        });

        it("cannot be configured without a bucket for the profiles (the loader names the key)", () => {
            try {
                loadStack("production", { objectStorage: JSON.stringify({ buckets: { pyroscope: null } }) });
            } catch (error) {
                assert.ok(error instanceof ConfigError, String(error));
                assert.match(error.message, /observability:objectStorage\.buckets\.pyroscope: .*Pyroscope "microservices" keeps its data in object storage/);
                return;
            }
            assert.fail("the loader accepted production Pyroscope without its bucket");
        });
    });
});
