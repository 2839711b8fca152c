// What the policy pack checks of a rendered `loki` release (assembled in policy/production.ts): production
// keeps Loki's chunks in object storage.
import { isNonEmptyString, isTruthy, type ObjectStoragePolicy, valueAt } from "../chartValues";

/** Object stores Loki's chart configures from `loki.storage.type`. */
const LOKI_OBJECT_STORES = ["s3", "gcs", "azure", "swift", "cos", "alibabacloud", "bos"];
function lokiStorageProblem(values: unknown): string | undefined {
    const storage = valueAt(values, "loki", "storage");
    if (isTruthy(valueAt(storage, "use_thanos_objstore"))) {
        const type = valueAt(storage, "object_store", "type");
        return typeof type === "string" && LOKI_OBJECT_STORES.includes(type)
            ? undefined
            : `values.loki.storage.object_store.type is ${JSON.stringify(type ?? null)}`;
    }
    const type = valueAt(storage, "type");
    if (typeof type !== "string" || !LOKI_OBJECT_STORES.includes(type)) return `values.loki.storage.type is ${JSON.stringify(type ?? null)}`;
    if (!isNonEmptyString(valueAt(storage, "bucketNames", "chunks"))) return "values.loki.storage.bucketNames.chunks is not set";
    return undefined;
}

export const LOKI_OBJECT_STORAGE_POLICY: ObjectStoragePolicy = { charts: ["loki"], problem: (_chart, values) => lokiStorageProblem(values) };
