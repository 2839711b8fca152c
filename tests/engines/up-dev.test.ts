// `npm run up:dev`, the quick start's command, run as a user runs it, end to end: the real script against the local
// API server (scripts/cluster), with the Pulumi CLI and Kubernetes provider of scripts/engine and the stand-in
// grafana and random providers on PATH (tests/support/engine). It runs in a copy of this checkout, as a fresh
// clone with its own Pulumi.dev.yaml: the stack file gets the config a user behind a mirror sets
// (`charts.repository`, here a local Helm repository of the pinned charts) and `grafana.apiUrl` (here a local
// endpoint that answers the readiness gate as Grafana does, since kwok's pods run nothing), and HOME is fresh, so
// the local backend is up:dev's default one. Pulumi's own variables for a machine without internet are set:
// no update check, no plugin downloads (the providers are on PATH).
import * as assert from "assert";
import { type ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { assertReleasesFromRepository, documentedOutputs, managedResources } from "../helpers/deployment";
import { REPO_ROOT } from "../helpers/stacks";
import { helmOn, startCluster, type TestCluster } from "../support/cluster";
import { engineBinDir, type Served, serveChartRepository, serveGrafanaHealth } from "../support/engine/harness";
import { standinHoldings } from "../support/engine/standin/log";

const NAMESPACE = "monitoring";

interface NpmRun {
    status: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** `npm run <script>` in `cwd`, without blocking this process (its chart repository and health endpoint answer meanwhile). */
function npmRun(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 30 * 60_000): Promise<NpmRun> {
    const started = Date.now();
    return new Promise((resolve) => {
        // Its own process group, so that a timeout reaches the CLI and the providers it started too.
        const child: ChildProcess = spawn("npm", ["run", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
        });
        child.stderr!.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        const signal = (name: NodeJS.Signals) => {
            try {
                process.kill(-child.pid!, name);
            } catch {
                /* already gone */
            }
        };
        const timer = setTimeout(() => {
            signal("SIGINT");
            setTimeout(() => signal("SIGKILL"), 60_000).unref();
        }, timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr, seconds: Math.round((Date.now() - started) / 1000) });
        });
    });
}

