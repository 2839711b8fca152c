// Which Helm values are real keys of a chart, judged from the upstream snapshot in ../shared/charts
// (its README): a key is real when the chart's defaults have it, a template reads exactly that path,
// values.yaml documents it in a comment, or it sits below a path the defaults leave open (an empty
// map, a list or null) or that a template reads but the defaults leave out.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/**
 * The upstream chart snapshot: $SHARED_CHARTS_DIR, else `shared/charts` beside the checkout or beside any
 * folder above it (CI clones the repository next to `shared/`), else the workplace's /work/shared/charts.
 */
export const SHARED_CHARTS_DIR = process.env.SHARED_CHARTS_DIR ?? findSharedCharts();

function findSharedCharts(): string {
    for (let directory = path.resolve(__dirname, "..", ".."); ; directory = path.dirname(directory)) {
        const candidate = path.join(path.dirname(directory), "shared", "charts");
        if (fs.existsSync(candidate)) return candidate;
        if (path.dirname(directory) === directory) return "/work/shared/charts";
    }
}

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

function loadDirectory(directory: string): ChartReference {
    const cached = cache.get(directory);
    if (cached) return cached;
    const valuesText = fs.readFileSync(path.join(directory, "values.yaml"), "utf8");
    const templatesFile = path.join(directory, "template-values.txt");
    const templatePaths = new Set(fs.existsSync(templatesFile)
        ? fs.readFileSync(templatesFile, "utf8").split("\n").map((l) => l.trim()).filter(Boolean) : []);
    const subcharts = new Map<string, ChartReference>();
    const chartsDirectory = path.join(directory, "charts");
    if (fs.existsSync(chartsDirectory)) {
        for (const name of fs.readdirSync(chartsDirectory)) subcharts.set(name, loadDirectory(path.join(chartsDirectory, name)));
    }
    const reference = { defaults: parse(valuesText), templatePaths, documentedPaths: documentedPaths(valuesText), subcharts };
    cache.set(directory, reference);
    return reference;
}

export function chartReference(chart: string, version: string): ChartReference {
    const directory = path.join(SHARED_CHARTS_DIR, chart, version);
    if (!fs.existsSync(path.join(directory, "values.yaml"))) {
        throw new Error(`no upstream defaults for ${chart} ${version} in ${SHARED_CHARTS_DIR}: pin a version that is there`);
    }
    return loadDirectory(directory);
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** A default under which the chart takes free-form content. */
const isOpen = (value: unknown) => value === null || Array.isArray(value) || (isMap(value) && Object.keys(value).length === 0);

function hasDefault(defaults: unknown, dottedPath: string): boolean {
    let node = defaults;
    for (const part of dottedPath.split(".")) {
        if (!isMap(node) || !(part in node)) return false;
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
        if (!isMap(value)) return;
        for (const [key, child] of Object.entries(value)) {
            const keyTrail = [...trail, key];
            const keyPath = keyTrail.join(".");
            if (freeForm.includes(keyPath)) continue;
            if (trail.length === 0 && reference.subcharts.has(key)) {
                const sub = reference.subcharts.get(key)!;
                const parentDefaults = isMap(defaults) ? defaults[key] : undefined;
                for (const missing of unknownValuePaths(sub, child)) {
                    const inParent = isMap(parentDefaults) && unknownValuePaths({ ...reference, subcharts: new Map(), defaults: parentDefaults, templatePaths: new Set(), documentedPaths: new Set() }, nested(missing, child)).length === 0;
                    if (!inParent) unknown.push(`${key}.${missing}`);
                }
                continue;
            }
            if (isMap(defaults) && key in defaults) {
                const childDefaults = defaults[key];
                if (isOpen(childDefaults)) continue;
                if (isMap(child)) walk(child, isMap(childDefaults) ? childDefaults : undefined, keyTrail);
                continue;
            }
            if (reference.templatePaths.has(keyPath) || reference.documentedPaths.has(keyPath) || isReadBelow(reference, keyPath)) continue;
            // A map the defaults lack but whose keys templates read (tempo-distributed's
            // backendWorker.podDisruptionBudget.enabled): real, and its own keys are checked one by one.
            if (isMap(child) && [...reference.templatePaths].some((read) => read.startsWith(`${keyPath}.`))) {
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
        source = isMap(source) ? source[part] : undefined;
        target[part] = index === parts.length - 1 ? source : {};
        target = target[part] as Record<string, unknown>;
    });
    return root;
}
