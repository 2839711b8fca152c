// Figures for review, no assertions: how long the program takes to evaluate (as `pulumi preview` would, one
// process per run, under mocks: no engine, no cluster), how that grows with the number of services, what each
// stack asks of a cluster, how long the test suite runs, and (--engine) how long a real `pulumi preview` of
// production takes with one service and with a thousand.
//   npm run bench [-- --runs 5 --scale-runs 3 --skip-tests --profile --engine --engine-runs 3 --only engine,scale]
// Each evaluation's figures are medians of the clock since the process started and of the CPU time it used
// (user + system, every thread): on a machine shared with other work the CPU time moves less.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_KEYS } from "../stacks/config";
import { startCluster } from "../tests/support/cluster";
import { engineBinDir, engineStack, engineWorkDir, serveChartRepository, serveGrafanaHealth } from "../tests/support/engine/harness";
import { type Evaluation, type EvaluationOptions, ensureBuilt, evaluateInChild, projectNodeArgs, type Runtime } from "./lib/childEvaluation";
import { type Footprint, stackFootprint } from "./lib/footprint";
import { REPO_ROOT } from "./lib/stackFile";
import { renderStack } from "./lib/stackManifests";

const STACKS = ["dev", "staging", "production"] as const;
const SCALE = [1, 10, 100, 1000];

