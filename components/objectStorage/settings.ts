// The object storage Loki, Tempo and Pyroscope share (`observability:objectStorage`): its schema and its checks. Which
// backends need it is theirs to say (BackendSettings.objectStorage); the rule that they get it is written here once.
import { z } from "zod";
import { type AddProblem, k8sName, problemsOf, section, url } from "../../stacks/fields";

export const objectStorageSettings = section({
    provider: z.enum(["s3", "gcs", "azure"], { error: "expected one of: s3, gcs, azure" }),
    /** S3 region (s3 only). */
    region: z.string().min(1).optional(),
    /** S3-compatible endpoint such as MinIO or R2 (s3 only); unset uses AWS. */
    endpoint: url.optional(),
    /** Storage account (azure only). */
    azureAccountName: z.string().min(3).optional(),
    buckets: section({
        lokiChunks: z.string().min(3),
        /** Unused while Loki's ruler is off (the stack's alert rules run in Grafana): the chart writes no ruler storage. Accepted so existing stack files keep working. */
        lokiRuler: z.string().min(3).optional(),
        tempo: z.string().min(3),
        /** Required while Pyroscope runs in microservices mode; a stack without it keeps profiles on a volume. */
        pyroscope: z.string().min(3).optional(),
    }),
    /** Where credentials come from: an existing Secret's keys as env vars, or workload identity. */
    credentials: section({
        existingSecret: k8sName.optional(),
        serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
    }),
});
export type ObjectStorage = z.infer<typeof objectStorageSettings>;

/** A backend that may keep its data in the object storage: whether it does with its settings, and its name with its mode. */
export interface ObjectStorageUser {
    required: boolean;
    described: string;
    /** Its key in `buckets`. */
    bucket: string;
}

/**
 * Backends whose settings keep their data in object storage get one, and a complete one. `users` are every
 * backend that can use it (`Loki "Distributed"`, `Tempo "monolithic"`), so the message shows how each is set.
 */
export function checkObjectStorage(storage: ObjectStorage | undefined, users: ObjectStorageUser[], production: boolean, add: AddProblem): void {
    if (!storage && users.some((user) => user.required)) {
        const names = users.map((user) => user.described);
        add(
            ["objectStorage"],
            undefined,
            `${names.join(" and ")} ${names.length > 1 ? "keep their" : "keeps its"} data in object storage` +
                (production ? ` (production needs scalable ${names.map((name) => name.split(" ")[0]).join(" and ")})` : "") +
                `; set provider (s3, gcs or azure), buckets {${bucketKeys(users)}} and credentials`,
        );
    }
    if (storage) {
        const buckets: Record<string, string | undefined> = storage.buckets;
        for (const user of users) {
            if (user.required && !buckets[user.bucket]) {
                add(
                    ["objectStorage", "buckets", user.bucket],
                    undefined,
                    `${user.described} keeps its data in object storage; expected the name of its bucket`,
                );
            }
        }
        if (storage.provider === "s3" && !storage.region && !storage.endpoint)
            add(["objectStorage", "region"], undefined, "expected an AWS region (or an endpoint) for provider s3");
        if (storage.provider === "azure" && !storage.azureAccountName)
            add(["objectStorage", "azureAccountName"], undefined, "expected the storage account name for provider azure");
        const { existingSecret, serviceAccountAnnotations } = storage.credentials;
        if (Boolean(existingSecret) === Boolean(serviceAccountAnnotations)) {
            add(
                ["objectStorage", "credentials"],
                storage.credentials,
                "expected exactly one of existingSecret (a Secret in the namespace) or serviceAccountAnnotations (workload identity)",
            );
        }
    }
}

/** The bucket keys of the backends that need one (Loki's and Tempo's are always asked for: the schema requires them). */
function bucketKeys(users: ObjectStorageUser[]): string {
    return [...new Set(["lokiChunks", "tempo", ...users.filter((user) => user.required).map((user) => user.bucket)])].join(", ");
}

/** The same rule for one backend's component, given its registry entry's `objectStorage` and its settings. */
export function objectStorageProblems<S>(
    storage: ObjectStorage | undefined,
    [user, settings]: [{ required: (s: S) => boolean; described: (s: S) => string; bucket: string }, S],
) {
    return problemsOf((add) =>
        checkObjectStorage(storage, [{ required: user.required(settings), described: user.described(settings), bucket: user.bucket }], false, add),
    );
}
