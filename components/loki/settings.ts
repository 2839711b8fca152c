// Loki's section of the configuration (`observability:loki`): its schema, its value in each preset, and
// the checks across its keys. The component (Loki.ts) and the loader (stacks/config.ts) apply the same rules.
import { z } from "zod";
import { type BackendSettings, bool, bytes, duration, positiveInt, problemsOf, resources, section, size, workload } from "../../stacks/fields";

export const LOKI_COMPONENTS = ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "gateway"] as const;

export const lokiSettings = section({
    mode: z.enum(["Monolithic", "Distributed"], { error: "expected Monolithic or Distributed (SimpleScalable is deprecated upstream)" }),
    retention: duration,
    /** Persistent volume of the single binary (Monolithic) or of each ingester's WAL (Distributed). */
    storageSize: bytes,
    /** The single binary's resources (Monolithic). */
    resources,
    /** Per-component replicas and resources (Distributed). */
    components: z.partialRecord(z.enum(LOKI_COMPONENTS, { error: `expected one of: ${LOKI_COMPONENTS.join(", ")}` }), workload),
    caches: section({ chunksMemoryMb: z.number().int().min(0), resultsMemoryMb: z.number().int().min(0) }),
    limits: section({
        ingestionRateMb: positiveInt(),
        ingestionBurstSizeMb: positiveInt(),
        maxGlobalStreamsPerUser: positiveInt(),
    }),
    /** Require an X-Scope-OrgID tenant header; off means a single tenant "fake". */
    multiTenant: bool,
});
export type LokiSettings = z.infer<typeof lokiSettings>;

/** Loki components that run as one replica by design: the compactor must be unique per cluster. */
const LOKI_SINGLETONS = new Set<string>(["compactor"]);

/** Distributed Loki runs every component, with enough replicas that one down stops neither path. */
export function lokiProblems(loki: LokiSettings) {
    return problemsOf((add) => {
        if (loki.mode !== "Distributed") return;
        for (const component of LOKI_COMPONENTS) {
            const workload = loki.components[component];
            const minimum = component === "ingester" ? 3 : LOKI_SINGLETONS.has(component) ? 1 : 2;
            if (!workload) {
                add(["loki", "components", component], undefined, "distributed Loki runs every component; expected {replicas, resources}");
            } else if (workload.replicas < minimum) {
                add(
                    ["loki", "components", component, "replicas"],
                    workload.replicas,
                    component === "ingester"
                        ? "expected at least 3: every log stream is written to 3 ingesters (replication factor 3)"
                        : "expected at least 2: one replica down must not stop the write or read path",
                );
            }
        }
    });
}

const dev: z.input<typeof lokiSettings> = {
    mode: "Monolithic",
    retention: "3d",
    storageSize: "5Gi",
    resources: size("150m", "384Mi", "1", "1Gi"),
    components: {},
    // The chart's default chunks cache asks for ~9.8 GiB; a laptop has no room for caches at all.
    caches: { chunksMemoryMb: 0, resultsMemoryMb: 0 },
    limits: { ingestionRateMb: 4, ingestionBurstSizeMb: 8, maxGlobalStreamsPerUser: 5000 },
    multiTenant: false,
};
const staging: z.input<typeof lokiSettings> = {
    ...dev,
    retention: "7d",
    storageSize: "20Gi",
    resources: size("300m", "768Mi", "2", "2Gi"),
    caches: { chunksMemoryMb: 256, resultsMemoryMb: 64 },
    limits: { ingestionRateMb: 8, ingestionBurstSizeMb: 16, maxGlobalStreamsPerUser: 10000 },
};
const production: z.input<typeof lokiSettings> = {
    ...staging,
    mode: "Distributed",
    retention: "30d",
    storageSize: "50Gi",
    components: {
        distributor: { replicas: 3, resources: size("500m", "512Mi", "2", "1Gi") },
        ingester: { replicas: 3, resources: size("1", "4Gi", "2", "8Gi") },
        querier: { replicas: 3, resources: size("500m", "1Gi", "2", "4Gi") },
        queryFrontend: { replicas: 2, resources: size("200m", "256Mi", "1", "1Gi") },
        queryScheduler: { replicas: 2, resources: size("100m", "128Mi", "500m", "512Mi") },
        indexGateway: { replicas: 2, resources: size("200m", "512Mi", "1", "2Gi") },
        compactor: { replicas: 1, resources: size("200m", "512Mi", "1", "2Gi") },
        gateway: { replicas: 2, resources: size("100m", "64Mi", "500m", "256Mi") },
    },
    caches: { chunksMemoryMb: 2048, resultsMemoryMb: 512 },
    limits: { ingestionRateMb: 10, ingestionBurstSizeMb: 20, maxGlobalStreamsPerUser: 50000 },
};

export const LOKI_SETTINGS = {
    description:
        "`Monolithic` (single binary, filesystem) or `Distributed` (object storage); retention, volume, resources, per-component replicas and resources, caches (MB, 0 turns a cache off), ingestion limits, multi-tenancy.",
    schema: lokiSettings,
    presets: { dev, staging, production },
    check: (loki, _context, add) => {
        for (const p of lokiProblems(loki)) add(p.path, p.given, p.message);
    },
    objectStorage: { required: (loki) => loki.mode === "Distributed", described: (loki) => `Loki "${loki.mode}"`, bucket: "lokiChunks" },
} satisfies BackendSettings<typeof lokiSettings>;
