// Which Helm values are real keys of a chart, judged from the chart itself as scripts/lib/chartSource.ts finds
// it (the vendored chart or the pulled, digest-checked archive): a key is real when the chart's values.yaml has
// it, a template reads exactly that path, values.yaml documents it in a comment, or it sits below a path the
// defaults leave open (an empty map, a list or null) or that a template reads but the defaults leave out.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { pinnedChartKey } from "../../components/charts";
import { isObject } from "../../components/chartValues";
import { CHART_CACHE_DIR, chartSource, SHARED_CHARTS_DIR } from "../../scripts/lib/chartSource";

export { SHARED_CHARTS_DIR };

export interface ChartReference {
    defaults: unknown;
    templatePaths: Set<string>;
    documentedPaths: Set<string>;
    subcharts: Map<string, ChartReference>;
}

const KEY_LINE = /^(\s*)(- )?("[^"]+"|'[^']+'|[A-Za-z_$][\w.$/-]*):(\s|$)/;
const COMMENTED_KEY_LINE = /^(\s*)#( *)("[^"]+"|[A-Za-z_$][\w.$-]*):(\s|$)/;

/** Paths of keys that values.yaml documents only in comments (`# adminPassword: strongpassword`). */
export function documentedPaths(valuesText: string): Set<string> {
    const found = new Set<string>();
    const stack: Array<{ indent: number; key: string }> = [];
    const push = (indent: number, key: string, documented: boolean) => {
        while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
        stack.push({ indent, key: key.replace(/^["']|["']$/g, "") });
        if (documented) found.add(stack.map((entry) => entry.key).join("."));
    };
    for (const line of valuesText.split("\n")) {
        const commented = COMMENTED_KEY_LINE.exec(line);
        if (commented) {
            // "  #   key:" nests under "  # parent:": the spaces after the first one add depth.
            push(commented[1].length + Math.max(0, commented[2].length - 1), commented[3], true);
            continue;
        }
        const real = KEY_LINE.exec(line);
        if (!real) continue;
        if (real[2]) push(real[1].length, "[]", false);
        push(real[1].length + (real[2] ? 2 : 0), real[3], false);
    }
    return found;
}

const cache = new Map<string, ChartReference>();

/** `.Values.a.b` in a template reads `a.b` (the same listing as the upstream snapshots' template-values.txt). */
const VALUES_READ = /\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g;

function templateFiles(directory: string): string[] {
    if (!fs.existsSync(directory)) return [];
    return fs
        .readdirSync(directory, { withFileTypes: true })
        .flatMap((entry) => (entry.isDirectory() ? templateFiles(path.join(directory, entry.name)) : [path.join(directory, entry.name)]));
}

/** A chart archive (`.tgz`) unpacked once into the cache; the directory of its chart. */
function unpacked(archive: string): string {
    const target = path.join(CHART_CACHE_DIR, "unpacked", path.basename(archive, ".tgz"));
    if (!fs.existsSync(path.join(target, ".complete"))) {
        fs.rmSync(target, { recursive: true, force: true });
        fs.mkdirSync(target, { recursive: true });
        const untar = spawnSync("tar", ["-xzf", archive, "-C", target], { encoding: "utf8" });
        if (untar.status !== 0) throw new Error(`tar -xzf ${archive} failed: ${untar.stderr}`);
        fs.writeFileSync(path.join(target, ".complete"), "");
    }
    const [chart] = fs.readdirSync(target).filter((name) => fs.statSync(path.join(target, name)).isDirectory());
    return path.join(target, chart);
}

/** A chart directory: its values.yaml, what its templates read, and its subcharts (directories or archives). */
function loadChart(directory: string): ChartReference {
    const cached = cache.get(directory);
    if (cached) return cached;
    // A chart may ship no values.yaml at all (alloy's crds subchart): no defaults.
    const valuesFile = path.join(directory, "values.yaml");
    const valuesText = fs.existsSync(valuesFile) ? fs.readFileSync(valuesFile, "utf8") : "{}";
    const templatePaths = new Set(
        templateFiles(path.join(directory, "templates")).flatMap((file) =>
            [...fs.readFileSync(file, "utf8").matchAll(VALUES_READ)].map((match) => match[1].slice(1)),
        ),
    );
    const subcharts = new Map<string, ChartReference>();
    const chartsDirectory = path.join(directory, "charts");
    // A dependency's values sit under its alias when Chart.yaml gives one (tempo-distributed: rollout_operator).
    const dependencies = (chartYaml(directory).dependencies ?? []) as Array<{ name: string; alias?: string }>;
    for (const entry of fs.existsSync(chartsDirectory) ? fs.readdirSync(chartsDirectory) : []) {
        const full = path.join(chartsDirectory, entry);
        const sub = entry.endsWith(".tgz") ? unpacked(full) : fs.statSync(full).isDirectory() ? full : undefined;
        if (!sub) continue;
        const name = chartYaml(sub).name as string;
        subcharts.set(dependencies.find((d) => d.name === name)?.alias ?? name, loadChart(sub));
    }
    const reference = { defaults: parse(valuesText), templatePaths, documentedPaths: documentedPaths(valuesText), subcharts };
    cache.set(directory, reference);
    return reference;
}

const chartYaml = (directory: string) => parse(fs.readFileSync(path.join(directory, "Chart.yaml"), "utf8")) as Record<string, any>;

/** The keys of the chart in a directory or a `.tgz` archive. */
export function chartReferenceAt(chartPath: string): ChartReference {
    return loadChart(chartPath.endsWith(".tgz") ? unpacked(chartPath) : chartPath);
}

/** The keys of a pinned chart, read from the chart Helm renders. */
export function chartReference(chart: string, version: string): ChartReference {
    return chartReferenceAt(chartSource(pinnedChartKey(chart, version)).path);
}

/** A default under which the chart takes free-form content. */
const isOpen = (value: unknown) => value === null || Array.isArray(value) || (isObject(value) && Object.keys(value).length === 0);

function hasDefault(defaults: unknown, dottedPath: string): boolean {
    let node = defaults;
    for (const part of dottedPath.split(".")) {
        if (!isObject(node) || !(part in node)) return false;
        node = node[part];
    }
    return true;
}

/** Below a path a template reads but the defaults leave out (the template takes the whole subtree). */
function isReadBelow(reference: ChartReference, keyPath: string): boolean {
    for (const read of reference.templatePaths) {
        if (keyPath.startsWith(`${read}.`) && !hasDefault(reference.defaults, read)) return true;
    }
    return false;
}

/**
 * Every value path in `values` that is not a real key of the chart (an empty list means all are real).
 * `freeForm` names maps the chart renders verbatim into the application's own config file (such as
 * Grafana's `grafana.ini`): their content is the application's schema, not the chart's.
 */
export function unknownValuePaths(reference: ChartReference, values: unknown, freeForm: readonly string[] = []): string[] {
    const unknown: string[] = [];
    const walk = (value: unknown, defaults: unknown, trail: string[]) => {
        if (!isObject(value)) return;
        for (const [key, child] of Object.entries(value)) {
            const keyTrail = [...trail, key];
            const keyPath = keyTrail.join(".");
            if (freeForm.includes(keyPath)) continue;
            if (trail.length === 0 && reference.subcharts.has(key)) {
                const sub = reference.subcharts.get(key)!;
                const parentDefaults = isObject(defaults) ? defaults[key] : undefined;
                for (const missing of unknownValuePaths(sub, child)) {
                    const inParent =
                        isObject(parentDefaults) &&
                        unknownValuePaths(
                            { ...reference, subcharts: new Map(), defaults: parentDefaults, templatePaths: new Set(), documentedPaths: new Set() },
                            nested(missing, child),
                        ).length === 0;
                    if (!inParent) unknown.push(`${key}.${missing}`);
                }
                continue;
            }
            if (isObject(defaults) && key in defaults) {
                const childDefaults = defaults[key];
                if (isOpen(childDefaults)) continue;
                if (isObject(child)) walk(child, isObject(childDefaults) ? childDefaults : undefined, keyTrail);
                continue;
            }
            if (reference.templatePaths.has(keyPath) || reference.documentedPaths.has(keyPath) || isReadBelow(reference, keyPath)) continue;
            // A map the defaults lack but whose keys templates read (tempo-distributed's
            // backendWorker.podDisruptionBudget.enabled): real, and its own keys are checked one by one.
            if (isObject(child) && [...reference.templatePaths].some((read) => read.startsWith(`${keyPath}.`))) {
                walk(child, undefined, keyTrail);
                continue;
            }
            unknown.push(keyPath);
        }
    };
    walk(values, reference.defaults, []);
    return unknown;
}

/** Rebuilds the single branch of `values` that `dottedPath` names, to check it elsewhere. */
function nested(dottedPath: string, values: unknown): Record<string, unknown> {
    const parts = dottedPath.split(".");
    let source: unknown = values;
    const root: Record<string, unknown> = {};
    let target = root;
    parts.forEach((part, index) => {
        source = isObject(source) ? source[part] : undefined;
        target[part] = index === parts.length - 1 ? source : {};
        target = target[part] as Record<string, unknown>;
    });
    return root;
}
