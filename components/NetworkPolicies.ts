import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BACKEND_KEYS, BACKENDS } from "./backends";
import type { Allowance, FlowArgs, LabelSelector, NetworkPolicyPort, Source } from "./flows";

/** Where the policies live, and what decides the flows (components/flows.ts FlowArgs). */
export interface NetworkPoliciesArgs extends FlowArgs {
    /** The stack's namespace (created by the ObservabilityStack); every policy lives and selects pods there. */
    namespace: pulumi.Input<string>;
}

export interface NetworkPolicyPeer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
}
export interface NetworkPolicyIngressRule {
    from?: NetworkPolicyPeer[];
    ports: NetworkPolicyPort[];
}
export interface NetworkPolicySpec {
    podSelector: LabelSelector;
    policyTypes: Array<"Ingress" | "Egress">;
    ingress?: NetworkPolicyIngressRule[];
}
export interface NamedNetworkPolicy {
    name: string;
    spec: NetworkPolicySpec;
}

/** Every backend's pods, by the name its flows use for them. */
export const PODS: Record<string, LabelSelector> = Object.assign({}, ...BACKEND_KEYS.map((key) => BACKENDS[key].flows.pods));

function selector(group: string): LabelSelector {
    const pods = PODS[group];
    if (!pods) throw new Error(`a flow names pods "${group}", which no backend's flows.ts defines (known: ${Object.keys(PODS).join(", ")})`);
    return pods;
}

export type NetworkPolicySpecArgs = FlowArgs;

/** Every flow the stack needs, and nothing else: what is not listed here is refused by the default deny. */
function allowances(args: NetworkPolicySpecArgs): Allowance[] {
    return BACKEND_KEYS.flatMap((key) => BACKENDS[key].flows.serves(args));
}

function peer(source: Source): NetworkPolicyPeer {
    if ("pods" in source) return { podSelector: selector(source.pods) };
    if ("anyPodInNamespace" in source) return { podSelector: {} };
    if ("podLabels" in source) {
        return {
            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [source.namespace] }] },
            podSelector: { matchLabels: source.podLabels },
        };
    }
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
    const byTarget = new Map<string, Allowance[]>();
    for (const row of allowances(args)) byTarget.set(row.to, [...(byTarget.get(row.to) ?? []), row]);
    for (const [target, rows] of byTarget) {
        policies.push({
            name: `allow-ingress-to-${target}`,
            spec: {
                podSelector: selector(target),
                policyTypes: ["Ingress"],
                ingress: rows.map((row) =>
                    row.from.some((source) => "anywhere" in source) ? { ports: row.ports } : { from: row.from.map(peer), ports: row.ports },
                ),
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
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.name}`,
                {
                    metadata: { name: policy.name, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "observability" } },
                    spec: policy.spec,
                },
                { parent: this },
            );
        }
        this.policyNames = pulumi.output(policies.map((policy) => policy.name));
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
