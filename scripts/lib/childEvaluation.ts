// One evaluation of the program in a fresh process under Pulumi mocks (scripts/lib/benchProgram.ts), as
// Pulumi's Node.js runtime would start it: the compiled program (Pulumi.yaml `typescript: false`, what
// `pulumi up` runs) or index.ts through ts-node (`typescript: true`, for comparison). The bench and the
// compiled-program test use it.
// The child approximates how the Node.js language host starts a program, `node <nodeargs>
// @pulumi/pulumi/cmd/run ...`: it gets Pulumi.yaml's `runtime.options.nodeargs` as node options and preloads
// source-map-support, which cmd/run/index.js loads second, after its OpenTelemetry hook (`@opentelemetry/api`
// only, unless TRACEPARENT is set). The rest of cmd/run (its argument parsing, the gRPC monitor) is not loaded.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { BUILD_DIRECTORY, staleSources } from "../../stacks/compiledProgram";
import type { Registration as OfflineRegistration } from "./offlineEvaluation";
import { offlineConfig, PROJECT, projectFile, REPO_ROOT, unwrapSecrets } from "./stackFile";

export type Runtime = "compiled" | "ts-node";

export const COMPILED_PROGRAM = path.join(REPO_ROOT, BUILD_DIRECTORY, "index.js");
const HARNESS_SOURCE = path.join(REPO_ROOT, "scripts", "lib", "benchProgram.ts");
const HARNESS = path.join(REPO_ROOT, BUILD_DIRECTORY, "bench", "benchProgram.js");
/**
 * Where the child writes its one JSON result, beside the run file: on stdout, `process.exit()` right after the
 * write dropped what was still waiting in the pipe (past about 430 KB).
 */
const RESULT_FILE = "result.json";

/**
 * Pulumi.yaml's `runtime.options.nodeargs`, as the language host passes them to node (it splits them
 * shell-style; ours hold no quotes, so splitting on spaces is the same).
 */
export function projectNodeArgs(): string[] {
    const { runtime } = projectFile();
    const nodeargs = (typeof runtime === "string" ? undefined : runtime.options?.nodeargs) ?? "";
    if (/["'\\]/.test(nodeargs)) throw new Error(`Pulumi.yaml runtime.options.nodeargs: quoting is not supported here, got ${JSON.stringify(nodeargs)}`);
    return nodeargs.split(/\s+/).filter(Boolean);
}

/**
 * What cmd/run/index.js loads first: source-map-support/register, the copy @pulumi/pulumi's directory resolves
 * to. Looked up on disk, as node would, because under ts-node `require.resolve` answers with ts-node's fork.
 */
const SOURCE_MAP_SUPPORT = ((): string => {
    for (let directory = path.dirname(require.resolve("@pulumi/pulumi/package.json")); ; directory = path.dirname(directory)) {
        const candidate = path.join(directory, "node_modules", "source-map-support", "register.js");
        if (fs.existsSync(candidate)) return candidate;
        if (directory === path.dirname(directory)) throw new Error("source-map-support, a dependency of @pulumi/pulumi, is not installed");
    }
})();

/** The node options the language host's process has before the program: Pulumi.yaml's nodeargs, source-map-support. */
export function languageHostNodeArgs(withProjectNodeArgs = true): string[] {
    return [...(withProjectNodeArgs ? projectNodeArgs() : []), "-r", SOURCE_MAP_SUPPORT];
}

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
    /** With `collect: ["registrations"]`: every resource's type, name and inputs as registered, for `mode: "replay"`. */
    registrations: Registration[];
}

/** A resource as the mocks received it: what `mode: "replay"` registers again. */
export type Registration = Pick<OfflineRegistration, "type" | "name" | "inputs">;

/** What a child reports besides its figures. */
export type Collected = "releases" | "resources" | "kubernetes" | "promises" | "registrations";

export interface EvaluationOptions {
    runtime: Runtime;
    /**
     * `floor` only loads the SDKs (plus ts-node with the ts-node runtime); `replay` registers `registrations`
     * through the SDKs' classes without the program.
     */
    mode: "floor" | "program" | "replay";
    registrations?: Registration[];
    stack?: string;
    /** Config on top of the stack file, e.g. `{ services: [...] }`. */
    overrides?: Record<string, unknown>;
    collect?: Collected[];
    /** Node options after the language host's, e.g. `--cpu-prof`. */
    nodeOptions?: string[];
    /** Leave out Pulumi.yaml's nodeargs (to measure what they change); they are passed by default. */
    withoutProjectNodeArgs?: boolean;
}

export function evaluateInChild(options: EvaluationOptions): Evaluation {
    const stack = options.stack ?? "dev";
    const { config, secretKeys } = options.mode === "floor" ? { config: {}, secretKeys: [] } : offlineConfig(stack, options.overrides);
    const program = options.runtime === "compiled" ? COMPILED_PROGRAM : path.join(REPO_ROOT, "index.ts");
    const nodeArgs = [
        ...languageHostNodeArgs(!options.withoutProjectNodeArgs),
        ...(options.runtime === "ts-node" ? ["-r", "ts-node/register"] : []),
        ...(options.nodeOptions ?? []),
    ];
    // The run goes in a file: a thousand services' config is more than one environment variable may hold (128 KiB).
    const runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "bench-run-"));
    const runFile = path.join(runDirectory, "run.json");
    const resultFile = path.join(runDirectory, RESULT_FILE);
    fs.writeFileSync(
        runFile,
        JSON.stringify({ project: PROJECT, stack, config, secretKeys, collect: options.collect ?? [], registrations: options.registrations }),
    );
    const started = performance.now();
    const child = spawnSync(process.execPath, [...nodeArgs, harness()], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        timeout: 300_000,
        env: {
            ...process.env,
            TS_NODE_TRANSPILE_ONLY: "true",
            BENCH_MODE: options.mode,
            BENCH_PROGRAM: program,
            BENCH_RUN_FILE: runFile,
            BENCH_RESULT_FILE: resultFile,
        },
    });
    const wallMs = performance.now() - started;
    const written = fs.existsSync(resultFile) ? fs.readFileSync(resultFile, "utf8") : undefined;
    fs.rmSync(runDirectory, { recursive: true, force: true });
    if (child.error) throw new Error(`evaluation child did not run (${options.runtime} ${options.mode} ${stack}): ${child.error.message}`);
    if (written === undefined) {
        const frames = options.withoutProjectNodeArgs ? "" : " (no stack frames: Pulumi.yaml's nodeargs; `withoutProjectNodeArgs: true` shows them)";
        throw new Error(`evaluation child failed (${options.runtime} ${options.mode} ${stack})${frames}: ${child.stderr || child.stdout}`);
    }
    const result = JSON.parse(written) as Partial<Evaluation>;
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
        registrations: result.registrations ?? [],
        kubernetes: (result.kubernetes ?? []).map(({ type, name, inputs }) => ({ type, name, inputs: unwrapSecrets(inputs) as Record<string, any> })),
        releases: (result.releases ?? []).map(({ chart, values }) => ({ chart, values: unwrapSecrets(values) as Record<string, unknown> })),
    };
}
