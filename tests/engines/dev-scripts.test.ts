import "../helpers/pulumi";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../helpers/stacks";

// The newcomer's scripts (up:dev and down:dev, outputs:dev, the dependency check npm runs before them), run as bash
// runs them, with stand-ins for the programs they call (kubectl, npm, npx, pulumi) that only record how they were
// called: what each script checks and in which order it calls what. tests/engines/up-dev.test.ts runs them for real.
const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const CLI_VERSION: string = packageJson.devDependencies.pulumi;

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    calls: string[];
}

/** The system commands the scripts use, and nothing else: this machine's own kubectl must not be found. */
const SYSTEM_COMMANDS = ["bash", "env", "dirname", "mkdir", "cat", "sleep", "pkill", "touch", "rm", "uname"];
let systemBin: string | undefined;
function systemCommands(): string {
    if (systemBin) return systemBin;
    systemBin = fs.mkdtempSync(path.join(os.tmpdir(), "system-bin-"));
    for (const command of SYSTEM_COMMANDS) {
        const found = ["/usr/bin", "/bin"].map((dir) => path.join(dir, command)).find((candidate) => fs.existsSync(candidate));
        if (found) fs.symlinkSync(found, path.join(systemBin, command));
    }
    fs.symlinkSync(process.execPath, path.join(systemBin, "node"));
    return systemBin;
}

/**
 * Runs a script with `programs` (name → bash body) first on PATH, after `before` if given; each program appends its
 * argv to a log.
 */
function runScript(script: string, programs: Record<string, string>, args: string[] = [], cwd = REPO_ROOT, home?: string, before: string[] = []): Run {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-bin-"));
    const log = path.join(bin, "calls.log");
    for (const [name, body] of Object.entries(programs)) {
        fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
    }
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [...before, bin, systemCommands()].join(":"),
        HOME: home ?? fs.mkdtempSync(path.join(os.tmpdir(), "home-")),
    };
    delete env.PULUMI_BACKEND_URL;
    const run = spawnSync("/bin/bash", [script, ...args], { cwd, encoding: "utf8", env, timeout: 60_000 });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    fs.rmSync(bin, { recursive: true, force: true });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls };
}

const reachableKubectl = `case "$*" in "config current-context") echo kind-dev ;; *) exit 0 ;; esac`;
/** A Pulumi CLI at `version` that prints, for each command, the backend it would use. */
const pulumiAt = (version: string) => `[ "$1" = version ] && { echo v${version}; exit 0; }; echo "backend=$PULUMI_BACKEND_URL command=$*"`;
const pulumiAtPinnedVersion = pulumiAt(CLI_VERSION);
/** npx running scripts/up-dev.ts (through ts-node) or the `pulumi` npm package at the pinned version; prints the backend either way. */
const npx = `[ "$*" = "--no-install pulumi version" ] && { echo v${CLI_VERSION}; exit 0; }; echo "backend=$PULUMI_BACKEND_URL command=$*"`;
const UP_DEV_PROGRAM = "--no-install ts-node --transpile-only scripts/up-dev.ts";

