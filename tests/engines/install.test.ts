import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import { MAX_HISTORY } from "../../components/helm";
import { versionsFile } from "../../scripts/lib/goTools";
import type { KubernetesObject, RenderedRelease } from "../../scripts/lib/helmTemplate";
import { committedStackManifests, type StackManifests } from "../../scripts/lib/stackManifests";
import { REPO_ROOT, STACK_NAMES } from "../helpers/stacks";
import { helmOn, keptClaims, manifestChanges, startCluster, storageClassesNamed, type TestCluster, warningEvents } from "../support/cluster";
import { RESTRICTED_EXCEPTIONS } from "../support/podSecurity";

// Each stack installed the way `pulumi up` installs it, into a real kube-apiserver (scripts/cluster: etcd,
// kube-apiserver, controller manager and scheduler of the pinned Kubernetes, kwok's fake nodes), a fresh cluster
// per stack: the program's own objects by server-side apply with strict validation, each Helm release with the
// program's name, values, --atomic and timeout, in the program's order; an upgrade with the same values; an
// uninstall. kwok reports pods Ready without running them and no operator runs: docs/proven.md says what that leaves out.
const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"];
const CLUSTER_VERSIONS = versionsFile(path.join(REPO_ROOT, "scripts", "cluster", "versions.env"));

