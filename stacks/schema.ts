// The one schema every stack's configuration passes before any resource is registered. Leaf messages
// are noun phrases ("expected ..."), so the loader can say: key, what was given, what is allowed.
import { z } from "zod";
import { DISTRIBUTIONS } from "./cluster";
import {
    BYTES_HINT, BYTES_PATTERN, CPU_HINT, CPU_PATTERN, DURATION_HINT, DURATION_PATTERN,
    PROMETHEUS_SIZE_HINT, PROMETHEUS_SIZE_PATTERN, durationSeconds,
} from "./units";

export const PRESET_NAMES = ["dev", "staging", "production"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A strict object whose unknown-key error lists the keys that are allowed. */
function section<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) => issue.code === "unrecognized_keys"
            ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed keys: ${allowed}`
            : issue.code === "invalid_type" ? `expected an object with keys: ${allowed}` : undefined,
    });
}

const bool = z.boolean({ error: "expected true or false" });
const positiveInt = (what = "an integer ≥ 1") => z.number({ error: `expected ${what}` }).int(`expected ${what}`).min(1, `expected ${what}`);
export const duration = z.string({ error: `expected ${DURATION_HINT}` })
    .regex(DURATION_PATTERN, `expected ${DURATION_HINT}`)
    .refine((v) => !DURATION_PATTERN.test(v) || durationSeconds(v) > 0, "expected a duration longer than zero");
const cpu = z.string({ error: `expected ${CPU_HINT}` }).regex(CPU_PATTERN, `expected ${CPU_HINT}`)
    .refine((v) => !/^0+(\.0+)?m?$/.test(v), "expected a CPU quantity above zero");
const bytes = z.string({ error: `expected ${BYTES_HINT}` }).regex(BYTES_PATTERN, `expected ${BYTES_HINT}`)
    .refine((v) => !/^0+(\.0+)?[A-Za-z]*$/.test(v), "expected a size above zero");
const prometheusSize = z.string({ error: `expected ${PROMETHEUS_SIZE_HINT}` })
    .regex(PROMETHEUS_SIZE_PATTERN, `expected ${PROMETHEUS_SIZE_HINT}`);
const HOSTNAME_HINT = 'a DNS hostname such as "grafana.example.com" (lower case letters, digits, "-" and ".")';
export const hostname = z.string({ error: `expected ${HOSTNAME_HINT}` }).max(253, `expected ${HOSTNAME_HINT}`)
    .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/, `expected ${HOSTNAME_HINT}`);
const K8S_NAME_HINT = 'a Kubernetes name: lower case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit';
export const k8sName = z.string({ error: `expected ${K8S_NAME_HINT}` })
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `expected ${K8S_NAME_HINT}`);
const url = z.string({ error: 'expected an http(s) URL such as "http://localhost:3000"' })
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'expected an http(s) URL such as "http://localhost:3000"');
/** Where every pinned chart is fetched from instead of its upstream repository (components/mirrors.ts). */
export const CHART_REPOSITORY_HINT = 'a Helm repository URL such as "https://charts.example.com/helm" or an OCI registry such as "oci://registry.example.com/charts" (no trailing "/")';
const chartRepository = z.string({ error: `expected ${CHART_REPOSITORY_HINT}` })
    .regex(/^(https?:\/\/[^\s/]+(\/\S*)?|oci:\/\/[^\s/]+(\/[^\s/]+)*)$/, `expected ${CHART_REPOSITORY_HINT}`)
    .refine((v) => !v.endsWith("/"), `expected ${CHART_REPOSITORY_HINT}`);
/** The registry (host, optional port and path) that replaces every image's registry. */
export const IMAGE_REGISTRY_HINT = 'a registry host with an optional port and path, without a scheme, such as "registry.example.com" or "harbor.example.com:8443/mirror"';
const imageRegistry = z.string({ error: `expected ${IMAGE_REGISTRY_HINT}` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, `expected ${IMAGE_REGISTRY_HINT}`);
const percent = z.number({ error: "expected a percentage between 0 and 100 (exclusive), such as 99.9" })
    .gt(0, "expected a percentage between 0 and 100 (exclusive), such as 99.9")
    .lt(100, "expected a percentage between 0 and 100 (exclusive), such as 99.9");
const timeOfDay = z.string({ error: 'expected a time of day "HH:MM" (24-hour)' })
    .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time of day "HH:MM" (24-hour)');
/** The tz database's name for `tz` as JavaScript resolves it (case-insensitively), or undefined. */
const resolvedTimeZone = (tz: string) => { try { return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone; } catch { return undefined; } };
const timeZone = z.string({ error: 'expected an IANA time zone such as "America/New_York" or "UTC"' })
    .refine((tz) => resolvedTimeZone(tz) !== undefined, 'expected an IANA time zone such as "America/New_York" or "UTC"')
    // Grafana loads it with Go's time.LoadLocation, which reads tz database files by their exact, case-sensitive name.
    .superRefine((tz, context) => {
        const resolved = resolvedTimeZone(tz);
        if (resolved && resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
            context.addIssue({ code: "custom", message: `time zone names are case-sensitive (Grafana reads them with Go's time.LoadLocation): "${resolved}"` });
        }
    });
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const email = z.string({ error: "expected an email address" }).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "expected an email address");

