import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import { FINGERPRINTS_OUTPUT } from "../../components/grafana/alerting/contactPointFingerprints";
import { captureResources, isSecret, outputValue, type RecordedResource } from "../helpers/pulumi";
import { REPO_ROOT } from "../helpers/stacks";

type Program = typeof import("../../index");

/** Runs index.ts in a fresh process with `config`; returns how many resources it registered and its error. */
function evaluateInOwnProcess(stack: string, config: Record<string, unknown>): { registered: number; error?: string } {
    const run = spawnSync(process.execPath, ["-r", "ts-node/register", path.join("tests", "fixtures", "evaluate-program.ts")], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", PROGRAM_STACK: stack, PROGRAM_CONFIG: JSON.stringify(config) },
    });
    const line = run.stdout.trim().split("\n").pop() ?? "";
    assert.ok(line.startsWith("{"), `no result from the program: ${run.stdout}${run.stderr}`);
    return JSON.parse(line);
}

describe("the program (index.ts, dev stack)", () => {
    let program: Program;
    let resources: RecordedResource[];
    before(async () => {
        resources = await captureResources(() => {
            program = require("../../index");
        });
    });

    it("installs the six charts at their pinned versions from https repositories", () => {
        const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs);
        const expected = [CHARTS.grafana, CHARTS.kubePrometheusStack, CHARTS.loki, CHARTS.tempo, CHARTS.pyroscope, CHARTS.alloy];
        assert.deepStrictEqual(releases.map((r) => r.chart).sort(), expected.map((c) => c.chart).sort());
        for (const release of releases) {
            const pin = Object.values(CHARTS).find((c) => c.chart === release.chart)!;
            assert.strictEqual(release.version, pin.version);
            assert.strictEqual(release.repositoryOpts.repo, pin.repo);
            assert.match(release.repositoryOpts.repo, /^https:\/\//);
        }
    });

    it("creates its namespace and installs every release into it", () => {
        const namespaces = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        // node-exporter needs host access ("privileged" Pod Security); everything else runs under "baseline".
        assert.deepStrictEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), ["monitoring", "monitoring-node-exporter"]);
        const levels = Object.fromEntries(
            namespaces.map((n) => [
                n.inputs.metadata.name,
                ["enforce", "warn", "audit"].map((mode) => n.inputs.metadata.labels[`pod-security.kubernetes.io/${mode}`]).join("/"),
            ]),
        );
        // node-exporter's namespace warns at what it enforces: no "restricted" warning on every install.
        assert.deepStrictEqual(levels, { monitoring: "baseline/restricted/restricted", "monitoring-node-exporter": "privileged/privileged/privileged" });
        for (const release of resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
            assert.strictEqual(release.inputs.namespace, "monitoring", release.name);
        }
    });

    it("exports in-cluster URLs for dev, which has no ingress", async () => {
        assert.strictEqual(await outputValue(program.namespace), "monitoring");
        for (const url of [program.grafanaUrl, program.prometheusUrl, program.lokiUrl, program.tempoUrl]) {
            assert.match(await outputValue(url), /^http:\/\/[a-z0-9-]+\.monitoring\.svc\.cluster\.local(:\d+)?$/);
        }
        assert.strictEqual(await outputValue(program.alertmanagerUrl), "http://prometheus-alertmanager.monitoring.svc.cluster.local:9093");
    });

    it("exports the collector's OTLP endpoints on the standard ports", async () => {
        assert.match(await outputValue(program.otlpGrpcEndpoint), /^[a-z0-9-]+\.monitoring\.svc\.cluster\.local:4317$/);
        assert.match(await outputValue(program.otlpHttpEndpoint), /^http:\/\/[a-z0-9-]+\.monitoring\.svc\.cluster\.local:4318$/);
    });

    it("exports the contact point fingerprints, as a secret, under the name the next deployment reads", async () => {
        assert.strictEqual(await isSecret((program as Record<string, any>)[FINGERPRINTS_OUTPUT]), true);
        assert.deepStrictEqual(
            await outputValue(program.contactPointFingerprints),
            {},
            "dev sends no notification, so it has no secret-carrying contact point",
        );
    });

    it("exports the admin password as a secret", async () => {
        assert.strictEqual(await isSecret(program.grafanaAdminPassword), true);
        assert.ok((await outputValue(program.grafanaAdminPassword)).length >= 24);
    });

    it("exports a port-forward command per UI for dev", async () => {
        const commands = program.portForwardCommands ? await outputValue(program.portForwardCommands) : {};
        assert.deepStrictEqual(Object.keys(commands).sort(), ["alertmanager", "grafana", "loki", "prometheus", "pyroscope", "tempo"]);
        // The single binary's Service and the chart's `pyroscope.service.port`.
        assert.strictEqual(commands.pyroscope, "kubectl --namespace monitoring port-forward svc/pyroscope 4040:4040");
        assert.strictEqual(commands.alertmanager, "kubectl --namespace monitoring port-forward svc/prometheus-alertmanager 9093:9093");
        assert.strictEqual(commands.grafana, "kubectl --namespace monitoring port-forward svc/grafana 3000:80");
        for (const command of Object.values(commands)) assert.match(command, /^kubectl --namespace monitoring port-forward svc\/[a-z0-9-]+ \d+:\d+$/);
    });

    it("exports datasource and folder UIDs and dashboard URLs", async () => {
        const datasources = await outputValue(program.datasourceUids);
        assert.deepStrictEqual(Object.keys(datasources).sort(), ["alertmanager", "loki", "prometheus", "pyroscope", "tempo"]);
        assert.ok(Object.keys(await outputValue(program.folderUids)).length >= 3);
        assert.ok(Object.keys(await outputValue(program.dashboardUrls)).length >= 3);
    });
});

describe("the program with a bad config", () => {
    it("fails with the key, the value and what is allowed, before registering any resource", () => {
        const result = evaluateInOwnProcess("dev", { loki: { retention: "forever" } });
        assert.match(result.error ?? "", /observability:loki\.retention: got "forever"; expected a duration/);
        assert.strictEqual(result.registered, 0);
    });

    it("refuses production without object storage before registering any resource", () => {
        const result = evaluateInOwnProcess("production", {});
        assert.match(result.error ?? "", /observability:objectStorage: got nothing;/);
        assert.strictEqual(result.registered, 0);
    });

    it("registers the stack when the same config is valid (the counter works)", () => {
        const result = evaluateInOwnProcess("dev", { loki: { retention: "1d" } });
        assert.strictEqual(result.error, undefined);
        assert.ok(result.registered > 10, `registered ${result.registered}`);
    });
});
