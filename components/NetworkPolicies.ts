import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALLOY_HTTP_PORT, COLLECTOR_RELEASE } from "./collector/Collector";
import { GRAFANA_RELEASE } from "./grafana/Grafana";
import { LOKI_HTTP_PORT, LOKI_RELEASE } from "./loki/Loki";
import { ALERTMANAGER_PORT, PROMETHEUS_FULLNAME, PROMETHEUS_PORT, PROMETHEUS_RELEASE } from "./prometheus/Prometheus";
import { TEMPO_HTTP_PORT, TEMPO_RELEASE } from "./tempo/Tempo";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "./vocabulary";

export interface NetworkPoliciesArgs {
    /** The stack's namespace (created by the ObservabilityStack); every policy lives and selects pods there. */
    namespace: pulumi.Input<string>;
    /** Namespace of the ingress controller's pods (`ingress.controllerNamespace`), the only way in to Grafana's UI. */
    ingressControllerNamespace: string;
    /** Namespaces whose pods may send OTLP to the collector: those of `services` and `collector.applicationNamespaces`. */
    applicationNamespaces: string[];
    /** Whether kube-prometheus-stack runs Alertmanager (`prometheus.alertmanager.enabled`). */
    alertmanagerEnabled: boolean;
    /** Whether Grafana has an ingress (`grafana.host` is set); without one the UI is reached by port-forward only. */
    grafanaIngressEnabled: boolean;
    /** Whether Prometheus has an ingress (`prometheus.host` is set), so the ingress controller must reach it. */
    prometheusIngressEnabled: boolean;
}

// Ports the charts' templates hard-code (not values), with the template that does.
/** grafana chart templates/_pod.tpl: containerPort 9094 (TCP and UDP) for unified-alerting gossip. */
const GRAFANA_GOSSIP_PORT = 9094;
/** grafana chart values `service.targetPort`: the HTTP port, also what the headless Service of HA replicas targets. */
const GRAFANA_HTTP_PORT = 3000;
/** The operator's cluster port of every Alertmanager it runs (mesh gossip, TCP and UDP). */
const ALERTMANAGER_CLUSTER_PORT = 9094;
/** kube-prometheus-stack `prometheus.service.reloaderWebPort`: the config-reloader sidecar's metrics (Prometheus and Alertmanager pods). */
const CONFIG_RELOADER_PORT = 8080;
/**
 * kube-prometheus-stack `prometheusOperator.tls.internalPort`: the operator's only port, serving its metrics and,
 * because prometheus/Prometheus.ts leaves `admissionWebhooks.enabled` on and `admissionWebhooks.deployment.enabled` off, the
 * admission webhook the API server calls.
 */
const OPERATOR_HTTPS_PORT = 10250;
/** kube-state-metrics subchart `service.port`. */
const KUBE_STATE_METRICS_PORT = 8080;
/** Loki and Tempo, besides HTTP: gRPC between components and memberlist gossip (values `*.server.*`, memberlist bind_port). */
const GRPC_PORT = 9095;
const MEMBERLIST_PORT = 7946;
/** memcached client port (loki and tempo-distributed memcached StatefulSets) and loki's memcached-exporter sidecar. */
const MEMCACHED_PORT = 11211;
const MEMCACHED_EXPORTER_PORT = 9150;
/** The nginx gateways of loki (`gateway.containerPort`) and tempo-distributed (nginx `listen 8080`). */
const GATEWAY_PORT = 8080;
/** loki gateway templates: the access-log exporter sidecar's http-metrics port. */
const LOKI_GATEWAY_EXPORTER_PORT = 4040;

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}
export interface NetworkPolicyPort { protocol: "TCP" | "UDP"; port: number }
export interface NetworkPolicyPeer { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
export interface NetworkPolicyIngressRule { from?: NetworkPolicyPeer[]; ports: NetworkPolicyPort[] }
export interface NetworkPolicySpec { podSelector: LabelSelector; policyTypes: Array<"Ingress" | "Egress">; ingress?: NetworkPolicyIngressRule[] }
export interface NamedNetworkPolicy { name: string; spec: NetworkPolicySpec }

const tcp = (...ports: number[]): NetworkPolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));
const tcpAndUdp = (port: number): NetworkPolicyPort[] => [{ protocol: "TCP", port }, { protocol: "UDP", port }];
const named = (name: string, instance: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance });

/**
 * Each workload's pods, by labels its chart (or the operator) puts on the pod template; selectors match
 * what the charts' own Services select by, so they keep matching across chart upgrades.
 */
