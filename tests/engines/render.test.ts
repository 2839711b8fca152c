import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { CHARTS } from "../../components/charts";
import { runPromtool } from "../helpers/promtool";
import { REPO_ROOT, STACK_NAMES, TEST_SECRET_VALUES } from "../helpers/stacks";

interface Rendered {
    files: Map<string, string>;
    stdout: string;
    status: number | null;
    stderr: string;
}

/** Runs `npm run render` for a stack in its own process, with distinctive secrets set in config. */
function render(stack: string, secrets: Record<string, string> = TEST_SECRET_VALUES, extra: string[] = []): Rendered {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `render-${stack}-`));
    const run = spawnSync(process.execPath, ["-r", "ts-node/register", path.join("scripts", "render.ts"), "--stack", stack, "--out", out, ...extra], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", RENDER_SECRETS: JSON.stringify(secrets) },
    });
    const files = new Map<string, string>();
    const walk = (directory: string) => {
        for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
            const full = path.join(directory, entry.name);
            if (entry.isDirectory()) walk(full);
            else files.set(path.relative(out, full), fs.readFileSync(full, "utf8"));
        }
    };
    if (fs.existsSync(out)) walk(out);
    fs.rmSync(out, { recursive: true, force: true });
    return { files, stdout: run.stdout, stderr: run.stderr, status: run.status };
}

