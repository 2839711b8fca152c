// What a deployed stack holds and exports, for the tests that deploy one with the real engine.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../../components/charts";
import { REPO_ROOT } from "../../scripts/lib/stackFile";

/** Output names the "Outputs" table of docs/configuration.md documents; `dev only` ones only for dev. */
export function documentedOutputs(stack: string): string[] {
    const reference = fs.readFileSync(path.join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    const section = reference.split(/^## Outputs$/m)[1].split(/^## /m)[0];
    return section
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .flatMap((line) => {
            const [names, what] = line.split("|").slice(1, 3);
            if (/dev only/.test(what) && stack !== "dev") return [];
            return [...names.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
        })
        .sort();
}

/** What the stack manages, from its state's resources: not the engine's default providers, nor what it only reads (`external`). */
export function managedResources(resources: any[]): any[] {
    return resources.filter((r) => !r.external && !(r.type.startsWith("pulumi:providers:") && r.urn.split("::").pop().startsWith("default")));
}

/**
 * Every Helm release is deployed from a pinned chart, and every release in the state fetched it from the chart
 * repository the stack names (`charts.repository`).
 */
export function assertReleasesFromRepository(installed: Array<{ name: string; chart: string; status: string }>, resources: any[], repositoryUrl: string): void {
    assert.deepStrictEqual(
        installed.map((r) => r.status),
        installed.map(() => "deployed"),
    );
    const pinned = Object.values(CHARTS).map((pin) => `${pin.chart}-${pin.version}`);
    for (const release of installed) assert.ok(pinned.includes(release.chart), `${release.name}: ${release.chart}`);
    const inState = resources.filter((r: any) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.strictEqual(inState.length, installed.length);
    for (const release of inState) assert.strictEqual(release.inputs?.repositoryOpts?.repo, repositoryUrl, release.urn);
}
