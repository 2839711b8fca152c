import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../../stacks/schema";
import { tcp } from "../flows";
import { chartRelease } from "../helm";
import { namespaceLabels } from "../namespaces";
import { PROMETHEUS_FLOWS } from "../prometheus/flows";
import { profilerConfig } from "./alloy/ebpf";
import { SHARED_RELEASE_VALUES } from "./chart";
import { PROFILER_POD_LABELS } from "./flows";
import { ALLOY_HTTP_PORT, PROFILER_RELEASE, profilerNamespaceName } from "./names";

export interface ProfilerArgs {
    /** The stack's namespace: the profiler gets its own next to it, `<namespace>-profiler`. */
    namespace: pulumi.Input<string>;
    /** Requests and limits of the profiler's pod, on each node. */
    resources: Resources;
    /** Pyroscope's push API (pyroscope.write appends the path). */
    pyroscopeWriteUrl: pulumi.Input<string>;
}

/**
 * eBPF profiling of every container on every node (`collector.profiling.ebpf`): a second release of the alloy
 * chart, a DaemonSet running `pyroscope.ebpf` privileged, as root, in the host's PID namespace, which Alloy's
 * documentation requires of it ("you must run Alloy as root and inside the host PID namespace"; privileged is its
 * simplest option, the list of capabilities otherwise). That access is why it is a release of its own, in a
 * namespace of its own at Pod Security "privileged" (as node-exporter's): the collector keeps running `restricted`.
 * Nothing but Prometheus reaches it: its namespace denies ingress except the scrape of Alloy's own HTTP port.
 */
export class Profiler extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly release: k8s.helm.v3.Release;
    /** Names of the NetworkPolicies in the profiler's namespace. */
    public readonly policyNames: string[];

    constructor(name: string, args: ProfilerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:stack:Profiler", name, {}, opts);
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: pulumi.output(args.namespace).apply(profilerNamespaceName), labels: namespaceLabels("privileged") } },
            { parent: this },
        );
        this.release = chartRelease(
            `${name}-release`,
            {
                chart: "alloy",
                releaseName: PROFILER_RELEASE,
                namespace: this.namespace.metadata.name,
                values: pulumi.output(args.pyroscopeWriteUrl).apply((url) => profilerValues(url, args.resources)),
            },
            { parent: this, dependsOn: [this.namespace] },
        );

        // As in the stack's namespace (components/NetworkPolicies.ts): deny every ingress, then allow what is needed.
        const policies = [
            { name: "default-deny-ingress", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
            {
                name: `allow-ingress-to-${PROFILER_RELEASE}`,
                spec: {
                    podSelector: { matchLabels: PROFILER_POD_LABELS },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            // Prometheus' pods in the stack's namespace, scraping Alloy's metrics (the release's ServiceMonitor).
                            from: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.namespace } },
                                    podSelector: PROMETHEUS_FLOWS.pods.prometheus,
                                },
                            ],
                            ports: tcp(ALLOY_HTTP_PORT),
                        },
                    ],
                },
            },
        ];
        for (const policy of policies) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.name}`,
                {
                    metadata: { name: policy.name, namespace: this.namespace.metadata.name, labels: { "app.kubernetes.io/part-of": "observability" } },
                    spec: policy.spec,
                },
                { parent: this, dependsOn: [this.namespace] },
            );
        }
        this.policyNames = policies.map((policy) => policy.name);
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}

/** The chart values; every key is a real key of the alloy chart (tests check it). */
export function profilerValues(pyroscopeWriteUrl: string, resources: Resources): Record<string, unknown> {
    return {
        crds: { create: false },
        controller: {
            type: "daemonset",
            hostPID: true,
            // Every node, control plane included: node-exporter's toleration (prometheus-node-exporter values.yaml).
            tolerations: [{ effect: "NoSchedule", operator: "Exists" }],
        },
        alloy: {
            configMap: { create: true, content: profilerConfig(pyroscopeWriteUrl) },
            securityContext: { privileged: true, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false },
            enableReporting: false,
            resources,
            mounts: { varlog: false, dockercontainers: false },
        },
        ...SHARED_RELEASE_VALUES,
    };
}
