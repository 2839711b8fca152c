// The real Pulumi engine on the local API server (scripts/cluster), for tests/engines/engine.test.ts and up-dev.test.ts
// (`npm run up:dev` there): the CLI and Kubernetes provider built by ./build.sh, the stand-in random and grafana providers
// (./standin), a Helm repository of the pinned charts served on 127.0.0.1 (config charts.repository), and a
// health endpoint that answers the Grafana readiness gate. The program runs inline (Automation API): the CLI is
// started with --client, so no Node.js language plugin is needed.

import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CHARTS, type ChartKey } from "../../../components/charts";
import { mergeValues } from "../../../components/chartValues";
import { chartSource } from "../../../scripts/lib/chartSource";
import { helmBinary } from "../../../scripts/lib/helmTemplate";
import { PROJECT, projectFile, REPO_ROOT } from "../../../scripts/lib/stackFile";

export const ENGINE_DIR = path.join(REPO_ROOT, "scripts", "engine");
/** Launchers the engine finds on PATH by plugin name: the stand-in provider and Pulumi's dynamic provider host. */
export const STANDIN_PLUGINS = path.join(REPO_ROOT, "tests", "support", "engine", "plugins");

/** Builds the engine when this machine has not yet (./build.sh); its bin/ directory. Throws when it cannot. */
export function engineBinDir(): string {
    const run = spawnSync("bash", [path.join(ENGINE_DIR, "build.sh")], { encoding: "utf8", timeout: 90 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`scripts/engine/build.sh exited ${run.status ?? run.signal}: the Pulumi engine is not available:\n${run.stderr}`);
    const dir = path.join(run.stdout.trim().split("\n").pop()!, "bin");
    for (const binary of ["pulumi", "pulumi-resource-kubernetes"]) {
        if (!fs.existsSync(path.join(dir, binary))) throw new Error(`scripts/engine/build.sh left no ${binary} in ${dir}`);
    }
    return dir;
}

export interface Served {
    url: string;
    close(): Promise<void>;
}

function listen(server: http.Server): Promise<Served> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as { port: number };
            resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
        });
    });
}

/**
 * A Helm repository of every pinned chart (`helm package` of each vendored chart, `helm repo index`), served
 * read-only on 127.0.0.1: what `charts.repository` points at, as a ChartMuseum or Artifactory would be.
 */
export async function serveChartRepository(dir: string): Promise<Served> {
    fs.mkdirSync(dir, { recursive: true });
    for (const key of Object.keys(CHARTS) as ChartKey[]) {
        const run = spawnSync(helmBinary(), ["package", chartSource(key).path, "--destination", dir], { encoding: "utf8" });
        if (run.status !== 0) throw new Error(`helm package ${key}: ${run.stderr}`);
    }
    const index = spawnSync(helmBinary(), ["repo", "index", dir], { encoding: "utf8" });
    if (index.status !== 0) throw new Error(`helm repo index: ${index.stderr}`);
    return listen(
        http.createServer((request, response) => {
            const name = decodeURIComponent(new URL(request.url ?? "/", "http://repository").pathname).replace(/^\/+/, "");
            const file = path.join(dir, name);
            if (request.method !== "GET" || name.includes("/") || !fs.existsSync(file)) {
                response.writeHead(404).end();
                return;
            }
            response.writeHead(200, { "Content-Type": name.endsWith(".yaml") ? "application/x-yaml" : "application/gzip" });
            fs.createReadStream(file).pipe(response);
        }),
    );
}

/** Answers /api/health as Grafana does when ready (the readiness gate's check); counts the requests. */
export async function serveGrafanaHealth(): Promise<Served & { requests: () => number }> {
    let requests = 0;
    const served = await listen(
        http.createServer((request, response) => {
            if (request.url?.startsWith("/api/health")) {
                requests++;
                response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ commit: "standin", database: "ok", version: "12.0.0" }));
            } else response.writeHead(404).end();
        }),
    );
    return { ...served, requests: () => requests };
}

export interface EngineStackOptions {
    stack: string;
    /** Where the stack's project, backend state, Pulumi home and stand-in log live. */
    workDir: string;
    binDir: string;
    kubeconfig: string;
    /** Top-level config overrides merged into the committed stack file (objects merge key by key). */
    config: Record<string, unknown>;
    secrets: Record<string, string>;
    passphrase: string;
}

/** The compiled program (bin/index.js), loaded afresh for each run, as an inline program. */
function inlineProgram(): () => Promise<Record<string, unknown>> {
    const binDir = path.join(REPO_ROOT, "bin");
    return async () => {
        for (const cached of Object.keys(require.cache)) if (cached.startsWith(binDir + path.sep)) delete require.cache[cached];
        return { ...require(path.join(binDir, "index.js")) };
    };
}

/**
 * A stack of the project in `workDir` on a local file backend: the committed Pulumi.yaml and Pulumi.<stack>.yaml
 * with `config` merged in (the repository's files are not touched), secrets set with `--secret`.
 */
export async function engineStack(options: EngineStackOptions): Promise<Stack> {
    const { stack, workDir, binDir } = options;
    for (const dir of ["project", "state", "home", "standin"]) fs.mkdirSync(path.join(workDir, dir), { recursive: true });
    const projectDir = path.join(workDir, "project");
    // The project without `main`: the program is inline (the engine checks that `main` exists).
    const { main: _main, ...project } = projectFile();
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), stringify(project));
    const stackFile = parse(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
    const config: Record<string, unknown> = { ...(stackFile.config ?? {}) };
    for (const [key, value] of Object.entries(options.config)) config[`${PROJECT}:${key}`] = mergeValues(config[`${PROJECT}:${key}`], value);
    config["kubernetes:kubeconfig"] = options.kubeconfig;
    fs.writeFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), stringify({ config }));

    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(binDir), skipVersionCheck: true });
    const workspace = await LocalWorkspace.createOrSelectStack(
        { stackName: stack, projectName: PROJECT, program: inlineProgram() },
        {
            workDir: projectDir,
            pulumiCommand,
            pulumiHome: path.join(workDir, "home"),
            envVars: engineEnvironment(options),
        },
    );
    for (const [key, value] of Object.entries(options.secrets)) await workspace.setConfig(`${PROJECT}:${key}`, { value, secret: true });
    return workspace;
}

/** The CLI's environment: the stand-ins and the provider on PATH, a local backend, no update check, no downloads. */
export function engineEnvironment(options: Pick<EngineStackOptions, "workDir" | "binDir" | "kubeconfig" | "passphrase">): Record<string, string> {
    return {
        PATH: [options.binDir, STANDIN_PLUGINS, process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_BACKEND_URL: `file://${path.join(options.workDir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: options.passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        KUBECONFIG: options.kubeconfig,
        OAC_STANDIN_DIR: path.join(options.workDir, "standin"),
    };
}

/** A fresh temporary directory for one stack's run. */
export function engineWorkDir(stack: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `oac-engine-${stack}-`));
}
