import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, type ChartKey } from "../../components/charts";
import { chartSource, readLock } from "../../scripts/lib/chartSource";
import { HELM_VERSION, helmBinary, helmTemplate } from "../../scripts/lib/helmTemplate";
import { committedStackManifests } from "../../scripts/lib/stackManifests";
import { REPO_ROOT, STACK_NAMES } from "../helpers/stacks";

// Every release of every committed stack goes through `helm template` with the program's own release name,
// namespace, pinned chart and values: a chart that refuses the values fails here with Helm's message.
describe("Helm renders every release", function () {
    this.timeout(600_000);

    it(`uses Helm ${HELM_VERSION}`, () => {
        const version = spawnSync(helmBinary(), ["version", "--template", "{{.Version}}"], { encoding: "utf8" });
        assert.strictEqual(version.stdout.trim(), HELM_VERSION);
    });

    for (const stack of STACK_NAMES) {
        it(`${stack}: every release renders, with the program's release names and namespace`, () => {
            const manifests = committedStackManifests(stack);
            assert.ok(manifests.releases.length >= 5, `${manifests.releases.length} releases`);
            for (const release of manifests.releases) {
                const workloads = release.objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
                assert.ok(workloads.length > 0, `${release.name} (${release.chart}) rendered no workload`);
                // Helm's own labels carry the release: proof the render used the program's name.
                const labelled = release.objects.filter((o) => o.metadata?.labels?.["app.kubernetes.io/instance"] === release.name);
                assert.ok(labelled.length > 0, `${release.name}: no object labelled with the release name`);
            }
            // The charts' CRDs are what the stack installs; ServiceMonitors render only once that group is known.
            assert.ok(manifests.apiVersions.includes("monitoring.coreos.com/v1/ServiceMonitor"), manifests.apiVersions.join(", "));
            assert.ok(manifests.releases.flatMap((r) => r.objects).some((o) => o.kind === "ServiceMonitor"));
        });
    }

    it("production renders Tempo 3 distributed with its backend workers' PodDisruptionBudget", () => {
        const tempo = committedStackManifests("production").releases.find((r) => r.chart === "tempoDistributed")!;
        const budgets = tempo.objects.filter((o) => o.kind === "PodDisruptionBudget").map((o) => o.metadata.name);
        assert.ok(budgets.includes("tempo-backend-worker"), budgets.join(", "));
    });

    it("fails with the chart's own message when a template cannot render", () => {
        // tempo-distributed 3.3.0 reads backendWorker.podDisruptionBudget.enabled without a default (the
        // defect this suite found in production): the error is Helm's, naming the template and the value.
        assert.throws(
            () =>
                helmTemplate(
                    {
                        name: "tempo",
                        namespace: "monitoring",
                        chart: "tempoDistributed",
                        values: { backendScheduler: { enabled: true }, backendWorker: { replicas: 2 } },
                    },
                    { kubeVersion: "1.34.0", apiVersions: [] },
                ),
            /poddisruptionbudget-backend-worker\.yaml.*nil pointer evaluating interface \{\}\.enabled/s,
        );
    });
});

describe("chart sources", () => {
    it("the lock names every pinned chart at its pinned version and repository", () => {
        const lock = readLock();
        assert.deepStrictEqual(Object.keys(lock).sort(), Object.keys(CHARTS).sort());
        for (const key of Object.keys(CHARTS) as ChartKey[]) {
            const { chart, version, repo } = CHARTS[key];
            assert.deepStrictEqual({ chart: lock[key].chart, version: lock[key].version, repo: lock[key].repo }, { chart, version, repo });
            assert.ok(lock[key].digest === null || /^[0-9a-f]{64}$/.test(lock[key].digest!), `${key}: ${lock[key].digest}`);
        }
    });

    it("says where each chart comes from", () => {
        for (const key of Object.keys(CHARTS) as ChartKey[]) {
            const source = chartSource(key);
            assert.ok(fs.existsSync(source.path), source.path);
            assert.ok(source.description.includes(`${CHARTS[key].chart} ${CHARTS[key].version}`), source.description);
        }
    });

    it("a chart that is nowhere fails with the command that fetches it", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-charts-"));
        const script =
            "const { chartSource } = require('./scripts/lib/chartSource'); try { chartSource('grafana'); console.log('found'); } catch (e) { console.log(e.message); }";
        const run = spawnSync(process.execPath, ["-r", "ts-node/register", "-e", script], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", SHARED_CHARTS_DIR: empty, CHART_CACHE_DIR: path.join(empty, "cache") },
        });
        fs.rmSync(empty, { recursive: true, force: true });
        assert.match(
            run.stdout,
            /chart grafana 12\.11\.1 is not available: no vendored chart at .*; no archive .*grafana-12\.11\.1\.tgz\. Fix: `npm run charts:pull` \(helm pull --repo https:\/\/grafana-community\.github\.io\/helm-charts grafana --version 12\.11\.1\)/,
        );
    });
});
