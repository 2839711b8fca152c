import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REPO_ROOT } from "../helpers/stacks";

type Job = {
    uses?: string;
    steps?: Array<Record<string, any>>;
    strategy?: any;
    concurrency?: any;
    environment?: string;
    needs?: string | string[];
    if?: string;
    with?: Record<string, unknown>;
};
type Workflow = { on: Record<string, any>; jobs: Record<string, Job>; concurrency?: any };

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const read = (file: string) => parse(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
const workflow = (name: string) => read(`.github/workflows/${name}`) as Workflow;
const steps = (job: Job) => job.steps ?? [];
const packageScripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

describe("GitHub workflows", () => {
    it("pin every third-party action to a version (no branches)", () => {
        const files = [...fs.readdirSync(WORKFLOWS).map((f) => `.github/workflows/${f}`), ".github/actions/setup/action.yml"];
        let actions = 0;
        for (const file of files) {
            const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
            for (const [, action, ref] of text.matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@(\S+)/g)) {
                actions += 1;
                assert.match(ref, /^v\d+(\.\d+){0,2}$|^[0-9a-f]{40}$/, `${file}: ${action}@${ref}`);
            }
        }
        assert.ok(actions >= 5);
    });

    it("pull requests: the CI entry point, then a preview of staging and production with the policy pack, commented", () => {
        const { on, jobs } = workflow("pull-request.yml");
        assert.ok(on.pull_request);
        assert.ok(steps(jobs.test).some((s) => s.run === "bash .ci/run"));
        assert.deepStrictEqual(jobs.preview.strategy.matrix.stack, ["staging", "production"]);
        const preview = steps(jobs.preview).find((s) => String(s.uses).startsWith("pulumi/actions@"))!;
        assert.strictEqual(preview.with.command, "preview");
        assert.strictEqual(preview.with["comment-on-pr"], true);
        assert.strictEqual(preview.with.policyPacks, "policy");
        for (const stack of ["staging", "production"]) {
            assert.ok(fs.existsSync(path.join(REPO_ROOT, String(preview.with.policyPackConfigs).replace("${{ matrix.stack }}", stack))));
        }
    });

    it("pull requests: the offline render of every stack, diffed against the base and uploaded", () => {
        const { jobs } = workflow("pull-request.yml");
        assert.ok(steps(jobs.render).some((s) => /scripts\/ci\/render-diff\.sh/.test(s.run ?? "")));
        assert.ok(steps(jobs.render).some((s) => String(s.uses).startsWith("actions/upload-artifact@")));
        assert.ok(packageScripts.render, "npm run render exists");
    });

    it("merges deploy staging, then production, each stack in its own never-cancelled concurrency group", () => {
        const { on, jobs } = workflow("deploy.yml");
        assert.deepStrictEqual(on.push.branches, ["main"]);
        assert.strictEqual(jobs.staging.with!.stack, "staging");
        assert.strictEqual(jobs.production.with!.stack, "production");
        assert.strictEqual(jobs.production.needs, "staging");
        const up = workflow("deploy-stack.yml").jobs.up;
        assert.strictEqual(up.environment, "${{ inputs.stack }}");
        assert.strictEqual(up.concurrency.group, "pulumi-${{ inputs.stack }}");
        assert.strictEqual(up.concurrency["cancel-in-progress"], false);
        assert.strictEqual(steps(up).find((s) => String(s.uses).startsWith("pulumi/actions@"))!.with.command, "up");
    });

    it("end to end runs nightly and on the e2e label, and its script always destroys the stack", () => {
        const { on, jobs } = workflow("end-to-end.yml");
        assert.ok(on.schedule?.length);
        assert.match(jobs.kind.if!, /'e2e'/);
        const script = fs.readFileSync(path.join(REPO_ROOT, "scripts", "ci", "end-to-end.sh"), "utf8");
        assert.match(script, /trap cleanup EXIT/);
        assert.match(script, /pulumi destroy --stack dev --yes/);
        for (const check of [
            "/health",
            "/api/dashboards/uid/",
            "/api/v1/provisioning/alert-rules",
            "/v1/logs",
            "/v1/traces",
            "/api/v2/traces/",
            "/api/v1/provisioning/contact-points/export?decrypt=true",
            "pulumi preview --stack dev --expect-no-changes",
        ]) {
            assert.ok(script.includes(check), check);
        }
        // It finds its OTLP log by the label Loki's native OTLP endpoint gives service.name (components/collector/Collector.ts).
        assert.match(script, /query=\{service_name=\\"e2e-check\\"\}/);
    });
});
