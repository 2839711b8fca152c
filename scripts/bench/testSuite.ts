import { spawnSync } from "child_process";
import { REPO_ROOT } from "../lib/stackFile";

export function testSuite(skip: boolean): void {
    console.log('\n4. Test suite (npx mocha "tests/**/*.test.ts", once)');
    if (skip) {
        console.log("  skipped (--skip-tests)");
        return;
    }
    const started = performance.now();
    const run = spawnSync("npx", ["mocha", "tests/**/*.test.ts"], { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const output = `${run.stdout}\n${run.stderr}`;
    const count = (word: string) => /(\d+) /.exec(output.match(new RegExp(`\\d+ ${word}`))?.[0] ?? "")?.[1] ?? "0";
    console.log(
        `  wall ${((performance.now() - started) / 1000).toFixed(1)} s; ${count("passing")} passing, ${count("failing")} failing, ${count("pending")} pending (exit ${run.status})`,
    );
}
