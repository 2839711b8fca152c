// One evaluation of the program in a fresh process under Pulumi mocks (scripts/lib/benchProgram.ts), as
// Pulumi's Node.js runtime would start it: the compiled program (Pulumi.yaml `typescript: false`, what
// `pulumi up` runs) or index.ts through ts-node (`typescript: true`, for comparison). The bench and the
// compiled-program test use it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { BUILD_DIRECTORY, staleSources } from "../../stacks/compiledProgram";
import { offlineConfig, PROJECT, REPO_ROOT, unwrapSecrets } from "./stackFile";

export type Runtime = "compiled" | "ts-node";

export const COMPILED_PROGRAM = path.join(REPO_ROOT, BUILD_DIRECTORY, "index.js");
const HARNESS_SOURCE = path.join(REPO_ROOT, "scripts", "lib", "benchProgram.ts");
const HARNESS = path.join(REPO_ROOT, BUILD_DIRECTORY, "bench", "benchProgram.js");

/** `npm run build` when bin/ is missing or older than a source. */
export function ensureBuilt(): void {
    if (fs.existsSync(COMPILED_PROGRAM) && staleSources(COMPILED_PROGRAM).length === 0) return;
    const build = spawnSync("npm", ["run", "build"], { cwd: REPO_ROOT, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

/** The child script as JavaScript, so that a compiled run loads no TypeScript hook. */
function harness(): string {
    const source = fs.readFileSync(HARNESS_SOURCE, "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
    if (!fs.existsSync(HARNESS) || fs.readFileSync(HARNESS, "utf8") !== outputText) {
        fs.mkdirSync(path.dirname(HARNESS), { recursive: true });
        fs.writeFileSync(HARNESS, outputText);
    }
    return HARNESS;
}

export interface Evaluation {
    wallMs: number;
    loadedMs: number;
    evaluatedMs: number;
    /** CPU time (user + system) of the child by the time the SDKs were loaded (floor) or the last resource registered (program). */
    loadedCpuMs: number;
    evaluatedCpuMs: number;
    registered: number;
    maxRssKb: number;
    error?: string;
    /** With `collect: ["releases"]`: each Helm release's chart and values, secrets unwrapped. */
    releases: Array<{ chart: string; values: Record<string, unknown> }>;
    /** With `collect: ["resources"]`: `type::name` of every resource, in registration order. */
    resources: string[];
    /** With `collect: ["kubernetes"]`: every Kubernetes resource's and Grafana datasource's type, name and inputs, secrets unwrapped. */
    kubernetes: Array<{ type: string; name: string; inputs: Record<string, any> }>;
    /** With `collect: ["promises"]`: the promises Pulumi tracked, by the context it gave them. */
    promises: Array<[string, number]>;
}

export interface EvaluationOptions {
    runtime: Runtime;
    /** `floor` only loads the SDKs (plus ts-node with the ts-node runtime). */
    mode: "floor" | "program";
    stack?: string;
    /** Config on top of the stack file, e.g. `{ services: [...] }`. */
    overrides?: Record<string, unknown>;
    collect?: Array<"releases" | "resources" | "kubernetes" | "promises">;
    nodeOptions?: string[];
}

export function evaluateInChild(options: EvaluationOptions): Evaluation {
    const stack = options.stack ?? "dev";
    const { config, secretKeys } = options.mode === "program" ? offlineConfig(stack, options.overrides) : { config: {}, secretKeys: [] };
    const program = options.runtime === "compiled" ? COMPILED_PROGRAM : path.join(REPO_ROOT, "index.ts");
    const hook = options.runtime === "ts-node" ? ["-r", "ts-node/register"] : [];
    // The run goes in a file: a thousand services' config is more than one environment variable may hold (128 KiB).
    const runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-"));
    const runFile = path.join(runDirectory, "run.json");
    fs.writeFileSync(runFile, JSON.stringify({ project: PROJECT, stack, config, secretKeys, collect: options.collect ?? [] }));
    const started = performance.now();
    const child = spawnSync(process.execPath, [...(options.nodeOptions ?? []), ...hook, harness()], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: 300_000,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", BENCH_MODE: options.mode, BENCH_PROGRAM: program, BENCH_RUN_FILE: runFile },
    });
    const wallMs = performance.now() - started;
    fs.rmSync(runDirectory, { recursive: true, force: true });
    if (child.error) throw new Error(`evaluation child did not run (${options.runtime} ${options.mode} ${stack}): ${child.error.message}`);
    const line = child.stdout.trim().split("\n").pop() ?? "";
    if (!line.startsWith("{")) throw new Error(`evaluation child failed (${options.runtime} ${options.mode} ${stack}): ${child.stderr || child.stdout}`);
    const result = JSON.parse(line) as Partial<Evaluation>;
    return {
        wallMs,
        loadedMs: result.loadedMs ?? 0,
        evaluatedMs: result.evaluatedMs ?? 0,
        loadedCpuMs: result.loadedCpuMs ?? 0,
        evaluatedCpuMs: result.evaluatedCpuMs ?? 0,
        registered: result.registered ?? 0,
        maxRssKb: result.maxRssKb ?? 0,
        error: result.error,
        resources: result.resources ?? [],
        promises: result.promises ?? [],
        kubernetes: (result.kubernetes ?? []).map(({ type, name, inputs }) => ({ type, name, inputs: unwrapSecrets(inputs) as Record<string, any> })),
        releases: (result.releases ?? []).map(({ chart, values }) => ({ chart, values: unwrapSecrets(values) as Record<string, unknown> })),
    };
}