/** The checkout as a clone has it (tracked and untracked files that are not ignored), modification times kept, sharing node_modules. */
function copyCheckout(destination: string): void {
    const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, encoding: "utf8" });
    if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
    for (const file of new Set(listed.stdout.split("\0").filter(Boolean))) {
        const source = path.join(REPO_ROOT, file);
        if (!fs.existsSync(source)) continue; // deleted, not yet committed
        fs.mkdirSync(path.dirname(path.join(destination, file)), { recursive: true });
        fs.cpSync(source, path.join(destination, file), { preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(destination, "node_modules"));
}

/** The CLI's "Resources:" summary: count by kind ("created", "unchanged", "updated", ...). */
function resourceSummary(output: string): Record<string, number> {
    const block = /^Resources:\n((?: {4}.*\n)+)/m.exec(output);
    assert.ok(block, `no "Resources:" summary in:\n${output}`);
    return Object.fromEntries(
        block[1]
            .trim()
            .split("\n")
            .map((line) => /^\s*(?:[-+~]+\s*)?(\d+) (\w+)/.exec(line)!)
            .filter(Boolean)
            .map((m) => [m[2], Number(m[1])]),
    );
}

/** The output names of `pulumi stack output`'s table ("Current stack outputs (N):", then OUTPUT VALUE rows). */
function printedOutputs(output: string): string[] {
    const table = /^Current stack outputs \((\d+)\):\n {4}OUTPUT +VALUE\n((?: {4}\S.*\n?)*)/m.exec(output);
    assert.ok(table, `no stack outputs printed in:\n${output}`);
    const names = table[2]
        .trimEnd()
        .split("\n")
        .map((row) => row.trim().split(/\s+/)[0]);
    assert.strictEqual(names.length, Number(table[1]), table[0]);
    return names.sort();
}

describe("npm run up:dev end to end on a real API server, through the Pulumi engine", function () {
    this.timeout(60 * 60_000);
    let cluster: TestCluster;
    let charts: Served;
    let health: Awaited<ReturnType<typeof serveGrafanaHealth>>;
    let work: string;
    let checkout: string;
    let home: string;
    let env: NodeJS.ProcessEnv;
    const seconds: Record<string, number> = {};
    const runs: Record<string, NpmRun> = {};
    const needs = (script: string) => {
        if (runs[script]?.status !== 0) assert.fail(`needs the run "${script}", which failed`);
    };

    const stateFile = () => path.join(home, ".pulumi-local", ".pulumi", "stacks", "observability", "dev.json");
    const stateResources = (): any[] => JSON.parse(fs.readFileSync(stateFile(), "utf8")).checkpoint.latest?.resources ?? [];
    const releases = () =>
        JSON.parse(helmOn(cluster, ["list", "--namespace", NAMESPACE, "--output", "json"]).stdout) as Array<{ name: string; chart: string; status: string }>;
    const claims = async () => (await cluster.get(`/api/v1/namespaces/${NAMESPACE}/persistentvolumeclaims`)).items.map((c: any) => c.metadata.name).sort();
    const run = async (name: string, script: string) => {
        const result = await npmRun(script, checkout, env);
        runs[name] = result;
        seconds[name] = result.seconds;
        return result;
    };

    before(async () => {
        const binDir = engineBinDir();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "oac-up-dev-"));
        checkout = path.join(work, "checkout");
        home = path.join(work, "home");
        fs.mkdirSync(home);
        copyCheckout(checkout);
        charts = await serveChartRepository(path.join(work, "charts"));
        health = await serveGrafanaHealth();
        cluster = await startCluster();

        const stackFile = path.join(checkout, "Pulumi.dev.yaml");
        const edited = parse(fs.readFileSync(stackFile, "utf8")) ?? {};
        edited.config = { ...edited.config, "observability:charts": { repository: charts.url }, "observability:grafana": { apiUrl: health.url } };
        fs.writeFileSync(stackFile, stringify(edited));

        env = {
            ...process.env,
            HOME: home,
            PATH: [binDir, path.join(checkout, "tests", "support", "engine", "plugins"), process.env.PATH].join(path.delimiter),
            KUBECONFIG: cluster.kubeconfig,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            OAC_STANDIN_DIR: path.join(work, "standin"),
        };
        for (const inherited of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_HOME", "PULUMI_ACCESS_TOKEN"]) delete env[inherited];
    });

    after(async () => {
        // Whole commands, and the update alone as the CLI reports it.
        const engine = Object.fromEntries(Object.entries(runs).map(([name, result]) => [name, /^Duration: (.+)$/m.exec(result.stdout)?.[1]]));
        console.log(`      up:dev timings (s): ${JSON.stringify(seconds)}; the engine's own: ${JSON.stringify(engine)}`);
        await cluster?.stop();
        await charts?.close();
        await health?.close();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("the first run exits 0, creates every resource the state holds, every release from the chart repository, and prints the documented outputs", async () => {
        const first = await run("first up", "up:dev");
        assert.strictEqual(first.status, 0, `${first.stdout}\n${first.stderr}`);
        const resources = stateResources();
        const managed = managedResources(resources);
        assert.deepStrictEqual(resourceSummary(first.stdout), { created: managed.length }, `state: ${resources.map((r) => r.type).join(", ")}`);
        assertReleasesFromRepository(releases(), resources, charts.url);
        assert.ok(health.requests() > 0, "the readiness gate asked the health endpoint grafana.apiUrl names");
        assert.deepStrictEqual(printedOutputs(first.stdout), documentedOutputs("dev"));
        assert.match(first.stdout, /^ {4}grafanaAdminPassword +\[secret\]$/m);
        assert.match(first.stdout, /npm run outputs:dev -- --show-secrets/);
        console.log(`      ${managed.length} resources created; npm run up:dev took ${first.seconds} s`);
    });

    it("a second run changes nothing", async () => {
        needs("first up");
        // Each run re-encrypts the secrets in the state and writes resources in the order they complete, so what
        // stays the same is the set of resources and their ids.
        const identities = () =>
            stateResources()
                .map((r) => `${r.urn} ${r.id}`)
                .sort();
        const before = identities();
        const second = await run("second up", "up:dev");
        assert.strictEqual(second.status, 0, `${second.stdout}\n${second.stderr}`);
        assert.deepStrictEqual(resourceSummary(second.stdout), { unchanged: managedResources(stateResources()).length });
        assert.deepStrictEqual(identities(), before);
        assert.deepStrictEqual(printedOutputs(second.stdout), documentedOutputs("dev"));
    });

    it("npm run outputs:dev prints the outputs from the backend up:dev wrote to", async () => {
        needs("first up");
        const outputs = await run("outputs", "outputs:dev");
        assert.strictEqual(outputs.status, 0, `${outputs.stdout}\n${outputs.stderr}`);
        assert.deepStrictEqual(printedOutputs(outputs.stdout), documentedOutputs("dev"));
    });

    it("npm run down:dev destroys the stack, keeping the namespace and the claims (docs/operations.md, Data safety)", async () => {
        needs("first up");
        const kept = await claims();
        assert.ok(kept.length > 0, "the stack's volumes have claims");
        const down = await run("down", "down:dev");
        assert.strictEqual(down.status, 0, `${down.stdout}\n${down.stderr}`);
        assert.deepStrictEqual(stateResources(), []);
        assert.ok(resourceSummary(down.stdout).deleted > 0, down.stdout);
        assert.deepStrictEqual(releases(), []);
        assert.deepStrictEqual([...standinHoldings(path.join(work, "standin")).keys()], []);
        assert.deepStrictEqual((await cluster.get(`/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`)).items, []);
        assert.strictEqual((await cluster.get(`/api/v1/namespaces/${NAMESPACE}`)).metadata.name, NAMESPACE);
        assert.deepStrictEqual(await claims(), kept);
    });
});
