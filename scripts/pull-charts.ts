// `npm run charts:pull [-- --all] [-- --record]`: downloads the pinned charts the checkout cannot find vendored
// (or every one, with --all) with `helm pull` into the chart cache and checks each archive's sha256 against
// charts.lock.json. `--record` writes the digest of an archive whose lock entry is still empty (the first pull
// on a machine with access to the repositories); a digest that differs from a recorded one is always an error.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { CHARTS, type ChartKey } from "../components/charts";
import { archiveDigest, archivePath, CHART_CACHE_DIR, CHART_LOCK_FILE, chartSource, readLock } from "./lib/chartSource";
import { helmBinary } from "./lib/helmTemplate";

function needsPull(key: ChartKey): boolean {
    try {
        return chartSource(key).origin !== "shared";
    } catch {
        return true;
    }
}

function main(): void {
    const all = process.argv.includes("--all");
    const record = process.argv.includes("--record");
    const lock = readLock();
    const problems: string[] = [];
    fs.mkdirSync(CHART_CACHE_DIR, { recursive: true });
    for (const key of Object.keys(CHARTS) as ChartKey[]) {
        const { chart, version, repo } = CHARTS[key];
        if (!all && !needsPull(key)) {
            process.stdout.write(`${chart} ${version}: vendored, nothing to pull\n`);
            continue;
        }
        const archive = archivePath(key);
        if (!fs.existsSync(archive)) {
            const pulled = spawnSync(helmBinary(), ["pull", "--repo", repo, chart, "--version", version, "--destination", CHART_CACHE_DIR], {
                encoding: "utf8",
            });
            if (pulled.status !== 0) {
                problems.push(`${chart} ${version}: helm pull failed: ${pulled.stderr.trim()}`);
                continue;
            }
        }
        const digest = archiveDigest(archive);
        const entry = lock[key];
        if (!entry.digest && record) {
            entry.digest = digest;
            process.stdout.write(`${chart} ${version}: recorded sha256 ${digest} in charts.lock.json (commit it)\n`);
        } else if (entry.digest !== digest) {
            problems.push(
                `${chart} ${version}: ${archive} has sha256 ${digest}, charts.lock.json ${entry.digest ? `expects ${entry.digest}` : "has none (run with -- --record once, then commit the lock)"}`,
            );
            if (entry.digest) fs.rmSync(archive);
        } else {
            process.stdout.write(`${chart} ${version}: ${archive} verified\n`);
        }
    }
    if (record) fs.writeFileSync(CHART_LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
    if (problems.length > 0) {
        process.stderr.write(`${problems.join("\n")}\n`);
        process.exitCode = 1;
    }
}

main();
