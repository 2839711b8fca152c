// Reading a Helm release's values as charts accept them: the policy pack and each backend's policy rules
// (components/<backend>/policy.ts) share these.

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

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
