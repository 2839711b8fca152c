// `npm run up:dev` (and `npm run down:dev`, with --destroy) once scripts/up-dev.sh has checked the kube context and
// the Pulumi CLI and built the program: `pulumi up` of the dev stack, on the local backend scripts/dev-backend.sh
// exported, with Pulumi.yaml and Pulumi.dev.yaml as the CLI would read them. The program runs inline through the
// Automation API: the CLI is started with --client and runs this process's program, so Pulumi's Node.js language
// host (pulumi-language-nodejs) is not needed, only the CLI and the providers' plugins.
//   node -r ts-node/register/transpile-only scripts/up-dev.ts [--destroy] [--refresh] [--diff]
import * as pulumi from "@pulumi/pulumi";
import { CommandError, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { type ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SemVer } from "semver";
import { parseArgs } from "util";
import { GRAFANA_RELEASE } from "../components/grafana/names";
import { parseStackConfig, type StackSecrets } from "../stacks/config";
import { PROJECT, projectFile, REPO_ROOT, stackFileSecretKeys, stackFileValues } from "./lib/stackFile";

export const STACK = "dev";
/** Grafana's Service port in the chart (its in-cluster URL is plain http://grafana.<namespace>.svc.cluster.local). */
const GRAFANA_SERVICE_PORT = 80;

/** The program Pulumi would run for this project: Pulumi.yaml's `main`, the compiled program. */
export function programFile(): string {
    return path.join(REPO_ROOT, projectFile().main);
}

/**
 * What the forward needs from the dev stack's configuration, read by the program's own loader (Pulumi.dev.yaml over
 * its preset): a wrong value stops here with the message `pulumi up` would print. Keys set with `--secret` are
 * encrypted in the file; the loader only asks whether they are there.
 */
export function devSettings(): { namespace: string; grafanaApiUrl?: string } {
    const secrets: StackSecrets = Object.fromEntries(stackFileSecretKeys(STACK).map((key) => [key, pulumi.secret("")]));
    const { config } = parseStackConfig({ project: PROJECT, stack: STACK, values: stackFileValues(STACK), secrets });
    return { namespace: config.namespace, grafanaApiUrl: config.grafana.apiUrl };
}

/** The local port of `grafana.apiUrl` when it points at this machine (the dev preset's http://localhost:3000). */
export function localGrafanaPort(apiUrl: string | undefined): number | undefined {
    if (!apiUrl) return undefined;
    const url = new URL(apiUrl);
    if (!["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) return undefined;
    return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/**
 * Keeps `kubectl port-forward` from `localPort` to Grafana's Service open until stopped, restarting it while the
 * Service or its pod does not exist yet (the first run creates them) or the connection drops; the Grafana
 * provider retries meanwhile. kubectl uses the same kubeconfig and context as the program.
 */
function keepForwarding(namespace: string, localPort: number): () => void {
    let stopped = false;
    let child: ChildProcess | undefined;
    let timer: NodeJS.Timeout | undefined;
    const start = () => {
        if (stopped) return;
        child = spawn("kubectl", ["--namespace", namespace, "port-forward", `svc/${GRAFANA_RELEASE}`, `${localPort}:${GRAFANA_SERVICE_PORT}`], {
            stdio: "ignore",
        });
        let restarted = false;
        const restart = () => {
            if (restarted || stopped) return;
            restarted = true;
            timer = setTimeout(start, 3000);
        };
        child.on("exit", restart);
        child.on("error", restart);
    };
    start();
    return () => {
        stopped = true;
        clearTimeout(timer);
        child?.kill();
    };
}

/**
 * The Pulumi CLI, as scripts/dev-backend.sh chooses it: `pulumi` on PATH at the version package.json pins or a
 * later 3.x (the Automation API's own check), else the copy the `pulumi` npm package downloaded on first use.
 */
async function pulumiCli(): Promise<PulumiCommand> {
    // npx put node_modules/.bin first on PATH, where the `pulumi` npm package's launcher is: look past it, as
    // dev-backend.sh does.
    const npmBin = `${path.sep}node_modules${path.sep}.bin`;
    process.env.PATH = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => !dir.endsWith(npmBin))
        .join(path.delimiter);
    const pinned: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).devDependencies.pulumi;
    const version = new SemVer(pinned);
    try {
        return await PulumiCommand.get({ version });
    } catch {
        const root = path.join(process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi"), "versions", pinned);
        return PulumiCommand.get({ root, version });
    }
}

async function main(): Promise<void> {
    const { values: flags } = parseArgs({
        options: { destroy: { type: "boolean", default: false }, refresh: { type: "boolean", default: false }, diff: { type: "boolean", default: false } },
    });
    const { namespace, grafanaApiUrl } = devSettings();
    const pulumiCommand = await pulumiCli();
    const entry = programFile();
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: STACK, projectName: PROJECT, program: async () => ({ ...require(entry) }) },
        { workDir: REPO_ROOT, pulumiCommand, secretsProvider: "passphrase" },
    );
    const port = localGrafanaPort(grafanaApiUrl);
    console.log(
        `${flags.destroy ? "Destroying" : "Updating"} stack ${STACK} (namespace ${namespace}) with the Pulumi CLI ${pulumiCommand.version}, ` +
            `the program inline (${path.relative(REPO_ROOT, entry)})` +
            (port ? `; kubectl port-forward keeps Grafana at ${grafanaApiUrl}` : ""),
    );
    const stopForwarding = port ? keepForwarding(namespace, port) : undefined;
    // Ctrl-C reaches the CLI too, which cancels cleanly and then fails the run; this process waits for that.
    process.on("SIGINT", () => console.error("Interrupted: waiting for the Pulumi CLI to stop"));
    try {
        const options = {
            refresh: flags.refresh,
            diff: flags.diff,
            onOutput: (out: string) => process.stdout.write(out),
            onError: (err: string) => process.stderr.write(err),
        };
        if (flags.destroy) await stack.destroy(options);
        else await stack.up(options);
    } finally {
        stopForwarding?.();
    }
}

if (require.main === module) {
    main().then(
        () => process.exit(0),
        (error: unknown) => {
            // The CLI's own output, streamed above, says what failed; its error repeats all of it.
            if (error instanceof CommandError) console.error(`${process.argv.includes("--destroy") ? "pulumi destroy" : "pulumi up"} failed`);
            else console.error(error instanceof Error ? error.message : error);
            process.exit(1);
        },
    );
}
