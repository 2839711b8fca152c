// Runs the real Prometheus tooling (Debian package `prometheus`, installed by .ci/run). A missing
// promtool fails the tests that need it: they must never pass by not running.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

export function promtoolBinary(): string {
    const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
    const binary = found.stdout.trim();
    if (found.status !== 0 || !binary) {
        throw new Error("promtool not found: install it with `apt-get install -y prometheus` (.ci/run does)");
    }
    return binary;
}

export interface PromtoolResult {
    ok: boolean;
    output: string;
}

/** Writes `files` into a fresh directory and runs promtool with `args` there. */
export function runPromtool(args: string[], files: Record<string, string>): PromtoolResult {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    try {
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(directory, name), content);
        const run = spawnSync(promtoolBinary(), args, { cwd: directory, encoding: "utf8", timeout: 120_000 });
        return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}

/**
 * Checks PromQL expressions with Prometheus' own parser: each becomes a recording rule and
 * `promtool check rules` must accept the file. Grafana variables must be substituted beforehand.
 */
export function checkPromQL(expressions: readonly string[]): PromtoolResult {
    const rules = expressions.map((expr, index) => ({ record: `check:expression_${index}`, expr }));
    return runPromtool(["check", "rules", "rules.yml"], { "rules.yml": stringify({ groups: [{ name: "check", rules }] }) });
}

export function promtoolVersion(): string {
    return execFileSync(promtoolBinary(), ["--version"], { encoding: "utf8" }).split("\n")[0];
}
