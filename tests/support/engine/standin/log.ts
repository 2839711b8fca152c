// What the stand-in provider (./provider.ts) was sent, read back by the engine tests.
import * as fs from "fs";
import * as path from "path";

/** The packages the stand-in serves: bin/pulumi-resource-<package> starts it. */
export const STANDIN_PACKAGES = ["random", "grafana"] as const;

export interface StandinEntry {
    time: number;
    op: "create" | "update" | "delete";
    urn: string;
    id: string;
    properties?: Record<string, unknown>;
}

/** Every entry the stand-ins of `dir` wrote, oldest first. */
export function readStandinLog(dir: string): StandinEntry[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(".jsonl"))
        .flatMap((file) =>
            fs
                .readFileSync(path.join(dir, file), "utf8")
                .split("\n")
                .filter(Boolean)
                .map((line) => JSON.parse(line) as StandinEntry),
        )
        .sort((a, b) => a.time - b.time);
}

/** What the stand-ins hold now: every object created and not deleted since, by URN, with its latest properties. */
export function standinHoldings(dir: string): Map<string, StandinEntry> {
    const held = new Map<string, StandinEntry>();
    for (const entry of readStandinLog(dir)) {
        if (entry.op === "delete") held.delete(entry.urn);
        else held.set(entry.urn, entry);
    }
    return held;
}
