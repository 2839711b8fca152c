// Figures for review, no assertions: how long the program takes to evaluate (as `pulumi preview` would, one
// process per run, under mocks: no engine, no cluster), how that grows with the number of services, what each
// stack asks of a cluster, how long the test suite runs, and (--engine) how long a real `pulumi preview` of
// production takes with one service and with a thousand. --profile adds where production's CPU goes, with a
// replay of its resources per kind over `--runs` rounds.
//   npm run bench [-- --runs 5 --scale-runs 3 --skip-tests --profile --engine --engine-runs 3 --only engine,scale]
// Each evaluation's figures are medians of the clock since the process started and of the CPU time it used
// (user + system, every thread): on a machine shared with other work the CPU time moves less.

import { enginePreview } from "./bench/engine";
import { evaluation } from "./bench/evaluation";
import { footprints } from "./bench/footprint";
import { machine } from "./bench/measure";
import { profile } from "./bench/profile";
import { scale } from "./bench/scale";
import { testSuite } from "./bench/testSuite";
import { ensureBuilt } from "./lib/childEvaluation";

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

async function main(): Promise<void> {
    machine();
    ensureBuilt();
    if (runs("evaluation")) evaluation(option("runs", 5));
    if (runs("scale")) scale(option("scale-runs", 3));
    if (runs("footprint")) footprints();
    if (runs("tests")) testSuite(flag("skip-tests"));
    if (runs("profile", flag("profile"))) profile(option("runs", 5));
    if (runs("engine", flag("engine"))) await enginePreview(option("engine-runs", 3));
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
