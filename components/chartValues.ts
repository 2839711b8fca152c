// Helm release values as charts accept them: merged as Helm merges them (the mirrors, the config loader), and
// read by the policy pack and each backend's policy rules (components/<backend>/policy.ts).

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `override` merged into `base` as Helm merges values files: objects merge key by key, arrays and scalars
 * replace, and null removes the key. The config loader merges a stack file over its preset the same way.
 */
export function mergeValues(base: unknown, override: unknown): unknown {
    if (override === null) return undefined;
    if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const next = mergeValues(base[key], value);
        if (next === undefined) delete merged[key];
        else merged[key] = next;
    }
    return merged;
}

/** The value at `path` below `root`, or undefined. */
export function valueAt(root: unknown, ...path: string[]): unknown {
    let current = root;
    for (const key of path) {
        if (!isObject(current)) return undefined;
        current = current[key];
    }
    return current;
}

export const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";

/** Booleans as charts and Grafana accept them: true, "true", "True". */
export const isTruthy = (value: unknown): boolean => value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");

/**
 * For a backend that keeps its data in object storage: the charts of its release, and what in a release's
 * values says that release keeps data on pod volumes instead (undefined when it uses object storage).
 */
export interface ObjectStoragePolicy {
    charts: string[];
    problem: (chart: string, values: unknown) => string | undefined;
}
