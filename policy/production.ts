// Guardrails only production stacks must meet: high availability, durable storage, protection from
// an accidental `pulumi destroy`. On other stacks they report "not applicable".
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { BACKEND_KEYS, BACKENDS } from "../components/backends";
import {
    describeRelease,
    type HelmRelease,
    helmRelease,
    isNonEmptyString,
    isObject,
    isTruthy,
    productionConfigSchema,
    requireProduction,
    requireProductionStack,
    TYPES,
    valueAt,
} from "./common";

/** Databases Grafana can share between replicas (SQLite lives on one pod's disk). */
const SHARED_DATABASES = ["postgres", "mysql"];

/** Replicas Grafana runs at least: the HPA minimum with autoscaling, else `replicas` (chart defaults: 1). */
function grafanaMinReplicas(values: Record<string, unknown>): number {
    const autoscaling = isObject(values.autoscaling) ? values.autoscaling : {};
    return Number(isTruthy(autoscaling.enabled) ? (autoscaling.minReplicas ?? 1) : (values.replicas ?? 1));
}

function grafanaDatabase(values: Record<string, unknown>): string | undefined {
    const database = valueAt(values, "grafana.ini", "database");
    const env = isObject(values.env) ? values.env : {};
    const url = valueAt(database, "url") ?? env.GF_DATABASE_URL;
    if (isNonEmptyString(url)) return url.split(":")[0];
    const type = valueAt(database, "type") ?? env.GF_DATABASE_TYPE;
    const host = valueAt(database, "host") ?? env.GF_DATABASE_HOST;
    return isNonEmptyString(type) && isNonEmptyString(host) ? type : undefined;
}

export const productionGrafanaHighlyAvailable: ResourceValidationPolicy = {
    name: "production-grafana-ha",
    description: "Production Grafana runs at least 2 replicas on a shared external database (PostgreSQL or MySQL), not SQLite.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: productionConfigSchema,
    remediationSteps:
        "Set observability:grafana.replicas to 2 or more (or grafana.autoscaling.enabled with replicas ≥ 2) and " +
        "observability:grafana.database {host, name, user, sslMode}, then: pulumi config set --secret grafanaDatabasePassword <password>.",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        if (release.chart !== "grafana") args.notApplicable("applies to the grafana chart only");
        requireProduction(args.urn, args);
        const values = isObject(release.values) ? release.values : {};
        const replicas = grafanaMinReplicas(values);
        if (!(replicas >= 2)) {
            reportViolation(
                `${describeRelease(release, args.name)} runs ${replicas === 1 ? "1 replica" : `${replicas} replicas`} in production: an upgrade or a node failure takes Grafana ` +
                    "and its alert evaluation down. Fix: set observability:grafana.replicas to 2 or more (Pulumi.<stack>.yaml).",
            );
        }
        const database = grafanaDatabase(values);
        if (!database || !SHARED_DATABASES.includes(database)) {
            reportViolation(
                `${describeRelease(release, args.name)} keeps its state in ${database ?? "SQLite (no grafana.ini database set)"}: ` +
                    "replicas cannot share it and it dies with the pod's volume. Fix: set observability:grafana.database {host, name, user, sslMode} " +
                    "and pulumi config set --secret grafanaDatabasePassword <password>.",
            );
        }
    },
};

/** Every backend that keeps its data in object storage, by the charts of its release (components/<backend>/policy.ts). */
const OBJECT_STORES = BACKEND_KEYS.flatMap((key) => {
    const backend = BACKENDS[key];
    return "objectStoragePolicy" in backend ? [backend.objectStoragePolicy] : [];
});
const OBJECT_STORE_CHARTS = OBJECT_STORES.flatMap((store) => store.charts);