describe("newcomer scripts (scripts/up-dev.sh, dev-outputs.sh, ensure-dependencies.sh)", function () {
    this.timeout(120_000);

    it("up:dev says what is missing when there is no kubectl", () => {
        const run = runScript("scripts/up-dev.sh", {});
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /up:dev needs kubectl and a kube context/);
    });

    it("up:dev stops before building anything when the kube context does not answer", () => {
        const run = runScript("scripts/up-dev.sh", {
            kubectl: `case "$*" in "config current-context") echo kind-dev ;; *) exit 1 ;; esac`,
            npm: "exit 0",
            pulumi: pulumiAtPinnedVersion,
        });
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, /kube context 'kind-dev' is not reachable/);
        assert.deepStrictEqual(
            run.calls.filter((call) => !call.startsWith("kubectl")),
            [],
            "no build, no pulumi",
        );
    });

    // kindnet's image of kind v0.23.0 (no NetworkPolicy support) and of v0.29.0 (pkg/build/nodeimage/const_cni.go of each release).
    const kindWithKindnet = (image: string) =>
        `case "$*" in "config current-context") echo kind-dev ;; *"get daemonset kindnet"*) echo -n "${image}" ;; *) exit 0 ;; esac`;

    it("up:dev stops on a kind older than v0.24.0, whose kindnet ignores NetworkPolicies, before building anything", () => {
        const run = runScript("scripts/up-dev.sh", {
            kubectl: kindWithKindnet("docker.io/kindest/kindnetd:v20240513-cd2ac642"),
            npm: "exit 0",
            pulumi: pulumiAtPinnedVersion,
        });
        assert.notStrictEqual(run.status, 0);
        assert.match(
            run.stderr,
            /kindnetd:v20240513-cd2ac642\) predates kind v0\.24\.0 and does not enforce NetworkPolicies: on kind, upgrade kind \(v0\.24\.0 or later\)/,
        );
        assert.deepStrictEqual(
            run.calls.filter((call) => !call.startsWith("kubectl")),
            [],
            "no build, no pulumi",
        );
    });

    it("up:dev goes on with a kind whose kindnet enforces NetworkPolicies (kind v0.29.0), and on clusters without kindnet", () => {
        const run = runScript("scripts/up-dev.sh", {
            kubectl: kindWithKindnet("docker.io/kindest/kindnetd:v20250512-df8de77b"),
            npm: "exit 0",
            npx,
            pulumi: pulumiAtPinnedVersion,
        });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(
            run.calls.includes(
                "kubectl --context kind-dev --namespace kube-system get daemonset kindnet -o jsonpath={.spec.template.spec.containers[0].image}",
            ),
            run.calls.join("\n"),
        );
        const build = run.calls.indexOf("npm run build");
        assert.ok(build >= 0 && build < run.calls.indexOf(`npx ${UP_DEV_PROGRAM}`), run.calls.join("\n"));
    });

    it("up:dev says how to install the Pulumi CLI when it cannot be fetched, naming the version and PULUMI_HOME", () => {
        // `npx pulumi` fails as the npm package does offline ("pulumi: fetch failed").
        const run = runScript("scripts/up-dev.sh", { kubectl: reachableKubectl, npm: "exit 0", npx: "echo 'pulumi: fetch failed' >&2; exit 1" });
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, new RegExp(`The Pulumi CLI ${CLI_VERSION.replace(/\./g, "\\.")} is not installed and could not be downloaded`));
        assert.match(run.stderr, /PULUMI_HOME/);
        assert.match(run.stderr, new RegExp(`--version ${CLI_VERSION.replace(/\./g, "\\.")}`));
        assert.ok(!run.calls.some((call) => call.startsWith("npm ")), "nothing built before the CLI is there");
    });

    it("outputs:dev reads the backend up:dev wrote to, with the arguments given", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "home-"));
        const up = runScript("scripts/up-dev.sh", { kubectl: reachableKubectl, npm: "exit 0", npx, pulumi: pulumiAtPinnedVersion }, [], REPO_ROOT, home);
        assert.strictEqual(up.status, 0, up.stderr);
        const outputs = runScript("scripts/dev-outputs.sh", { pulumi: pulumiAtPinnedVersion }, ["--show-secrets"], REPO_ROOT, home);
        assert.strictEqual(outputs.status, 0, outputs.stderr);
        const backend = `file://${home}/.pulumi-local`;
        assert.ok(up.stdout.includes(`backend=${backend} command=${UP_DEV_PROGRAM}\n`), up.stdout);
        assert.ok(up.stdout.includes(`backend=${backend} command=stack output --stack dev\n`), up.stdout);
        assert.ok(outputs.stdout.includes(`backend=${backend} command=stack output --stack dev --show-secrets`), outputs.stdout);
        assert.match(up.stdout, /npm run outputs:dev -- --show-secrets/);
        fs.rmSync(home, { recursive: true, force: true });
    });

    it("down:dev runs the same checks and program with --destroy, and prints no outputs", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "home-"));
        const down = runScript(
            "scripts/up-dev.sh",
            { kubectl: reachableKubectl, npm: "exit 0", npx, pulumi: pulumiAtPinnedVersion },
            ["--destroy"],
            REPO_ROOT,
            home,
        );
        assert.strictEqual(down.status, 0, down.stderr);
        assert.ok(down.calls.includes("kubectl --context kind-dev get --raw /readyz --request-timeout=10s"), down.calls.join("\n"));
        assert.ok(down.stdout.includes(`backend=file://${home}/.pulumi-local command=${UP_DEV_PROGRAM} --destroy\n`), down.stdout);
        assert.ok(!down.calls.some((call) => call.startsWith("pulumi stack output")), down.calls.join("\n"));
        fs.rmSync(home, { recursive: true, force: true });
    });

    it("uses a Pulumi CLI on PATH at the pinned version or a later 3.x, else the npm package's, never its launcher in node_modules/.bin", () => {
        // npm run puts node_modules/.bin first on PATH: the `pulumi` npm package's launcher, which downloads the pinned CLI.
        const npmBin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "npm-run-")), "node_modules", ".bin");
        fs.mkdirSync(npmBin, { recursive: true });
        fs.writeFileSync(path.join(npmBin, "pulumi"), `#!/usr/bin/env bash\necho "launcher $*" >&2\nexit 1\n`, { mode: 0o755 });
        const cliUsed = (version: string) => {
            const run = runScript("scripts/dev-outputs.sh", { pulumi: pulumiAt(version), npx }, [], REPO_ROOT, undefined, [npmBin]);
            assert.strictEqual(run.status, 0, run.stderr);
            assert.doesNotMatch(run.stderr, /launcher/);
            const output = run.calls.filter((call) => call.includes("stack output"));
            assert.strictEqual(output.length, 1, run.calls.join("\n"));
            return output[0].startsWith("npx ") ? "npm package" : "on PATH";
        };
        const [major, minor] = CLI_VERSION.split(".").map(Number);
        assert.deepStrictEqual([CLI_VERSION, `${major}.${minor + 11}.0`, `${major}.${minor - 1}.9`, `${major + 1}.0.0`].map(cliUsed), [
            "on PATH",
            "on PATH",
            "npm package",
            "npm package",
        ]);
        fs.rmSync(path.dirname(path.dirname(npmBin)), { recursive: true, force: true });
    });

    it("npm scripts install the locked dependencies on a fresh clone, and only then", () => {
        const clone = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-clone-"));
        fs.mkdirSync(path.join(clone, "scripts"));
        for (const file of ["package.json", "package-lock.json", "scripts/ensure-dependencies.sh"])
            fs.copyFileSync(path.join(REPO_ROOT, file), path.join(clone, file));
        const fresh = runScript("scripts/ensure-dependencies.sh", { npm: "mkdir -p node_modules && touch node_modules/.package-lock.json" }, [], clone);
        assert.strictEqual(fresh.status, 0, fresh.stderr);
        assert.deepStrictEqual(fresh.calls, ["npm ci --no-audit --no-fund"]);
        const again = runScript("scripts/ensure-dependencies.sh", { npm: "exit 1" }, [], clone);
        assert.deepStrictEqual([again.status, again.calls], [0, []]);
        fs.rmSync(clone, { recursive: true, force: true });
        for (const script of ["up:dev", "down:dev", "outputs:dev", "build", "test", "render", "charts:pull"]) {
            assert.match(packageJson.scripts[`pre${script}`] ?? "", /ensure-dependencies\.sh/, script);
        }
    });
});
