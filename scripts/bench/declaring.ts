import type { Evaluation, Registration } from "../lib/childEvaluation";
import { evaluate, measure, median, ms, table } from "./measure";

/** The kinds measured: those holding at least this many input values. */
const MEASURED_VALUES = 100;
/**
 * Each measured kind is declared this many times over (copies under other names): what one set of them costs is
 * about 100 ms, less than a shared machine's noise between runs; nine more sets cost well above it.
 */
const EXTRA_SETS = 9;

/** Every object, array and scalar in a resource's inputs: what Pulumi serializes one by one. */
function inputValues(value: unknown): number {
    if (value === null || typeof value !== "object") return 1;
    return 1 + Object.values(value).reduce((sum: number, item) => sum + inputValues(item), 0);
}

/**
 * What declaring each kind of resource costs, before any code of ours runs: production's resources replayed
 * (scripts/lib/benchProgram.ts, BENCH_MODE=replay) as they are, and with EXTRA_SETS more copies of one kind, in
 * rounds. A kind's cost per resource is the CPU the copies add (the median of the differences within rounds)
 * divided by their number; the SDK floor is measured alongside for the whole.
 */
export function declaringCost(runs: number): void {
    console.log(
        `\n  what declaring each kind of resource costs: production's resources replayed, and with ${EXTRA_SETS} more copies of a kind, median of ${runs} rounds`,
    );
    const { registrations } = evaluate({ runtime: "compiled", mode: "program", stack: "production", collect: ["registrations"] });
    const kinds = new Map<string, Registration[]>();
    for (const registration of registrations) kinds.set(registration.type, [...(kinds.get(registration.type) ?? []), registration]);
    const values = (list: Registration[]) => list.reduce((sum, registration) => sum + inputValues(registration.inputs), 0);
    const measured = [...kinds].filter(([, list]) => values(list) >= MEASURED_VALUES).sort((a, b) => values(b[1]) - values(a[1]));
    const copies = (list: Registration[]) =>
        Array.from({ length: EXTRA_SETS }, (_, set) => list.map((registration) => ({ ...registration, name: `${registration.name}-copy-${set + 1}` }))).flat();
    const [floor, asTheyAre, ...withCopies] = measure(
        [
            { runtime: "compiled", mode: "floor" },
            { runtime: "compiled", mode: "replay", stack: "production", registrations },
            ...measured.map(([, list]) => ({
                runtime: "compiled" as const,
                mode: "replay" as const,
                stack: "production",
                registrations: [...registrations, ...copies(list)],
            })),
        ],
        runs,
    );
    const added = (more: Evaluation[], base: Evaluation[], pickBase: (run: Evaluation) => number) =>
        median(more.map((run, round) => run.evaluatedCpuMs - pickBase(base[round])));
    const rows = measured.map(([type, list], index) => {
        const perResource = added(withCopies[index].runs, asTheyAre.runs, (run) => run.evaluatedCpuMs) / (EXTRA_SETS * list.length);
        const perValue = (perResource * list.length) / values(list);
        return [type, list.length, values(list), ms(perResource * list.length), `${perResource.toFixed(1)} ms`, `${(1000 * perValue).toFixed(0)} µs`];
    });
    const whole = added(asTheyAre.runs, floor.runs, (run) => run.loadedCpuMs);
    rows.push([
        "all, over the SDK floor",
        registrations.length,
        values(registrations),
        ms(whole),
        `${(whole / registrations.length).toFixed(1)} ms`,
        `${((1000 * whole) / values(registrations)).toFixed(0)} µs`,
    ]);
    table(["kind", "resources", "input values", "CPU", "per resource", "per value"], rows);
}
