// Where the pinned charts come from, decided in one place for the render, the tests and `npm run charts:pull`.
//   1. shared: the whole chart vendored beside the checkout (../shared/charts/<chart>/<version>/chart, or the
//      folder $SHARED_CHARTS_DIR names), with every dependency its Chart.yaml declares: in its own charts/ (a
//      directory or an archive), in another vendored chart's charts/, or in the local dependency cache
//      (<cache>/chart-dependencies/<name>/<version>/). A dependency's version is matched as Helm matches it: a
//      range such as `0.12.*` is satisfied by a version in that range (Masterminds semver constraints).
//   2. pulled: the archive `helm pull --repo <repo> <chart> --version <v>` downloaded into the cache, accepted
//      only when its sha256 equals the digest committed in charts.lock.json.
// Anything else is an error that says which command fixes it: the suite never renders a chart without a
// subchart it declares, and never skips a chart it cannot find.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { parse } from "yaml";
import { CHARTS, type ChartKey } from "../../components/charts";
import { REPO_ROOT } from "./stackFile";

/** The vendored charts: $SHARED_CHARTS_DIR, else `shared/charts` beside the checkout; undefined where neither exists. */
export const SHARED_CHARTS_DIR: string | undefined = process.env.SHARED_CHARTS_DIR ?? besideCheckout();

function besideCheckout(): string | undefined {
    const candidate = path.join(path.dirname(REPO_ROOT), "shared", "charts");
    return fs.existsSync(candidate) ? candidate : undefined;
}

export const CHART_LOCK_FILE = path.join(REPO_ROOT, "charts.lock.json");
/** Machine-wide, outside the checkout, so a fresh clone on the same machine reuses it (like Go's module cache). */
export const CHART_CACHE_DIR =
    process.env.CHART_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "observability-as-code", "charts");
export const DEPENDENCY_CACHE_DIR = path.join(path.dirname(CHART_CACHE_DIR), "chart-dependencies");
export const PULL_COMMAND = "npm run charts:pull";

export interface LockEntry {
    chart: string;
    version: string;
    repo: string;
    archive: string;
    digest: string | null;
}
export type ChartLock = Record<ChartKey, LockEntry>;

export function readLock(): ChartLock {
    return JSON.parse(fs.readFileSync(CHART_LOCK_FILE, "utf8")) as ChartLock;
}

export interface ChartSource {
    key: ChartKey;
    /** What `helm template` is given: a chart directory or a verified archive. */
    path: string;
    origin: "shared" | "pulled";
    /** One line for logs and the render summary. */
    description: string;
}

interface ChartMeta {
    name: string;
    version: string;
    dependencies?: Dependency[];
}
interface Dependency {
    name: string;
    version: string;
    alias?: string;
}

/** sha256 of an archive, as a Helm repository's index.yaml gives it (`digest`). */
export const archiveDigest = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Chart.yaml of a chart directory, or of a chart archive (`<name>/Chart.yaml` inside it), or undefined. */
function chartMeta(location: string): ChartMeta | undefined {
    if (fs.existsSync(path.join(location, "Chart.yaml"))) return parse(fs.readFileSync(path.join(location, "Chart.yaml"), "utf8")) as ChartMeta;
    if (!location.endsWith(".tgz") || !fs.existsSync(location)) return undefined;
    const listed = spawnSync("tar", ["-tzf", location], { encoding: "utf8" });
    const entry = listed.stdout?.split("\n").find((name) => /^[^/]+\/Chart\.yaml$/.test(name));
    if (listed.status !== 0 || !entry) return undefined;
    const read = spawnSync("tar", ["-xzOf", location, entry], { encoding: "utf8" });
    return read.status === 0 ? (parse(read.stdout) as ChartMeta) : undefined;
}

/**
 * Whether `version` satisfies a Chart.yaml dependency's `version`, as Helm decides it with Masterminds semver:
 * an exact version, or a constraint (`0.12.*`, `~1.2`, `^2`, `>= 1.2, < 3`; a comma means "and").
 */
export function satisfiesDependency(version: string, constraint: string): boolean {
    const range = constraint
        .split(",")
        .map((part) => part.trim())
        .join(" ");
    return semver.valid(version) !== null && semver.satisfies(version, range, { includePrerelease: false });
}

/** The location (directory or archive) holding chart `name` at a version `constraint` accepts, or undefined. */
function chartAt(location: string, name: string, constraint: string): string | undefined {
    const meta = chartMeta(location);
    return meta && meta.name === name && satisfiesDependency(String(meta.version), String(constraint)) ? location : undefined;
}

function listed(directory: string): string[] {
    return fs.existsSync(directory) ? fs.readdirSync(directory).map((entry) => path.join(directory, entry)) : [];
}

