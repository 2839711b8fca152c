import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ensureBuilt } from "../../scripts/lib/childEvaluation";
import { assertReleasesFromRepository, documentedOutputs, managedResources } from "../helpers/deployment";
import { STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";
import { helmOn, startCluster, type TestCluster } from "../support/cluster";
import { engineBinDir, engineStack, engineWorkDir, type Served, serveChartRepository, serveGrafanaHealth } from "../support/engine/harness";
import { standinHoldings } from "../support/engine/standin/log";

// The compiled program through the real Pulumi engine (scripts/engine: the CLI and Kubernetes provider built from
// the Go module proxy, random and grafana held by the stand-in of tests/support/engine/standin) on the local API server
// (scripts/cluster, a fresh one per stack), with every chart from a local Helm repository through
// charts.repository. They belong to the engines tier (`npm test`): without the engine they fail, they are never
// skipped.
const NAMESPACE = "monitoring";
const PASSPHRASE = "engine-test-passphrase";

for (const stackName of STACK_NAMES) describeEngine(stackName);

function describeEngine(stackName: string): void {
    describe(`the ${stackName} stack through the Pulumi engine on a real API server`, function () {
        this.timeout(60 * 60_000);
        let cluster: TestCluster;
        let charts: Served;
        let health: Awaited<ReturnType<typeof serveGrafanaHealth>>;
        let stack: Stack;
        let workDir: string;
        const seconds: Record<string, number> = {};
        const done = new Set<string>();
        const needs = (step: string) => {
            if (!done.has(step)) assert.fail(`needs the step "${step}", which failed`);
        };
        const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
            const started = Date.now();
            const result = await work();
            seconds[step] = Math.round((Date.now() - started) / 1000);
            done.add(step);
            return result;
        };
        const helm = (args: string[]) => helmOn(cluster, args).stdout;
        const releases = () =>
            JSON.parse(helm(["list", "--namespace", NAMESPACE, "--output", "json"])) as Array<{
                name: string;
                chart: string;
                revision: string;
                status: string;
            }>;
        const claims = async () => (await cluster.get(`/api/v1/namespaces/${NAMESPACE}/persistentvolumeclaims`)).items.map((c: any) => c.metadata.name).sort();
        const stateResources = async (): Promise<any[]> => (await stack.exportStack()).deployment.resources ?? [];

        before(async () => {
            const binDir = engineBinDir();
            ensureBuilt();
            workDir = engineWorkDir(stackName);
            charts = await serveChartRepository(path.join(workDir, "charts"));
            health = await serveGrafanaHealth();
            cluster = await startCluster();
            await cluster.provideStorageClass("gp3");
            stack = await engineStack({
                stack: stackName,
                workDir,
                binDir,
                kubeconfig: cluster.kubeconfig,
                passphrase: PASSPHRASE,
                config: { charts: { repository: charts.url }, grafana: { apiUrl: health.url } },
                secrets: TEST_SECRET_VALUES,
            });
        });

        after(async () => {
            console.log(`      ${stackName} engine timings (s): ${JSON.stringify(seconds)}`);
            await cluster?.stop();
            await charts?.close();
            await health?.close();
        });

        it("refuses a cluster.storageClass the cluster lacks at preview, naming the classes it has", async () => {
            await stack.setConfig(`observability:cluster.storageClass`, { value: "fast-ssd" }, true);
            try {
                await assert.rejects(stack.preview(), (error: Error) => {
                    assert.match(error.message, /observability:cluster\.storageClass: got "fast-ssd"; the cluster has no StorageClass "fast-ssd"/);
                    assert.match(error.message, /StorageClasses the cluster has: (?=.*oac-local \(default\))(?=.*gp3)/);
                    return true;
                });
            } finally {
                const committed = stackName === "production" ? "gp3" : undefined;
                if (committed) await stack.setConfig(`observability:cluster.storageClass`, { value: committed }, true);
                else await stack.removeConfig(`observability:cluster.storageClass`, true);
            }
        });

        it("pulumi up creates every resource, every release from the chart repository", async () => {
            const result = await timed("up", () => stack.up());
            const created = result.summary.resourceChanges?.create ?? 0;
            const resources = await stateResources();
            // The summary counts the stack's resources; the state also holds the default providers the engine made.
            // ...and what it reads (the StackReference to the stack's last deployment, `external`).
            const counted = managedResources(resources);
            assert.strictEqual(created, counted.length, `${JSON.stringify(result.summary.resourceChanges)}; state: ${resources.map((r) => r.type).join(", ")}`);
            assert.deepStrictEqual(Object.keys(result.summary.resourceChanges ?? {}), ["create"]);
            assertReleasesFromRepository(releases(), resources, charts.url);
            assert.ok(health.requests() > 0, "the readiness gate asked the health endpoint");
            console.log(`      ${stackName}: ${created} resources created in ${seconds.up} s`);
        });

        it("exports the outputs docs/configuration.md documents", async () => {
            needs("up");
            assert.deepStrictEqual(Object.keys(await stack.outputs()).sort(), documentedOutputs(stackName));
        });

        it("previews no change right after up (--expect-no-changes)", async () => {
            needs("up");
            await timed("preview", () => stack.preview({ expectNoChanges: true }));
        });

        it("keeps no secret in plain text in the state", async () => {
            needs("up");
            // The backend's files as written (the stack, its backups and history; exportStack would decrypt).
            const stateDir = path.join(workDir, "state");
            const files = (fs.readdirSync(stateDir, { recursive: true }) as string[]).map((f) => path.join(stateDir, f)).filter((f) => fs.statSync(f).isFile());
            assert.ok(
                files.some((f) => f.endsWith(`${stackName}.json`)),
                files.join(", "),
            );
            const state = files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
            const outputs = await stack.outputs();
            assert.strictEqual(outputs.grafanaAdminPassword.secret, true);
            const secrets = [...Object.values(TEST_SECRET_VALUES), String(outputs.grafanaAdminPassword.value)];
            for (const entry of standinHoldings(path.join(workDir, "standin")).values()) {
                if (entry.urn.includes("ServiceAccountToken")) secrets.push(String(entry.properties?.key));
            }
            assert.ok(secrets.length >= Object.keys(TEST_SECRET_VALUES).length + 2, "the token the stand-in issued is among them");
            assert.deepStrictEqual(
                secrets.filter((value) => value.length >= 8 && state.includes(value)),
                [],
            );
        });

        it("a Loki retention change previews as the Loki release's update only, and up upgrades it with Helm", async () => {
            needs("up");
            const before = Number(releases().find((r) => r.name === "loki")!.revision);
            await stack.setConfig("observability:loki.retention", { value: "9d" }, true);
            const updates: string[] = [];
            const onEvent = (event: EngineEvent) => {
                const pre = event.resourcePreEvent?.metadata;
                if (pre && pre.op !== "same" && pre.op !== "read") updates.push(`${pre.op} ${pre.type}::${pre.urn.split("::").pop()}`);
            };
            const preview = await stack.preview({ onEvent });
            // The Loki release, and the default provider of dynamic resources (the readiness gate): the engine gives
            // it the stack's whole configuration, so any config change updates it (no resource of it changes).
            assert.deepStrictEqual(updates.sort(), [
                "update kubernetes:helm.sh/v3:Release::observability-loki-release",
                "update pulumi:providers:pulumi-nodejs::default",
            ]);
            assert.strictEqual(preview.changeSummary.update, 1, "the summary counts the release only");
            const result = await timed("upgrade", () => stack.up());
            assert.strictEqual(result.summary.resourceChanges?.update, 1);
            const loki = releases().find((r) => r.name === "loki")!;
            assert.strictEqual(Number(loki.revision), before + 1, "a Helm upgrade: one more revision");
            assert.match(helm(["get", "values", "loki", "--namespace", NAMESPACE, "--output", "json"]), /"retention_period":"216h"/);
        });

        if (stackName === "production") {
            it("protectData: pulumi destroy deletes nothing, failing on the protected resources", async () => {
                needs("up");
                const resources = managedResources(await stateResources())
                    .map((r) => r.urn)
                    .sort();
                const held = standinHoldings(path.join(workDir, "standin")).size;
                const installed = releases().length;
                const policies = (await cluster.get(`/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`)).items.length;
                const deleted: string[] = [];
                await assert.rejects(
                    timed("destroy", () =>
                        stack.destroy({
                            onEvent: (event) => {
                                if (event.resOutputsEvent?.metadata.op === "delete") deleted.push(event.resOutputsEvent.metadata.urn);
                            },
                        }),
                    ),
                    /protected/,
                );
                done.add("destroy");
                // The only deletion: the engine's default provider of the StackReference, which holds nothing.
                assert.deepStrictEqual(deleted, [`urn:pulumi:${stackName}::observability::pulumi:providers:pulumi::default`]);
                assert.deepStrictEqual(
                    managedResources(await stateResources())
                        .map((r) => r.urn)
                        .sort(),
                    resources,
                );
                assert.strictEqual(standinHoldings(path.join(workDir, "standin")).size, held);
                assert.strictEqual(releases().length, installed);
                assert.strictEqual((await cluster.get(`/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`)).items.length, policies);
            });
        } else {
            it("pulumi destroy removes what it created and keeps the claims", async () => {
                needs("up");
                const kept = await claims();
                assert.ok(kept.length > 0, "the stack's volumes have claims");
                const result = await timed("destroy", () => stack.destroy());
                assert.strictEqual((await stateResources()).length, 0);
                assert.ok((result.summary.resourceChanges?.delete ?? 0) > 0);
                assert.deepStrictEqual(releases(), []);
                assert.deepStrictEqual([...standinHoldings(path.join(workDir, "standin")).keys()], []);
                assert.deepStrictEqual((await cluster.get(`/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`)).items, []);
                assert.deepStrictEqual(await claims(), kept);
            });
        }
    });
}