export const PODS = {
    // grafana chart _helpers.tpl "grafana.selectorLabels" (name = .Chart.Name), on the Deployment's pod template.
    grafana: { matchLabels: named("grafana", GRAFANA_RELEASE) },
    // The operator labels the pods of Prometheus "<fullname>" (cleanPrometheusOperatorObjectNames); kube-prometheus-stack
    // templates/prometheus/service.yaml selects them by these two labels.
    prometheus: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": PROMETHEUS_FULLNAME } },
    // templates/alertmanager/service.yaml selects app.kubernetes.io/name=alertmanager, alertmanager=<crname> (the fullname).
    alertmanager: { matchLabels: { "app.kubernetes.io/name": "alertmanager", alertmanager: PROMETHEUS_FULLNAME } },
    // templates/prometheus-operator/deployment.yaml: selector app=<chart name>-operator, release=<release>.
    "prometheus-operator": { matchLabels: { app: "kube-prometheus-stack-operator", release: PROMETHEUS_RELEASE } },
    // kube-state-metrics subchart _helpers.tpl "kube-state-metrics.selectorLabels".
    "kube-state-metrics": { matchLabels: named("kube-state-metrics", PROMETHEUS_RELEASE) },
    // loki chart "loki.selectorLabels" (name = .Chart.Name) is on every pod: components (_pod.tpl), gateway, memcached, canary.
    loki: { matchLabels: named("loki", LOKI_RELEASE) },
    // tempo chart "tempo.selectorLabels" (.Chart.Name "tempo"); tempo-distributed's helper defaults the name to "tempo" too.
    tempo: { matchLabels: named("tempo", TEMPO_RELEASE) },
    // tempo-distributed labels each component's pods app.kubernetes.io/component=<component>.
    "tempo-metrics-generator": { matchLabels: { ...named("tempo", TEMPO_RELEASE), "app.kubernetes.io/component": "metrics-generator" } },
    // The tempo chart's single binary carries no component label: it runs the metrics generator in-process.
    "tempo-single-binary": {
        matchLabels: named("tempo", TEMPO_RELEASE),
        matchExpressions: [{ key: "app.kubernetes.io/component", operator: "DoesNotExist" }],
    },
    // alloy chart _helpers.tpl "alloy.selectorLabels" (name = .Chart.Name).
    alloy: { matchLabels: named("alloy", COLLECTOR_RELEASE) },
} satisfies Record<string, LabelSelector>;
export type PodGroup = keyof typeof PODS;

/** Who may open a connection: pods of this namespace, every pod of some namespaces, or anything (the API server is no pod). */
type Source = { pods: PodGroup } | { namespaces: string[] } | { anyPodInNamespace: true } | { anywhere: true };

/** One row of the table: `to`'s pods accept `from` on `ports`, because `why`. */
interface Allowance { to: PodGroup; from: Source[]; ports: NetworkPolicyPort[]; why: string }

export type NetworkPolicySpecArgs = Omit<NetworkPoliciesArgs, "namespace">;