export const productionObjectStorage: ResourceValidationPolicy = {
    name: "production-loki-tempo-object-storage",
    description: "Production Loki, Tempo and Pyroscope keep logs, traces and profiles in object storage (S3, GCS, Azure), not on pod volumes.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: productionConfigSchema,
    remediationSteps:
        "Set observability:objectStorage {provider, region, buckets {lokiChunks, tempo}, credentials} in " +
        "Pulumi.<stack>.yaml; the production preset then runs Loki Distributed and Tempo distributed on those buckets.",
    validateResource: (args, reportViolation) => {
        const release = helmRelease(args);
        const chart = release.chart ?? "";
        const store = OBJECT_STORES.find((candidate) => candidate.charts.includes(chart));
        if (!store) {
            args.notApplicable(`applies to the ${OBJECT_STORE_CHARTS.slice(0, -1).join(", ")} and ${OBJECT_STORE_CHARTS.at(-1)} charts only`);
            return;
        }
        requireProduction(args.urn, args);
        const problem = store.problem(chart, release.values);
        if (problem) {
            reportViolation(
                `${describeRelease(release, args.name)} does not use object storage in production (${problem}): data lives on ` +
                    "pod volumes, capped by their size and lost with them. Fix: set observability:objectStorage {provider, buckets, credentials} " +
                    "(the component then sets the chart's storage to the buckets).",
            );
        }
    },
};

/** Charts whose release owns stored telemetry (volumes, or the objects pointing at it). */
const DATA_CHARTS = ["kube-prometheus-stack", ...OBJECT_STORE_CHARTS];

/** Why deleting a release or volume loses data, or undefined when it holds none. */
function dataHeld(resource: PolicyResource): string | undefined {
    if (resource.type === TYPES.persistentVolumeClaim) return "it is a volume";
    if (resource.type !== TYPES.helmRelease) return undefined;
    const release = resource.props as HelmRelease;
    if (DATA_CHARTS.includes(release.chart ?? "")) return "its volumes hold the stored metrics, logs, traces or profiles";
    if (release.chart === "grafana" && isTruthy(valueAt(release.values, "persistence", "enabled"))) return "its volume holds Grafana's database";
    return undefined;
}

function namespaceOf(resource: PolicyResource): unknown {
    return resource.type === TYPES.helmRelease ? resource.props.namespace : valueAt(resource.props, "metadata", "namespace");
}

export const productionDataProtected: StackValidationPolicy = {
    name: "production-data-protected",
    description:
        "In production, what holds data is protected from deletion: Prometheus, Loki, Tempo and Pyroscope releases, Grafana with a volume, " +
        "volumes, and the namespaces they live in (deleting a namespace deletes its volumes).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: productionConfigSchema,
    remediationSteps:
        "Set observability:protectData: true for production stacks (the production preset does), which creates these resources " +
        "with protect: true. To delete one on purpose, run `pulumi state unprotect <urn>` first.",
    validateStack: (args, reportViolation) => {
        requireProductionStack(args.resources, args);
        const holders = args.resources.flatMap((resource) => {
            const reason = dataHeld(resource);
            return reason ? [{ resource, reason }] : [];
        });
        const dataNamespaces = new Map<string, string[]>();
        for (const { resource } of holders) {
            const namespace = namespaceOf(resource);
            if (isNonEmptyString(namespace)) dataNamespaces.set(namespace, [...(dataNamespaces.get(namespace) ?? []), resource.name]);
        }
        for (const resource of args.resources.filter((r) => r.type === TYPES.namespace)) {
            const holding = dataNamespaces.get(String(valueAt(resource.props, "metadata", "name")));
            if (holding) holders.push({ resource, reason: `deleting it deletes the volumes of ${holding.join(", ")}` });
        }
        for (const { resource, reason } of holders) {
            if (resource.opts.protect === true) continue;
            reportViolation(
                `${resource.type} "${resource.name}" is not protected, but ${reason}: a \`pulumi destroy\` or a replacing change ` +
                    "would delete it. Fix: set observability:protectData: true (Pulumi.<stack>.yaml or the production preset in stacks/presets.ts); " +
                    "unprotect deliberately with `pulumi state unprotect <urn>`.",
                resource.urn,
            );
        }
    },
};
