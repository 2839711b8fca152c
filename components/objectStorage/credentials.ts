// How a backend's pods authenticate to the shared object storage, never with a secret value in the chart
// values: workload identity through the ServiceAccount's annotations, or an existing Secret's keys.
import type { ObjectStorage } from "./settings";

/**
 * Keys the `objectStorage.credentials.existingSecret` Secret must hold, per provider. S3 keys reach the
 * AWS SDK's default chain as env vars; Azure's key is read from env (Loki substitutes it into its config,
 * `-config.expand-env`); a GCS key file is mounted and named by GOOGLE_APPLICATION_CREDENTIALS. Loki and
 * Tempo read the same Secret under the same names, so one Secret serves both.
 */
export const OBJECT_STORAGE_SECRET_KEYS = {
    s3: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    gcs: ["key.json"],
    azure: ["AZURE_STORAGE_KEY"],
} as const;
/** The file name of the GCS service-account key in the Secret (and in its mount). */
export const GCS_KEY_FILE = OBJECT_STORAGE_SECRET_KEYS.gcs[0];

/** Azure's webhook injects the federated token only into labelled pods (and, before v1.0, ServiceAccounts). */
const AZURE_WORKLOAD_IDENTITY = { "azure.workload.identity/use": "true" };

export interface StorageCredentials {
    /** The ServiceAccount's annotations (and Azure's label) for workload identity. */
    serviceAccount?: { annotations: Record<string, string>; labels?: Record<string, string> };
    /** Labels every pod needs (Azure workload identity). */
    podLabels?: Record<string, string>;
    /** What the backend's pods get from an existing Secret: its keys as env, or (gcs) its key file mounted. */
    pods: { extraEnvFrom?: unknown[]; extraVolumes?: unknown[]; extraVolumeMounts?: unknown[]; extraEnv?: unknown[] };
}

/**
 * The credentials of `storage` for one backend's pods. A GCS key file is mounted at `gcsKeyDirectory`: each
 * chart has kept its own directory (Loki /etc/loki/gcs, Tempo /var/secrets/gcs), and moving one would roll its pods.
 */
export function storageCredentials(storage: ObjectStorage, gcsKeyDirectory: string): StorageCredentials {
    const { existingSecret, serviceAccountAnnotations } = storage.credentials;
    if (serviceAccountAnnotations) {
        return storage.provider === "azure"
            ? { serviceAccount: { annotations: serviceAccountAnnotations, labels: AZURE_WORKLOAD_IDENTITY }, podLabels: AZURE_WORKLOAD_IDENTITY, pods: {} }
            : { serviceAccount: { annotations: serviceAccountAnnotations }, pods: {} };
    }
    if (!existingSecret) throw new Error("objectStorage.credentials needs existingSecret or serviceAccountAnnotations");
    if (storage.provider === "gcs") {
        return {
            pods: {
                extraVolumes: [{ name: "gcs-credentials", secret: { secretName: existingSecret } }],
                extraVolumeMounts: [{ name: "gcs-credentials", mountPath: gcsKeyDirectory, readOnly: true }],
                extraEnv: [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: `${gcsKeyDirectory}/${GCS_KEY_FILE}` }],
            },
        };
    }
    return { pods: { extraEnvFrom: [{ secretRef: { name: existingSecret } }] } };
}

/** Where an S3 endpoint given as a URL points: its bare host, and whether it is plain http (MinIO and R2 address buckets by path). */
export function s3Endpoint(storage: ObjectStorage): URL | undefined {
    return storage.endpoint ? new URL(storage.endpoint) : undefined;
}