/** CPU and memory for one container; requests must not exceed limits (the API server refuses that). */
export const resources = section({
    requests: section({ cpu, memory: bytes }),
    limits: section({ cpu, memory: bytes }),
});
export type Resources = z.infer<typeof resources>;

/** Replicas and resources of one workload of a scalable chart. */
export const workload = section({ replicas: positiveInt(), resources });
export type Workload = z.infer<typeof workload>;

export const LOKI_COMPONENTS = [
    "distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "gateway",
] as const;
/** Tempo 3's workloads. No gateway: Grafana and the collector reach the query-frontend and distributor directly. */
export const TEMPO_COMPONENTS = [
    "distributor", "liveStore", "blockBuilder", "querier", "queryFrontend", "metricsGenerator",
    "backendScheduler", "backendWorker",
] as const;

export const configSchema = section({
    /** Which preset the stack starts from; defaults to the stack name when that is a preset's name. */
    preset: z.enum(PRESET_NAMES, { error: `expected one of: ${PRESET_NAMES.join(", ")}` }),
    /** Namespace the program creates and installs everything into. */
    namespace: k8sName,
    /**
     * Protect every resource of the stack (components/ObservabilityStack.ts): `pulumi destroy` and any
     * replacing update stop with an error and delete nothing.
     */
    protectData: bool,
    cluster: section({
        /**
         * The kind of cluster (stacks/cluster.ts): decides whether the control plane's metrics are scraped (only on
         * "self-managed", where they listen on node addresses) and whether a StorageClass must be named.
         */
        distribution: z.enum(DISTRIBUTIONS, { error: `expected one of: ${DISTRIBUTIONS.join(", ")}` }),
        /** Kept for stack files written before `distribution`: true never scrapes the control plane. */
        managedControlPlane: bool.optional(),
        /** StorageClass for every persistent volume; unset uses the cluster default. */
        storageClass: k8sName.optional(),
    }),
    /** One Helm repository or OCI registry holding every pinned chart (same names, versions and digests). */
    charts: section({ repository: chartRepository }).optional(),
    /** A registry mirror for every image every chart renders (air-gapped and firewalled clusters). */
    images: section({ registry: imageRegistry }).optional(),
    ingress: section({
        className: k8sName,
        /** cert-manager ClusterIssuer that signs the TLS certificates of every configured host. */
        clusterIssuer: k8sName.optional(),
        /** Instead of an issuer: an existing `kubernetes.io/tls` Secret in the stack's namespace whose certificate covers every host. */
        tlsSecretName: k8sName.optional(),
        /** Namespace of the ingress controller's pods: the only namespace the NetworkPolicies let reach Grafana's UI. */
        controllerNamespace: k8sName,
    }),
    /** Object storage shared by Loki and Tempo (required by their scalable modes). */
    objectStorage: section({
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
        }),
        /** Where credentials come from: an existing Secret's keys as env vars, or workload identity. */
        credentials: section({
            existingSecret: k8sName.optional(),
            serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
        }),
    }).optional(),
    grafana: section({
        replicas: positiveInt(),
        adminUser: z.string().min(1),
        /** External hostname; when set, an ingress with TLS is created and it becomes the public URL. */
        host: hostname.optional(),
        /** URL the Grafana provider calls (a tunnel or port-forward); defaults to the public URL. */
        apiUrl: url.optional(),
        resources,
        persistence: section({ enabled: bool, size: bytes }),
        /** External PostgreSQL, required for more than one replica (SQLite cannot be shared). */
        database: section({
            host: z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'expected "host" or "host:port"'),
            name: z.string().min(1),
            user: z.string().min(1),
            sslMode: z.enum(["disable", "require", "verify-ca", "verify-full"], { error: "expected one of: disable, require, verify-ca, verify-full" }),
        }).optional(),
        autoscaling: section({
            enabled: bool,
            maxReplicas: positiveInt(),
            targetCpuPercent: positiveInt("a CPU utilisation percentage ≥ 1"),
            targetMemoryPercent: positiveInt("a memory utilisation percentage ≥ 1"),
        }),
        /** SMTP relay for email notifications; the password comes from secret config smtpPassword. */
        smtp: section({ host: z.string().regex(/^[A-Za-z0-9.-]+:\d+$/, 'expected "host:port"'), fromAddress: email, user: z.string().min(1) }).optional(),
    }),
    prometheus: section({
        replicas: positiveInt(),
        retention: duration,
        retentionSize: prometheusSize,
        storageSize: bytes,
        scrapeInterval: duration,
        evaluationInterval: duration,
        resources,
        host: hostname.optional(),
        operatorResources: resources,
        nodeExporterResources: resources,
        kubeStateMetricsResources: resources,
        alertmanager: section({ enabled: bool, replicas: positiveInt(), storageSize: bytes, resources }),
    }),
    loki: section({
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
            ingestionRateMb: positiveInt(), ingestionBurstSizeMb: positiveInt(), maxGlobalStreamsPerUser: positiveInt(),
        }),
        /** Require an X-Scope-OrgID tenant header; off means a single tenant "fake". */
        multiTenant: bool,
    }),
    tempo: section({
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
            maxBytesPerTrace: positiveInt(), ingestionRateLimitBytes: positiveInt(), ingestionBurstSizeBytes: positiveInt(),
        }),
    }),
    collector: section({
        resources,
        /** Namespaces whose pods may send OTLP to the collector. */
        applicationNamespaces: z.array(k8sName),
    }),
    alerting: section({
        /** true: provisioned alerting objects stay editable in the Grafana UI (and drift from code). */
        disableProvenance: bool,
        slack: section({ enabled: bool, recipient: z.string().min(1), username: z.string().min(1), mentionChannel: z.enum(["", "here", "channel"]) }),
        email: section({ enabled: bool, addresses: z.array(email).min(1, "expected at least one address") }),
        pagerduty: section({ enabled: bool, class: z.string(), component: z.string(), group: z.string() }),
        maintenanceWindow: section({
            name: z.string().min(1),
            weekdays: z.array(z.enum(WEEKDAYS, { error: `expected a weekday: ${WEEKDAYS.join(", ")}` })).min(1),
            startTime: timeOfDay,
            endTime: timeOfDay,
            location: timeZone,
        }),
    }),
    /** Services with SLOs: recording rules (a PrometheusRule each), burn-rate alert instances and a dashboard each. */
    services: z.array(section({
        name: k8sName,
        namespace: k8sName,
        team: z.string().min(1),
        /** Share of requests that must not fail (5xx), e.g. 99.9. */
        availabilityObjective: percent,
        /** Share of requests that must be faster than thresholdMs, e.g. 95. */
        latencyObjective: percent,
        latencyThresholdMs: positiveInt(),
    })),
});

export type StackConfig = z.infer<typeof configSchema>;
export type StackConfigInput = z.input<typeof configSchema>;
