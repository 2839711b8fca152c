import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import { chartSource, satisfiesDependency } from "../../scripts/lib/chartSource";
import { helmBinary } from "../../scripts/lib/helmTemplate";
import { REPO_ROOT } from "../helpers/stacks";

// Dependencies are resolved as Helm resolves them: a Chart.yaml `version` may be a range, satisfied by the
// subchart in charts/ (a directory or an archive) whose version is in it. A missing one is an error, never a
// render without it.
describe("chart sources: dependencies resolved as Helm resolves them", function () {
    this.timeout(120_000);

    it("matches versions against Helm's constraint forms", () => {
        const cases: [string, string, boolean][] = [
            ["0.12.8", "0.12.*", true], // kube-prometheus-stack's prometheus-windows-exporter
            ["0.13.0", "0.12.*", false],
            ["8.4.0", "8.4.0", true],
            ["8.4.1", "8.4.0", false],
            ["1.2.9", "~1.2.0", true],
            ["1.3.0", "~1.2.0", false],
            ["2.7.0", "^2.1", true],
            ["3.0.0", "^2.1", false],
            ["2.5.0", ">= 1.2, < 3.0", true],
            ["3.0.0", ">= 1.2, < 3.0", false],
            ["1.0.0-rc.1", "1.0.*", false], // Helm leaves pre-releases out of a range unless it names one
        ];
        const wrong = cases.filter(([version, range, expected]) => satisfiesDependency(version, range) !== expected);
        assert.deepStrictEqual(wrong, []);
    });

    it("resolves kube-prometheus-stack's `0.12.*` dependency to the vendored 0.12.8 and renders the whole chart", () => {
        const source = chartSource("kubePrometheusStack");
        const meta = fs.readFileSync(path.join(source.path, "Chart.yaml"), "utf8");
        assert.match(meta, /name: prometheus-windows-exporter[\s\S]*?version: "0\.12\.\*"/);
        const subcharts = fs.readdirSync(path.join(source.path, "charts")).sort();
        assert.deepStrictEqual(subcharts, ["crds", "grafana", "kube-state-metrics", "prometheus-node-exporter", "prometheus-windows-exporter"]);
    });

    describe("in a chart folder of its own making", () => {
        let root: string;
        const version = CHARTS.grafana.version;
        /** chartSource('grafana') in a fresh process over `root` as the vendored charts. */
        const resolve = () =>
            spawnSync(
                process.execPath,
                [
                    "-r",
                    "ts-node/register",
                    "-e",
                    "const { chartSource } = require('./scripts/lib/chartSource'); try { const s = chartSource('grafana'); console.log(JSON.stringify(s)); } catch (e) { console.log('ERROR ' + e.message); }",
                ],
                {
                    cwd: REPO_ROOT,
                    encoding: "utf8",
                    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", SHARED_CHARTS_DIR: root, CHART_CACHE_DIR: path.join(root, "cache") },
                },
            ).stdout.trim();
        const writeChart = (directory: string, name: string, chartVersion: string, dependencies = "") => {
            fs.mkdirSync(path.join(directory, "templates"), { recursive: true });
            fs.writeFileSync(path.join(directory, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${chartVersion}\n${dependencies}`);
            fs.writeFileSync(path.join(directory, "values.yaml"), "{}\n");
            fs.writeFileSync(path.join(directory, "templates", "cm.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`);
        };

        beforeEach(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "chart-source-"));
        });
        afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

        function parentWith(range: string, packaged: string): string {
            const parent = path.join(root, "grafana", version, "chart");
            writeChart(
                parent,
                "grafana",
                version,
                `dependencies:\n  - name: helper\n    version: "${range}"\n    repository: https://example.invalid/charts\n`,
            );
            const helper = path.join(root, "src", "helper");
            writeChart(helper, "helper", packaged);
            fs.mkdirSync(path.join(parent, "charts"));
            const run = spawnSync(helmBinary(), ["package", helper, "--destination", path.join(parent, "charts")], { encoding: "utf8" });
            assert.strictEqual(run.status, 0, run.stderr);
            return parent;
        }

        it("takes a range satisfied by an archive in charts/, and Helm renders the subchart", () => {
            const parent = parentWith("1.2.*", "1.2.7");
            const resolved = resolve();
            assert.ok(!resolved.startsWith("ERROR"), resolved);
            assert.strictEqual(JSON.parse(resolved).path, parent);
            const rendered = spawnSync(helmBinary(), ["template", "x", parent], { encoding: "utf8" });
            assert.strictEqual(rendered.status, 0, rendered.stderr);
            assert.match(rendered.stdout, /name: helper/);
        });

        it("refuses a chart whose subchart is outside the declared range, naming the dependency", () => {
            parentWith("1.3.*", "1.2.7");
            assert.match(resolve(), /^ERROR chart grafana \S+ is not available: .* lacks its dependencies helper 1\.3\.\*; no archive /);
        });
    });
});
