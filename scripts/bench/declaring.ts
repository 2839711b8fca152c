import type { Evaluation, Registration } from "../lib/childEvaluation";
import { evaluate, measure, median, ms, table } from "./measure";

/** The kinds measured: those whose resources hold at least this many input values together. */
const MIN_VALUES_PER_KIND = 100;
/**
 * Each measured kind is declared this many times over (copies under other names): one set of a kind costs about
 * as much as a shared machine's noise between runs, so the table divides what nine more sets add.
 */
const EXTRA_SETS = 9;

/** Every object, array and scalar in a resource's inputs: what Pulumi serializes one by one. */
function inputValues(value: unknown): number {
    if (value === null || typeof value !== "object") return 1;
    return 1 + Object.values(value).reduce((sum: number, item) => sum + inputValues(item), 0);
}

/** The median of the paired differences in CPU, with their spread: "49 ms (31–70)". */
function added(more: Evaluation[], base: Evaluation[], pickBase: (run: Evaluation) => number, divisor = 1) {
    const differences = more.map((run, round) => (run.evaluatedCpuMs - pickBase(base[round])) / divisor).sort((a, b) => a - b);
    return { median: median(differences), spread: `${ms(differences[0])}–${ms(differences[differences.length - 1])}` };
}

/**
 * What declaring each kind of resource costs without the program: production's resources replayed
 * (scripts/lib/benchProgram.ts, BENCH_MODE=replay) as they are, and with EXTRA_SETS more copies of one kind, in
 * rounds. A set's cost is the CPU the copies add (the median of the differences within rounds) over EXTRA_SETS.
 * The replay reads the copies' inputs from its run file inside the measured time, which adds a little to each.
 */
export function declaringCost(runs: number): void {
    console.log(
        `\n  what declaring each kind of resource costs: production's resources replayed, and with ${EXTRA_SETS} more copies of a kind, median of ${runs} rounds (and their spread)`,
    );
    const { registrations } = evaluate({ runtime: "compiled", mode: "program", stack: "production", collect: ["registrations"] });
    const kinds = new Map<string, { resources: Registration[]; values: number }>();
    for (const registration of registrations) {
        const kind = kinds.get(registration.type) ?? { resources: [], values: 0 };
        kind.resources.push(registration);
        kind.values += inputValues(registration.inputs);
        kinds.set(registration.type, kind);
    }
    const measured = [...kinds].filter(([, kind]) => kind.values >= MIN_VALUES_PER_KIND).sort((a, b) => b[1].values - a[1].values);
    const copies = (resources: Registration[]) =>
        Array.from({ length: EXTRA_SETS }, (_, set) => resources.map((resource) => ({ ...resource, name: `${resource.name}-copy-${set + 1}` }))).flat();
    const [floor, asTheyAre, ...withCopies] = measure(
        [
            { runtime: "compiled", mode: "floor" },
            { runtime: "compiled", mode: "replay", stack: "production", registrations },
            ...measured.map(([, kind]) => ({
                runtime: "compiled" as const,
                mode: "replay" as const,
                stack: "production",
                registrations: [...registrations, ...copies(kind.resources)],
            })),
        ],
        runs,
    );
    const rows = measured.map(([type, kind], index) => {
        const set = added(withCopies[index].runs, asTheyAre.runs, (run) => run.evaluatedCpuMs, EXTRA_SETS);
        return [
            type,
            kind.resources.length,
            kind.values,
            `${ms(set.median)} (${set.spread})`,
            `${(set.median / kind.resources.length).toFixed(1)} ms`,
            `${((1000 * set.median) / kind.values).toFixed(0)} µs`,
        ];
    });
    // The whole replay over the floor also holds what each kind's first resource loads (its SDK module) and the
    // run file: no per-resource figure for it.
    const whole = added(asTheyAre.runs, floor.runs, (run) => run.loadedCpuMs);
    rows.push([
        "all, over the SDK floor, with their modules' loading",
        registrations.length,
        [...kinds.values()].reduce((sum, kind) => sum + kind.values, 0),
        `${ms(whole.median)} (${whole.spread})`,
        "-",
        "-",
    ]);
    table(["kind", "resources", "input values", "CPU for one set", "per resource", "per value"], rows);
}
