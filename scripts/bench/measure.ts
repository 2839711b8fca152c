// What every section of the bench shares: one evaluation in a fresh process, rounds of them with the order
// reversed every other round, ratios paired within rounds, and the printed tables.
import * as os from "os";
import { type Evaluation, type EvaluationOptions, evaluateInChild, type Registration } from "../lib/childEvaluation";

export const STACKS = ["dev", "staging", "production"] as const;

export function evaluate(options: EvaluationOptions) {
    const run = evaluateInChild(options);
    if (run.error) throw new Error(`the program failed (${options.stack}): ${run.error}`);
    return run;
}

export const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * A warm-up run of each (disk cache), then `runs` rounds that evaluate each once, in turn, the order reversed
 * every other round: load from other work on the machine falls on all of them alike. The median of each figure,
 * and every run for paired ratios.
 */
export function measure(list: EvaluationOptions[], runs: number) {
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
export function pairedRatio(a: Evaluation[], b: Evaluation[], pickA: (r: Evaluation) => number, pickB = pickA): number {
    return median(a.map((run, round) => pickA(run) / pickB(b[round])));
}

/** `a − b` within each round, sorted: their median is what `a` adds, their ends the spread over the rounds. */
export function pairedDifferences(a: Evaluation[], b: Evaluation[], pickA: (r: Evaluation) => number, pickB = pickA): number[] {
    return a.map((run, round) => pickA(run) - pickB(b[round])).sort((x, y) => x - y);
}

/** Evaluations against the floor's loading, paired within rounds: "1.62× the SDK floor, CPU 1.70×". */
export function versusFloor(runs: Evaluation[], floorRuns: Evaluation[]): string {
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

export function table(header: string[], rows: Array<Array<string | number>>): void {
    const cells = [header, ...rows.map((row) => row.map(String))];
    const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
    for (const [index, row] of cells.entries()) {
        console.log(`  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ")}`);
        if (index === 0) console.log(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
    }
}

export const ms = (value: number) => `${Math.round(value)} ms`;
export const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "none");
export const gib = (value: number) => (Number.isFinite(value) ? `${(value / 2 ** 30).toFixed(2)} GiB` : "none");

export function machine(): void {
    const cpus = os.cpus();
    console.log("Machine");
    console.log(`  CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} logical cores (available parallelism ${os.availableParallelism()})`);
    console.log(`  memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()} ${os.arch()}; node ${process.version}`);
}

const recorded = new Map<string, Registration[]>();
/** The resources one evaluation of `stack` registers, recorded once per bench run: what its replays register. */
export function recordedRegistrations(stack: string): Registration[] {
    if (!recorded.has(stack)) recorded.set(stack, evaluate({ runtime: "compiled", mode: "program", stack, collect: ["registrations"] }).registrations);
    return recorded.get(stack)!;
}

/** `count` services with SLOs, spread over ten namespaces: what the scale and engine sections declare. */
export function generatedServices(count: number) {
    return Array.from({ length: count }, (_, index) => ({
        name: `service-${String(index + 1).padStart(3, "0")}`,
        namespace: `team-${index % 10}`,
        team: `team-${index % 10}`,
        availabilityObjective: 99.9,
        latencyObjective: 95,
        latencyThresholdMs: 300,
    }));
}
