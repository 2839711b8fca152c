// What the `loki` chart renders, read from its templates (grafana-community/helm-charts charts/loki,
// templates/_helpers.tpl, validate.yaml, _pod.tpl, gateway/deployment.yaml) and judged against our values
// plus the chart's defaults, so tests can ask "which containers exist in this mode" and "would Helm refuse this".
import { CHARTS } from "../../components/charts";
import { type ChartReference, chartReference } from "../../scripts/lib/chartKeys";
import { effectiveValue } from "./helmNames";
import { valuesSchema } from "./valuesSchema";

export const chart: ChartReference = chartReference("loki", CHARTS.loki.version);
export const schema = valuesSchema("loki", CHARTS.loki.version);
export const effective = (values: unknown, path: string): any => effectiveValue(values, chart.defaults, path);
/** Maps the chart renders verbatim into Loki's config file: their keys are Loki's schema, not the chart's. */
export const LOKI_CONFIG_SECTIONS = ["loki.limits_config", "loki.commonConfig", "loki.compactor", "loki.analytics", "loki.schemaConfig"];

const OBJECT_STORES = ["s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos"];
export const usesObjectStorage = (v: unknown) => OBJECT_STORES.includes(effective(v, "loki.storage.type"));
// templates/_helpers.tpl: "loki.deployment.isMonolithic", "isScalable", "isDistributed".
export const isMonolithic = (v: unknown) => ["Monolithic", "SingleBinary", "Monolithic<->SimpleScalable", "SingleBinary<->SimpleScalable"].includes(effective(v, "deploymentMode"));
export const isScalable = (v: unknown) => usesObjectStorage(v) && ["SimpleScalable", "SimpleScalable<->Distributed", "Monolithic<->SimpleScalable", "SingleBinary<->SimpleScalable"].includes(effective(v, "deploymentMode"));
export const isDistributed = (v: unknown) => usesObjectStorage(v) && ["Distributed", "SimpleScalable<->Distributed"].includes(effective(v, "deploymentMode"));
export const on = (path: string) => (v: unknown) => effective(v, path) === true;
const distributedComponent = (key: string) => (v: unknown) => isDistributed(v) && effective(v, `${key}.enabled`) !== false;
export const anyCache = (v: unknown) => on("chunksCache.enabled")(v) || on("resultsCache.enabled")(v);

/** Every `resources` in the chart's defaults, with when the chart renders that container. */
export const WORKLOADS: Record<string, (values: unknown) => boolean> = {
    "singleBinary.resources": isMonolithic,
    "write.resources": isScalable, "read.resources": isScalable, "backend.resources": isScalable,
    ...Object.fromEntries(["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor",
        "ruler", "bloomGateway", "bloomPlanner", "bloomBuilder", "patternIngester", "overridesExporter"]
        .map((key) => [`${key}.resources`, distributedComponent(key)])),
    "gateway.resources": on("gateway.enabled"),
    "gateway.metrics.resources": (v) => on("gateway.enabled")(v) && on("gateway.metrics.enabled")(v),
    "chunksCache.resources": on("chunksCache.enabled"),
    "chunksCache.l2.resources": (v) => on("chunksCache.enabled")(v) && on("chunksCache.l2.enabled")(v),
    "resultsCache.resources": on("resultsCache.enabled"),
    "memcachedExporter.resources": (v) => on("memcachedExporter.enabled")(v) && anyCache(v),
    "lokiCanary.resources": on("lokiCanary.enabled"),
    "minio.resources": on("minio.enabled"),
    "sidecar.resources": on("sidecar.rules.enabled"),
    "tableManager.resources": on("tableManager.enabled"),
};

export function resourcePathsInDefaults(node: unknown = chart.defaults, trail: string[] = []): string[] {
    if (!node || typeof node !== "object" || Array.isArray(node)) return [];
    return Object.entries(node).flatMap(([key, child]) =>
        key === "resources" ? [[...trail, key].join(".")] : resourcePathsInDefaults(child, [...trail, key]));
}

export const hasRequestsAndLimits = (r: any) => Boolean(r?.requests?.cpu && r?.requests?.memory && r?.limits?.cpu && r?.limits?.memory);
/** Helm's `coalesce`: the first value that is not empty. */
const coalesce = (...candidates: any[]) => candidates.find((c) => c && Object.keys(c).length > 0) ?? {};

/** Pod and container security contexts of every container kind, as the templates pick them. */
export const SECURITY_CONTEXTS: Array<{ name: string; rendered: (v: unknown) => boolean; pod: (v: unknown) => any; container: (v: unknown) => any }> = [
    { name: "loki", rendered: () => true,
        pod: (v) => coalesce(effective(v, "defaults.podSecurityContext"), effective(v, "loki.podSecurityContext")),
        container: (v) => coalesce(effective(v, "defaults.containerSecurityContext"), effective(v, "loki.containerSecurityContext")) },
    { name: "gateway", rendered: on("gateway.enabled"), pod: (v) => effective(v, "gateway.podSecurityContext"), container: (v) => effective(v, "gateway.containerSecurityContext") },
    { name: "gateway exporter", rendered: WORKLOADS["gateway.metrics.resources"],
        pod: (v) => effective(v, "gateway.podSecurityContext"), container: (v) => effective(v, "gateway.metrics.containerSecurityContext") },
    { name: "memcached", rendered: anyCache, pod: (v) => effective(v, "memcached.podSecurityContext"), container: (v) => effective(v, "memcached.containerSecurityContext") },
    { name: "memcached exporter", rendered: WORKLOADS["memcachedExporter.resources"],
        pod: (v) => effective(v, "memcached.podSecurityContext"), container: (v) => effective(v, "memcachedExporter.containerSecurityContext") },
];

/** The replica checks of templates/validate.yaml, which fail the install before anything is applied. */
export function chartValidationFailures(values: unknown): string[] {
    const replicas = (key: string) => Number(effective(values, `${key}.replicas`) ?? 0);
    const monolithic = replicas("singleBinary");
    const scalable = ["backend", "read", "write"].some((key) => replicas(key) > 0);
    const distributed = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"].some((key) => replicas(key) > 0);
    const mode = effective(values, "deploymentMode");
    const failures: string[] = [];
    if (!usesObjectStorage(values) && monolithic > 1) failures.push("more than one Monolithic replica without object storage");
    if (!usesObjectStorage(values) && monolithic === 0 && (scalable || distributed)) failures.push("scalable or distributed targets without object storage");
    if (scalable && distributed && mode !== "SimpleScalable<->Distributed") failures.push("both scalable and distributed replicas");
    if (monolithic > 0 && distributed) failures.push("both monolithic and distributed replicas");
    if (monolithic > 0 && scalable && !["Monolithic<->SimpleScalable", "SingleBinary<->SimpleScalable"].includes(mode)) failures.push("both monolithic and scalable replicas");
    if (on("test.enabled")(values) && !on("lokiCanary.enabled")(values)) failures.push("Helm test without the canary");
    if (on("minio.enabled")(values) && !on("ignoreMinioDeprecation")(values)) failures.push("deprecated MinIO");
    if (Object.keys(effective(values, "loki.schemaConfig") ?? {}).length === 0 && !on("loki.useTestSchema")(values)) failures.push("no schemaConfig");
    return failures;
}
