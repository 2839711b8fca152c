import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_KEYS } from "../../stacks/config";
import { startCluster } from "../../tests/support/cluster";
import { engineBinDir, engineStack, engineWorkDir, serveChartRepository, serveGrafanaHealth } from "../../tests/support/engine/harness";
import { generatedServices, median, table } from "./measure";

/**
 * `pulumi preview` of production through the real engine (the suite's: tests/support/engine), with one service
 * and with a thousand, each a stack never deployed, on the local API server with the pinned charts served
 * from 127.0.0.1: what a pull request's preview of a new stack costs. The program runs inline in this process
 * (the CLI is started with --client), reloaded from bin/ for each preview; the SDKs stay loaded. A warm-up
 * preview each, then `runs` previews each, alternating.
 */
export async function enginePreview(runs: number): Promise<void> {
    const counts = [1, 1000];
    console.log(`\n6. Real engine: pulumi preview of production with ${counts.join(" and ")} services (never deployed), median of ${runs} after a warm-up`);
    const binDir = engineBinDir();
    const workDirs: string[] = [];
    const cluster = await startCluster();
    const charts = await serveChartRepository(fs.mkdtempSync(path.join(os.tmpdir(), "bench-charts-")));
    const health = await serveGrafanaHealth();
    try {
        await cluster.provideStorageClass("gp3");
        const stacks = [];
        for (const count of counts) {
            const workDir = engineWorkDir(`production-${count}`);
            workDirs.push(workDir);
            stacks.push({
                count,
                stack: await engineStack({
                    stack: "production",
                    workDir,
                    binDir,
                    kubeconfig: cluster.kubeconfig,
                    passphrase: "bench-passphrase",
                    config: { charts: { repository: charts.url }, grafana: { apiUrl: health.url }, services: generatedServices(count) },
                    secrets: Object.fromEntries(SECRET_KEYS.map((key) => [key, `bench-${key}`])),
                }),
                seconds: [] as number[],
                cpuSeconds: [] as number[],
                creates: 0,
            });
        }
        for (let round = -1; round < runs; round++) {
            for (const entry of round % 2 ? stacks : [...stacks].reverse()) {
                const cpu = process.cpuUsage();
                const started = performance.now();
                const result = await entry.stack.preview();
                const seconds = (performance.now() - started) / 1000;
                const { user, system } = process.cpuUsage(cpu);
                entry.creates = result.changeSummary.create ?? 0;
                if (round < 0) continue;
                entry.seconds.push(seconds);
                entry.cpuSeconds.push((user + system) / 1e6);
            }
        }
        table(
            ["services", "resources to create", "preview", "program's process CPU", "all runs"],
            stacks.map((s) => [
                s.count,
                s.creates,
                `${median(s.seconds).toFixed(1)} s`,
                `${median(s.cpuSeconds).toFixed(1)} s`,
                s.seconds.map((value) => value.toFixed(1)).join(", "),
            ]),
        );
        const [one, thousand] = stacks;
        console.log(
            `  preview ${thousand.count} ÷ ${one.count} services = ${(median(thousand.seconds) / median(one.seconds)).toFixed(2)}× (goal ≤ 1.5×); ` +
                `CPU of this process (program, Automation API) ${(median(thousand.cpuSeconds) / median(one.cpuSeconds)).toFixed(2)}×`,
        );
    } finally {
        await cluster.stop();
        await charts.close();
        await health.close();
        for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
}
