// What Alloy's discovery.kubernetes (role "pod") reports for a pod: the targets of Prometheus'
// discovery/kubernetes/pod.go (v0.315.1), which that component runs, written out for the pods the tests make up.
import type { Labels } from "../support/relabel";

export interface DiscoveredContainer {
    name: string;
    image?: string;
    /** The container's runtime ID as the pod's status reports it ("containerd://..."). */
    id?: string;
    ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
}

/** The parts of a Pod the discovery reads. */
export interface DiscoveredPod {
    namespace: string;
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    phase?: string;
    ip: string;
    node?: string;
    containers: DiscoveredContainer[];
    initContainers?: DiscoveredContainer[];
}

/** strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes "_". */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * pod.go buildPod: no target for a pod without an IP; otherwise the pod's labels (podLabels: ip, ready, phase,
 * node name, host IP, uid, the pod's name, and each label and annotation under its sanitized name with a
 * `*present` twin; the namespace) on one target per container and declared port (address "<pod IP>:<port>",
 * the port's number, name and protocol), or one per container without ports (address the pod IP alone);
 * init containers after the others, marked `init`.
 */
export function podDiscoveryTargets(pod: DiscoveredPod): Labels[] {
    if (!pod.ip) return [];
    const meta = (kind: "label" | "annotation", entries: Record<string, string> = {}) =>
        Object.fromEntries(
            Object.entries(entries).flatMap(([key, value]) => [
                [`__meta_kubernetes_pod_${kind}_${sanitize(key)}`, value],
                [`__meta_kubernetes_pod_${kind}present_${sanitize(key)}`, "true"],
            ]),
        );
    const common: Labels = {
        __meta_kubernetes_pod_ip: pod.ip,
        __meta_kubernetes_pod_ready: pod.phase === undefined || pod.phase === "Running" ? "true" : "false",
        __meta_kubernetes_pod_phase: pod.phase ?? "Running",
        __meta_kubernetes_pod_node_name: pod.node ?? "worker-1",
        __meta_kubernetes_pod_host_ip: "172.18.0.3",
        __meta_kubernetes_pod_uid: `uid-${pod.name}`,
        __meta_kubernetes_pod_name: pod.name,
        ...meta("label", pod.labels),
        ...meta("annotation", pod.annotations),
        __meta_kubernetes_namespace: pod.namespace,
    };
    const containers = [...pod.containers.map((c) => ({ c, init: false })), ...(pod.initContainers ?? []).map((c) => ({ c, init: true }))];
    return containers.flatMap(({ c, init }) => {
        const container: Labels = {
            ...common,
            __meta_kubernetes_pod_container_name: c.name,
            __meta_kubernetes_pod_container_id: c.id ?? `containerd://${pod.name}-${c.name}`,
            __meta_kubernetes_pod_container_image: c.image ?? `registry.example/${c.name}:1.0`,
            __meta_kubernetes_pod_container_init: String(init),
        };
        if (!c.ports?.length) return [{ ...container, __address__: pod.ip }];
        return c.ports.map((port) => ({
            ...container,
            __address__: `${pod.ip}:${port.containerPort}`,
            __meta_kubernetes_pod_container_port_number: String(port.containerPort),
            __meta_kubernetes_pod_container_port_name: port.name ?? "",
            __meta_kubernetes_pod_container_port_protocol: port.protocol ?? "TCP",
        }));
    });
}
