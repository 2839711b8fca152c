// What the policy pack checks of a rendered `tempo` or `tempo-distributed` release (assembled in
// policy/production.ts): production keeps Tempo's traces in object storage.
import { isNonEmptyString, type ObjectStoragePolicy, valueAt } from "../chartValues";

/** Tempo's object-store backends and the key that names the bucket in each. */
const TEMPO_BUCKET_KEYS: Record<string, string> = { s3: "bucket", gcs: "bucket_name", azure: "container_name" };

function tempoStorageProblem(chart: string, values: unknown): string | undefined {
    // The monolithic chart nests Tempo's settings under `tempo`; tempo-distributed has them at the top.
    const prefix = chart === "tempo" ? ["tempo"] : [];
    const trace = valueAt(values, ...prefix, "storage", "trace");
    const where = `values.${[...prefix, "storage", "trace"].join(".")}`;
    const backend = valueAt(trace, "backend");
    if (typeof backend !== "string" || !(backend in TEMPO_BUCKET_KEYS)) return `${where}.backend is ${JSON.stringify(backend ?? null)}`;
    const bucketKey = TEMPO_BUCKET_KEYS[backend];
    if (!isNonEmptyString(valueAt(trace, backend, bucketKey))) return `${where}.${backend}.${bucketKey} is not set`;
    return undefined;
}

export const TEMPO_OBJECT_STORAGE_POLICY: ObjectStoragePolicy = { charts: ["tempo", "tempo-distributed"], problem: tempoStorageProblem };