/** Every flow the stack needs, and nothing else: what is not listed here is refused by the default deny. */
function allowances(args: NetworkPolicySpecArgs): Allowance[] {
    const pods = (...groups: PodGroup[]): Source[] => groups.map((group) => ({ pods: group }));
    const prometheus = pods("prometheus");
    const rows: Allowance[] = [
        {
            to: "grafana", from: pods("grafana"), ports: [...tcpAndUdp(GRAFANA_GOSSIP_PORT), ...tcp(GRAFANA_HTTP_PORT)],
            why: "HA replicas gossip alert state, and find each other through the headless Service",
        },
        { to: "prometheus", from: pods("grafana"), ports: tcp(PROMETHEUS_PORT), why: "the Prometheus datasource" },
        {
            to: "prometheus", from: pods("tempo-metrics-generator", "tempo-single-binary"), ports: tcp(PROMETHEUS_PORT),
            why: "Tempo's metrics generator remote-writes span and service-graph metrics",
        },
        { to: "loki", from: pods("grafana", "alloy"), ports: tcp(LOKI_HTTP_PORT, GATEWAY_PORT), why: "queries (Grafana) and pushes (the collector)" },
        {
            to: "loki", from: pods("loki"), ports: tcp(LOKI_HTTP_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT),
            why: "gateway to components, component to component, the ring and the caches",
        },
        { to: "tempo", from: pods("grafana"), ports: tcp(TEMPO_HTTP_PORT, GATEWAY_PORT), why: "the Tempo datasource" },
        { to: "tempo", from: pods("alloy"), ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT, GATEWAY_PORT), why: "traces from the collector" },
        {
            to: "tempo", from: pods("tempo"), ports: tcp(TEMPO_HTTP_PORT, GRPC_PORT, MEMBERLIST_PORT, MEMCACHED_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT),
            why: "gateway to distributors, component to component, the ring and the cache",
        },
        {
            to: "alloy", from: [{ anyPodInNamespace: true }, ...(args.applicationNamespaces.length > 0 ? [{ namespaces: args.applicationNamespaces }] : [])],
            ports: tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT), why: "OTLP from the applications",
        },
        { to: "alloy", from: pods("alloy"), ports: tcp(ALLOY_HTTP_PORT), why: "clustering: replicas split the pods to tail" },
        // The API server calls the webhook from outside the pod network; Prometheus scrapes the same port.
        { to: "prometheus-operator", from: [{ anywhere: true }], ports: tcp(OPERATOR_HTTPS_PORT), why: "the admission webhook" },
        // Scraping. The config reloaders and the operator reach Prometheus and Alertmanager over localhost or the
        // API server, which no NetworkPolicy sees, so they need no rule of their own.
        { to: "grafana", from: prometheus, ports: tcp(GRAFANA_HTTP_PORT), why: "scraping" },
        { to: "prometheus", from: prometheus, ports: tcp(PROMETHEUS_PORT, CONFIG_RELOADER_PORT), why: "scraping itself and its replicas" },
        { to: "kube-state-metrics", from: prometheus, ports: tcp(KUBE_STATE_METRICS_PORT), why: "scraping" },
        {
            to: "loki", from: prometheus, ports: tcp(LOKI_HTTP_PORT, MEMCACHED_EXPORTER_PORT, LOKI_GATEWAY_EXPORTER_PORT),
            why: "scraping components, the caches' exporters and the gateway's (loki/Loki.ts turns the canary off)",
        },
        // tempo/Tempo.ts runs the memcached cache without its exporter, so only Tempo itself has metrics.
        { to: "tempo", from: prometheus, ports: tcp(TEMPO_HTTP_PORT), why: "scraping" },
        { to: "alloy", from: prometheus, ports: tcp(ALLOY_HTTP_PORT), why: "scraping" },
    ];
    if (args.grafanaIngressEnabled) {
        rows.push({ to: "grafana", from: [{ namespaces: [args.ingressControllerNamespace] }], ports: tcp(GRAFANA_HTTP_PORT), why: "the UI and API, through the ingress" });
    }
    if (args.prometheusIngressEnabled) {
        rows.push({ to: "prometheus", from: [{ namespaces: [args.ingressControllerNamespace] }], ports: tcp(PROMETHEUS_PORT), why: "the UI, through the ingress" });
    }
    if (args.alertmanagerEnabled) {
        rows.push(
            { to: "alertmanager", from: pods("prometheus", "grafana"), ports: tcp(ALERTMANAGER_PORT), why: "alerts (Prometheus) and the Alertmanager datasource" },
            { to: "alertmanager", from: pods("alertmanager"), ports: tcpAndUdp(ALERTMANAGER_CLUSTER_PORT), why: "HA replicas gossip silences and notifications" },
            { to: "alertmanager", from: prometheus, ports: tcp(CONFIG_RELOADER_PORT), why: "scraping the config reloader" },
        );
    }
    return rows;
}

function peer(source: Source): NetworkPolicyPeer {
    if ("pods" in source) return { podSelector: PODS[source.pods] };
    if ("anyPodInNamespace" in source) return { podSelector: {} };
    if ("namespaces" in source) {
        // The API server sets kubernetes.io/metadata.name on every namespace (Kubernetes ≥ 1.22).
        return { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...new Set(source.namespaces)] }] } };
    }
    throw new Error("a source that matches anywhere has no peer: its rule has no `from`");
}

/**
 * The NetworkPolicies of the stack's namespace: deny every ingress, then one policy per workload with one
 * rule per row of `allowances`. Policies are additive, so a pod accepts the union of its policies' rules.
 *
 * Egress stays open: pods resolve DNS, reach object storage, Kafka and the API server, and Grafana calls
 * Slack, PagerDuty and SMTP; those live outside the cluster at addresses that change, which an ingress-only
 * policy need not know. Kubelet probes come from the node, which NetworkPolicies always let through.
 */
export function networkPolicySpecs(args: NetworkPolicySpecArgs): NamedNetworkPolicy[] {
    const policies: NamedNetworkPolicy[] = [{ name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } }];
    const byTarget = new Map<PodGroup, Allowance[]>();
    for (const row of allowances(args)) byTarget.set(row.to, [...(byTarget.get(row.to) ?? []), row]);
    for (const [target, rows] of byTarget) {
        policies.push({
            name: `allow-ingress-to-${target}`,
            spec: {
                podSelector: PODS[target],
                policyTypes: ["Ingress"],
                ingress: rows.map((row) => row.from.some((source) => "anywhere" in source)
                    ? { ports: row.ports }
                    : { from: row.from.map(peer), ports: row.ports }),
            },
        });
    }
    return policies;
}

/** Default-deny ingress for the stack's namespace, and the flows between its workloads that it needs. */
export class NetworkPolicies extends pulumi.ComponentResource {
    /** Names of the NetworkPolicies in the namespace. */
    public readonly policyNames: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:NetworkPolicies", name, {}, opts);
        const policies = networkPolicySpecs(args);
        for (const policy of policies) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy.name}`, {
                metadata: { name: policy.name, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "observability" } },
                spec: policy.spec,
            }, { parent: this });
        }
        this.policyNames = pulumi.output(policies.map((policy) => policy.name));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
