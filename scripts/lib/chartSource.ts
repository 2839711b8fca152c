// Where the pinned charts come from, decided in one place for the render, the tests and `npm run charts:pull`.
//   1. shared: the whole chart vendored beside the checkout (../shared/charts/<chart>/<version>/chart), with
//      every dependency its Chart.yaml declares: in its own charts/, in another vendored chart's charts/ at the
//      same version, or in the local dependency cache (<cache>/chart-dependencies/<name>/<version>/).
//   2. pulled: the archive `helm pull --repo <repo> <chart> --version <v>` downloaded into the cache, accepted
//      only when its sha256 equals the digest committed in charts.lock.json.
// Anything else is an error that says which command fixes it: the suite never skips a chart it cannot find.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type YAMLMap, type YAMLSeq, parse, parseDocument } from "yaml";
import { CHARTS, type ChartKey } from "../../components/charts";
import { REPO_ROOT } from "./stackFile";

/**
 * The vendored charts: $SHARED_CHARTS_DIR, else `shared/charts` beside the checkout or beside any folder above it
 * (CI clones the repository next to `shared/`), else the workplace's /work/shared/charts.
 */
export const SHARED_CHARTS_DIR = process.env.SHARED_CHARTS_DIR ?? findSharedCharts();

function findSharedCharts(): string {
    for (let directory = path.resolve(__dirname, "..", ".."); ; directory = path.dirname(directory)) {
        const candidate = path.join(path.dirname(directory), "shared", "charts");
        if (fs.existsSync(candidate)) return candidate;
        if (path.dirname(directory) === directory) return "/work/shared/charts";
    }
}

export const CHART_LOCK_FILE = path.join(REPO_ROOT, "charts.lock.json");
/** Machine-wide, outside the checkout, so a fresh clone on the same machine reuses it (like Go's module cache). */
export const CHART_CACHE_DIR = process.env.CHART_CACHE_DIR
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "observability-as-code", "charts");
export const DEPENDENCY_CACHE_DIR = path.join(path.dirname(CHART_CACHE_DIR), "chart-dependencies");
export const PULL_COMMAND = "npm run charts:pull";

export interface LockEntry { chart: string; version: string; repo: string; archive: string; digest: string | null }
export type ChartLock = Record<ChartKey, LockEntry>;

export function readLock(): ChartLock {
    return JSON.parse(fs.readFileSync(CHART_LOCK_FILE, "utf8")) as ChartLock;
}

export interface ChartSource {
    key: ChartKey;
    /** What `helm template` is given: a chart directory or a verified archive. */
    path: string;
    origin: "shared" | "pulled";
    /** Subcharts left out because this machine lacks them (see allowedMissing); empty for a whole chart. */
    omitted: string[];
    /** One line for logs and the render summary. */
    description: string;
}

interface Dependency { name: string; version: string; alias?: string }

/** sha256 of an archive, as a Helm repository's index.yaml gives it (`digest`). */
export const archiveDigest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const chartYaml = (directory: string) => parse(fs.readFileSync(path.join(directory, "Chart.yaml"), "utf8")) as
    { name: string; version: string; dependencies?: Dependency[] };

/** A directory holding chart `name` at `version`, or undefined. */
function chartAt(directory: string, name: string, version: string): string | undefined {
    if (!fs.existsSync(path.join(directory, "Chart.yaml"))) return undefined;
    const meta = chartYaml(directory);
    return meta.name === name && String(meta.version) === version ? directory : undefined;
}

function findDependency(chartDirectory: string, dependency: Dependency): string | undefined {
    const inTree = path.join(chartDirectory, "charts");
    const candidates = [
        ...(fs.existsSync(inTree) ? fs.readdirSync(inTree).map((entry) => path.join(inTree, entry)) : []),
        path.join(DEPENDENCY_CACHE_DIR, dependency.name, dependency.version),
        // A dependency may be vendored itself (kube-prometheus-stack's grafana), or inside another vendored chart
        // (loki and tempo-distributed share rollout-operator).
        path.join(SHARED_CHARTS_DIR, dependency.name, dependency.version, "chart"),
        ...vendoredCharts().map((directory) => path.join(directory, "charts", dependency.name)),
    ];
    return candidates.map((candidate) => chartAt(candidate, dependency.name, dependency.version)).find(Boolean);
}

function vendoredCharts(): string[] {
    if (!fs.existsSync(SHARED_CHARTS_DIR)) return [];
    return fs.readdirSync(SHARED_CHARTS_DIR).flatMap((chart) => {
        const versions = path.join(SHARED_CHARTS_DIR, chart);
        if (!fs.statSync(versions).isDirectory()) return [];
        return fs.readdirSync(versions).map((version) => path.join(versions, version, "chart")).filter((d) => fs.existsSync(d));
    });
}

/**
 * The vendored chart with its dependencies, as a directory Helm renders. When some dependency is not in the
 * chart's own charts/, the chart is copied into the cache with the dependencies beside it (Helm needs them in
 * charts/), keyed by the sources' paths so a changed source makes a new copy.
 */
