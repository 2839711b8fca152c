import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS } from "../../components/charts";
import { alertRuleGroups } from "../../components/grafana/alerting/rules";
import { latencyBucketLabel, sloRecordingRuleGroups } from "../../components/slo/recordingRules";
import { HTTP_METRICS } from "../../components/vocabulary";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, committedStackManifests } from "../../scripts/lib/stackManifests";
import { loadStack, REPO_ROOT } from "../helpers/stacks";
import { SCHEMA_RELEASES, validateSchemas } from "../support/kubeSchemas";
import { ruleCases } from "../support/ruleCases";

// docs/extending.md, "How to extend": each worked example is read from the document itself and run, so the text
// cannot drift.
const DOC = "docs/extending.md";
const EXTENDING = fs.readFileSync(path.join(REPO_ROOT, DOC), "utf8");
const source = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

/** The fenced block right after `<!-- example: name -->`. */
function example(name: string): string {
    const marker = `<!-- example: ${name} -->`;
    const at = EXTENDING.indexOf(marker);
    assert.ok(at >= 0, `${DOC} has no ${marker}`);
    const block = /```[a-z]*\n([\s\S]*?)```/.exec(EXTENDING.slice(at + marker.length));
    assert.ok(block, `no fenced block after ${marker}`);
    return block[1];
}

/** The document's text of one "##" section. */
function section(title: string): string {
    const start = EXTENDING.indexOf(`\n## ${title}`);
    assert.ok(start >= 0, `${DOC} has no section "${title}"`);
    const end = EXTENDING.indexOf("\n##", start + 4);
    return EXTENDING.slice(start + 1, end < 0 ? undefined : end);
}

describe(`${DOC}: how to extend (every example runs)`, function () {
    this.timeout(300_000);

    it("add a monitored service: the stack-file block loads, and the rules read the metrics and bucket the document names", () => {
        const [service] = (parse(example("service")) as { config: Record<string, unknown[]> }).config["observability:services"] as Array<Record<string, any>>;
        const { config } = loadStack("staging", { services: JSON.stringify([service]) });
        assert.deepStrictEqual(
            config.services.map((s) => s.name),
            [service.name],
        );
        const text = section("Add a monitored service");
        const histogram = HTTP_METRICS.durationBucket.replace(/_bucket$/, "");
        for (const name of [HTTP_METRICS.requests, histogram, HTTP_METRICS.labels.namespace, HTTP_METRICS.labels.service, HTTP_METRICS.labels.status]) {
            assert.ok(text.includes(`\`${name}\``), `${DOC} does not name ${name}`);
        }
        const bucket = latencyBucketLabel(service.latencyThresholdMs);
        assert.ok(text.includes(`le="${bucket}"`), `${DOC} does not name the bucket le="${bucket}"`);
        const rules = sloRecordingRuleGroups(config.services).flatMap((group) => group.rules);
        const expressions = rules.map((rule) => rule.expr).join("\n");
        // The shared latency SLI reads the histogram's buckets and keeps each service's threshold bucket, a series of its group.
        assert.ok(
            expressions.includes(`${HTTP_METRICS.durationBucket}{`) && rules.some((rule) => rule.labels.service === service.name && rule.labels.le === bucket),
            "the latency SLI reads that bucket",
        );
        assert.ok(expressions.includes(`${HTTP_METRICS.requests}{`), "the error SLI reads the request counter");
    });

    it("add a monitored service: the ServiceMonitor example is valid against the CRD the stack installs", () => {
        const monitor = parse(example("service-monitor")) as KubernetesObject;
        const crds = allObjects(committedStackManifests("dev")).filter((o) => o.kind === "CustomResourceDefinition");
        const [result] = validateSchemas([monitor], SCHEMA_RELEASES[0], crds);
        assert.strictEqual(result.status, "statusValid", result.msg);
    });

    it("add a dashboard: both example lines are the code as it is", () => {
        assert.ok(source("components/grafana/dashboards/index.ts").includes(example("dashboard-builder").trimEnd()), "builder line");
        assert.ok(source("components/grafana/dashboards/imported.ts").includes(example("dashboard-import").trimEnd()), "import line");
    });

    it("add an alert rule: the example cases are the code's, and promtool runs them (tests/engines/promtool-rules.test.ts)", () => {
        assert.ok(source("tests/support/ruleCases/serviceHealth.ts").includes(example("alert-rule").trimEnd()));
        const input = { namespace: "monitoring", services: [], managedControlPlane: false };
        const rule = alertRuleGroups(input)
            .flatMap((group) => group.rules)
            .find((candidate) => candidate.uid === "high-error-rate")!;
        assert.deepStrictEqual(
            ruleCases(input, rule).map((c) => c.name),
            ["10% of requests fail: pending for 5 minutes, then firing", "2% of requests fail"],
        );
    });

    it("upgrade a chart: the files and commands the document names exist", () => {
        const text = section("Upgrade a chart version");
        const scripts = JSON.parse(source("package.json")).scripts as Record<string, string>;
        for (const command of text.matchAll(/`npm run ([a-z:]+)/g)) assert.ok(scripts[command[1]], `npm run ${command[1]}`);
        for (const file of ["components/charts.ts", "charts.lock.json"])
            assert.ok(text.includes(`\`${file}\``) && fs.existsSync(path.join(REPO_ROOT, file)), file);
        assert.ok(source("components/charts.ts").includes(`version: "${CHARTS.kubePrometheusStack.version}"`));
    });

    it("move from kube-prometheus-stack: the names the document gives are what the prometheus release renders", () => {
        const prometheus = committedStackManifests("dev").releases.find((r) => r.name === "prometheus")!;
        const text = section("Move from an existing kube-prometheus-stack install");
        const names = (kind: string) => prometheus.objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
        assert.ok(text.includes("named `prometheus`"));
        assert.ok(names("Deployment").includes("prometheus-operator") && text.includes("`prometheus-operator`"));
        assert.ok(
            names("ValidatingWebhookConfiguration").includes("prometheus-admission") && names("MutatingWebhookConfiguration").includes("prometheus-admission"),
        );
        assert.ok(text.includes("`prometheus-admission`") && names("Prometheus").includes("prometheus"));
    });
});
