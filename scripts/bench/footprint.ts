import { type Footprint, stackFootprint } from "../lib/footprint";
import { renderStack } from "../lib/stackManifests";
import { cores, gib, STACKS, table } from "./measure";

export function footprints(): void {
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
