// What the policy pack checks of a rendered `pyroscope` release (assembled in policy/production.ts): production
// keeps profiles in object storage.
import { isNonEmptyString, type ObjectStoragePolicy, valueAt } from "../chartValues";

/** Pyroscope's object-store backends (pkg/objstore/client/config.go) and the key that names the bucket in each. */
const PYROSCOPE_BUCKET_KEYS: Record<string, string> = { s3: "bucket_name", gcs: "bucket_name", azure: "container_name" };

function pyroscopeStorageProblem(values: unknown): string | undefined {
    const storage = valueAt(values, "pyroscope", "structuredConfig", "storage");
    const where = "values.pyroscope.structuredConfig.storage";
    const backend = valueAt(storage, "backend");
    // Unset is the filesystem backend: the pod's volume.
    if (typeof backend !== "string" || !(backend in PYROSCOPE_BUCKET_KEYS)) return `${where}.backend is ${JSON.stringify(backend ?? null)}`;
    const bucketKey = PYROSCOPE_BUCKET_KEYS[backend];
    if (!isNonEmptyString(valueAt(storage, backend, bucketKey))) return `${where}.${backend}.${bucketKey} is not set`;
    return undefined;
}

export const PYROSCOPE_OBJECT_STORAGE_POLICY: ObjectStoragePolicy = { charts: ["pyroscope"], problem: (_chart, values) => pyroscopeStorageProblem(values) };