describe("offline render (npm run render)", function () {
    this.timeout(300_000);
    const rendered: Record<string, Rendered> = {};
    before(() => {
        for (const stack of STACK_NAMES) rendered[stack] = render(stack);
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("succeeds without a cluster, credentials or network", () => {
                assert.strictEqual(rendered[stack].status, 0, rendered[stack].stderr);
            });

            it("never writes a secret set in config, nor prints one", () => {
                const { files, stdout } = rendered[stack];
                for (const [file, text] of files) {
                    for (const [key, secret] of Object.entries(TEST_SECRET_VALUES)) assert.ok(!text.includes(secret), `${key} in ${file}`);
                }
                for (const secret of Object.values(TEST_SECRET_VALUES)) assert.ok(!stdout.includes(secret));
            });

            it("writes each release's values with its pinned chart and version", () => {
                const helmFiles = [...rendered[stack].files.keys()].filter((f) => f.startsWith("helm/"));
                assert.deepStrictEqual(helmFiles.sort(), [
                    "helm/alloy.values.yaml",
                    "helm/grafana.values.yaml",
                    "helm/loki.values.yaml",
                    "helm/prometheus.values.yaml",
                    "helm/pyroscope.values.yaml",
                    "helm/tempo.values.yaml",
                ]);
                const summary = rendered[stack].files.get("SUMMARY.md")!;
                for (const file of helmFiles) {
                    const text = rendered[stack].files.get(file)!;
                    const [, chart, version] = /chart (\S+) (\S+) from/.exec(text)!;
                    assert.ok(
                        Object.values(CHARTS).some((pin) => pin.chart === chart && pin.version === version),
                        `${file}: ${chart} ${version}`,
                    );
                    assert.ok(summary.includes(`| ${chart} | ${version} |`));
                    assert.match(summary, new RegExp(`\\| ${chart} \\| [0-9.]+ \\| [0-9.]+ GiB \\|`), `footprint row of ${chart}`);
                    assert.strictEqual(typeof parse(text), "object");
                }
            });

            it("writes each release's manifests as Helm renders them, and SUMMARY lists their objects", () => {
                const manifestFiles = [...rendered[stack].files.keys()].filter((f) => f.startsWith("manifests/")).sort();
                assert.deepStrictEqual(manifestFiles, [
                    "manifests/alloy.yaml",
                    "manifests/grafana.yaml",
                    "manifests/loki.yaml",
                    "manifests/prometheus.yaml",
                    "manifests/pyroscope.yaml",
                    "manifests/tempo.yaml",
                ]);
                const grafana = parseAllDocuments(rendered[stack].files.get("manifests/grafana.yaml")!)
                    .map((d) => d.toJS())
                    .filter(Boolean);
                const deployment = grafana.find((o: any) => o.kind === "Deployment");
                assert.strictEqual(deployment?.metadata.labels["app.kubernetes.io/instance"], "grafana");
                assert.match(rendered[stack].files.get("SUMMARY.md")!, /\| grafana \| grafana 12\.11\.1 from .* \| \d+: .*Deployment\/grafana/);
            });

            it("writes every dashboard as JSON under its UID", () => {
                const dashboards = [...rendered[stack].files].filter(([file]) => file.startsWith("dashboards/"));
                assert.ok(dashboards.length >= 3);
                for (const [file, text] of dashboards) assert.strictEqual(`dashboards/${JSON.parse(text).uid}.json`, file);
            });

            it("writes the alert rules for Grafana and as a Prometheus rule file that promtool accepts, rule for rule", () => {
                const grafanaRules = parse(rendered[stack].files.get("alerting/grafana-rules.yaml")!) as { groups: Array<{ rules: unknown[] }> };
                const prometheusRules = rendered[stack].files.get("alerting/prometheus-rules.yaml")!;
                const count = (groups: Array<{ rules: unknown[] }>) => groups.reduce((sum, g) => sum + g.rules.length, 0);
                assert.ok(count(grafanaRules.groups) > 0);
                assert.strictEqual(count((parse(prometheusRules) as { groups: Array<{ rules: unknown[] }> }).groups), count(grafanaRules.groups));
                const checked = runPromtool(["check", "rules", "rules.yml"], { "rules.yml": prometheusRules });
                assert.ok(checked.ok, checked.output);
            });
        });
    }

    it("shows where the secrets go, redacted: the Slack token and PagerDuty key of production", () => {
        const contactPoints = parse(rendered.production.files.get("alerting/contact-points.yaml")!) as Array<Record<string, any>>;
        const slack = contactPoints.find((c) => c.slacks)!.slacks[0];
        const pagerduty = contactPoints.find((c) => c.pagerduties)!.pagerduties[0];
        assert.strictEqual(slack.token, "[secret]");
        assert.strictEqual(slack.recipient, "#platform-alerts");
        assert.strictEqual(pagerduty.integrationKey, "[secret]");
    });

    it("fails where pulumi preview would: a secret the stack file lacks, named with the command that sets it", () => {
        const { slackToken: _slack, smtpPassword: _smtp, ...others } = TEST_SECRET_VALUES;
        const result = render("staging", others);
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /observability:slackToken: .*pulumi config set --secret slackToken/);
        assert.match(result.stderr, /observability:smtpPassword: .*pulumi config set --secret smtpPassword/);
        // Asked for, placeholders stand in for them, and the render says which.
        const placeholders = render("staging", others, ["--placeholder-secrets"]);
        assert.strictEqual(placeholders.status, 0, placeholders.stderr);
        assert.match(placeholders.stdout, /placeholders for secrets the stack file lacks \(pulumi preview would refuse\): .*slackToken.*smtpPassword/);
    });

    describe("stack files pulumi preview refuses", () => {
        const write = (stack: string, text: string) => fs.writeFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), text);
        const remove = (stack: string) => fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), { force: true });

        it("a config key without the project's namespace", () => {
            write("render-bare-key", "config:\n  observability:preset: dev\n  retention: 7d\n");
            try {
                const result = render("render-bare-key");
                assert.notStrictEqual(result.status, 0);
                assert.match(result.stderr, /Pulumi\.render-bare-key\.yaml: config key "retention" has no namespace; write "observability:retention"/);
            } finally {
                remove("render-bare-key");
            }
        });

        it("a secret written in plain text, with the command that encrypts it", () => {
            write("render-plain-secret", "config:\n  observability:preset: dev\n  observability:smtpPassword: hunter2-plain\n");
            try {
                const result = render("render-plain-secret", {});
                assert.notStrictEqual(result.status, 0);
                assert.match(
                    result.stderr,
                    /observability:smtpPassword: is in plain text in Pulumi\.render-plain-secret\.yaml; remove that line and run: pulumi config set --secret smtpPassword <value> --stack render-plain-secret/,
                );
                assert.ok(!result.stderr.includes("hunter2-plain") && !result.stdout.includes("hunter2-plain"), "the value itself is never printed");
            } finally {
                remove("render-plain-secret");
            }
        });
    });

    it("fails with a clear message for a stack without a stack file", () => {
        const result = render("no-such-stack");
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /no stack file Pulumi\.no-such-stack\.yaml/);
    });
});
