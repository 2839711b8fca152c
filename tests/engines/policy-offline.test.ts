import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ObservabilityStack } from "../../components/ObservabilityStack";
import { policies } from "../../policy/policies";
import { STACK_REFERENCE_TYPE } from "../../scripts/lib/mockStackReference";
import { captureResources } from "../helpers/pulumi";
import { loadStack, REPO_ROOT, TEST_SECRET_VALUES } from "../helpers/stacks";

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `npm run policy` for a stack in its own process, with distinctive secrets set in config. */
function policyCheck(stack: string, extra: string[] = []): Run {
    const run = spawnSync(process.execPath, ["-r", "ts-node/register", path.join("scripts", "policy-offline.ts"), "--stack", stack, ...extra], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 180_000,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", RENDER_SECRETS: JSON.stringify(TEST_SECRET_VALUES) },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const SUMMARY = /checked (\d+) resources against (\d+) polic(?:y|ies) \((\d+) resource, (\d+) stack\): (\d+) mandatory, (\d+) advisory violations/;

function summary(run: Run) {
    const match = SUMMARY.exec(run.stdout);
    assert.ok(match, `no summary line in:\n${run.stdout}\n${run.stderr}`);
    const [resources, checked, resourcePolicies, stackPolicies, mandatory, advisory] = match.slice(1).map(Number);
    return { resources, checked, resourcePolicies, stackPolicies, mandatory, advisory };
}

function assertNoSecretPrinted(run: Run): void {
    for (const [key, secret] of Object.entries(TEST_SECRET_VALUES)) {
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `the value of ${key} was printed`);
    }
}

describe("offline policy check (npm run policy)", function () {
    this.timeout(300_000);

    it("production passes the real pack with policy/config/production.json, every resource and policy checked", async () => {
        const run = policyCheck("production");
        assert.strictEqual(run.status, 0, `${run.stdout}\n${run.stderr}`);
        const counts = summary(run);
        // Every resource the program registers (components and providers too, as the engine analyzes them).
        // The reference to the stack's own last deployment is read (ReadResource), not registered: the mocks
        // see it, the policy run's RegisterResource hook does not.
        const { config, secrets } = loadStack("production");
        const constructed = await captureResources(() => new ObservabilityStack("observability", { config, secrets }));
        const registered = constructed.filter((resource) => resource.type !== STACK_REFERENCE_TYPE);
        assert.strictEqual(constructed.length - registered.length, 1, "one read: the stack's own last deployment");
        assert.strictEqual(counts.resources, registered.length);
        const stackPolicies = policies.filter((policy) => "validateStack" in policy).length;
        assert.deepStrictEqual(
            [counts.checked, counts.resourcePolicies, counts.stackPolicies],
            [policies.length, policies.length - stackPolicies, stackPolicies],
        );
        assert.deepStrictEqual([counts.mandatory, counts.advisory], [0, 0]);
        assert.match(run.stdout, /\(config policy\/config\/production\.json\)/);
        // Production-only policies included: none was vacuously "not applicable" to the whole stack.
        assert.doesNotMatch(run.stdout, /not applicable to anything/);
        assertNoSecretPrinted(run);
    });

    it("a production stack with protectData: false fails on production-data-protected, naming each unprotected resource", () => {
        const stack = "policy-offline-test";
        const stackFile = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
        const configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "policy-offline-"));
        const configFile = path.join(configDirectory, "policy-config.json");
        // The production preset and stack file, unprotected; the policy config makes this stack name a production one.
        fs.writeFileSync(
            stackFile,
            `${fs.readFileSync(path.join(REPO_ROOT, "Pulumi.production.yaml"), "utf8").trimEnd()}\n` +
                "  observability:preset: production\n  observability:protectData: false\n",
        );
        fs.writeFileSync(configFile, JSON.stringify({ "production-data-protected": { productionStacks: [stack] } }));
        try {
            const run = policyCheck(stack, ["--config", configFile]);
            assert.strictEqual(run.status, 1, `${run.stdout}\n${run.stderr}`);
            const violation = (type: string, name: string) =>
                new RegExp(
                    `^\\[mandatory\\] production-data-protected\\n    resource: ` +
                        `urn:pulumi:${stack}::observability::\\S*${type.replace(/[.$/]/g, "\\$&")}::${name}\\n.*\\n.*"${name}" is not protected`,
                    "m",
                );
            for (const name of [
                "observability-prometheus-release",
                "observability-loki-release",
                "observability-tempo-release",
                "observability-pyroscope-release",
            ]) {
                assert.match(run.stdout, violation("kubernetes:helm.sh/v3:Release", name));
            }
            assert.match(run.stdout, violation("kubernetes:core/v1:Namespace", "observability-namespace"));
            const counts = summary(run);
            assert.strictEqual(counts.mandatory, (run.stdout.match(/^\[mandatory\] /gm) ?? []).length);
            assert.strictEqual(counts.mandatory, 5);
            assertNoSecretPrinted(run);
        } finally {
            fs.rmSync(stackFile, { force: true });
            fs.rmSync(configDirectory, { recursive: true, force: true });
        }
    });

    it("refuses a policy config file that names a policy the pack lacks", () => {
        const configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "policy-offline-"));
        const configFile = path.join(configDirectory, "policy-config.json");
        fs.writeFileSync(configFile, JSON.stringify({ "helm-workload-resource": "mandatory" }));
        try {
            const run = policyCheck("dev", ["--config", configFile]);
            assert.strictEqual(run.status, 1);
            assert.match(run.stderr, /"helm-workload-resource" is not a policy of observability-guardrails/);
        } finally {
            fs.rmSync(configDirectory, { recursive: true, force: true });
        }
    });
});
