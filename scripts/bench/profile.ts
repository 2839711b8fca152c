import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../lib/stackFile";
import { declaringCost } from "./declaring";
import { evaluate, table } from "./measure";

/**
 * Where production's evaluation spends its CPU: self time of V8's sampling profile of one evaluation, by package;
 * the promises Pulumi tracks; what declaring each kind of resource costs (`runs` rounds of replays).
 */
export function profile(runs: number): void {
    console.log("\n5. Profile: one production evaluation (compiled, node --cpu-prof), self time by package");
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
    declaringCost(runs);
}
