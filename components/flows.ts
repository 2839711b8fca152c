// The vocabulary of the NetworkPolicies: label selectors, ports, and one row per allowed flow. Each backend
// lists the flows it serves (components/<backend>/flows.ts); NetworkPolicies.ts turns every row into rules.

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}
export interface NetworkPolicyPort {
    protocol: "TCP" | "UDP";
    port: number;
}

/**
 * Who may open a connection: a backend's pods (a key of some backend's `pods`), every pod of some namespaces,
 * labelled pods of another namespace, or anything.
 */
export type Source =
    | { pods: string }
    | { namespaces: string[] }
    | { namespace: string; podLabels: Record<string, string> }
    | { anyPodInNamespace: true }
    | { anywhere: true };

/** One row of the table: `to`'s pods accept `from` on `ports`, because `why`. */
export interface Allowance {
    to: string;
    from: Source[];
    ports: NetworkPolicyPort[];
    why: string;
}

/** What decides which flows the stack needs, from the validated config. */
export interface FlowArgs {
    /** Namespace of the ingress controller's pods (`ingress.controllerNamespace`), the only way in to Grafana's UI. */
    ingressControllerNamespace: string;
    /** Namespaces whose pods may send OTLP and push profiles to the collector: those of `services` and `collector.applicationNamespaces`. */
    applicationNamespaces: string[];
    /** Whether kube-prometheus-stack runs Alertmanager (`prometheus.alertmanager.enabled`). */
    alertmanagerEnabled: boolean;
    /** Whether Grafana has an ingress (`grafana.host` is set); without one the UI is reached by port-forward only. */
    grafanaIngressEnabled: boolean;
    /** Whether Prometheus has an ingress (`prometheus.host` is set), so the ingress controller must reach it. */
    prometheusIngressEnabled: boolean;
    /** The eBPF profiler's namespace and pod labels, when `collector.profiling.ebpf` runs it: it pushes to Pyroscope. */
    profiler?: { namespace: string; podLabels: Record<string, string> };
}

/** What one backend contributes to the NetworkPolicies: its pods, by label, and the flows they accept. */
export interface BackendFlows {
    /**
     * Each workload's pods, by labels its chart (or the operator) puts on the pod template; selectors match
     * what the charts' own Services select by, so they keep matching across chart upgrades.
     */
    pods: Record<string, LabelSelector>;
    /** Every flow to those pods the stack needs; what no backend lists is refused by the default deny. */
    serves: (args: FlowArgs) => Allowance[];
}

export const tcp = (...ports: number[]): NetworkPolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));
export const tcpAndUdp = (port: number): NetworkPolicyPort[] => [
    { protocol: "TCP", port },
    { protocol: "UDP", port },
];
export const named = (name: string, instance: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance });
export const pods = (...groups: string[]): Source[] => groups.map((group) => ({ pods: group }));
/** Prometheus' pods: the source of every scrape. */
export const SCRAPER: Source[] = pods("prometheus");

// Ports the charts' templates hard-code (not values) that several backends share, with the template that does.
/** Loki and Tempo, besides HTTP: gRPC between components and memberlist gossip (values `*.server.*`, memberlist bind_port). */
export const GRPC_PORT = 9095;
export const MEMBERLIST_PORT = 7946;
/** memcached client port (loki and tempo-distributed memcached StatefulSets). */
export const MEMCACHED_PORT = 11211;
/** The nginx gateways of loki (`gateway.containerPort`) and tempo-distributed (nginx `listen 8080`). */
export const GATEWAY_PORT = 8080;