const flag = (name: string) => process.argv.includes(`--${name}`);
/** `--only a,b`: run those sections only (evaluation, scale, footprint, tests, engine, profile). */
const only = (() => {
    const index = process.argv.indexOf("--only");
    return index >= 0 ? new Set(process.argv[index + 1].split(",")) : undefined;
})();
const runs = (section: string, byDefault = true) => (only ? only.has(section) : byDefault);
function option(name: string, fallback: number): number {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function evaluate(options: EvaluationOptions) {
    const run = evaluateInChild(options);
    if (run.error) throw new Error(`the program failed (${options.stack}): ${run.error}`);
    return run;
}

const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * A warm-up run of each (disk cache), then `runs` rounds that evaluate each once, in turn, the order reversed
 * every other round: load from other work on the machine falls on all of them alike. The median of each figure,
 * and every run for paired ratios.
 */
function measure(list: EvaluationOptions[], runs: number) {
    for (const options of list) evaluate(options);
    const all = list.map((): Evaluation[] => []);
    for (let round = 0; round < runs; round++) {
        const order = list.map((_, index) => index);
        if (round % 2) order.reverse();
        for (const index of order) all[index].push(evaluate(list[index]));
    }
    return all.map((results) => {
        const of = (pick: (r: Evaluation) => number) => median(results.map(pick));
        return {
            wallMs: of((r) => r.wallMs),
            loadedMs: of((r) => r.loadedMs),
            evaluatedMs: of((r) => r.evaluatedMs),
            loadedCpuMs: of((r) => r.loadedCpuMs),
            evaluatedCpuMs: of((r) => r.evaluatedCpuMs),
            maxRssMb: of((r) => r.maxRssKb) / 1024,
            registered: results[0].registered,
            runs: results,
        };
    });
}

/** The median over the rounds of `a ÷ b` within each round: load that falls on one round cancels out. */
function pairedRatio(a: Evaluation[], b: Evaluation[], pickA: (r: Evaluation) => number, pickB = pickA): number {
    return median(a.map((run, round) => pickA(run) / pickB(b[round])));
}

/** Evaluations against the floor's loading, paired within rounds: "1.62× the SDK floor, CPU 1.70×". */
function versusFloor(runs: Evaluation[], floorRuns: Evaluation[]): string {
    const clock = pairedRatio(
        runs,
        floorRuns,
        (r) => r.evaluatedMs,
        (r) => r.loadedMs,
    );
    const cpu = pairedRatio(
        runs,
        floorRuns,
        (r) => r.evaluatedCpuMs,
        (r) => r.loadedCpuMs,
    );
    return `${clock.toFixed(2)}× the SDK floor, CPU ${cpu.toFixed(2)}×`;
}

function table(header: string[], rows: Array<Array<string | number>>): void {
    const cells = [header, ...rows.map((row) => row.map(String))];
    const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
    for (const [index, row] of cells.entries()) {
        console.log(`  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ")}`);
        if (index === 0) console.log(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
    }
}

const ms = (value: number) => `${Math.round(value)} ms`;
const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "none");
const gib = (value: number) => (Number.isFinite(value) ? `${(value / 2 ** 30).toFixed(2)} GiB` : "none");

function machine(): void {
    const cpus = os.cpus();
    console.log("Machine");
    console.log(`  CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} logical cores (available parallelism ${os.availableParallelism()})`);
    console.log(`  memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()} ${os.arch()}; node ${process.version}`);
}

function evaluation(runs: number): void {
    console.log(`\n1. Evaluation: one process per run, median of ${runs} rounds after a warm-up (ms since the process started)`);
    const programs: Array<[Runtime, string]> = [...STACKS.map((stack): [Runtime, string] => ["compiled", stack]), ["ts-node", "production"]];
    const { registrations } = evaluate({ runtime: "compiled", mode: "program", stack: "production", collect: ["registrations"] });
    const [floor, tsNodeFloor, ...results] = measure(
        [
            { runtime: "compiled", mode: "floor" },
            { runtime: "ts-node", mode: "floor" },
            ...programs.map(([runtime, stack]): EvaluationOptions => ({ runtime, mode: "program", stack })),
            { runtime: "compiled", mode: "program", stack: "production", withoutProjectNodeArgs: true },
            { runtime: "compiled", mode: "replay", stack: "production", registrations },
        ],
        runs,
    );
    const replayed = results.pop()!;
    const withoutNodeArgs = results.pop()!;
    const rows: Array<Array<string | number>> = [
        ["floor: SDKs only", "-", ms(floor.loadedMs), ms(floor.loadedCpuMs), ms(floor.wallMs), floor.maxRssMb.toFixed(0), "1.00×", "1.00×"],
        [
            "floor: SDKs + ts-node hook",
            "-",
            ms(tsNodeFloor.loadedMs),
            ms(tsNodeFloor.loadedCpuMs),
            ms(tsNodeFloor.wallMs),
            tsNodeFloor.maxRssMb.toFixed(0),
            `${(tsNodeFloor.loadedMs / floor.loadedMs).toFixed(2)}×`,
            `${(tsNodeFloor.loadedCpuMs / floor.loadedCpuMs).toFixed(2)}×`,
        ],
    ];
    for (const [index, [runtime, stack]] of programs.entries()) {
        const result = results[index];
        rows.push([
            `${stack} (${runtime})`,
            result.registered,
            ms(result.evaluatedMs),
            ms(result.evaluatedCpuMs),
            ms(result.wallMs),
            result.maxRssMb.toFixed(0),
            `${(result.evaluatedMs / floor.loadedMs).toFixed(2)}×`,
            `${(result.evaluatedCpuMs / floor.loadedCpuMs).toFixed(2)}×`,
        ]);
    }
    table(["program (runtime)", "resources", "evaluated", "CPU", "wall", "max RSS MB", "÷ SDK floor", "CPU ÷ floor's"], rows);
    const compiled = results[programs.findIndex(([runtime, stack]) => runtime === "compiled" && stack === "production")];
    const tsNode = results[programs.findIndex(([runtime, stack]) => runtime === "ts-node" && stack === "production")];
    console.log(
        `  production, compiled (what pulumi up runs): ${versusFloor(compiled.runs, floor.runs)} (paired within rounds; goal ≤ 1.5×); ` +
            `${(compiled.evaluatedMs / tsNodeFloor.loadedMs).toFixed(2)}× the SDK + ts-node floor`,
    );
    console.log(
        `  production through ts-node (typescript: true): ${(tsNode.evaluatedMs / tsNodeFloor.loadedMs).toFixed(2)}× its floor; ` +
            `compiled saves ${ms(tsNode.evaluatedMs - compiled.evaluatedMs)}`,
    );
    // Every run above gets Pulumi.yaml's nodeargs, as the language host passes them: what they change (against
    // the floor measured with them, as everything here).
    console.log(
        `  production without Pulumi.yaml's nodeargs (${projectNodeArgs().join(" ") || "none"}), against the same floor: ` +
            `${versusFloor(withoutNodeArgs.runs, floor.runs)}; ` +
            `they save ${ms(withoutNodeArgs.evaluatedCpuMs - compiled.evaluatedCpuMs)} of CPU`,
    );
    // The same resources with the same inputs, registered one after the other through the SDKs' classes: about
    // what declaring them costs before any code of ours runs (scripts/lib/benchProgram.ts, BENCH_MODE=replay).
    console.log(
        `  production's ${replayed.registered} resources registered without the program (replayed): ` +
            `${versusFloor(replayed.runs, floor.runs)}; ` +
            `the program adds ${ms(compiled.evaluatedCpuMs - replayed.evaluatedCpuMs)} of CPU to that`,
    );
}

function generatedServices(count: number) {
    return Array.from({ length: count }, (_, index) => ({
        name: `service-${String(index + 1).padStart(3, "0")}`,
        namespace: `team-${index % 10}`,
        team: `team-${index % 10}`,
        availabilityObjective: 99.9,
        latencyObjective: 95,
        latencyThresholdMs: 300,
    }));
}

function scale(runs: number): void {
    console.log(
        `\n2. Scale: production (compiled) with N services (a rule group each, packed into PrometheusRules of at most 512 KiB; one shared SLO dashboard and the SLO alerts), median of ${runs} rounds`,
    );
    const results = measure(
        SCALE.map(
            (count): EvaluationOptions => ({ runtime: "compiled", mode: "program", stack: "production", overrides: { services: generatedServices(count) } }),
        ),
        runs,
    ).map((result, index) => ({ count: SCALE[index], ...result }));
    table(
        ["services", "resources", "evaluated", "CPU", "wall", "max RSS MB"],
        results.map((r) => [r.count, r.registered, ms(r.evaluatedMs), ms(r.evaluatedCpuMs), ms(r.wallMs), r.maxRssMb.toFixed(0)]),
    );
    const first = results[0];
    const last = results[results.length - 1];
    console.log(
        `  time ${last.count} ÷ ${first.count} services = ${pairedRatio(last.runs, first.runs, (r) => r.evaluatedMs).toFixed(2)}× (goal ≤ 1.3×), ` +
            `CPU ${pairedRatio(last.runs, first.runs, (r) => r.evaluatedCpuMs).toFixed(2)}× (paired within rounds); memory ${(last.maxRssMb / first.maxRssMb).toFixed(2)}×`,
    );
    const slopes = results.slice(1).map((r, index) => (r.registered - results[index].registered) / (r.count - results[index].count));
    console.log(
        `  resources per added service: ${slopes.map((s) => s.toFixed(2)).join(", ")} (${new Set(slopes.map((s) => s.toFixed(6))).size === 1 ? "linear" : "not linear"})`,
    );
    const perService = results.slice(1).map((r, index) => (r.evaluatedMs - results[index].evaluatedMs) / (r.count - results[index].count));
    console.log(`  ms per added service: ${perService.map((s) => s.toFixed(1)).join(", ")}`);
}

function footprints(): void {
    console.log("\n3. Footprint of the rendered manifests (helm template; scripts/lib/footprint.ts), DaemonSets on 1 node, hook jobs excluded");
    const totals: Array<[string, Footprint]> = [];
    for (const stack of STACKS) {
        const footprint = stackFootprint(renderStack(stack).releases);
        console.log(`  ${stack}:`);
        table(
            ["  release / workload", "pods", "CPU req", "mem req", "CPU lim", "mem lim", "storage"],
            footprint.releases.flatMap((release) => [
                [
                    `  ${release.chart}`,
                    release.workloads.reduce((n, w) => n + w.replicas, 0),
                    cores(release.total.cpuRequest),
                    gib(release.total.memoryRequest),
                    cores(release.total.cpuLimit),
                    gib(release.total.memoryLimit),
                    gib(release.total.storage),
                ],
                ...release.workloads
                    .filter((w) => w.replicas > 0 || w.storage > 0)
                    .map((w) => [
                        `    ${w.kind}/${w.name} (${w.containers.join("+") || "claim"})`,
                        w.replicas,
                        cores(w.cpuRequest),
                        gib(w.memoryRequest),
                        cores(w.cpuLimit),
                        gib(w.memoryLimit),
                        gib(w.storage),
                    ]),
            ]),
        );
        totals.push([stack, footprint.total]);
    }
    console.log("  totals:");
    table(
        ["  stack", "CPU req", "mem req", "CPU lim", "mem lim", "storage", "budget"],
        totals.map(([stack, t]) => [
            `  ${stack}`,
            cores(t.cpuRequest),
            gib(t.memoryRequest),
            cores(t.cpuLimit),
            gib(t.memoryLimit),
            gib(t.storage),
            stack === "dev" ? "≤ 1 CPU, 2 GiB" : stack === "staging" ? "≤ 2 CPU, 4 GiB" : "-",
        ]),
    );
}

function testSuite(): void {
    console.log('\n4. Test suite (npx mocha "tests/**/*.test.ts", once)');
    if (flag("skip-tests")) {
        console.log("  skipped (--skip-tests)");
        return;
    }
    const started = performance.now();
    const run = spawnSync("npx", ["mocha", "tests/**/*.test.ts"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const output = `${run.stdout}\n${run.stderr}`;
    const count = (word: string) => /(\d+) /.exec(output.match(new RegExp(`\\d+ ${word}`))?.[0] ?? "")?.[1] ?? "0";
    console.log(
        `  wall ${((performance.now() - started) / 1000).toFixed(1)} s; ${count("passing")} passing, ${count("failing")} failing, ${count("pending")} pending (exit ${run.status})`,
    );
}

/**
 * `pulumi preview` of production through the real engine (the suite's: tests/support/engine), with one service
 * and with a thousand, each a stack never deployed, on the local API server with the pinned charts served
 * from 127.0.0.1: what a pull request's preview of a new stack costs. The program runs inline in this process
 * (the CLI is started with --client), reloaded from bin/ for each preview; the SDKs stay loaded. A warm-up
 * preview each, then `runs` previews each, alternating.
 */
async function enginePreview(runs: number): Promise<void> {
    const counts = [1, 1000];
    console.log(`\n6. Real engine: pulumi preview of production with ${counts.join(" and ")} services (never deployed), median of ${runs} after a warm-up`);
    const binDir = engineBinDir();
    const workDirs: string[] = [];
    const cluster = await startCluster();
    const charts = await serveChartRepository(fs.mkdtempSync(path.join(os.tmpdir(), "bench-charts-")));
    const health = await serveGrafanaHealth();
    try {
        await cluster.provideStorageClass("gp3");
        const stacks = [];
        for (const count of counts) {
            const workDir = engineWorkDir(`production-${count}`);
            workDirs.push(workDir);
            stacks.push({
                count,
                stack: await engineStack({
                    stack: "production",
                    workDir,
                    binDir,
                    kubeconfig: cluster.kubeconfig,
                    passphrase: "bench-passphrase",
                    config: { charts: { repository: charts.url }, grafana: { apiUrl: health.url }, services: generatedServices(count) },
                    secrets: Object.fromEntries(SECRET_KEYS.map((key) => [key, `bench-${key}`])),
                }),
                seconds: [] as number[],
                cpuSeconds: [] as number[],
                creates: 0,
            });
        }
        for (let round = -1; round < runs; round++) {
            for (const entry of round % 2 ? stacks : [...stacks].reverse()) {
                const cpu = process.cpuUsage();
                const started = performance.now();
                const result = await entry.stack.preview();
                const seconds = (performance.now() - started) / 1000;
                const { user, system } = process.cpuUsage(cpu);
                entry.creates = result.changeSummary.create ?? 0;
                if (round < 0) continue;
                entry.seconds.push(seconds);
                entry.cpuSeconds.push((user + system) / 1e6);
            }
        }
        table(
            ["services", "resources to create", "preview", "program's process CPU", "all runs"],
            stacks.map((s) => [
                s.count,
                s.creates,
                `${median(s.seconds).toFixed(1)} s`,
                `${median(s.cpuSeconds).toFixed(1)} s`,
                s.seconds.map((value) => value.toFixed(1)).join(", "),
            ]),
        );
        const [one, thousand] = stacks;
        console.log(
            `  preview ${thousand.count} ÷ ${one.count} services = ${(median(thousand.seconds) / median(one.seconds)).toFixed(2)}× (goal ≤ 1.5×); ` +
                `CPU of this process (program, Automation API) ${(median(thousand.cpuSeconds) / median(one.cpuSeconds)).toFixed(2)}×`,
        );
    } finally {
        await cluster.stop();
        await charts.close();
        await health.close();
        for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Where one production evaluation spends its CPU: self time of V8's sampling profile, by package. */
function profile(): void {
    console.log("\n5. Profile of one production evaluation (compiled, node --cpu-prof), self time by package");
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "bench-profile-"));
    evaluate({ runtime: "compiled", mode: "program", stack: "production", nodeOptions: ["--cpu-prof", `--cpu-prof-dir=${directory}`] });
    const file = fs.readdirSync(directory).find((name) => name.endsWith(".cpuprofile"))!;
    const { nodes, samples, timeDeltas } = JSON.parse(fs.readFileSync(path.join(directory, file), "utf8")) as {
        nodes: Array<{ id: number; callFrame: { url: string; functionName: string } }>;
        samples: number[];
        timeDeltas: number[];
    };
    fs.rmSync(directory, { recursive: true, force: true });
    const where = new Map(
        nodes.map((node) => {
            const { url, functionName } = node.callFrame;
            const owner =
                /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
                (url.startsWith(`file://${REPO_ROOT}/`)
                    ? `(this repository) ${
                          url
                              .slice(REPO_ROOT.length + 8)
                              .split("/")
                              .filter((part) => part !== "bin")[0]
                      }`
                    : url.replace(/^node:.*/, "(node internals)") || `(${functionName})`);
            return [node.id, owner];
        }),
    );
    const self = new Map<string, number>();
    samples.forEach((id, index) => {
        self.set(where.get(id)!, (self.get(where.get(id)!) ?? 0) + timeDeltas[index] / 1000);
    });
    const total = [...self.values()].reduce((sum, ms) => sum + ms, 0);
    table(
        ["package", "self", "share"],
        [...self]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 12)
            .map(([owner, ms]) => [owner, `${Math.round(ms)} ms`, `${((100 * ms) / total).toFixed(0)}%`]),
    );
    // Pulumi captures a stack trace for each promise it tracks: how many a production evaluation makes, and for what.
    const { promises, registered } = evaluate({ runtime: "compiled", mode: "program", stack: "production", collect: ["promises"] });
    const tracked = promises.reduce((sum, [, count]) => sum + count, 0);
    console.log(`\n  promises Pulumi tracked (each takes a stack trace, empty under Pulumi.yaml's nodeargs): ${tracked} for ${registered} resources`);
    table(["context", "promises"], [...promises].sort((a, b) => b[1] - a[1]).slice(0, 8));
}

async function main(): Promise<void> {
    machine();
    ensureBuilt();
    if (runs("evaluation")) evaluation(option("runs", 5));
    if (runs("scale")) scale(option("scale-runs", 3));
    if (runs("footprint")) footprints();
    if (runs("tests")) testSuite();
    if (runs("engine", flag("engine"))) await enginePreview(option("engine-runs", 3));
    if (runs("profile", flag("profile"))) profile();
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
