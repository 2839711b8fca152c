import type { Evaluation, Registration } from "../lib/childEvaluation";
import { measure, median, ms, pairedDifferences, recordedRegistrations, table } from "./measure";

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

/** The median of some CPU times, with their spread over the rounds: "30 ms (26 ms–35 ms)". */
const withSpread = (sorted: number[]) => `${ms(median(sorted))} (${ms(sorted[0])}–${ms(sorted[sorted.length - 1])})`;

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
    const registrations = recordedRegistrations("production");
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
    const cpu = (run: Evaluation) => run.evaluatedCpuMs;
    const rows = measured.map(([type, kind], index) => {
        const perSet = pairedDifferences(withCopies[index].runs, asTheyAre.runs, cpu).map((difference) => difference / EXTRA_SETS);
        return [
            type,
            kind.resources.length,
            kind.values,
            withSpread(perSet),
            `${(median(perSet) / kind.resources.length).toFixed(1)} ms`,
            `${((1000 * median(perSet)) / kind.values).toFixed(0)} µs`,
        ];
    });
    // The whole replay over the floor also holds what each kind's first resource loads (its SDK module) and the
    // run file: no per-resource figure for it.
    const whole = pairedDifferences(asTheyAre.runs, floor.runs, cpu, (run) => run.loadedCpuMs);
    rows.push([
        "all, over the SDK floor, with their modules' loading",
        registrations.length,
        [...kinds.values()].reduce((sum, kind) => sum + kind.values, 0),
        withSpread(whole),
        "-",
        "-",
    ]);
    table(["kind", "resources", "input values", "CPU for one set", "per resource", "per value"], rows);
}
