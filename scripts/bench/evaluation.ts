import { type EvaluationOptions, projectNodeArgs, type Runtime } from "../lib/childEvaluation";
import { measure, ms, recordedRegistrations, STACKS, table, versusFloor } from "./measure";

export function evaluation(runs: number): void {
    console.log(`\n1. Evaluation: one process per run, median of ${runs} rounds after a warm-up (ms since the process started)`);
    const programs: Array<[Runtime, string]> = [...STACKS.map((stack): [Runtime, string] => ["compiled", stack]), ["ts-node", "production"]];
    const [floor, tsNodeFloor, ...results] = measure(
        [
            { runtime: "compiled", mode: "floor" },
            { runtime: "ts-node", mode: "floor" },
            ...programs.map(([runtime, stack]): EvaluationOptions => ({ runtime, mode: "program", stack })),
            { runtime: "compiled", mode: "program", stack: "production", withoutProjectNodeArgs: true },
            { runtime: "compiled", mode: "replay", stack: "production", registrations: recordedRegistrations("production") },
        ],
        runs,
    );
    const replayed = results.pop()!;
    const withoutNodeArgs = results.pop()!;
    // One row: the clock and the CPU where the run's work ends (a floor's when the SDKs are loaded, a program's when
    // its last resource registered), and both against the SDK floor's.
    const row = (label: string, result: typeof floor, endsWhen: "loaded" | "evaluated") => {
        const [clockMs, cpuMs] = endsWhen === "loaded" ? [result.loadedMs, result.loadedCpuMs] : [result.evaluatedMs, result.evaluatedCpuMs];
        return [
            label,
            endsWhen === "loaded" ? "-" : result.registered,
            ms(clockMs),
            ms(cpuMs),
            ms(result.wallMs),
            result.maxRssMb.toFixed(0),
            `${(clockMs / floor.loadedMs).toFixed(2)}×`,
            `${(cpuMs / floor.loadedCpuMs).toFixed(2)}×`,
        ];
    };
    const rows = [
        row("floor: SDKs only", floor, "loaded"),
        row("floor: SDKs + ts-node hook", tsNodeFloor, "loaded"),
        ...programs.map(([runtime, stack], index) => row(`${stack} (${runtime})`, results[index], "evaluated")),
    ];
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
