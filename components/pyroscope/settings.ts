// Pyroscope's section of the configuration (`observability:pyroscope`): its schema, its value in each preset, and
// the checks across its keys. The component (Pyroscope.ts) and the loader (stacks/config.ts) apply the same rules.
import { z } from "zod";
import { type BackendSettings, bytes, duration, problemsOf, resources, section, size, workload } from "../../stacks/fields";
import { PYROSCOPE_MODES } from "./names";

/** The v2 architecture's components (values `architecture.microservices.v2.<chart key>`), by config key. */
export const PYROSCOPE_COMPONENTS = {
    distributor: "distributor",
    segmentWriter: "segment-writer",
    metastore: "metastore",
    compactionWorker: "compaction-worker",
    queryBackend: "query-backend",
    queryFrontend: "query-frontend",
    tenantSettings: "tenant-settings",
    adHocProfiles: "ad-hoc-profiles",
    admin: "admin",
} as const;
export type PyroscopeComponent = keyof typeof PYROSCOPE_COMPONENTS;
const COMPONENT_KEYS = Object.keys(PYROSCOPE_COMPONENTS) as PyroscopeComponent[];

export const pyroscopeSettings = section({
    mode: z.enum(PYROSCOPE_MODES, { error: `expected one of: ${PYROSCOPE_MODES.join(", ")}` }),
    /** How long profiles are kept (the metastore's cleaner deletes older blocks: limits.retention_period). */
    retention: duration,
    /** Persistent volume of the single binary (monolithic) or of each metastore replica's Raft log (microservices). */
    storageSize: bytes,
    /** The single binary's resources (monolithic). */
    resources,
    /** Per-component replicas and resources (microservices; all of them required). */
    components: z.partialRecord(z.enum(COMPONENT_KEYS, { error: `expected one of: ${COMPONENT_KEYS.join(", ")}` }), workload),
});
export type PyroscopeSettings = z.infer<typeof pyroscopeSettings>;

/** The write and read paths: with one replica down, neither may stop. */
const AVAILABLE_PATHS = new Set<PyroscopeComponent>(["distributor", "segmentWriter", "queryFrontend", "queryBackend"]);

/** Microservices mode runs every component, a Raft quorum of metastores, and two of each component on the data paths. */
export function pyroscopeProblems(pyroscope: PyroscopeSettings) {
    return problemsOf((add) => {
        if (pyroscope.mode !== "microservices") return;
        for (const component of COMPONENT_KEYS) {
            const workload = pyroscope.components[component];
            const path = ["pyroscope", "components", component];
            if (!workload) {
                add(path, undefined, "Pyroscope in microservices mode runs every component; expected {replicas, resources}");
            } else if (component === "metastore" && (workload.replicas < 3 || workload.replicas % 2 === 0)) {
                add(
                    [...path, "replicas"],
                    workload.replicas,
                    "expected an odd number of at least 3: the metastore's Raft log needs a majority, so 3 survive one loss and an even count adds none",
                );
            } else if (AVAILABLE_PATHS.has(component) && workload.replicas < 2) {
                add([...path, "replicas"], workload.replicas, "expected at least 2: one replica down must not stop the write or read path");
            }
        }
    });
}

const dev: z.input<typeof pyroscopeSettings> = {
    mode: "monolithic",
    retention: "2d",
    storageSize: "5Gi",
    resources: size("100m", "256Mi", "1", "1Gi"),
    components: {},
};
const staging: z.input<typeof pyroscopeSettings> = { ...dev, retention: "7d", storageSize: "20Gi", resources: size("250m", "512Mi", "1", "2Gi") };
// docs/sizing.md derives these (tests/unit/sizing.test.ts keeps them equal to its table).
const production: z.input<typeof pyroscopeSettings> = {
    ...staging,
    mode: "microservices",
    retention: "14d",
    storageSize: "10Gi",
    components: {
        distributor: { replicas: 2, resources: size("500m", "256Mi", "1", "1Gi") },
        segmentWriter: { replicas: 3, resources: size("1", "2Gi", "2", "4Gi") },
        metastore: { replicas: 3, resources: size("500m", "1Gi", "1", "2Gi") },
        compactionWorker: { replicas: 2, resources: size("500m", "1Gi", "1", "2Gi") },
        queryBackend: { replicas: 2, resources: size("500m", "256Mi", "2", "1Gi") },
        queryFrontend: { replicas: 2, resources: size("100m", "256Mi", "500m", "1Gi") },
        tenantSettings: { replicas: 1, resources: size("50m", "32Mi", "200m", "256Mi") },
        adHocProfiles: { replicas: 1, resources: size("50m", "32Mi", "200m", "256Mi") },
        admin: { replicas: 1, resources: size("50m", "32Mi", "200m", "256Mi") },
    },
};

export const PYROSCOPE_SETTINGS = {
    description:
        "`monolithic` (one process on a volume) or `microservices` (Pyroscope 2's v2 storage on object storage; needs `objectStorage.buckets.pyroscope`), retention, the volume (single binary, or each metastore), resources, per-component replicas and resources.",
    schema: pyroscopeSettings,
    presets: { dev, staging, production },
    check: (pyroscope, _context, add) => {
        for (const p of pyroscopeProblems(pyroscope)) add(p.path, p.given, p.message);
    },
    objectStorage: {
        required: (pyroscope) => pyroscope.mode === "microservices",
        described: (pyroscope) => `Pyroscope "${pyroscope.mode}"`,
        bucket: "pyroscope",
    },
} satisfies BackendSettings<typeof pyroscopeSettings>;