function sharedChart(key: ChartKey): { path: string; missing: string[]; omitted: string[]; assembled: boolean } | undefined {
    const { chart, version } = CHARTS[key];
    const directory = path.join(SHARED_CHARTS_DIR, chart, version, "chart");
    if (!chartAt(directory, chart, version)) return undefined;
    const dependencies = chartYaml(directory).dependencies ?? [];
    const found = dependencies.map((dependency) => ({ dependency, at: findDependency(directory, dependency) }));
    const missing = found.filter((entry) => !entry.at).map(({ dependency }) => dependency);
    const allowed = allowedMissing();
    const refused = missing.filter((dependency) => !allowed.includes(dependency.name)).map((d) => `${d.name} ${d.version}`);
    if (refused.length > 0) return { path: directory, missing: refused, omitted: [], assembled: false };
    const outside = found.filter(({ at }) => at && path.dirname(at) !== path.join(directory, "charts"));
    if (outside.length === 0 && missing.length === 0) return { path: directory, missing: [], omitted: [], assembled: false };

    const stamp = createHash("sha256").update(JSON.stringify([directory, ...found.map(({ at }) => at ?? "omitted")])).digest("hex").slice(0, 12);
    const assembled = path.join(CHART_CACHE_DIR, "assembled", `${chart}-${version}-${stamp}`);
    if (!fs.existsSync(path.join(assembled, "Chart.yaml"))) {
        const staging = `${assembled}.tmp-${process.pid}`;
        fs.rmSync(staging, { recursive: true, force: true });
        fs.cpSync(directory, staging, { recursive: true });
        makeWritable(staging);
        for (const { dependency, at } of outside) {
            fs.cpSync(at!, path.join(staging, "charts", dependency.name), { recursive: true });
        }
        if (missing.length > 0) omitDependencies(staging, missing.map((d) => d.name));
        makeWritable(staging);
        fs.renameSync(staging, assembled);
    }
    return { path: assembled, missing: [], omitted: missing.map((d) => `${d.name} ${d.version}`), assembled: true };
}

/**
 * Dependencies a machine may lack, by name, from $CHART_DEPENDENCIES_MISSING_OK (comma-separated). Only for
 * a machine whose vendored charts are incomplete (.ci/run says which and why): the chart is then rendered
 * without those subcharts, and every render says so. Users' CI pulls whole archives and needs none of this.
 */
export function allowedMissing(): string[] {
    return (process.env.CHART_DEPENDENCIES_MISSING_OK ?? "").split(",").map((name) => name.trim()).filter(Boolean);
}

/** Drops dependencies from a copy's Chart.yaml (and Chart.lock), so Helm renders the chart without them. */
function omitDependencies(directory: string, names: string[]): void {
    for (const file of ["Chart.yaml", "Chart.lock"]) {
        const full = path.join(directory, file);
        if (!fs.existsSync(full)) continue;
        const document = parseDocument(fs.readFileSync(full, "utf8"));
        const dependencies = document.get("dependencies") as YAMLSeq | undefined;
        if (!dependencies) continue;
        dependencies.items = dependencies.items.filter((item) => !names.includes(String((item as YAMLMap).get("name"))));
        fs.writeFileSync(full, document.toString());
    }
}

/** ../shared is read-only; its copies in the cache must be removable. */
function makeWritable(directory: string): void {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        fs.chmodSync(full, entry.isDirectory() ? 0o755 : 0o644);
        if (entry.isDirectory()) makeWritable(full);
    }
    fs.chmodSync(directory, 0o755);
}

export function archivePath(key: ChartKey): string {
    const { chart, version } = CHARTS[key];
    return path.join(CHART_CACHE_DIR, `${chart}-${version}.tgz`);
}

/** The archive in the cache if its digest is the committed one; otherwise why not. */
export function verifiedArchive(key: ChartKey, lock: ChartLock = readLock()): { path?: string; problem?: string } {
    const archive = archivePath(key);
    if (!fs.existsSync(archive)) return { problem: `no archive ${archive}` };
    const expected = lock[key]?.digest;
    if (!expected) return { problem: `charts.lock.json has no digest for ${key}: run \`${PULL_COMMAND} -- --record\` once and commit the lock` };
    const actual = archiveDigest(archive);
    if (actual !== expected) return { problem: `${archive} has sha256 ${actual}, charts.lock.json expects ${expected}` };
    return { path: archive };
}

const memo = new Map<ChartKey, ChartSource>();

/** Where `key`'s pinned chart comes from; throws with the fixing command when it is nowhere. */
export function chartSource(key: ChartKey): ChartSource {
    const known = memo.get(key);
    if (known) return known;
    const { chart, version } = CHARTS[key];
    const shared = sharedChart(key);
    let source: ChartSource | undefined;
    if (shared && shared.missing.length === 0) {
        source = {
            key, path: shared.path, origin: "shared",
            omitted: shared.omitted,
            description: `${chart} ${version} from ${path.join(SHARED_CHARTS_DIR, chart, version, "chart")}`
                + (shared.assembled ? ` (assembled with its dependencies in ${shared.path})` : "")
                + (shared.omitted.length > 0 ? `, WITHOUT the subcharts ${shared.omitted.join(", ")} (not vendored on this machine)` : ""),
        };
    } else {
        const archive = verifiedArchive(key);
        if (archive.path) source = { key, path: archive.path, origin: "pulled", omitted: [], description: `${chart} ${version} from ${archive.path} (sha256 as charts.lock.json)` };
        else {
            const sharedProblem = shared
                ? `${path.join(SHARED_CHARTS_DIR, chart, version, "chart")} lacks its dependencies ${shared.missing.join(", ")}`
                : `no vendored chart at ${path.join(SHARED_CHARTS_DIR, chart, version, "chart")}`;
            throw new Error(`chart ${chart} ${version} is not available: ${sharedProblem}; ${archive.problem}. Fix: \`${PULL_COMMAND}\` (helm pull --repo ${CHARTS[key].repo} ${chart} --version ${version})`);
        }
    }
    memo.set(key, source);
    return source;
}