function findDependency(chartDirectory: string, dependency: Dependency): string | undefined {
    const candidates = [
        ...listed(path.join(chartDirectory, "charts")),
        ...listed(path.join(DEPENDENCY_CACHE_DIR, dependency.name)),
        // A dependency may be vendored itself (kube-prometheus-stack's grafana), or inside another vendored chart
        // (loki and tempo-distributed share rollout-operator).
        ...(SHARED_CHARTS_DIR ? listed(path.join(SHARED_CHARTS_DIR, dependency.name)).map((version) => path.join(version, "chart")) : []),
        ...vendoredCharts().map((directory) => path.join(directory, "charts", dependency.name)),
    ];
    return candidates.map((candidate) => chartAt(candidate, dependency.name, dependency.version)).find(Boolean);
}

function vendoredCharts(): string[] {
    if (!SHARED_CHARTS_DIR || !fs.existsSync(SHARED_CHARTS_DIR)) return [];
    return fs.readdirSync(SHARED_CHARTS_DIR).flatMap((chart) => {
        const versions = path.join(SHARED_CHARTS_DIR!, chart);
        if (!fs.statSync(versions).isDirectory()) return [];
        return fs
            .readdirSync(versions)
            .map((version) => path.join(versions, version, "chart"))
            .filter((d) => fs.existsSync(d));
    });
}

/**
 * The vendored chart with its dependencies, as a directory Helm renders. When some dependency is not in the
 * chart's own charts/, the chart is copied into the cache with the dependencies beside it (Helm needs them in
 * charts/), keyed by the sources' paths so a changed source makes a new copy.
 */
function sharedChart(key: ChartKey): { path: string; missing: string[]; assembled: boolean } | undefined {
    const { chart, version } = CHARTS[key];
    if (!SHARED_CHARTS_DIR) return undefined;
    const directory = path.join(SHARED_CHARTS_DIR, chart, version, "chart");
    if (!chartAt(directory, chart, version)) return undefined;
    const dependencies = chartMeta(directory)!.dependencies ?? [];
    const found = dependencies.map((dependency) => ({ dependency, at: findDependency(directory, dependency) }));
    const missing = found.filter((entry) => !entry.at).map(({ dependency }) => `${dependency.name} ${dependency.version}`);
    if (missing.length > 0) return { path: directory, missing, assembled: false };
    const outside = found.filter(({ at }) => path.dirname(at!) !== path.join(directory, "charts"));
    if (outside.length === 0) return { path: directory, missing: [], assembled: false };

    const stamp = createHash("sha256")
        .update(JSON.stringify([directory, ...found.map(({ at }) => at)]))
        .digest("hex")
        .slice(0, 12);
    const assembled = path.join(CHART_CACHE_DIR, "assembled", `${chart}-${version}-${stamp}`);
    if (!fs.existsSync(path.join(assembled, "Chart.yaml"))) {
        const staging = `${assembled}.tmp-${process.pid}`;
        fs.rmSync(staging, { recursive: true, force: true });
        fs.cpSync(directory, staging, { recursive: true });
        makeWritable(staging);
        for (const { dependency, at } of outside) {
            const target = path.join(staging, "charts", at!.endsWith(".tgz") ? path.basename(at!) : dependency.name);
            fs.cpSync(at!, target, { recursive: true });
        }
        makeWritable(staging);
        fs.renameSync(staging, assembled);
    }
    return { path: assembled, missing: [], assembled: true };
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
            key,
            path: shared.path,
            origin: "shared",
            description:
                `${chart} ${version} from ${path.join(SHARED_CHARTS_DIR!, chart, version, "chart")}` +
                (shared.assembled ? ` (assembled with its dependencies in ${shared.path})` : ""),
        };
    } else {
        const archive = verifiedArchive(key);
        if (archive.path)
            source = { key, path: archive.path, origin: "pulled", description: `${chart} ${version} from ${archive.path} (sha256 as charts.lock.json)` };
        else {
            const vendored = SHARED_CHARTS_DIR ? path.join(SHARED_CHARTS_DIR, chart, version, "chart") : undefined;
            const sharedProblem = shared
                ? `${vendored} lacks its dependencies ${shared.missing.join(", ")}`
                : vendored
                  ? `no vendored chart at ${vendored}`
                  : "no vendored charts (neither $SHARED_CHARTS_DIR nor shared/charts beside the checkout)";
            throw new Error(
                `chart ${chart} ${version} is not available: ${sharedProblem}; ${archive.problem}. Fix: \`${PULL_COMMAND}\` (helm pull --repo ${CHARTS[key].repo} ${chart} --version ${version})`,
            );
        }
    }
    memo.set(key, source);
    return source;
}
