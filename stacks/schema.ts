// The one schema every stack's configuration passes before any resource is registered: the stack-wide
// sections written here, each backend's section from the registry (components/backends.ts).
import { z } from "zod";
import { BACKEND_KEYS, BACKENDS, type BackendKey } from "../components/backends";
import { objectStorageSettings } from "../components/objectStorage/settings";
import { DISTRIBUTIONS } from "./cluster";
import { bool, email, k8sName, PRESET_NAMES, percent, positiveInt, section, timeOfDay, timeZone, WEEKDAYS } from "./fields";

export type { PresetName, Resources, Workload } from "./fields";
export { duration, hostname, k8sName, PRESET_NAMES, resources, WEEKDAYS, workload } from "./fields";

/** Each backend's section, from the registry, under its key. */
const backendSections = Object.fromEntries(BACKEND_KEYS.map((key) => [key, BACKENDS[key].settings.schema])) as {
    [K in BackendKey]: (typeof BACKENDS)[K]["settings"]["schema"];
};

/** Where every pinned chart is fetched from instead of its upstream repository (components/mirrors.ts). */
export const CHART_REPOSITORY_HINT =
    'a Helm repository URL such as "https://charts.example.com/helm" or an OCI registry such as "oci://registry.example.com/charts" (no trailing "/")';
const chartRepository = z
    .string({ error: `expected ${CHART_REPOSITORY_HINT}` })
    .regex(/^(https?:\/\/[^\s/]+(\/\S*)?|oci:\/\/[^\s/]+(\/[^\s/]+)*)$/, `expected ${CHART_REPOSITORY_HINT}`)
    .refine((v) => !v.endsWith("/"), `expected ${CHART_REPOSITORY_HINT}`);
/** The registry (host, optional port and path) that replaces every image's registry. */
export const IMAGE_REGISTRY_HINT =
    'a registry host with an optional port and path, without a scheme, such as "registry.example.com" or "harbor.example.com:8443/mirror"';
const imageRegistry = z
    .string({ error: `expected ${IMAGE_REGISTRY_HINT}` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, `expected ${IMAGE_REGISTRY_HINT}`);

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
    objectStorage: objectStorageSettings.optional(),
    ...backendSections,
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
    /**
     * Services with SLOs: recording rules (a rule group each, packed into a few PrometheusRules), burn-rate alert
     * instances, and a link to the shared SLO dashboard each (or a dashboard of its own with `ownDashboard`).
     */
    services: z.array(
        section({
            name: k8sName,
            namespace: k8sName,
            team: z.string().min(1),
            /** Share of requests that must not fail (5xx), e.g. 99.9. */
            availabilityObjective: percent,
            /** Share of requests that must be faster than thresholdMs, e.g. 95. */
            latencyObjective: percent,
            latencyThresholdMs: positiveInt(),
            /** true: the service also gets an SLO dashboard of its own (UID slo-<namespace>-<name>), not only a link to the shared one. */
            ownDashboard: z.boolean({ error: "ownDashboard: expected true or false (true gives the service an SLO dashboard of its own)" }).optional(),
        }),
    ),
});

export type StackConfig = z.infer<typeof configSchema>;
export type StackConfigInput = z.input<typeof configSchema>;
