// Tempo's section of the configuration (`observability:tempo`): its schema, its value in each preset, and
// the checks across its keys. The component (Tempo.ts) and the loader (stacks/config.ts) apply the same rules.
import { z } from "zod";
import { type BackendSettings, bytes, duration, positiveInt, problemsOf, resources, section, size, workload } from "../../stacks/fields";

/** Tempo 3's workloads. No gateway: Grafana and the collector reach the query-frontend and distributor directly. */
export const TEMPO_COMPONENTS = [
    "distributor",
    "liveStore",
    "blockBuilder",
    "querier",
    "queryFrontend",
    "metricsGenerator",
    "backendScheduler",
    "backendWorker",
] as const;
export type TempoComponent = (typeof TEMPO_COMPONENTS)[number];

export const tempoSettings = section({
    mode: z.enum(["monolithic", "distributed"], { error: "expected monolithic or distributed" }),
    retention: duration,
    /** Persistent volume of the single binary (monolithic); distributed Tempo keeps traces in object storage. */
    storageSize: bytes,
    /** The single binary's resources (monolithic). */
    resources,
    /**
     * Per-component replicas and resources (distributed; all of them required). Live-stores and block-builders
     * run one replica per Kafka partition, whatever their `replicas` say; there is exactly one backendScheduler.
     */
    components: z.partialRecord(z.enum(TEMPO_COMPONENTS, { error: `expected one of: ${TEMPO_COMPONENTS.join(", ")}` }), workload),
    /** Existing Kafka that Tempo 3's distributors write to (distributed mode). */
    kafka: section({
        address: z.string().regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'expected "host:port" (comma-separated for several brokers)'),
        topic: z.string().min(1),
        partitions: positiveInt(),
    }).optional(),
    limits: section({
        maxBytesPerTrace: positiveInt(),
        ingestionRateLimitBytes: positiveInt(),
        ingestionBurstSizeBytes: positiveInt(),
    }),
});
export type TempoSettings = z.infer<typeof tempoSettings>;

/** Distributed Tempo 3 writes through Kafka and runs every component: one scheduler, one live-store and block-builder per partition. */
export function tempoProblems(tempo: TempoSettings) {
    return problemsOf((add) => {
        if (tempo.mode !== "distributed") return;
        if (!tempo.kafka) {
            add(
                ["tempo", "kafka"],
                undefined,
                "Tempo 3 in distributed mode writes spans through Kafka; expected {address, topic, partitions} of an existing Kafka (MSK, Confluent, Strimzi)",
            );
        }
        for (const component of TEMPO_COMPONENTS) {
            const workload = tempo.components[component];
            if (!workload) {
                add(["tempo", "components", component], undefined, "distributed Tempo runs every component; expected {replicas, resources}");
            } else if (component === "backendScheduler" && workload.replicas !== 1) {
                add(
                    ["tempo", "components", component, "replicas"],
                    workload.replicas,
                    "expected 1: the chart runs exactly one backend scheduler, which owns the job list",
                );
            } else if ((component === "liveStore" || component === "blockBuilder") && tempo.kafka && workload.replicas !== tempo.kafka.partitions) {
                add(
                    ["tempo", "components", component, "replicas"],
                    workload.replicas,
                    `expected tempo.kafka.partitions (${tempo.kafka.partitions}): one ${component} per Kafka partition`,
                );
            }
        }
    });
}

const dev: z.input<typeof tempoSettings> = {
    mode: "monolithic",
    retention: "2d",
    storageSize: "5Gi",
    resources: size("100m", "256Mi", "1", "1Gi"),
    components: {},
    limits: { maxBytesPerTrace: 5_000_000, ingestionRateLimitBytes: 5_000_000, ingestionBurstSizeBytes: 10_000_000 },
};
const staging: z.input<typeof tempoSettings> = { ...dev, retention: "7d", storageSize: "20Gi", resources: size("200m", "512Mi", "1", "2Gi") };
const production: z.input<typeof tempoSettings> = {
    ...staging,
    mode: "distributed",
    retention: "14d",
    storageSize: "20Gi",
    components: {
        distributor: { replicas: 2, resources: size("500m", "512Mi", "2", "2Gi") },
        liveStore: { replicas: 3, resources: size("500m", "2Gi", "2", "4Gi") },
        blockBuilder: { replicas: 3, resources: size("500m", "1Gi", "2", "2Gi") },
        querier: { replicas: 2, resources: size("500m", "1Gi", "2", "2Gi") },
        queryFrontend: { replicas: 2, resources: size("200m", "256Mi", "1", "1Gi") },
        metricsGenerator: { replicas: 2, resources: size("250m", "512Mi", "1", "2Gi") },
        backendScheduler: { replicas: 1, resources: size("100m", "128Mi", "500m", "512Mi") },
        backendWorker: { replicas: 2, resources: size("250m", "512Mi", "1", "2Gi") },
    },
    limits: { maxBytesPerTrace: 20_000_000, ingestionRateLimitBytes: 20_000_000, ingestionBurstSizeBytes: 40_000_000 },
};

export const TEMPO_SETTINGS = {
    description:
        "`monolithic` (local volume) or `distributed` (Tempo 3 on object storage; needs `kafka`), retention, resources, per-component replicas, Kafka bootstrap address/topic/partitions, trace-size and rate limits.",
    schema: tempoSettings,
    presets: { dev, staging, production },
    check: (tempo, _context, add) => {
        for (const p of tempoProblems(tempo)) add(p.path, p.given, p.message);
    },
    objectStorage: { required: (tempo) => tempo.mode === "distributed", described: (tempo) => `Tempo "${tempo.mode}"`, bucket: "tempo" },
} satisfies BackendSettings<typeof tempoSettings>;