for (const stack of STACK_NAMES) {
    describe(`install of the ${stack} stack on a real API server (kwok nodes)`, function () {
        this.timeout(60 * 60_000);
        let cluster: TestCluster | undefined;
        let manifests: StackManifests;
        let valuesDir: string;
        const seconds: Record<string, number> = {};
        const done = new Set<string>();

        // Steps build on each other: one that failed fails the later ones with its name (nothing is skipped).
        const needs = (step: string) => {
            if (!done.has(step)) assert.fail(`needs the step "${step}", which failed`);
        };
        const timed = async <T>(step: string, work: () => T | Promise<T>): Promise<T> => {
            const started = Date.now();
            const result = await work();
            seconds[step] = Math.round((Date.now() - started) / 1000);
            done.add(step);
            return result;
        };
        const helm = (args: string[], timeoutSeconds?: number) => helmOn(cluster!, args, timeoutSeconds);
        const namespaces = () => manifests.programObjects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
        const prometheus = () => manifests.releases.find((r) => r.chart === "kubePrometheusStack")!;
        const valuesFile = (release: RenderedRelease) => path.join(valuesDir, `${release.name}.json`);
        // What components/helm.ts gives every k8s.helm.v3.Release: atomic, timeout (and cleanupOnFail, maxHistory on upgrade).
        const releaseArgs = (release: RenderedRelease) => [
            release.name,
            release.source.path,
            "--namespace",
            release.namespace,
            "--values",
            valuesFile(release),
            "--atomic",
            "--wait",
            "--timeout",
            `${CHARTS[release.chart].timeoutSeconds}s`,
        ];
        const status = (release: RenderedRelease) => JSON.parse(helm(["status", release.name, "--namespace", release.namespace, "--output", "json"]).stdout);

        /**
         * The API server's warnings Helm printed, less those docs/proven.md explains: an unknown or duplicate field (the
         * server drops it), or a Pod Security `warn` (restricted) naming a container outside RESTRICTED_EXCEPTIONS.
         */
        function unexplainedWarnings(release: RenderedRelease, stderr: string): string[] {
            const excepted = new Set(
                release.objects
                    .filter((o) => `${o.kind}/${o.metadata.name}` in RESTRICTED_EXCEPTIONS)
                    .flatMap((o) => [...o.spec.template.spec.containers, ...(o.spec.template.spec.initContainers ?? [])].map((c: any) => c.name)),
            );
            return stderr.split("\n").filter((line) => {
                if (/unknown field|duplicate field/i.test(line)) return true;
                if (!/would violate PodSecurity/.test(line)) return false;
                const containers = [...line.matchAll(/container \\?"([^"\\]+)\\?"/g)].map((m) => m[1]);
                return containers.length === 0 || containers.some((name) => !excepted.has(name));
            });
        }

        /** helm install or upgrade; a failure says which pods the server refused (Helm only says "deadline exceeded"). */
        async function helmRelease(release: RenderedRelease, command: "install" | "upgrade", revision: number): Promise<void> {
            const extra = command === "upgrade" ? ["--cleanup-on-fail", "--history-max", String(MAX_HISTORY)] : [];
            let stderr: string;
            try {
                ({ stderr } = helm([command, ...releaseArgs(release), ...extra], CHARTS[release.chart].timeoutSeconds));
            } catch (error) {
                const refused = await warningEvents(cluster!, release.namespace, [
                    "FailedCreate",
                    "FailedScheduling",
                    "ProvisioningFailed",
                    "BackoffLimitExceeded",
                ]);
                throw new Error(`${(error as Error).message}\nthe server's warnings in ${release.namespace}:\n${refused.join("\n")}`);
            }
            assert.deepStrictEqual(unexplainedWarnings(release, stderr), [], `${release.name}: the API server warned`);
            const { info, version } = status(release);
            assert.strictEqual(info.status, "deployed", `${release.name}: ${info.description}`);
            assert.strictEqual(version, revision);
        }

        async function liveWorkloads(release: RenderedRelease): Promise<Array<{ name: string; live: any }>> {
            const workloads = release.objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
            return Promise.all(
                workloads.map(async (w) => ({
                    name: `${w.kind}/${w.metadata.name}`,
                    live: await cluster!.get(
                        `/apis/apps/v1/namespaces/${w.metadata.namespace ?? release.namespace}/${w.kind.toLowerCase()}s/${w.metadata.name}`,
                    ),
                })),
            );
        }

        before(async () => {
            manifests = committedStackManifests(stack);
            valuesDir = fs.mkdtempSync(path.join(os.tmpdir(), "install-values-"));
            // Values may hold test secrets: readable by the owner alone, removed after.
            for (const release of manifests.releases) fs.writeFileSync(valuesFile(release), JSON.stringify(release.values), { mode: 0o600 });
            // A cluster that cannot start fails every test below with start.sh's reason.
            cluster = await timed("cluster start", async () => {
                const started = await startCluster();
                // The class a stack names must exist where it is installed, as it does on its own cluster.
                for (const name of storageClassesNamed(manifests.releases)) await started.provideStorageClass(name);
                return started;
            });
        });

        after(async () => {
            await cluster?.stop();
            if (valuesDir) fs.rmSync(valuesDir, { recursive: true, force: true });
            console.log(
                `    ${stack} figures: ${Object.entries(seconds)
                    .map(([step, s]) => `${step} ${s} s`)
                    .join(", ")}`,
            );
        });

        it(`the server is Kubernetes ${CLUSTER_VERSIONS.KUBERNETES_VERSION} (the oldest supported minor) as clients see it, with kwok's nodes`, async () => {
            needs("cluster start");
            const version = await cluster!.get("/version");
            assert.strictEqual(version.gitVersion, CLUSTER_VERSIONS.KUBERNETES_VERSION);
            assert.strictEqual(`${version.major}.${version.minor}`, CLUSTER_VERSIONS.KUBERNETES_VERSION.replace(/^v(\d+\.\d+).*/, "$1"));
            assert.strictEqual((await cluster!.get("/api/v1/nodes")).items.length, 3);
        });

        it("applies the Namespaces first, with their Pod Security labels, by server-side apply (fieldValidation=Strict)", async () => {
            needs("cluster start");
            await timed("namespaces", async () => {
                for (const namespace of manifests.programObjects.filter((o) => o.kind === "Namespace")) await cluster!.apply(namespace);
            });
            for (const name of namespaces()) {
                const { metadata } = await cluster!.get(`/api/v1/namespaces/${name}`);
                assert.ok(metadata.labels["pod-security.kubernetes.io/enforce"], `${name} has no enforce label on the server`);
            }
        });

        it("installs the prometheus release first: its CRDs, and its hook Jobs run to completion", async () => {
            needs("namespaces");
            await timed("install prometheus", () => helmRelease(prometheus(), "install", 1));
            const crds = (await cluster!.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).items.map(
                (crd: KubernetesObject) => crd.metadata.name,
            );
            for (const crd of ["prometheusrules.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com", "prometheuses.monitoring.coreos.com"]) {
                assert.ok(crds.includes(crd), `${crd} not installed`);
            }
            // Helm waits for hook Jobs (the webhook certificate jobs, the CRD upgrade job); the Job controller says each completed.
            const hookJobs = prometheus()
                .objects.filter((o) => o.kind === "Job")
                .map((o) => o.metadata.name);
            assert.ok(hookJobs.includes("prometheus-admission-create") && hookJobs.includes("prometheus-admission-patch"), hookJobs.join(", "));
            const events = (await cluster!.get(`/api/v1/namespaces/${prometheus().namespace}/events`)).items;
            const completed = new Set(
                events.filter((e: any) => e.involvedObject.kind === "Job" && e.reason === "Completed").map((e: any) => e.involvedObject.name),
            );
            assert.deepStrictEqual(
                hookJobs.filter((job) => !completed.has(job)),
                [],
                "hook Jobs that did not complete",
            );
        });

        it("applies the other program objects (Secrets, NetworkPolicies, PrometheusRules) with the CRDs served", async () => {
            needs("install prometheus");
            const rest = manifests.programObjects.filter((o) => o.kind !== "Namespace");
            assert.ok(rest.some((o) => o.kind === "NetworkPolicy") && rest.some((o) => o.kind === "Secret"), rest.map((o) => o.kind).join(", "));
            await timed("program objects", async () => {
                for (const object of rest) await cluster!.apply(object);
            });
            for (const rule of rest.filter((o) => o.kind === "PrometheusRule")) {
                const live = await cluster!.get(await cluster!.pathOf(rule));
                assert.deepStrictEqual(live.spec, rule.spec, `PrometheusRule ${rule.metadata.name} was changed by the server`);
            }
        });

        it("installs loki, tempo, pyroscope, alloy and grafana after it, each --atomic --wait within the program's timeout", async () => {
            needs("program objects");
            const others = manifests.releases.filter((r) => r !== prometheus());
            assert.deepStrictEqual(others.map((r) => r.name).sort(), ["alloy", "grafana", "loki", "pyroscope", "tempo"]);
            await timed("install others", async () => {
                for (const release of others) await helmRelease(release, "install", 1);
            });
        });

        it("every pod was admitted by Pod Security and is Ready under kwok; every claim is bound", async () => {
            needs("install others");
            const refusals = (await Promise.all(namespaces().map((ns) => warningEvents(cluster!, ns, ["FailedCreate"])))).flat();
            assert.deepStrictEqual(refusals, []);
            const workloads = (await Promise.all(manifests.releases.map(liveWorkloads))).flat();
            assert.ok(workloads.length >= 5, `${workloads.length} workloads`);
            const notReady = workloads
                .filter(({ live }) => {
                    const wanted = live.kind === "DaemonSet" ? live.status.desiredNumberScheduled : live.spec.replicas;
                    const ready = live.kind === "DaemonSet" ? live.status.numberReady : (live.status.readyReplicas ?? 0);
                    return !(wanted > 0 && ready === wanted);
                })
                .map(({ name, live }) => `${name}: ${JSON.stringify(live.status)}`);
            assert.deepStrictEqual(notReady, []);
            for (const namespace of namespaces()) {
                const pods = (await cluster!.get(`/api/v1/namespaces/${namespace}/pods`)).items.filter((p: any) => p.status.phase !== "Succeeded");
                const unready = pods.filter((p: any) => !p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
                assert.deepStrictEqual(
                    unready.map((p: any) => `${p.metadata.name}: ${p.status.phase}`),
                    [],
                );
            }
            const claims = (await Promise.all(namespaces().map((ns) => cluster!.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)))).flatMap(
                (l) => l.items,
            );
            assert.deepStrictEqual(
                claims.filter((c: any) => c.status.phase !== "Bound").map((c: any) => c.metadata.name),
                [],
            );
        });

        it("the Prometheus resource keeps persistentVolumeClaimRetentionPolicy Retain on the server (not pruned by the CRD schema)", async () => {
            needs("install prometheus");
            const rendered = prometheus().objects.find((o) => o.kind === "Prometheus")!;
            const live = await cluster!.get(await cluster!.pathOf({ ...rendered, metadata: { ...rendered.metadata, namespace: prometheus().namespace } }));
            assert.strictEqual(live.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted, "Retain");
            assert.deepStrictEqual(live.spec.storage, rendered.spec.storage);
        });

        it("helm upgrade with the same values changes nothing: the stored manifests are the same, no workload rolls", async () => {
            needs("install others");
            const changed: string[] = [];
            await timed("upgrade", async () => {
                for (const release of manifests.releases) {
                    const before = helm(["get", "manifest", release.name, "--namespace", release.namespace]).stdout;
                    // The spec but its replica count, which an HPA owns (production's Grafana: 1 at install, then minReplicas).
                    const specOf = (live: any) => JSON.stringify({ ...live.spec, replicas: undefined });
                    const specs = new Map((await liveWorkloads(release)).map(({ name, live }) => [name, specOf(live)]));
                    await helmRelease(release, "upgrade", 2);
                    const after = helm(["get", "manifest", release.name, "--namespace", release.namespace]).stdout;
                    changed.push(...(await manifestChanges(cluster!, release, before, after)));
                    for (const { name, live } of await liveWorkloads(release)) {
                        if (specOf(live) !== specs.get(name)) changed.push(`${release.name}: ${name} changed its spec`);
                    }
                }
            });
            assert.deepStrictEqual(changed, []);
        });

        it("helm uninstall keeps the claims docs/operations.md promises (Grafana's claim: resource-policy keep; StatefulSet claims)", async () => {
            needs("install others");
            // docs/operations.md: "Volumes outlive an uninstall". A claim in a chart's manifest without `keep` would be deleted.
            const rendered = manifests.releases.flatMap((r) => r.objects.filter((o) => o.kind === "PersistentVolumeClaim"));
            assert.deepStrictEqual(
                rendered.filter((c) => c.metadata.annotations?.["helm.sh/resource-policy"] !== "keep").map((c) => c.metadata.name),
                [],
            );
            const promised = manifests.releases.flatMap(keptClaims);
            assert.ok(
                promised.some((name) => name.includes("loki")),
                `claims expected to stay: ${promised.join(", ")}`,
            );
            await timed("uninstall", () => {
                for (const release of [...manifests.releases].reverse()) {
                    const timeout = CHARTS[release.chart].timeoutSeconds;
                    helm(["uninstall", release.name, "--namespace", release.namespace, "--wait", "--timeout", `${timeout}s`], timeout);
                }
            });
            const claims = (await Promise.all(namespaces().map((ns) => cluster!.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)))).flatMap((list) =>
                list.items.map((c: any) => c.metadata.name),
            );
            assert.deepStrictEqual(
                promised.filter((name) => !claims.includes(name)),
                [],
                `claims left: ${claims.join(", ")}`,
            );
            // The garbage collector removes the pods after Helm has deleted their owners; kwok lets them go.
            const podsLeft = async () =>
                (await Promise.all(namespaces().map((ns) => cluster!.get(`/api/v1/namespaces/${ns}/pods`)))).flatMap((list) =>
                    list.items.map((p: any) => p.metadata.name),
                );
            for (let attempt = 0; attempt < 60 && (await podsLeft()).length > 0; attempt++) await new Promise((r) => setTimeout(r, 1000));
            assert.deepStrictEqual(await podsLeft(), [], "pods still there 60 s after the uninstall");
        });
    });
}
