import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, type ChartKey } from "../../components/charts";
import { chartSource } from "../../scripts/lib/chartSource";
import { helmBinary } from "../../scripts/lib/helmTemplate";
import { chartReference, chartReferenceAt, documentedPaths, SHARED_CHARTS_DIR, unknownValuePaths } from "../support/chartKeys";

// The checker every chart-values test relies on: it must accept real keys and catch typos.
describe("chart key checker", () => {
    const grafana = chartReference("grafana", CHARTS.grafana.version);
    const kubePrometheusStack = chartReference("kube-prometheus-stack", CHARTS.kubePrometheusStack.version);

    it("accepts keys from the defaults, from templates and from documenting comments", () => {
        assert.deepStrictEqual(
            unknownValuePaths(grafana, {
                replicas: 2,
                persistence: { enabled: true, storageClassName: "fast" },
                adminPassword: "documented-in-a-comment",
                admin: { existingSecret: "grafana-admin" },
            }),
            [],
        );
    });

    it("accepts anything below a default that is an empty map, a list or null", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { podDisruptionBudget: { minAvailable: 1 }, affinity: { podAntiAffinity: {} } }), []);
    });

    it("catches misspelt keys at the top and deep inside", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { replica: 2, persistence: { enabeld: true }, admin: { existingSecrets: "x" } }), [
            "replica",
            "persistence.enabeld",
            "admin.existingSecrets",
        ]);
    });

    it("accepts a map the defaults lack when templates read its keys, and still checks those keys", () => {
        const tempoDistributed = chartReference("tempo-distributed", CHARTS.tempoDistributed.version);
        assert.deepStrictEqual(unknownValuePaths(tempoDistributed, { backendWorker: { podDisruptionBudget: { enabled: true } } }), []);
        assert.deepStrictEqual(unknownValuePaths(tempoDistributed, { backendWorker: { podDisruptionBudget: { enabeld: true } } }), [
            "backendWorker.podDisruptionBudget.enabeld",
        ]);
    });

    it("catches a map set where the chart expects a scalar", () => {
        assert.deepStrictEqual(unknownValuePaths(grafana, { replicas: { count: 2 } }), ["replicas.count"]);
    });

    it("checks subchart values against the subchart's own defaults", () => {
        assert.deepStrictEqual(unknownValuePaths(kubePrometheusStack, { "kube-state-metrics": { resources: { requests: { cpu: "10m" } } } }), []);
        assert.deepStrictEqual(unknownValuePaths(kubePrometheusStack, { "prometheus-node-exporter": { resourcez: {} } }), [
            "prometheus-node-exporter.resourcez",
        ]);
    });

    it("passes maps the chart renders verbatim only when told to", () => {
        const ini = { "grafana.ini": { "auth.anonymous": { enabled: false } } };
        assert.deepStrictEqual(unknownValuePaths(grafana, ini), ["grafana.ini.auth.anonymous"]);
        assert.deepStrictEqual(unknownValuePaths(grafana, ini, ["grafana.ini"]), []);
    });

    it("reads nested documenting comments with their indentation", () => {
        const documented = documentedPaths("top:\n  real: 1\n  # commented: x\n  # block:\n  #   inner: y\nother: 2\n# rootLevel: z\n");
        assert.deepStrictEqual([...documented].sort(), ["rootLevel", "top.block", "top.block.inner", "top.commented"]);
    });

    it("reads the keys from the chart Helm renders, and a chart archive the same as its directory", () => {
        // tempo-distributed: its .helmignore keeps every template in the package, and it carries a subchart under an alias.
        const directory = chartSource("tempoDistributed").path;
        const fromDirectory = chartReference("tempo-distributed", CHARTS.tempoDistributed.version);
        const packaged = fs.mkdtempSync(path.join(os.tmpdir(), "chart-archive-"));
        try {
            const helmPackage = spawnSync(helmBinary(), ["package", directory, "--destination", packaged], { encoding: "utf8" });
            assert.strictEqual(helmPackage.status, 0, helmPackage.stderr);
            const [archive] = fs.readdirSync(packaged).filter((name) => name.endsWith(".tgz"));
            const fromArchive = chartReferenceAt(path.join(packaged, archive));
            assert.ok(fromArchive.templatePaths.has("backendWorker.podDisruptionBudget.enabled"));
            assert.deepStrictEqual([...fromArchive.templatePaths].sort(), [...fromDirectory.templatePaths].sort());
            assert.deepStrictEqual(fromArchive.defaults, fromDirectory.defaults);
            assert.ok(fromArchive.subcharts.has("rollout_operator"), [...fromArchive.subcharts.keys()].join(", "));
            assert.deepStrictEqual([...fromArchive.subcharts.keys()].sort(), [...fromDirectory.subcharts.keys()].sort());
        } finally {
            fs.rmSync(packaged, { recursive: true, force: true });
        }
    });

    it("lists what the templates read exactly as the upstream snapshots' template-values.txt does, where a snapshot is present", () => {
        let compared = 0;
        const withoutSnapshot: ChartKey[] = [];
        for (const key of Object.keys(CHARTS) as ChartKey[]) {
            if (!SHARED_CHARTS_DIR) continue; // users' CI: no snapshot to compare with, the chart itself is the source
            const listing = path.join(SHARED_CHARTS_DIR, CHARTS[key].chart, CHARTS[key].version, "template-values.txt");
            if (!fs.existsSync(listing)) {
                withoutSnapshot.push(key);
                continue;
            }
            const snapshot = fs
                .readFileSync(listing, "utf8")
                .split("\n")
                .map((line) => line.trim())
                .filter(Boolean)
                .sort();
            assert.deepStrictEqual([...chartReference(CHARTS[key].chart, CHARTS[key].version).templatePaths].sort(), snapshot, key);
            compared++;
        }
        // The vendored pyroscope chart comes without a listing; every other pinned chart has one.
        if (SHARED_CHARTS_DIR) assert.deepStrictEqual(withoutSnapshot, ["pyroscope"], `${compared} snapshots compared`);
    });
});
