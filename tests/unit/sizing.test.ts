import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { durationSeconds, prometheusSizeBytes, quantityBytes } from "../../stacks/units";
import { loadStack, REPO_ROOT } from "../helpers/stacks";

const DOC = fs.readFileSync(path.join(REPO_ROOT, "docs", "sizing.md"), "utf8");
const SUMMARY_HEADING = "## Preset values this document derives";

/** The doc's targets, restated: what the production stack must carry. */
const ACTIVE_SERIES = 1_000_000;
const LOG_BYTES_PER_DAY = 100e9;
const SPAN_BYTES_PER_SECOND = 5_000 * 500;

interface Row {
    setting: string;
    preset: string;
    doc: string;
}

/** The rows of the summary table: `| \`path\` | preset value | doc value |`. */
function summaryRows(markdown: string): Row[] {
    const section = markdown.split(SUMMARY_HEADING)[1]?.split(/\n## /)[0] ?? "";
    return section
        .split("\n")
        .filter((line) => /^\|\s*`/.test(line))
        .map((line) => {
            const [setting, preset, doc] = line
                .split("|")
                .slice(1, 4)
                .map((cell) => cell.trim());
            return { setting: setting.replace(/`/g, ""), preset, doc };
        });
}

const normalize = (value: unknown) => String(value).replace(/,/g, "");
const at = (object: unknown, dotted: string): unknown =>
    dotted.split(".").reduce<any>((node, key) => (node === undefined || node === null ? undefined : node[key]), object);

describe("production sizing (docs/sizing.md)", () => {
    const rows = summaryRows(DOC);
    const { config } = loadStack("production");

    it("ends with a table of the production values it derives, for every signal", () => {
        assert.ok(rows.length >= 20, `only ${rows.length} rows under "${SUMMARY_HEADING}"`);
        for (const section of ["prometheus.", "loki.", "tempo.", "pyroscope."]) {
            assert.ok(
                rows.some((row) => row.setting.startsWith(section)),
                `no ${section} row`,
            );
        }
    });

    it("derives exactly the values the production stack runs with", () => {
        for (const row of rows) {
            const value = at(config, row.setting);
            assert.notStrictEqual(value, undefined, `${row.setting} is not a setting of the production stack`);
            assert.strictEqual(normalize(row.preset), normalize(value), `${row.setting}: the table's preset column is stale`);
            assert.strictEqual(normalize(row.doc), normalize(value), `${row.setting}: production runs ${value}, the doc derives ${row.doc}`);
        }
    });

    it("lists in the summary every value its arithmetic arrives at (the bold results)", () => {
        const tableLines = DOC.split(SUMMARY_HEADING)[0]
            .split("\n")
            .filter((line) => line.startsWith("|"))
            .join("\n");
        const results = [...tableLines.matchAll(/\*\*([^*]+)\*\*/g)].map((match) => normalize(match[1]));
        const derived = new Set(rows.map((row) => normalize(row.doc)));
        assert.ok(results.length >= 20, `only ${results.length} bold results`);
        assert.deepStrictEqual(
            results.filter((result) => !derived.has(result)),
            [],
        );
    });

    it("is cited by the production preset", () => {
        const presets = fs.readFileSync(path.join(REPO_ROOT, "stacks", "presets.ts"), "utf8");
        assert.match(presets.split("const production")[1] ?? "", /docs\/sizing\.md/);
    });

    it("keeps Prometheus from filling its disk at 1M series: blocks fit under retentionSize, the WAL and a compaction block beside it", () => {
        const { scrapeInterval, retention, retentionSize, storageSize } = config.prometheus;
        const samplesPerSecond = ACTIVE_SERIES / durationSeconds(scrapeInterval);
        const blocks = durationSeconds(retention) * samplesPerSecond * 2; // upstream's 1-2 bytes per sample, at the top
        const wal = 3 * 3600 * samplesPerSecond * 13; // three hours of 13-byte sample records
        const compacting = Math.min(0.1 * durationSeconds(retention), 31 * 86400) * samplesPerSecond * 2;
        assert.ok(prometheusSizeBytes(retentionSize) >= blocks, `retentionSize ${retentionSize} < ${(blocks / 2 ** 30).toFixed(1)} GiB of blocks`);
        assert.ok(
            quantityBytes(storageSize) - prometheusSizeBytes(retentionSize) >= wal + compacting,
            `${storageSize} leaves ${((quantityBytes(storageSize) - prometheusSizeBytes(retentionSize)) / 2 ** 30).toFixed(1)} GiB beside the blocks; needs ${((wal + compacting) / 2 ** 30).toFixed(1)}`,
        );
    });

    it("lets the 4× peak of the targets through the ingestion limits", () => {
        const lokiAverageMiB = LOG_BYTES_PER_DAY / 86400 / 2 ** 20;
        assert.ok(config.loki.limits.ingestionRateMb >= 4 * lokiAverageMiB, `Loki ${config.loki.limits.ingestionRateMb} MiB/s`);
        assert.ok(config.loki.limits.ingestionBurstSizeMb >= config.loki.limits.ingestionRateMb);
        // Tempo limits each distributor: one must carry everything while the other restarts.
        assert.ok(config.tempo.limits.ingestionRateLimitBytes >= 4 * SPAN_BYTES_PER_SECOND, `Tempo ${config.tempo.limits.ingestionRateLimitBytes} B/s`);
        assert.ok(config.tempo.limits.ingestionBurstSizeBytes >= config.tempo.limits.ingestionRateLimitBytes);
    });
});
